package web_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// TestAppAuditInChinese: what the app commands write in the audit log (create, rename,
// unionid link, secret, enable) reads in Chinese on the audit page: the target names the
// app as 小程序 and no detail is left in English.
func TestAppAuditInChinese(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		e := newEnv(t, s)
		const app = "wx6161616161616161"
		actor := db.OperatorActor(db.Operator{Username: "admin"}, "127.0.0.1")
		if _, err := s.CreateApp(ctx, db.AppInput{AppID: app, Name: "商城", Secret: "s1"}, actor); err != nil {
			t.Fatal(err)
		}
		for _, err := range []error{
			s.SetAppName(ctx, app, "商城二", actor),
			s.SetAppLinkUnionID(ctx, app, false, actor),
			s.SetAppSecret(ctx, app, "s2", actor),
			s.SetAppEnabled(ctx, app, false, actor),
		} {
			if err != nil {
				t.Fatal(err)
			}
		}
		b := e.browser()
		b.signIn("admin")
		p := b.do(http.MethodGet, "/admin/audit?target=app:"+app, nil, "Accept-Language", "zh-CN")
		rows := p.doc.Find(`[data-testid="audit-row"]`)
		if rows.Length() != 5 {
			t.Fatalf("%d audit rows of the app, want 5", rows.Length())
		}
		english := regexp.MustCompile(`\b(name|enabled|unionid link|secret|replaced|true|false|app)\b`)
		rows.Each(func(_ int, r *goquery.Selection) {
			cells := r.Find("td")
			target := strings.TrimSpace(cells.Eq(3).Text())
			detail := strings.TrimSpace(cells.Eq(5).Text())
			if target != "小程序 "+app {
				t.Errorf("%s: target %q", r.AttrOr("data-action", ""), target)
			}
			if english.MatchString(detail) {
				t.Errorf("%s: detail %q is English", r.AttrOr("data-action", ""), detail)
			}
		})
	})
}
