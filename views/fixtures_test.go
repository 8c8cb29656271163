package views

import (
	"time"

	"github.com/a-h/templ"
)

const testCSRF = "csrf-token-for-tests"

var t0 = time.Date(2025, 3, 14, 9, 26, 0, 0, time.FixedZone("CST", 8*3600))

func testPage(lang, role string, nav Nav) Page {
	return Page{
		Lang:        lang,
		Operator:    Operator{ID: 1, Username: "admin", Name: "管理员小王", Role: role},
		CSRFToken:   testCSRF,
		Flash:       Flash{Kind: FlashSuccess, Message: "done"},
		Simulator:   true,
		Nav:         nav,
		CurrentPath: "/admin/users?q=li",
	}
}

func sampleDays(n int) []DayStat {
	days := make([]DayStat, n)
	for i := range days {
		d := t0.AddDate(0, 0, i-n+1)
		days[i] = DayStat{Day: d.Format("2006-01-02"), Logins: int64(100 + 37*i%90), Binds: int64(10 + 7*i%25)}
	}
	return days
}

func sampleOverview() Overview {
	return Overview{
		Users: 1234567, BoundUsers: 456789, Accounts: 500000, ActiveSessions: 98765,
		NewUsersToday: 321, LoginsToday: 4567, BindsToday: 89, Days: sampleDays(30),
	}
}

func sampleUsers() UsersView {
	return UsersView{
		Filter: UserFilter{Q: "li", Bound: "yes", HasPhone: true},
		Users: []UserRow{
			{ID: 42, Nickname: "李雷", Phone: "138****5678", AccountID: 7, Username: "lilei", AccountName: "李雷", CreatedAt: t0, LastLoginAt: t0},
			{ID: 43, Nickname: "", AvatarURL: "https://thirdwx.qlogo.cn/mmopen/x/132", Disabled: true, CreatedAt: t0},
		},
		Cursors:   Cursors{Prev: "p1", Next: "n1"},
		CanExport: true,
	}
}

func sampleSessions() []SessionRow {
	return []SessionRow{
		{ID: 901, UserID: 42, Nickname: "李雷", AccountID: 7, Username: "lilei", IP: "203.0.113.7", UserAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) MicroMessenger/8.0", CreatedAt: t0, LastSeenAt: t0, ExpiresAt: t0.Add(720 * time.Hour)},
		{ID: 902, UserID: 42, Nickname: "李雷", IP: "203.0.113.8", CreatedAt: t0},
	}
}

func sampleAudit() []AuditRow {
	return []AuditRow{
		{ID: 5, At: t0, Actor: "admin", Action: "session.revoke", Target: "session 900", TargetURL: "/admin/users/42", IP: "10.0.0.1", Detail: "support ticket 17"},
		{ID: 4, At: t0, Actor: "user 42", Action: "bind", Target: "account lilei"},
		{ID: 3, At: t0, Actor: "system", Action: "something.new"},
	}
}

func sampleDetail() UserDetail {
	return UserDetail{
		User: UserProfile{
			ID: 42, AppID: "wx5151515151515151", OpenID: "oSIM-abc", Nickname: "李雷", Gender: 1,
			Province: "Guangdong", City: "Shenzhen", Country: "China", Language: "zh_CN",
			Phone: "138****5678", CreatedAt: t0, LastLoginAt: t0,
		},
		Binding:        &BindingInfo{AccountID: 7, Username: "lilei", AccountName: "李雷", CreatedAt: t0, CreatedBy: "user"},
		BindingHistory: sampleAudit()[1:2],
		Sessions:       sampleSessions(),
		Events:         sampleAudit(),
	}
}

func sampleAccounts() AccountsView {
	return AccountsView{
		Q: "li",
		Accounts: []AccountRow{
			{ID: 7, Username: "lilei", Name: "李雷", BoundUserID: 42, BoundNickname: "李雷", CreatedAt: t0},
			{ID: 8, Username: "hanmeimei", Name: "韩梅梅", Disabled: true, Locked: true, CreatedAt: t0},
		},
		Cursors: Cursors{Next: "n2"},
		Form:    AccountForm{Username: "dup", Error: "username taken"},
		Import:  &ImportResult{Created: 3, Skipped: 1, Errors: []string{"line 4: username taken"}},
	}
}

func sampleBindings() BindingsView {
	return BindingsView{
		Bindings: []BindingRow{{WxUserID: 42, Nickname: "李雷", Phone: "138****5678", AccountID: 7, Username: "lilei", AccountName: "李雷", CreatedAt: t0, CreatedBy: "user"}},
		Cursors:  Cursors{Prev: "p3"},
	}
}

