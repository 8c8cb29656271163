package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// TestUserPhoneReveal: the phone is masked on the user's page; an admin can reveal it,
// which is audited, and the next view is masked again. Viewers and CSRF-less posts cannot.
func TestUserPhoneReveal(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		e := newEnv(t, s)
		id, _, _ := e.wxUser("o-reveal", "Reveal Me", "13912345678")
		page := fmt.Sprintf("/admin/users/%d", id)
		path := page + "/phone"

		v := e.browser()
		v.signIn("viewer")
		if p := v.get(page); p.text("user-phone") != "139****5678" || p.count("user-phone-reveal") != 0 {
			t.Fatalf("viewer: phone %q, reveal buttons %d", p.text("user-phone"), p.count("user-phone-reveal"))
		}
		if p := v.post(path, nil); p.status != http.StatusForbidden || strings.Contains(p.body, "13912345678") {
			t.Fatalf("viewer reveal: %d", p.status)
		}

		b := e.browser()
		b.signIn("admin")
		if p := b.get(page); p.text("user-phone") != "139****5678" || p.count("user-phone-reveal") != 1 {
			t.Fatalf("admin: phone %q, reveal buttons %d", p.text("user-phone"), p.count("user-phone-reveal"))
		}
		if p := b.do(http.MethodPost, path, url.Values{}); p.status != http.StatusForbidden || strings.Contains(p.body, "13912345678") {
			t.Fatalf("reveal without CSRF: %d", p.status)
		}
		if p := b.audited("user.phone_reveal", "admin"); p.count("audit-row") != 0 {
			t.Fatalf("refused reveals were audited: %d", p.count("audit-row"))
		}
		p := b.post(path, nil)
		if p.status != http.StatusOK || p.text("user-phone") != "13912345678" || p.count("user-phone-reveal") != 0 {
			t.Fatalf("reveal: %d, phone %q", p.status, p.text("user-phone"))
		}
		if p := b.audited("user.phone_reveal", "admin"); p.count("audit-row") != 1 {
			t.Fatalf("user.phone_reveal by admin: %d audit rows", p.count("audit-row"))
		}
		if p := b.get(page); p.text("user-phone") != "139****5678" {
			t.Fatalf("the next view must be masked again: %q", p.text("user-phone"))
		}
	})
}
