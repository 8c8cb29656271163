package db_test

import (
	"context"
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// TestAccountSearchIsComplete makes random accounts (usernames sharing prefixes, names of
// Chinese characters and letters of both cases, some empty) and pages through the
// accounts search, seven rows a page, for every username prefix and every name substring
// of one to four characters, and for terms nobody has: the pages together hold exactly
// the accounts whose username starts with the term (lower-cased) or whose name contains
// it (ASCII letters folded), newest first, each once. Short terms go through the name
// grams, longer ones through the trigram index, prefixes through the username range.
func TestAccountSearchIsComplete(t *testing.T) {
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		rng := rand.New(rand.NewSource(seed))
		ctx := context.Background()
		alphabet := []rune("aBc张王李")
		word := func(max int) string {
			r := make([]rune, 1+rng.Intn(max))
			for i := range r {
				r[i] = alphabet[rng.Intn(len(alphabet))]
			}
			return string(r)
		}
		type acct struct{ username, name string }
		accounts := map[int64]acct{}
		for i := range 45 {
			username := fmt.Sprintf("%s%02d", []string{"ab", "abx", "b", "ab\U0010FFFF", "z"}[rng.Intn(5)], i)
			name := word(6)
			if rng.Intn(8) == 0 {
				name = ""
			}
			a, err := s.CreateAccount(ctx, username, name, importHash, db.OperatorActor(db.Operator{Username: "ops"}, "203.0.113.9"))
			must(t, err)
			accounts[a.ID] = acct{strings.ToLower(username), name}
		}

		terms := map[string]bool{"龘": true, "龘龘龘": true, "q": true, "AB": true}
		for _, a := range accounts {
			u := []rune(a.username)
			for i := 1; i <= len(u); i++ {
				terms[string(u[:i])] = true
			}
			n := []rune(a.name)
			for i := range n {
				for k := 1; k <= 4 && i+k <= len(n); k++ {
					terms[string(n[i:i+k])] = true
				}
			}
		}
		for q := range terms {
			var want []int64
			for id, a := range accounts {
				if strings.HasPrefix(a.username, strings.ToLower(q)) || strings.Contains(asciiLower(a.name), asciiLower(q)) {
					want = append(want, id)
				}
			}
			slices.Sort(want)
			slices.Reverse(want)
			var got []int64
			k := db.Keyset{Limit: 7}
			for pages := 0; ; pages++ {
				rows, more, err := s.ListAccounts(ctx, q, k)
				if err != nil {
					t.Fatalf("search %q: %v", q, err)
				}
				for _, r := range rows {
					got = append(got, r.ID)
				}
				if !more || len(rows) == 0 || pages > 20 {
					break
				}
				k.After = rows[len(rows)-1].ID
			}
			if !slices.Equal(got, want) {
				t.Fatalf("search %q (%d characters) found %v, want %v (seed %d)", q, utf8.RuneCountInString(q), got, want, seed)
			}
		}
		t.Logf("%d terms over %d accounts", len(terms), len(accounts))
	})
}
