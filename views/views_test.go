package views

import (
	"bytes"
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"
)

func render(t *testing.T, c templ.Component) (*goquery.Document, string) {
	t.Helper()
	var buf bytes.Buffer
	if err := c.Render(context.Background(), &buf); err != nil {
		t.Fatalf("render: %v", err)
	}
	html := buf.String()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(html))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return doc, html
}

func testid(id string) string { return `[data-testid="` + id + `"]` }

// postForms are the forms that change state.
func postForms(doc *goquery.Document) *goquery.Selection {
	return doc.Find("form").FilterFunction(func(_ int, s *goquery.Selection) bool {
		m, _ := s.Attr("method")
		return strings.EqualFold(m, "post")
	})
}

// checkCSP fails on anything the console's CSP (no inline script or style) would block.
func checkCSP(t *testing.T, doc *goquery.Document) {
	t.Helper()
	doc.Find("script").Each(func(_ int, s *goquery.Selection) {
		if src, ok := s.Attr("src"); !ok || src == "" || strings.TrimSpace(s.Text()) != "" {
			t.Errorf("inline script: %s", goquery.NewDocumentFromNode(s.Get(0)).Text())
		}
	})
	if n := doc.Find("style").Length(); n > 0 {
		t.Errorf("%d <style> elements", n)
	}
	doc.Find("*").Each(func(_ int, s *goquery.Selection) {
		for _, a := range s.Get(0).Attr {
			k := strings.ToLower(a.Key)
			switch {
			case k == "style":
				t.Errorf("style attribute on <%s>: %q", goquery.NodeName(s), a.Val)
			case strings.HasPrefix(k, "on"):
				t.Errorf("inline event handler %s on <%s>", k, goquery.NodeName(s))
			case strings.HasPrefix(k, "hx-on"), strings.HasPrefix(k, "data-hx-on"), k == "hx-vals", k == "hx-vars":
				t.Errorf("eval-needing htmx attribute %s on <%s>", k, goquery.NodeName(s))
			case (k == "href" || k == "src" || k == "action") && strings.HasPrefix(strings.ToLower(strings.TrimSpace(a.Val)), "javascript:"):
				t.Errorf("javascript: URL in %s", k)
			}
		}
	})
}

// checkCSRF fails when a POST form lacks the page's token in a hidden "csrf" input.
func checkCSRF(t *testing.T, doc *goquery.Document) {
	t.Helper()
	postForms(doc).Each(func(_ int, f *goquery.Selection) {
		action, _ := f.Attr("action")
		in := f.Find(`input[type="hidden"][name="csrf"]`)
		if in.Length() != 1 {
			t.Errorf("POST form %s has %d csrf inputs, want 1", action, in.Length())
			return
		}
		if v, _ := in.Attr("value"); v != testCSRF {
			t.Errorf("POST form %s csrf = %q, want the page token", action, v)
		}
	})
}

func TestPagesCarryHooksCSRFAndNoInlineCode(t *testing.T) {
	for _, lang := range []string{LangZH, LangEN} {
		for _, pc := range pageCases {
			t.Run(lang+"/"+pc.name, func(t *testing.T) {
				p := testPage(lang, RoleAdmin, pc.nav)
				doc, _ := render(t, pc.render(p))
				for _, h := range append([]string{"lang-switch", "flash", "sim-banner", "logout"}, pc.hooks...) {
					if doc.Find(testid(h)).Length() == 0 {
						t.Errorf("no %s", testid(h))
					}
				}
				if !readOnlyPages[pc.name] && postForms(doc).Length() < 2 {
					t.Errorf("admin sees %d POST forms, want the logout and at least one change", postForms(doc).Length())
				}
				checkCSRF(t, doc)
				checkCSP(t, doc)
				if got, want := doc.Find("html").AttrOr("lang", ""), htmlLang(lang); got != want {
					t.Errorf("html lang = %q, want %q", got, want)
				}
				if cfg := doc.Find(`meta[name="htmx-config"]`).AttrOr("content", ""); !strings.Contains(cfg, `"includeIndicatorStyles":false`) {
					t.Errorf("htmx-config = %q, want includeIndicatorStyles false", cfg)
				}
				if doc.Find(`script[src^="/static/js/htmx.min.js?v="]`).Length() != 1 {
					t.Error("htmx is not loaded from /static with a version")
				}
				if a := doc.Find(`nav a[aria-current="page"]`); pc.nav != NavNone && a.AttrOr("data-testid", "") != "nav-"+string(pc.nav) {
					t.Errorf("active nav item = %q, want nav-%s", a.AttrOr("data-testid", ""), pc.nav)
				}
			})
		}
	}
}

