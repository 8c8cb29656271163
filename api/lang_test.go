package api

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode"

	"miniauth/db"
	"miniauth/db/dbtest"
	"miniauth/httperr"
)

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// TestMessageLanguage: `message` (and the bind envelope's `msg`) follows Accept-Language,
// by quality; without a zh or en entry the server's default decides (English unless set).
func TestMessageLanguage(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, store *db.Store) {
		e := newEnv(t, store)
		ask := func(lang, path string) result {
			req := httptest.NewRequest("GET", path, nil)
			if lang != "" {
				req.Header.Set("Accept-Language", lang)
			}
			return e.send(req)
		}
		for _, c := range []struct {
			lang string
			zh   bool
		}{
			{"", false}, {"zh-CN", true}, {"zh_CN", true}, {"en-US,en;q=0.9", false},
			{"fr-FR, zh-CN;q=0.8, en;q=0.5", true}, {"en;q=0.4, zh-TW;q=0.9", true},
			{"zh;q=0.2, en;q=0.7", false}, {"fr, de", false}, {"zh;q=0", false},
		} {
			r := ask(c.lang, "/api/user/info")
			wantError(t, r, 401, "unauthorized")
			if hasHan(r.str("message")) != c.zh {
				t.Errorf("Accept-Language %q: message %q, want Chinese=%v", c.lang, r.str("message"), c.zh)
			}
		}
		// The detailed messages are translated one by one, the bind envelope's msg too.
		tok := e.login("lena").str("token")
		req := httptest.NewRequest("POST", "/api/user/unbind", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Accept-Language", "zh-CN")
		r := e.send(req)
		if r.status != 409 || r.str("message") != "该微信尚未绑定账号" || r.str("msg") != r.str("message") {
			t.Fatalf("unbind of an unbound user in Chinese: %d %s", r.status, r.raw)
		}

		// MINIAUTH_API_LANGUAGE=zh: Chinese unless the request asks for English.
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		e.app = NewApp(log, nil, AppOptions{Language: httperr.LangZH})
		e.h.Register(e.app)
		if r := ask("", "/api/user/info"); !hasHan(r.str("message")) {
			t.Errorf("default zh, no Accept-Language: %s", r.raw)
		}
		if r := ask("fr", "/api/nowhere"); r.status != 404 || !hasHan(r.str("message")) {
			t.Errorf("default zh, Accept-Language fr: %s", r.raw)
		}
		if r := ask("en", "/api/user/info"); hasHan(r.str("message")) {
			t.Errorf("default zh, Accept-Language en: %s", r.raw)
		}
	})
}

// TestChineseMessageForEveryCode: whatever the code, a Chinese answer has a Chinese message.
func TestChineseMessageForEveryCode(t *testing.T) {
	for code := range documentedCodes(t) {
		if m := httperr.ChineseFor(code); !hasHan(m) {
			t.Errorf("no Chinese message for %q", code)
		}
		e := &httperr.Error{Code: code, Message: "some English detail"}
		if m := httperr.Localize(e, httperr.LangZH); !hasHan(m) || strings.Contains(m, "English") {
			t.Errorf("%q in Chinese: %q", code, m)
		}
	}
}