func sampleOperators() OperatorsView {
	return OperatorsView{Operators: []OperatorRow{
		{ID: 1, Username: "admin", Role: RoleAdmin, CreatedAt: t0, LastLoginAt: t0},
		{ID: 2, Username: "bob", Role: RoleViewer, CreatedAt: t0},
		{ID: 3, Username: "carol", Role: RoleViewer, Disabled: true, CreatedAt: t0},
	}}
}

func samplePlayground() PlaygroundView {
	return PlaygroundView{
		SimUser:   "alice",
		HasTicket: true,
		Steps: []PlaygroundStep{{
			Name: "login", Request: `POST /api/login {"code":"…"}`, Status: 200,
			Response: "{\n  \"token\": \"…\",\n  \"bound\": false\n}",
			Links:    []Link{{Label: "user 42", Href: "/admin/users/42"}, {Label: "session 901", Href: "/admin/sessions?user=42"}},
			At:       t0,
		}},
	}
}

// readOnlyPages have no change controls, even for an admin.
var readOnlyPages = map[string]bool{"overview": true, "users": true, "audit": true, "error": true, "integrate": true, "api reference": true}

// pageCase is one page to render, with the test hooks it must carry for an admin.
type pageCase struct {
	name   string
	nav    Nav
	render func(Page) templ.Component
	hooks  []string
}

var pageCases = []pageCase{
	{"overview", NavOverview, func(p Page) templ.Component { return OverviewPage(p, sampleOverview()) },
		[]string{"stat-users", "stat-bound", "stat-conversion", "stat-sessions", "chart-svg"}},
	{"users", NavUsers, func(p Page) templ.Component { return UsersPage(p, sampleUsers()) },
		[]string{"users-search", "user-row", "next-page", "prev-page", "users-export"}},
	{"user detail", NavUsers, func(p Page) templ.Component { return UserDetailPage(p, sampleDetail()) },
		[]string{"user-detail", "session-row", "session-revoke", "revoke-all", "user-erase", "binding-unbind", "audit-row", "binding-history"}},
	{"accounts", NavAccounts, func(p Page) templ.Component { return AccountsPage(p, sampleAccounts()) },
		[]string{"account-row", "account-create", "account-import", "account-disable", "account-enable", "account-unlock", "account-password", "import-result", "form-error", "next-page"}},
	{"bindings", NavBindings, func(p Page) templ.Component { return BindingsPage(p, sampleBindings()) },
		[]string{"binding-row", "binding-create", "binding-unbind", "prev-page"}},
	{"sessions", NavSessions, func(p Page) templ.Component {
		return SessionsPage(p, SessionsView{Filter: SessionFilter{User: "42"}, Sessions: sampleSessions(), Cursors: Cursors{Next: "n4"}})
	}, []string{"session-row", "session-revoke", "sessions-filter-user", "next-page"}},
	{"audit", NavAudit, func(p Page) templ.Component {
		return AuditPage(p, AuditView{Events: sampleAudit(), Cursors: Cursors{Next: "n5"}})
	}, []string{"audit-row", "next-page"}},
	{"operators", NavOperators, func(p Page) templ.Component { return OperatorsPage(p, sampleOperators()) },
		[]string{"operator-row", "operator-create", "operator-disable", "operator-enable"}},
	{"playground", NavPlayground, func(p Page) templ.Component { return PlaygroundPage(p, samplePlayground()) },
		[]string{"playground-login", "playground-checkbind", "playground-bind", "playground-step", "playground-json", "playground-link"}},
	{"integrate", NavIntegrate, func(p Page) templ.Component {
		return IntegratePage(p, IntegrateView{BaseURL: "https://auth.example.com", SDKURL: "https://auth.example.com/static/sdk/miniauth.js", SpecURL: "https://auth.example.com/api/openapi.json"})
	}, []string{"integrate", "integrate-sdk", "integrate-base-url", "integrate-app-js", "integrate-page-js", "integrate-apiref", "integrate-spec"}},
	{"api reference", NavAPIRef, func(p Page) templ.Component {
		return APIRefPage(p, APIRefView{Title: "miniauth", Version: "3.1.0", ErrorCodes: []string{"token_expired"}, Operations: []APIOperation{{
			ID: "login", Method: "POST", Path: "/api/login", Summary: "Log in", Auth: "none",
			BodyType: "application/json", Body: []APIField{{Name: "code", Type: "string", Required: true}},
			Responses: []APIResponse{{Status: "200", Description: "A session", Fields: []APIField{{Name: "token"}}}},
		}}})
	}, []string{"apiref-op", "apiref-field", "apiref-response", "apiref-codes"}},
	{"error", NavNone, func(p Page) templ.Component {
		return ErrorPage(p, ErrorView{Status: 404, Message: "no such user"})
	}, []string{"error-page", "error-back"}},
}