func TestViewerGetsNoChangeForms(t *testing.T) {
	for _, pc := range pageCases {
		t.Run(pc.name, func(t *testing.T) {
			doc, _ := render(t, pc.render(testPage(LangZH, RoleViewer, pc.nav)))
			postForms(doc).Each(func(_ int, f *goquery.Selection) {
				if a := f.AttrOr("action", ""); a != PathLogout {
					t.Errorf("viewer sees a POST form to %s", a)
				}
			})
			for _, h := range []string{"session-revoke", "revoke-all", "user-erase", "binding-unbind", "users-export", "account-disable", "operator-disable", "nav-operators"} {
				if doc.Find(testid(h)).Length() > 0 {
					t.Errorf("viewer sees %s", h)
				}
			}
			checkCSP(t, doc)
		})
	}
}

func TestLoginFormHook(t *testing.T) {
	for _, lang := range []string{LangZH, LangEN} {
		p := Page{Lang: lang, CSRFToken: testCSRF, CurrentPath: "/admin/login"}
		doc, _ := render(t, LoginPage(p, LoginView{Username: "bob", Error: T(lang, "login.invalid"), Next: "/admin/users"}))
		f := doc.Find(`form[method="post"][action="/admin/login"]`)
		if f.Length() != 1 {
			t.Fatalf("%s: %d sign-in forms, want 1", lang, f.Length())
		}
		if f.Find(`input[name="username"]`).AttrOr("value", "") != "bob" {
			t.Errorf("%s: username not echoed", lang)
		}
		if f.Find(`input[name="password"][type="password"]`).Length() != 1 {
			t.Errorf("%s: no password input", lang)
		}
		if f.Find(`input[name="password"]`).AttrOr("value", "") != "" {
			t.Errorf("%s: password echoed", lang)
		}
		if f.Find(`input[name="next"]`).AttrOr("value", "") != "/admin/users" {
			t.Errorf("%s: next not carried", lang)
		}
		checkCSRF(t, doc)
		checkCSP(t, doc)
		if doc.Find(".sidebar").Length() != 0 {
			t.Errorf("%s: navigation shown before sign-in", lang)
		}
		if doc.Find(testid("lang-switch")).Length() != 1 {
			t.Errorf("%s: no language switch on the sign-in page", lang)
		}
		if !strings.Contains(doc.Find(testid("login-error")).Text(), T(lang, "login.invalid")) {
			t.Errorf("%s: error not shown", lang)
		}
	}
}

func TestMaskedPhoneShown(t *testing.T) {
	p := testPage(LangEN, RoleAdmin, NavUsers)
	doc, _ := render(t, UsersPage(p, sampleUsers()))
	row := doc.Find(testid("user-row") + `[data-user-id="42"]`)
	if got := strings.TrimSpace(row.Find(testid("user-phone")).Text()); got != "138****5678" {
		t.Errorf("users page phone = %q", got)
	}
	doc, _ = render(t, UserDetailPage(p, sampleDetail()))
	if got := strings.TrimSpace(doc.Find(testid("user-profile") + " " + testid("user-phone")).Text()); got != "138****5678" {
		t.Errorf("detail phone = %q", got)
	}
	doc, _ = render(t, BindingsPage(p, sampleBindings()))
	if !strings.Contains(doc.Find(testid("binding-row")).Text(), "138****5678") {
		t.Error("bindings page does not show the masked phone")
	}
}

