package web_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// TestPlaygroundKeepsSimUser: the simulated person the playground keeps for an operator
// is still the one they typed after other requests came in. Fiber hands out form values
// that point into buffers it reuses for the next request on the same connection, so a
// kept value that was not copied turns into whatever a later request sent there. All
// requests here go over one keep-alive connection, which makes the reuse certain.
func TestPlaygroundKeepsSimUser(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		e := newLiveEnv(t, s)
		jar, _ := cookiejar.New(nil)
		client := &http.Client{Jar: jar, Transport: &http.Transport{MaxConnsPerHost: 1, MaxIdleConnsPerHost: 1},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		t.Cleanup(client.CloseIdleConnections)

		// do sends one request over the shared connection and returns status and document.
		do := func(method, path, form string) (int, *goquery.Document) {
			t.Helper()
			req, err := http.NewRequest(method, e.self+path, strings.NewReader(form))
			if err != nil {
				t.Fatal(err)
			}
			if method == http.MethodPost {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Sec-Fetch-Site", "same-origin")
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			doc, err := goquery.NewDocumentFromReader(strings.NewReader(string(raw)))
			if err != nil {
				t.Fatal(err)
			}
			return resp.StatusCode, doc
		}
		csrfOf := func(doc *goquery.Document) string {
			return doc.Find(`input[name="csrf"]`).First().AttrOr("value", "")
		}

		_, doc := do(http.MethodGet, "/admin/login", "")
		if st, _ := do(http.MethodPost, "/admin/login", url.Values{"csrf": {csrfOf(doc)},
			"username": {"admin"}, "password": {"adminadmin"}}.Encode()); st != http.StatusSeeOther {
			t.Fatalf("sign in: %d", st)
		}
		_, doc = do(http.MethodGet, "/admin/playground", "")
		csrf := csrfOf(doc)

		const kept = "pg-kept-person"
		// The same field order (csrf, then sim_user) as the later requests, so they land
		// in the same buffers.
		if st, _ := do(http.MethodPost, "/admin/playground/login", "csrf="+csrf+"&sim_user="+kept); st != http.StatusSeeOther {
			t.Fatalf("playground login: %d", st)
		}
		for range 5 {
			// Refused by the CSRF check after the form was read: nothing changes.
			if st, _ := do(http.MethodPost, "/admin/playground/login", "csrf=wrong-token-wrong-token-wrong-token-wrong&sim_user=XXXXXXXXXXXXXX"); st != http.StatusForbidden {
				t.Fatalf("forged post: %d", st)
			}
		}
		_, doc = do(http.MethodGet, "/admin/playground", "")
		if got := doc.Find(`[data-testid="playground-sim-user"]`).AttrOr("value", ""); got != kept {
			t.Fatalf("playground's simulated person is %q after other requests, want %q", got, kept)
		}
	})
}
