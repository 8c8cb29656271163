package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// TestUserEraseDeletesAvatar erases a user from the console: the uploaded avatar the
// user showed answers 404 afterwards, one another user shows stays.
func TestUserEraseDeletesAvatar(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		e := newLiveEnv(t, s)
		ctx := context.Background()
		amy, _, _ := e.wxUser("amy-wx", "Amy", "")
		ben, _, _ := e.wxUser("ben-wx", "Ben", "")
		own, shared := strings.Repeat("a", 64)+".jpg", strings.Repeat("b", 64)+".jpg"
		if _, err := s.SetAvatar(ctx, ben, shared, "image/jpeg", []byte("shared"), db.UserActor(ben, "")); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{shared, own} { // amy ends up showing own
			if _, err := s.SetAvatar(ctx, amy, name, "image/jpeg", []byte(name), db.UserActor(amy, "")); err != nil {
				t.Fatal(err)
			}
		}
		status := func(name string) int {
			resp, err := e.app.Test(httptest.NewRequest("GET", "/avatars/"+name, nil), -1)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		if status(own) != 200 || status(shared) != 200 {
			t.Fatalf("before: own %d, shared %d", status(own), status(shared))
		}
		b := e.browser()
		b.signIn("admin")
		detail := fmt.Sprintf("/admin/users/%d", amy)
		if p := b.get(detail); !strings.Contains(p.body, `src="/avatars/`+own+`"`) {
			t.Fatal("the console should show the stored avatar from its own path")
		}
		if p := b.follow(detail+"/erase", url.Values{"confirm": {"yes"}}); p.status != http.StatusOK {
			t.Fatalf("erase: %d", p.status)
		}
		if status(own) != 404 {
			t.Fatal("an erased user's avatar is still served")
		}
		if status(shared) != 200 {
			t.Fatal("an image another user shows was deleted")
		}
	})
}