func TestChineseLabels(t *testing.T) {
	zh, _ := render(t, UsersPage(testPage(LangZH, RoleAdmin, NavUsers), sampleUsers()))
	for sel, want := range map[string]string{
		testid("nav-users"):           "微信用户",
		testid("nav-sessions"):        "登录会话",
		testid("users-search-submit"): "搜索",
		testid("users-export"):        "导出 CSV",
		testid("lang-switch"):         "English",
		testid("next-page"):           "下一页",
		"title":                       "微信用户",
	} {
		if got := zh.Find(sel).First().Text(); !strings.Contains(got, want) {
			t.Errorf("zh %s = %q, want %q", sel, got, want)
		}
	}
	if ph := zh.Find(testid("users-search")).AttrOr("placeholder", ""); !strings.Contains(ph, "昵称") {
		t.Errorf("zh search placeholder = %q", ph)
	}
	en, _ := render(t, UsersPage(testPage(LangEN, RoleAdmin, NavUsers), sampleUsers()))
	if got := en.Find(testid("nav-users")).Text(); got != "Users" {
		t.Errorf("en nav = %q", got)
	}
	if got := en.Find(testid("lang-switch")).Text(); got != "中文" {
		t.Errorf("en lang switch = %q", got)
	}
	han := regexp.MustCompile(`\p{Han}`)
	if s := en.Find(".sidebar, thead, .toolbar").Text(); han.MatchString(s) {
		t.Errorf("English page chrome contains Chinese: %q", s)
	}
}

func TestLangSwitchLink(t *testing.T) {
	doc, _ := render(t, UsersPage(testPage(LangZH, RoleViewer, NavUsers), sampleUsers()))
	a := doc.Find(testid("lang-switch"))
	u, err := url.Parse(a.AttrOr("href", ""))
	if err != nil {
		t.Fatal(err)
	}
	if u.Path != PathLang || u.Query().Get("to") != "en" || u.Query().Get("back") != "/admin/users?q=li" {
		t.Errorf("lang switch href = %q", a.AttrOr("href", ""))
	}
	if a.AttrOr("hx-boost", "") != "false" {
		t.Error("lang switch is boosted: <html lang> would not change")
	}
}

func TestRowsCarryIDs(t *testing.T) {
	p := testPage(LangEN, RoleAdmin, NavUsers)
	doc, _ := render(t, UserDetailPage(p, sampleDetail()))
	var ids []string
	doc.Find(testid("session-row")).Each(func(_ int, s *goquery.Selection) {
		ids = append(ids, s.AttrOr("data-session-id", ""))
		action := s.Find(testid("session-revoke")).Closest("form").AttrOr("action", "")
		if want := "/admin/sessions/" + s.AttrOr("data-session-id", "") + "/revoke"; action != want {
			t.Errorf("revoke form action = %q, want %q", action, want)
		}
		if back := s.Find(`input[name="back"]`).AttrOr("value", ""); back != "/admin/users?q=li" {
			t.Errorf("revoke back = %q", back)
		}
	})
	if strings.Join(ids, ",") != "901,902" {
		t.Errorf("session rows = %v", ids)
	}
	doc, _ = render(t, UsersPage(p, sampleUsers()))
	if got := doc.Find(testid("user-row")).Length(); got != 2 {
		t.Errorf("%d user rows, want 2", got)
	}
	if href := doc.Find(testid("user-row")+`[data-user-id="43"] `+testid("user-link")).AttrOr("href", ""); href != "/admin/users/43" {
		t.Errorf("user link = %q", href)
	}
}

