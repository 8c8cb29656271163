package db_test

import (
	"context"
	"slices"
	"strconv"
	"testing"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// TestConsoleShortSearchComplete: a nickname search of one or two characters finds every
// matching user, the oldest too behind many newer ones, pages through them, folds ASCII
// case as the longer searches do, follows renames, and leaves the exact matches alone.
func TestConsoleShortSearchComplete(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		nicknames := []string{"王小明", "Ada"}
		for i := range 40 {
			nicknames = append(nicknames, "用户"+string(rune(0x4e00+i))) // no digit: an id is a term too
		}
		nicknames = append(nicknames, "李小明", "用户x", "赵小明")
		var ids []int64
		for i, n := range nicknames {
			u, _, _ := login(t, s, openid(i), "key", t0)
			if _, err := s.UpdateProfile(ctx, u.ID, db.Profile{NickName: n}, db.UserActor(u.ID, "")); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, u.ID)
		}
		last := len(ids) - 1
		must(t, s.SetPhone(ctx, ids[0], "13800000000", "86", db.UserActor(ids[0], "")))
		search := func(q string, k db.Keyset) ([]int64, bool) {
			t.Helper()
			rows, more, err := s.ListWxUsers(ctx, db.UserFilter{Q: q}, k)
			if err != nil {
				t.Fatalf("q=%q: %v", q, err)
			}
			var got []int64
			for _, r := range rows {
				got = append(got, r.ID)
			}
			return got, more
		}
		all := []int64{ids[last], ids[last-2], ids[0]}
		for q, want := range map[string][]int64{
			"小明": all, "明": all, "王": ids[:1], "王小明": ids[:1], "小明x": nil,
			"a": ids[1:2], "A": ids[1:2], "dA": ids[1:2], "Ada": ids[1:2], "x": ids[last-1 : last],
		} {
			if got, _ := search(q, db.Keyset{}); !slices.Equal(got, want) {
				t.Errorf("%s: %v, want %v", q, got, want)
			}
		}
		// Exact matches reach everyone, whatever their length.
		if got, _ := search("13800000000", db.Keyset{}); !slices.Equal(got, ids[:1]) {
			t.Errorf("phone: %v, want %v", got, ids[:1])
		}
		oldID := strconv.FormatInt(ids[0], 10)
		if len(oldID) >= 3 {
			t.Fatalf("first user id %s is not a short term", oldID)
		}
		if got, _ := search(oldID, db.Keyset{}); !slices.Equal(got, ids[:1]) {
			t.Errorf("id %s: %v, want %v", oldID, got, ids[:1])
		}
		// Keyset pages reach the oldest match and come back.
		var paged []int64
		k := db.Keyset{Limit: 1}
		for {
			got, more := search("小明", k)
			paged = append(paged, got...)
			if !more {
				break
			}
			k = db.Keyset{After: got[0], Limit: 1}
		}
		if !slices.Equal(paged, all) {
			t.Fatalf("paged 小明: %v, want %v", paged, all)
		}
		if got, more := search("小明", db.Keyset{Before: ids[0], Limit: 1}); !slices.Equal(got, ids[last-2:last-1]) || !more {
			t.Fatalf("back from the oldest: %v more=%v", got, more)
		}
		// Filters apply before a page is cut: the one match with a phone is the oldest.
		rows, more, err := s.ListWxUsers(ctx, db.UserFilter{Q: "明", HasPhone: true}, db.Keyset{Limit: 1})
		if err != nil || len(rows) != 1 || rows[0].ID != ids[0] || more {
			t.Fatalf("明 with a phone: %v more=%v %v", rows, more, err)
		}
		// A rename moves the oldest user from one term to the other; an erase removes them.
		if _, err := s.UpdateProfile(ctx, ids[0], db.Profile{NickName: "王大明"}, db.UserActor(ids[0], "")); err != nil {
			t.Fatal(err)
		}
		if got, _ := search("小明", db.Keyset{}); !slices.Equal(got, all[:2]) {
			t.Errorf("小明 after rename: %v, want %v", got, all[:2])
		}
		if got, _ := search("大明", db.Keyset{}); !slices.Equal(got, ids[:1]) {
			t.Errorf("大明 after rename: %v, want %v", got, ids[:1])
		}
		must(t, s.DeleteWxUser(ctx, ids[0], db.OperatorActor(db.Operator{Username: "ops"}, "203.0.113.9")))
		if got, _ := search("王", db.Keyset{}); len(got) != 0 {
			t.Errorf("王 after erase: %v, want none", got)
		}
	})
}
