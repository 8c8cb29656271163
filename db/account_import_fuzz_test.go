package db_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"miniauth/db"
	"miniauth/password"
)

// FuzzReadAccountCSV feeds the importer arbitrary files: it never panics, and every input
// gives either well-formed accounts or an *ImportError naming rows of the file.
func FuzzReadAccountCSV(f *testing.F) {
	for _, seed := range []string{
		"username,name,password\nalice,Alice,alice-pw\n",
		"\ufeffusername,name,password_hash\r\nbob,Bob," + legacyHash + "\r\n",
		"PASSWORD,Name,UserName\npw,Carol,carol\n",
		"\"username\",\"name\",\"password\"\n\"dave\",\"Dave, \"\"Jr\"\"\",\"p,w\"\n",
		"erin,Erin,pw\nfrank,\"Frank\n",
		"gina,\"Gi\"na,pw\n",
		"\"",
		"\ufeff",
		"username,email,password\n",
		"hank,Hank," + withCost(31) + "\n",
		"ivan,Ivan," + argon2idPHC("m=4194304,t=1,p=1") + "\n",
		"judy,Judy," + argon2idPHC("m=64,t=1,p=1") + "\n",
		"kate,Kate\nkate,Kate,pw,x\n,,\n\n",
		"username\r\nlee\r\n",
		"mallory,M\x00,pw\xff\n",
	} {
		f.Add([]byte(seed))
	}
	h := password.New(password.Params{Memory: 8, Time: 1, Threads: 1, KeyLen: 16, SaltLen: 8}, 2, 1<<16)
	f.Fuzz(func(t *testing.T, file []byte) {
		rows, err := db.ReadAccountCSV(context.Background(), strings.NewReader(string(file)), h)
		lines := strings.Count(string(file), "\n") + 1
		if err != nil {
			var ie *db.ImportError
			if !errors.As(err, &ie) || len(ie.Rejected) == 0 || rows != nil {
				t.Fatalf("neither accounts nor a report of rows: %v (%d rows)", err, len(rows))
			}
			for _, r := range ie.Rejected {
				if r.Line < 0 || r.Line > lines || r.Reason == "" || !utf8.ValidString(r.Username) || len(r.Username) > 64*4+3 {
					t.Fatalf("rejection %+v does not name a row of a %d-line file", r, lines)
				}
			}
			return
		}
		if len(rows) == 0 {
			t.Fatal("no error and no accounts")
		}
		seen := map[string]bool{}
		for _, r := range rows {
			u, uerr := db.NormalizeUsername(r.Username)
			if uerr != nil || u != r.Username || seen[u] || r.Line < 1 || r.Line > lines {
				t.Fatalf("bad account %+v", r)
			}
			seen[u] = true
			if perr := password.Check(r.PasswordHash); perr != nil {
				t.Fatalf("%s: stored hash refused: %v", r.Username, perr)
			}
			if !utf8.ValidString(r.Name) || strings.ContainsRune(r.Name, 0) {
				t.Fatalf("%s: name %q", r.Username, r.Name)
			}
		}
	})
}