func TestUsersPagerAndExportKeepFilter(t *testing.T) {
	doc, _ := render(t, UsersPage(testPage(LangEN, RoleAdmin, NavUsers), sampleUsers()))
	next, _ := url.Parse(doc.Find(testid("next-page")).AttrOr("href", ""))
	if next.Path != PathUsers || next.Query().Get("after") != "n1" || next.Query().Get("q") != "li" ||
		next.Query().Get("bound") != "yes" || next.Query().Get("phone") != "1" || next.Query().Has("before") {
		t.Errorf("next = %s", next)
	}
	prev, _ := url.Parse(doc.Find(testid("prev-page")).AttrOr("href", ""))
	if prev.Query().Get("before") != "p1" || prev.Query().Has("after") || prev.Query().Get("q") != "li" {
		t.Errorf("prev = %s", prev)
	}
	exp, _ := url.Parse(doc.Find(testid("users-export")).AttrOr("href", ""))
	if exp.Path != PathUsersExport || exp.Query().Get("q") != "li" || exp.Query().Get("bound") != "yes" {
		t.Errorf("export = %s", exp)
	}
	if doc.Find(testid("users-export")).AttrOr("hx-boost", "") != "false" {
		t.Error("export link is boosted: the download would be swapped into the page")
	}
	// The filter form shows the current filter.
	if doc.Find(testid("users-search")).AttrOr("value", "") != "li" ||
		doc.Find(`select[name="bound"] option[selected]`).AttrOr("value", "") != "yes" ||
		doc.Find(testid("users-filter-phone")+"[checked]").Length() != 1 ||
		doc.Find(testid("users-filter-disabled")+"[checked]").Length() != 0 {
		t.Error("filter form does not reflect the filter")
	}

	// No cursors: no pager at all.
	v := sampleUsers()
	v.Cursors = Cursors{}
	doc, _ = render(t, UsersPage(testPage(LangEN, RoleAdmin, NavUsers), v))
	if doc.Find(testid("pager")).Length() != 0 {
		t.Error("pager shown without cursors")
	}
}

func TestEmptyStates(t *testing.T) {
	p := testPage(LangZH, RoleAdmin, NavUsers)
	doc, _ := render(t, UsersPage(p, UsersView{}))
	if !strings.Contains(doc.Find(testid("empty")).Text(), T(LangZH, "users.none")) {
		t.Error("no empty state for an empty user list")
	}
	doc, _ = render(t, UsersPage(p, UsersView{Filter: UserFilter{Q: "zzz"}}))
	if !strings.Contains(doc.Find(testid("empty")).Text(), T(LangZH, "users.none_match")) {
		t.Error("no 'nothing matches' state for an empty search")
	}
	for name, c := range map[string]templ.Component{
		"sessions":   SessionsPage(p, SessionsView{}),
		"audit":      AuditPage(p, AuditView{}),
		"bindings":   BindingsPage(p, BindingsView{}),
		"accounts":   AccountsPage(p, AccountsView{}),
		"playground": PlaygroundPage(p, PlaygroundView{}),
	} {
		doc, _ := render(t, c)
		if doc.Find(testid("empty")).Length() != 1 {
			t.Errorf("%s: no empty state", name)
		}
		if doc.Find("table").Length() != 0 {
			t.Errorf("%s: empty table rendered", name)
		}
	}
}

func TestFlashAndBanner(t *testing.T) {
	p := testPage(LangEN, RoleAdmin, NavOverview)
	p.Flash = Flash{Kind: FlashError, Message: "could not revoke"}
	doc, _ := render(t, OverviewPage(p, Overview{}))
	f := doc.Find(testid("flash"))
	if f.Text() != "could not revoke" || f.AttrOr("role", "") != "alert" || !f.HasClass("flash-error") {
		t.Errorf("flash = %q role=%q class=%q", f.Text(), f.AttrOr("role", ""), f.AttrOr("class", ""))
	}
	if doc.Find(testid("nav-playground")).Length() != 1 {
		t.Error("no playground in the navigation in simulator mode")
	}

	p.Flash, p.Simulator = Flash{}, false
	doc, _ = render(t, OverviewPage(p, Overview{}))
	if doc.Find(testid("flash")).Length() != 0 {
		t.Error("flash box without a message")
	}
	if doc.Find(testid("sim-banner")).Length() != 0 || doc.Find(testid("nav-playground")).Length() != 0 {
		t.Error("simulator banner or playground outside simulator mode")
	}
}

