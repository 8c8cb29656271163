package web_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"strconv"
	"testing"
	"time"

	"miniauth/db"
	"miniauth/db/dbtest"
)

func randHash() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	h := sha256.Sum256(b)
	return h[:]
}

func testSession() db.NewSession {
	return db.NewSession{TokenHash: randHash(), RefreshHash: randHash(), IP: "203.0.113.9", UserAgent: "test",
		AccessTTL: time.Hour, IdleTTL: 24 * time.Hour, MaxTTL: 48 * time.Hour}
}

// TestOverviewPeriodAndFunnel drives N logins, M checkBind exchanges answered "not
// bound" and K binds through the store, then checks that the overview's period links
// show 7, 30 and 90 days, that the funnel counts what happened with its conversion, and
// that an unknown period is refused.
func TestOverviewPeriodAndFunnel(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		e := newEnv(t, s)
		ctx := context.Background()
		const logins, unbound, binds = 7, 5, 2
		for i := range logins {
			if _, _, err := s.Login(ctx, db.LoginInput{AppID: testAppID, OpenID: fmt.Sprintf("o-login-%d", i), Session: testSession()}); err != nil {
				t.Fatal(err)
			}
		}
		for i := range unbound {
			ticket := randHash()
			res, err := s.CheckBind(ctx, db.CheckBindInput{LoginInput: db.LoginInput{AppID: testAppID,
				OpenID: fmt.Sprintf("o-check-%d", i), Session: testSession()}, TicketHash: ticket})
			if err != nil || res.AccountID != 0 {
				t.Fatalf("check bind: %+v %v", res, err)
			}
			if i < binds {
				name := fmt.Sprintf("acct%d", i)
				acc, err := s.CreateAccount(ctx, name, name, "hash", db.OperatorActor(db.Operator{Username: "admin"}, ""))
				if err != nil {
					t.Fatal(err)
				}
				if _, err := s.Bind(ctx, db.BindInput{TicketHash: ticket, WxUserID: res.User.ID, AppID: testAppID,
					AccountID: acc.ID, Username: name, Session: testSession(), Actor: db.UserActor(res.User.ID, "")}); err != nil {
					t.Fatal(err)
				}
			}
		}
		b := e.browser()
		b.signIn("viewer")
		for _, days := range []int{7, 30, 90} {
			p := b.get("/admin?days=" + strconv.Itoa(days))
			if p.status != 200 {
				t.Fatalf("days=%d: %d", days, p.status)
			}
			if n, _ := p.doc.Find(`[data-testid="chart-svg"]`).Attr("data-days"); n != strconv.Itoa(days) {
				t.Errorf("days=%d: chart shows %s days", days, n)
			}
			if n := p.doc.Find(`[data-testid="chart-table"] tbody tr`).Length(); n != days {
				t.Errorf("days=%d: screen-reader table has %d rows", days, n)
			}
			if cur, _ := p.doc.Find(`[data-testid="chart-period-` + strconv.Itoa(days) + `"]`).Attr("aria-current"); cur != "true" {
				t.Errorf("days=%d: period link not marked current", days)
			}
			for id, want := range map[string]int{"funnel-logins": logins, "funnel-unbound": unbound, "funnel-binds": binds} {
				if v, _ := p.doc.Find(`[data-testid="` + id + `"]`).Attr("data-value"); v != strconv.Itoa(want) {
					t.Errorf("days=%d: %s = %q, want %d", days, id, v, want)
				}
			}
			if r := p.text("funnel-unbound-rate"); r != "71.4% of the previous step" { // 5 of 7
				t.Errorf("days=%d: unbound rate %q", days, r)
			}
			if r := p.text("funnel-binds-rate"); r != "40.0% of the previous step" { // 2 of 5
				t.Errorf("days=%d: binds rate %q", days, r)
			}
		}
		if p := b.get("/admin"); p.doc.Find(`[data-testid="chart-svg"]`).AttrOr("data-days", "") != "30" {
			t.Errorf("default period is not 30 days")
		}
		if p := b.get("/admin?days=5"); p.status != 400 {
			t.Errorf("days=5: %d, want 400", p.status)
		}
	})
}
