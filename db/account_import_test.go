package db_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"miniauth/db"
	"miniauth/db/dbtest"
	"miniauth/password"
)

var importHasher = password.New(password.Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}, 2, 1<<16)

// legacyHash is a bcrypt hash of "legacy" at cost 4, and withCost relabels it.
var legacyHash = func() string {
	b, _ := bcrypt.GenerateFromPassword([]byte("legacy"), bcrypt.MinCost)
	return string(b)
}()

func withCost(cost int) string { return fmt.Sprintf("%s%02d%s", legacyHash[:4], cost, legacyHash[6:]) }

func argon2idPHC(params string) string {
	b := base64.RawStdEncoding.EncodeToString
	return "$argon2id$v=19$" + params + "$" + b(make([]byte, 16)) + "$" + b(make([]byte, 32))
}

// rejections reads a file that must be refused and returns its report.
func rejections(t *testing.T, file string) []db.ImportRejection {
	t.Helper()
	rows, err := db.ReadAccountCSV(context.Background(), strings.NewReader(file), importHasher)
	var ie *db.ImportError
	if !errors.As(err, &ie) || rows != nil {
		t.Fatalf("file accepted (%d rows, %v), want it refused:\n%s", len(rows), err, file)
	}
	return ie.Rejected
}

// wantRejected asserts the report names line with a reason containing each of words.
func wantRejected(t *testing.T, rep []db.ImportRejection, line int, words ...string) {
	t.Helper()
	for _, r := range rep {
		if r.Line != line {
			continue
		}
		all := r.Username + ": " + r.Reason
		for _, w := range words {
			if !strings.Contains(all, w) {
				t.Errorf("line %d: %q does not say %q", line, all, w)
			}
		}
		return
	}
	t.Errorf("line %d is not in the report %+v", line, rep)
}

