package db_test

import (
	"context"
	"fmt"
	"math/rand"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// TestNicknameSearchFollowsEveryWrite runs random sequences of the writes that touch
// wx_users (login, profile updates with and without a nickname change, console erase,
// account cancellation) and of account imports, which must not touch it. After every step
// the console's search for any nickname, current or former, of 1 to 6 characters finds
// exactly the live users whose nickname contains it: long terms through the trigram
// index, short ones through nickname_grams. Sample-data inserts add users with nicknames.
// importHash is a well-formed bcrypt hash (cost 4) for import steps.
const importHash = "$2a$04$8HhtyW8Wqw1wGg3T1OZ3Ku1lfOvjEo5/jj7oTJ1vmjZ2Zr2bWd2Ka"

func TestNicknameSearchFollowsEveryWrite(t *testing.T) {
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		defer func() {
			if t.Failed() {
				t.Logf("reproduce with seed %d", seed)
			}
		}()
		rng := rand.New(rand.NewSource(seed))
		ctx := context.Background()
		// Letters and Chinese characters only: no digits (a term equal to a user id
		// would match it exactly) and no case (the dialects fold only ASCII letters
		// alike; the sample users' Latin handles have capitals and digits, so the model
		// folds ASCII).
		alphabet := []rune("abc张王李")
		nickname := func() string {
			n := 1 + rng.Intn(6)
			r := make([]rune, n)
			for i := range r {
				r[i] = alphabet[rng.Intn(len(alphabet))]
			}
			return string(r)
		}

		live := map[int64]string{} // live users' current nicknames ("" for none)
		var terms []string         // every nickname ever given
		ids := map[string]int64{}  // openid -> user id
		imports := 0
		check := func(step int, what string) {
			t.Helper()
			for _, q := range terms {
				var want []int64
				for id, n := range live {
					if strings.Contains(asciiLower(n), asciiLower(q)) {
						want = append(want, id)
					}
				}
				slices.Sort(want)
				var got []int64
				rows, _, err := s.ListWxUsers(ctx, db.UserFilter{Q: q}, db.Keyset{Limit: 500})
				if err != nil {
					t.Fatalf("step %d (%s): search %q: %v", step, what, q, err)
				}
				for _, r := range rows {
					got = append(got, r.ID)
				}
				slices.Sort(got)
				if !slices.Equal(got, want) {
					t.Fatalf("step %d (%s): search %q found %v, want %v (live nicknames %v)", step, what, q, got, want, live)
				}
			}
		}
		pick := func() (int64, bool) {
			if len(live) == 0 {
				return 0, false
			}
			keys := make([]int64, 0, len(live))
			for id := range live {
				keys = append(keys, id)
			}
			slices.Sort(keys)
			return keys[rng.Intn(len(keys))], true
		}

		for step := range 120 {
			var what string
			switch op := rng.Intn(10); {
			case op < 2: // login: a new user, a returning one, or one erased before
				openid := fmt.Sprintf("o_prop_%d", rng.Intn(12))
				u, _, _ := login(t, s, openid, "k", t0)
				ids[openid] = u.ID
				if _, ok := live[u.ID]; !ok {
					live[u.ID] = u.NickName
				}
				if u.NickName != live[u.ID] {
					t.Fatalf("step %d: login changed the nickname to %q", step, u.NickName)
				}
				what = "login " + openid
			case op < 5: // profile update keeping the nickname
				id, ok := pick()
				if !ok {
					continue
				}
				p := db.Profile{NickName: live[id], City: nickname(), Gender: rng.Intn(3)}
				_, err := s.UpdateProfile(ctx, id, p, db.UserActor(id, ""))
				must(t, err)
				what = fmt.Sprintf("profile of %d, same nickname %q", id, live[id])
			case op < 8: // profile update with a new nickname (sometimes none)
				id, ok := pick()
				if !ok {
					continue
				}
				n := nickname()
				if rng.Intn(8) == 0 {
					n = ""
				}
				_, err := s.UpdateProfile(ctx, id, db.Profile{NickName: n, Province: nickname()}, db.UserActor(id, ""))
				must(t, err)
				what = fmt.Sprintf("profile of %d, nickname %q -> %q", id, live[id], n)
				live[id] = n
				if n != "" {
					terms = append(terms, n)
				}
			case op < 9: // console erase or the user's own cancellation
				id, ok := pick()
				if !ok {
					continue
				}
				actor := db.UserActor(id, "203.0.113.9")
				if rng.Intn(2) == 0 {
					actor = db.OperatorActor(db.Operator{Username: "ops"}, "203.0.113.9")
				}
				must(t, s.DeleteWxUser(ctx, id, actor))
				delete(live, id)
				what = fmt.Sprintf("delete %d by %s", id, actor)
			case rng.Intn(2) == 0: // sample users: inserted with their nicknames
				must(t, s.InsertSample(ctx, db.SampleOptions{AppID: "wx-sample", Users: 2}))
				rows, _, err := s.ListWxUsers(ctx, db.UserFilter{}, db.Keyset{Limit: 500})
				must(t, err)
				for _, r := range rows {
					if _, ok := live[r.ID]; !ok { // every other listed user is in live
						live[r.ID] = r.Nickname
						if r.Nickname == "" { // sample users may have none, as WeChat users may
							continue
						}
						runes := []rune(r.Nickname)
						for _, q := range []string{r.Nickname, string(runes[:min(2, len(runes))]), string(runes[len(runes)-1:])} {
							if _, err := strconv.Atoi(q); err != nil { // a number would match a user id
								terms = append(terms, q)
							}
						}
					}
				}
				what = "sample users"
			default: // account import: must leave the users alone
				imports++
				_, err := s.ImportAccounts(ctx, []db.AccountImport{{Line: 1, Username: fmt.Sprintf("imp%d", imports),
					Name: nickname(), PasswordHash: importHash}}, db.SystemActor("cli"))
				must(t, err)
				what = "account import"
			}
			check(step, what)
		}
	})
}

// asciiLower folds ASCII letters only, as both dialects' searches do.
func asciiLower(s string) string {
	return strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}
