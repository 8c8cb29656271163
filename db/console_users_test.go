package db_test

import (
	"context"
	"slices"
	"strconv"
	"testing"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// TestConsoleShortSearchScope: a nickname search under three characters looks only at the
// newest users, pages within them, and leaves the exact matches and longer searches alone.
func TestConsoleShortSearchScope(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		s.SetShortSearchScope(4)
		nicknames := []string{"王小明", "用户1", "用户2", "用户3", "用户4", "用户5", "李小明", "用户7", "赵小明", "用户9"}
		var ids []int64
		for i, n := range nicknames {
			u, _, _ := login(t, s, openid(i), "key", t0)
			if _, err := s.UpdateProfile(ctx, u.ID, db.Profile{NickName: n}, db.UserActor(u.ID, "")); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, u.ID)
		}
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
		// Two characters: the two recent matches, not the old one (outside the newest 4).
		if got, _ := search("小明", db.Keyset{}); !slices.Equal(got, []int64{ids[8], ids[6]}) {
			t.Errorf("小明: %v, want %v", got, []int64{ids[8], ids[6]})
		}
		if n := s.NicknameScope("小明"); n != 4 {
			t.Errorf("NicknameScope(小明) = %d, want 4", n)
		}
		// Three characters use the index and reach everyone.
		if got, _ := search("王小明", db.Keyset{}); !slices.Equal(got, []int64{ids[0]}) {
			t.Errorf("王小明: %v, want %v", got, ids[:1])
		}
		for _, q := range []string{"王小明", "", "  "} {
			if n := s.NicknameScope(q); n != 0 {
				t.Errorf("NicknameScope(%q) = %d, want 0", q, n)
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
		// Keyset pages within the scope.
		got, more := search("小明", db.Keyset{Limit: 1})
		if !slices.Equal(got, ids[8:9]) || !more {
			t.Fatalf("page 1: %v more=%v", got, more)
		}
		got, more = search("小明", db.Keyset{After: got[0], Limit: 1})
		if !slices.Equal(got, ids[6:7]) || more {
			t.Fatalf("page 2: %v more=%v", got, more)
		}
		got, more = search("小明", db.Keyset{Before: got[0], Limit: 1})
		if !slices.Equal(got, ids[8:9]) || more {
			t.Fatalf("back to page 1: %v more=%v", got, more)
		}
	})
}
