package web_test

import (
	"encoding/csv"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"miniauth/db"
	"miniauth/db/dbtest"
	"miniauth/views"
)

// TestUsersExportStreamsEveryRow exports more users than one store page holds and checks
// that every matching user is in the file (all, and the bound ones with an app filter),
// that the file is named after the filter and the minute in the console's time zone, and
// that the export was on record in the audit log.
func TestUsersExportStreamsEveryRow(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	prev := views.TimeZone()
	views.SetTimeZone(shanghai)
	t.Cleanup(func() { views.SetTimeZone(prev) })
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		e := newEnv(t, s)
		ctx := t.Context()
		if err := s.InsertSample(ctx, db.SampleOptions{AppID: "wx-sample", Users: 1200, Days: 30}); err != nil {
			t.Fatal(err)
		}
		want := func(f db.UserFilter) map[string]bool {
			ids := map[string]bool{}
			for k := (db.Keyset{Limit: 500}); ; {
				rows, more, err := s.ListWxUsers(ctx, f, k)
				if err != nil {
					t.Fatal(err)
				}
				for _, u := range rows {
					ids[itoa(u.ID)] = true
				}
				if !more {
					return ids
				}
				k.After = rows[len(rows)-1].ID
			}
		}
		b := e.browser()
		b.signIn("admin")
		for _, c := range []struct {
			query, name string
			filter      db.UserFilter
			atLeast     int
		}{
			{"", "users-all", db.UserFilter{}, 1100}, // a few sample users are erased
			{"?bound=yes&app=wx-sample", "users-bound-wx-sample", db.UserFilter{Bound: "yes", AppID: "wx-sample"}, 1},
		} {
			before := s.Now().In(shanghai)
			p := b.get("/admin/users/export.csv" + c.query)
			after := s.Now().In(shanghai)
			if p.status != 200 || !strings.HasPrefix(p.body, "\ufeffid,") {
				t.Fatalf("%s: %d %q", c.query, p.status, p.body[:min(len(p.body), 40)])
			}
			records, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(p.body, "\ufeff"))).ReadAll()
			if err != nil {
				t.Fatalf("%s: %v", c.query, err)
			}
			wantIDs := want(c.filter)
			if len(wantIDs) < c.atLeast {
				t.Fatalf("%s: only %d users match", c.query, len(wantIDs))
			}
			got := map[string]bool{}
			for _, r := range records[1:] {
				got[r[0]] = true
				if ts := r[6]; !strings.HasSuffix(ts, "+08:00") {
					t.Fatalf("%s: created_at %q not in the console's zone", c.query, ts)
				}
			}
			if len(records)-1 != len(wantIDs) || len(got) != len(wantIDs) {
				t.Fatalf("%s: %d rows exported, %d users match", c.query, len(records)-1, len(wantIDs))
			}
			for id := range wantIDs {
				if !got[id] {
					t.Fatalf("%s: user %s missing from the export", c.query, id)
				}
			}
			cd := p.header.Get("Content-Disposition")
			m := regexp.MustCompile(`^attachment; filename="(.+)-(\d{8}-\d{4})\.csv"$`).FindStringSubmatch(cd)
			if m == nil || m[1] != c.name {
				t.Fatalf("%s: Content-Disposition %q, want %s-YYYYMMDD-HHMM.csv", c.query, cd, c.name)
			}
			if m[2] != before.Format("20060102-1504") && m[2] != after.Format("20060102-1504") {
				t.Fatalf("%s: file time %s, want about %s (Asia/Shanghai)", c.query, m[2], before.Format("20060102-1504"))
			}
		}
		if p := b.get("/admin/audit?action=users.export"); p.count("audit-row") != 2 {
			t.Fatalf("exports on record: %d, want 2", p.count("audit-row"))
		} else if !strings.Contains(p.doc.Text(), "Streamed export of every user matching the filter") {
			t.Fatalf("audit detail does not say it is a streamed export")
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