func TestImportHeaderRows(t *testing.T) {
	ctx := context.Background()
	type acct struct{ user, name, pw string } // pw: a password that must verify
	argon, err := importHasher.Hash(ctx, "argon-pw")
	must(t, err)
	for _, c := range []struct {
		name string
		file string
		want []acct
	}{
		{"console's suggested header", "username,name,password_hash\nbob,Bob,\"" + legacyHash + "\"\n",
			[]acct{{"bob", "Bob", "legacy"}}},
		{"header in another order and case", "Password,USERNAME,Name\ncarol-pw,Carol,Carol C\n",
			[]acct{{"carol", "Carol C", "carol-pw"}}},
		{"BOM, CRLF, quoted header", "\ufeff\"username\",\"name\",\"password\"\r\ndave,\"Dave, Jr.\",\"pw \"\"quoted\"\"\"\r\n",
			[]acct{{"dave", "Dave, Jr.", `pw "quoted"`}}},
		{"header without name", "username , password\nerin,erin-pw\n", []acct{{"erin", "", "erin-pw"}}},
		{"no header: username,name,password", "frank,Frank,frank-pw\r\ngina,Gina,$2a$" + legacyHash[4:] + "\n",
			[]acct{{"frank", "Frank", "frank-pw"}, {"gina", "Gina", "legacy"}}},
		{"BOM without header", "\ufeffhank,Hank,hank-pw\n", []acct{{"hank", "Hank", "hank-pw"}}},
		{"spreadsheet's empty rows", "username,name,password\n,,\nivan,Ivan,ivan-pw\n , , \n", []acct{{"ivan", "Ivan", "ivan-pw"}}},
		{"argon2id hash unquoted and quoted", "kim,Kim," + argon + "\nlee,Lee,\"" + argon + "\"\n",
			[]acct{{"kim", "Kim", "argon-pw"}, {"lee", "Lee", "argon-pw"}}},
		{"a first row whose password is \"password\" is data", "alice,Alice,password\n", []acct{{"alice", "Alice", "password"}}},
		{"hash with spaces around", "username,password_hash\njudy, " + legacyHash + " \n", []acct{{"judy", "", "legacy"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			rows, err := db.ReadAccountCSV(ctx, strings.NewReader(c.file), importHasher)
			if err != nil {
				t.Fatalf("refused: %v %+v", err, err)
			}
			if len(rows) != len(c.want) {
				t.Fatalf("%d accounts, want %d: %+v", len(rows), len(c.want), rows)
			}
			for i, w := range c.want {
				if rows[i].Username != w.user || rows[i].Name != w.name {
					t.Errorf("account %d = %q %q, want %q %q", i, rows[i].Username, rows[i].Name, w.user, w.name)
				}
				if ok, _, err := importHasher.Verify(ctx, rows[i].PasswordHash, w.pw); !ok || err != nil {
					t.Errorf("%s: password %q does not verify: %v", w.user, w.pw, err)
				}
			}
		})
	}
}

func TestImportReportsEveryBadRow(t *testing.T) {
	long := strings.Repeat("x", 65)
	file := "username,name,password\n" + // 1
		"alice,Alice,alice-pw\n" + // 2 good
		long + ",Long,pw\n" + // 3 bad username
		"ALICE,Again,pw\n" + // 4 repeated (case-insensitive)
		"bob,Bob\n" + // 5 missing column
		"carol,Carol,pw,extra\n" + // 6 too many columns
		"dave,Dave,\n" + // 7 empty password
		"erin,Erin,$2b$10$short\n" + // 8 malformed bcrypt
		"frank,Frank," + withCost(31) + "\n" + // 9 bcrypt cost 31
		"gina,Gina," + argon2idPHC("m=4194304,t=1,p=1") + "\n" + // 10 argon2id 4 GiB
		"hank,Hank," + argon2idPHC("m=19456,t=2,p=64") + "\n" + // 11 p beyond
		"ivan,Ivan,$argon2id$v=19$m=19456,t=2,p=1$bad\n" + // 12 malformed PHC
		"judy,\"Ju\"dy,pw\n" + // 13 bare quote
		"kate,Kate,kate-pw\n" + // 14 good: the reader goes on
		"\"mallory,M,pw\n" // 15 unterminated quote to the end
	rep := rejections(t, file)
	wantRejected(t, rep, 3, "username must be")
	wantRejected(t, rep, 4, "alice", "repeats line 2")
	wantRejected(t, rep, 5, "bob", "missing column", "found 2")
	wantRejected(t, rep, 6, "carol", "too many columns", "found 4")
	wantRejected(t, rep, 7, "dave", "password is empty")
	wantRejected(t, rep, 8, "erin", "bcrypt hash is 60 characters")
	wantRejected(t, rep, 9, "frank", "bcrypt cost 31 is above 14")
	wantRejected(t, rep, 10, "gina", "memory m=4194304", "262144")
	wantRejected(t, rep, 11, "hank", "parallelism p=64")
	wantRejected(t, rep, 12, "ivan", "argon2id PHC string")
	wantRejected(t, rep, 13, "malformed CSV", "line 13")
	wantRejected(t, rep, 15, "malformed CSV")
	if len(rep) != 12 {
		t.Errorf("%d rejections, want 12: %+v", len(rep), rep)
	}
}

func TestImportHeaderProblems(t *testing.T) {
	for _, c := range []struct{ name, file, want string }{
		{"unknown column", "username,name,email,password\na,A,a@example.com,pw\n", `unknown column "email"`},
		{"repeated column", "username,name,Name,password\na,A,A,pw\n", `column "name" appears twice`},
		{"both password columns", "username,password,password_hash\na,pw," + legacyHash + "\n", "both a password and a password_hash"},
		{"no username column", "name,password\nA,pw\n", "no username column"},
		{"misnamed username column", "user,name,password\na,A,pw\n", `unknown column "user"`},
		{"no password column", "username,name\na,A\n", "no password"},
		{"plaintext in password_hash", "username,password_hash\na,hunter2\n", "password_hash is not a bcrypt"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rep := rejections(t, c.file)
			if !strings.Contains(fmt.Sprint(rep), c.want) {
				t.Fatalf("report %+v does not say %q", rep, c.want)
			}
		})
	}
}

func TestImportFileBounds(t *testing.T) {
	t.Run("size", func(t *testing.T) {
		// One valid row, padded past the limit with spaces inside a quoted name.
		file := "alice,\"" + strings.Repeat(" ", db.MaxImportBytes) + "\",pw\n"
		rep := rejections(t, file)
		if len(rep) != 1 || !strings.Contains(rep[0].Reason, "larger than 10 MB") {
			t.Fatalf("report %+v", rep)
		}
	})
	t.Run("rows", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("username,password_hash\n")
		for i := range db.MaxImportRows + 1 {
			fmt.Fprintf(&b, "u%d,%s\n", i, legacyHash)
		}
		rep := rejections(t, b.String())
		if len(rep) != 1 || !strings.Contains(rep[0].Reason, "more than 100000 accounts") || rep[0].Line != db.MaxImportRows+2 {
			t.Fatalf("report %+v", rep)
		}
	})
}