func TestOverviewCounts(t *testing.T) {
	doc, _ := render(t, OverviewPage(testPage(LangEN, RoleViewer, NavOverview), sampleOverview()))
	for id, want := range map[string]string{
		"stat-users-value":      "1,234,567",
		"stat-bound-value":      "456,789",
		"stat-conversion-value": "37.0%",
		"stat-sessions-value":   "98,765",
	} {
		if got := strings.TrimSpace(doc.Find(testid(id)).Text()); got != want {
			t.Errorf("%s = %q, want %q", id, got, want)
		}
	}
	if got := (Overview{}).BindConversion(); got != "—" {
		t.Errorf("conversion of no users = %q", got)
	}
}

func TestUserDetailStates(t *testing.T) {
	p := testPage(LangEN, RoleAdmin, NavUsers)
	v := sampleDetail()
	v.Binding, v.Sessions = nil, nil
	doc, _ := render(t, UserDetailPage(p, v))
	if doc.Find(testid("user-bind-form")).Length() != 1 {
		t.Error("unbound user: no bind form for an admin")
	}
	if doc.Find(testid("revoke-all")).Length() != 0 {
		t.Error("revoke-all shown without sessions")
	}
	v.User.Erased = true
	doc, _ = render(t, UserDetailPage(p, v))
	if doc.Find(testid("user-erase")).Length() != 0 || doc.Find(testid("user-bind-form")).Length() != 0 {
		t.Error("erased user still offers erase or bind")
	}
	// Erase needs an explicit confirmation even without JavaScript.
	doc, _ = render(t, UserDetailPage(p, sampleDetail()))
	if doc.Find(testid("user-erase-confirm")+"[required]").Length() != 1 {
		t.Error("erase has no required confirmation checkbox")
	}
}

func TestOperatorsCannotDisableThemselves(t *testing.T) {
	doc, _ := render(t, OperatorsPage(testPage(LangEN, RoleAdmin, NavOperators), sampleOperators()))
	if doc.Find(testid("operator-row")+`[data-operator-id="1"] form`).Length() != 0 {
		t.Error("the signed-in operator can disable themself")
	}
	if doc.Find(testid("operator-row")+`[data-operator-id="2"] `+testid("operator-disable")).Length() != 1 {
		t.Error("no disable for another operator")
	}
}

func TestErrorPage(t *testing.T) {
	p := Page{Lang: LangZH, CurrentPath: "/admin/nope"}
	doc, _ := render(t, ErrorPage(p, ErrorView{Status: 403, Message: T(LangZH, "error.csrf"), BackURL: "https://evil.example/"}))
	if doc.Find(".sidebar").Length() != 0 {
		t.Error("signed-out error page shows the navigation")
	}
	if got := doc.Find(testid("error-page")).AttrOr("data-status", ""); got != "403" {
		t.Errorf("status = %q", got)
	}
	if !strings.Contains(doc.Find(".error-title").Text(), "没有权限") {
		t.Errorf("title = %q", doc.Find(".error-title").Text())
	}
	if href := doc.Find(testid("error-back")).AttrOr("href", ""); href != PathOverview {
		t.Errorf("back link = %q, an off-site URL must not be followed", href)
	}
	checkCSP(t, doc)
}

func TestPlaygroundNeedsUserAndTicket(t *testing.T) {
	doc, _ := render(t, PlaygroundPage(testPage(LangEN, RoleAdmin, NavPlayground), PlaygroundView{}))
	if doc.Find(testid("playground-checkbind")+" button[disabled]").Length() != 1 ||
		doc.Find(testid("playground-bind")+" button[disabled]").Length() != 1 {
		t.Error("checkBind and bind enabled before a login")
	}
	if doc.Find(testid("playground-sim-user")).AttrOr("value", "") == "" {
		t.Error("no simulated person proposed")
	}
	doc, _ = render(t, PlaygroundPage(testPage(LangEN, RoleAdmin, NavPlayground), samplePlayground()))
	if doc.Find("button[disabled]").Length() != 0 {
		t.Error("steps disabled after login and checkBind")
	}
	if !strings.Contains(doc.Find(testid("playground-json")).Text(), `"bound": false`) {
		t.Error("JSON answer not shown")
	}
}