// A file holding one row whose hash would make every later bind of its account take
// minutes is refused whole, the row named; and ImportAccounts refuses such a hash itself.
func TestImportRefusesCostlyHash(t *testing.T) {
	ctx := context.Background()
	cli := db.SystemActor("test")
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		file := "alice,Alice,alice-pw\nbob,Bob," + withCost(31) + "\ncarol,Carol," + legacyHash + "\n"
		rep := rejections(t, file)
		if len(rep) != 1 || rep[0].Line != 2 || rep[0].Username != "bob" || !strings.Contains(rep[0].Reason, "cost 31") {
			t.Fatalf("report %+v", rep)
		}
		rows := []db.AccountImport{
			{Line: 1, Username: "alice", PasswordHash: legacyHash},
			{Line: 2, Username: "bob", PasswordHash: withCost(31)},
			{Line: 3, Username: "carol", PasswordHash: argon2idPHC("m=4194304,t=1,p=1")},
		}
		_, err := s.ImportAccounts(ctx, rows, cli)
		var ie *db.ImportError
		if !errors.As(err, &ie) || len(ie.Rejected) != 2 || ie.Rejected[0].Line != 2 || ie.Rejected[1].Line != 3 {
			t.Fatalf("ImportAccounts of costly hashes: %v %+v", err, ie)
		}
		if n := queryInt(t, s, `SELECT COUNT(*) FROM accounts`); n != 0 {
			t.Fatalf("a refused import wrote %d accounts", n)
		}
		if n := queryInt(t, s, `SELECT COUNT(*) FROM audit_events WHERE action = 'account.import'`); n != 0 {
			t.Fatalf("a refused import was audited")
		}
	})
}

// A valid file is written in one transaction with its audit row, at the store's clock; a
// file with one existing username writes nothing.
func TestImportAllOrNothing(t *testing.T) {
	ctx := context.Background()
	cli := db.SystemActor("test")
	at := time.UnixMilli(1_760_000_000_000)
	for _, dialect := range dbtest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			u := dbtest.SQLiteURL(t)
			if dialect == db.DialectPostgres {
				u = dbtest.PostgresURL(t)
			}
			s, err := db.Open(ctx, u, db.Options{Keys: dbtest.Keys(t), Now: func() time.Time { return at }})
			must(t, err)
			t.Cleanup(func() { s.Close() })
			must(t, s.Migrate(ctx))
			rows, err := db.ReadAccountCSV(ctx, strings.NewReader("username,name,password_hash\nalice,Alice,"+legacyHash+"\nbob,Bob,"+legacyHash+"\n"), importHasher)
			must(t, err)
			if n, err := s.ImportAccounts(ctx, rows, cli); n != 2 || err != nil {
				t.Fatalf("import: %d %v", n, err)
			}
			if n := queryInt(t, s, `SELECT COUNT(*) FROM accounts WHERE created_at = ?`, at.UnixMilli()); n != 2 {
				t.Fatalf("%d accounts created at the store's time", n)
			}
			if n := queryInt(t, s, `SELECT COUNT(*) FROM audit_events WHERE action = 'account.import' AND at = ?`, at.UnixMilli()); n != 1 {
				t.Fatalf("%d import audit rows at the store's time", n)
			}
			rows, err = db.ReadAccountCSV(ctx, strings.NewReader("carol,Carol,carol-pw\nALICE,Alice,x\ndave,Dave,dave-pw\nBob,B,y\n"), importHasher)
			must(t, err)
			_, err = s.ImportAccounts(ctx, rows, cli)
			var ie *db.ImportError
			if !errors.As(err, &ie) || len(ie.Rejected) != 2 || ie.Rejected[0].Line != 2 || ie.Rejected[1].Line != 4 ||
				!strings.Contains(ie.Rejected[0].Reason, "already exists") {
				t.Fatalf("existing usernames: %v %+v", err, ie)
			}
			if n := queryInt(t, s, `SELECT COUNT(*) FROM accounts`); n != 2 {
				t.Fatalf("%d accounts after a refused import, want 2", n)
			}
		})
	}
}
