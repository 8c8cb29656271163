package views

import (
	"net/url"
	"strconv"
	"time"
)

// Cursors are the opaque keyset cursors of a list page, chosen by the web layer. The
// "next" link carries Next as ?after=, the "previous" link carries Prev as ?before=;
// an empty cursor means there is no such page.
type Cursors struct {
	Prev string
	Next string
}

// Query parameter names of keyset pagination.
const (
	ParamAfter  = "after"
	ParamBefore = "before"
)

// LoginView is the sign-in page.
type LoginView struct {
	Username string // echoed back after a failed attempt
	Error    string // display text, e.g. T(lang, "login.invalid"); empty for none
	Next     string // where to go after signing in; sent back as hidden "next"
}

// DayStat is one day of the overview chart. Day is "2006-01-02".
type DayStat struct {
	Day     string
	Logins  int64
	Binds   int64
	Unbound int64 // checkBind exchanges answered "not bound" (301)
}

// ChartPeriods are the overview chart's choices, in days.
var ChartPeriods = []int{7, 30, 90}

// FunnelStep is one step of the overview's bind funnel: its count over the period and
// the share of the previous step that reached it ("" for the first step).
type FunnelStep struct {
	Key, TestID string
	Count       int64
	Rate        string // e.g. "42.5%", "—" when the previous step is zero
}

// Funnel is the bind funnel of the chart's period: logins → checkBind answered
// "not bound" (301) → binds.
func (o Overview) Funnel() []FunnelStep {
	var logins, unbound, binds int64
	for _, d := range o.Days {
		logins += d.Logins
		unbound += d.Unbound
		binds += d.Binds
	}
	rate := func(n, of int64) string {
		if of <= 0 {
			return "—"
		}
		return strconv.FormatFloat(float64(n)*100/float64(of), 'f', 1, 64) + "%"
	}
	return []FunnelStep{
		{Key: "funnel.logins", TestID: "funnel-logins", Count: logins},
		{Key: "funnel.unbound", TestID: "funnel-unbound", Count: unbound, Rate: rate(unbound, logins)},
		{Key: "funnel.binds", TestID: "funnel-binds", Count: binds, Rate: rate(binds, unbound)},
	}
}

// Overview is the overview page, read from rollups.
type Overview struct {
	Users          int64 // WeChat users, erased ones excluded
	BoundUsers     int64
	Accounts       int64
	ActiveSessions int64
	NewUsersToday  int64
	LoginsToday    int64
	BindsToday     int64
	Days           []DayStat // oldest first, calendar days in Zone
	Zone           string    // the zone of the days (the store's DayZone), named
	Period         int       // days shown: one of ChartPeriods
	App            string    // the app the counts are of; "": every app
	Apps           []string  // the deployment's AppIDs, for the choice
}

// BindConversion is the share of WeChat users bound to an account, e.g. "42.5%", or "—"
// when there are no users.
func (o Overview) BindConversion() string {
	if o.Users <= 0 {
		return "—"
	}
	return strconv.FormatFloat(float64(o.BoundUsers)*100/float64(o.Users), 'f', 1, 64) + "%"
}

// UserFilter is the users page's search and filters, as query parameters q, bound
// ("yes"/"no"/empty), disabled ("1"), phone ("1") and the sign-up dates from and to
// (YYYY-MM-DD, UTC days, both included).
type UserFilter struct {
	Q        string // nickname substring, phone, username or exact openid
	Bound    string // "yes", "no" or "" for both
	Disabled bool   // only disabled users
	HasPhone bool   // only users with a phone number
	AppID    string // only users of this mini-program; "" for all
	From, To string // signed up on or after From, on or before To; "": no bound
	Sort     string // SortLogin: by last login; "": by sign-up, newest first
}

// SortLogin orders the users list by last login (?sort=login).
const SortLogin = "login"

// Values is the filter as query parameters, without cursors.
func (f UserFilter) Values() url.Values {
	v := url.Values{}
	setNonEmpty(v, "sort", f.Sort)
	setNonEmpty(v, "q", f.Q)
	setNonEmpty(v, "app", f.AppID)
	setNonEmpty(v, "bound", f.Bound)
	if f.Disabled {
		v.Set("disabled", "1")
	}
	if f.HasPhone {
		v.Set("phone", "1")
	}
	setNonEmpty(v, "from", f.From)
	setNonEmpty(v, "to", f.To)
	return v
}

// Active reports whether any search or filter is set.
func (f UserFilter) Active() bool {
	v := f.Values()
	v.Del("sort")
	return len(v) > 0
}

// UserRow is one WeChat user in a list.
type UserRow struct {
	ID          int64
	Nickname    string
	AvatarURL   string
	Phone       string // masked
	AccountID   int64  // 0 when not bound
	Username    string // bound account's username
	AccountName string
	Disabled    bool
	CreatedAt   time.Time
	LastLoginAt time.Time
}

// Bound reports whether the user is bound to an account.
func (u UserRow) Bound() bool { return u.AccountID != 0 }

// UsersView is the users page.
type UsersView struct {
	Filter    UserFilter
	Apps      []string // the deployment's AppIDs, for the app filter
	Users     []UserRow
	Cursors   Cursors
	CanExport bool // CSV export is admin-only
	// Total is how many users the filters matched at CountedAt (counted at most a minute
	// before, so shown as an estimate); HasTotal is false for a search, which has none.
	Total     int64
	HasTotal  bool
	CountedAt time.Time
	// Count is the matches counted now, for the filters the estimate cannot answer.
	Count ListCount
}

// ExportURL is the CSV export of the current filter.
func (v UsersView) ExportURL() string { return withQuery(PathUsersExport, v.Filter.Values()) }

// UserProfile is the profile part of the user detail page.
type UserProfile struct {
	ID        int64
	AppID     string
	OpenID    string
	UnionID   string
	Nickname  string
	AvatarURL string
	Gender    int // 0 unknown, 1 male, 2 female
	Province  string
	City      string
	Country   string
	Language  string
	Phone     string // masked, unless PhoneRevealed
	// PhoneRevealed: Phone is the full number, shown once at an admin's audited request.
	PhoneRevealed bool
	Disabled      bool   // blocked by an operator: no login, checkBind or bind
	BlockedReason string // the operator's reason, when Disabled
	BlockedAt     time.Time
	Erased        bool // account cancelled: profile gone, tombstone kept
	CreatedAt     time.Time
	LastLoginAt   time.Time
}

// BindingInfo is the account a WeChat user is bound to.
type BindingInfo struct {
	AccountID   int64
	Username    string
	AccountName string
	CreatedAt   time.Time
	CreatedBy   string // "user" or the operator who bound it
}

// UserDetail is the user detail page.
type UserDetail struct {
	User           UserProfile
	Binding        *BindingInfo // nil when not bound
	BindingHistory []AuditRow   // bind and unbind events, newest first
	Sessions       []SessionRow // active sessions
	History        []HistoryRow // ended sessions, newest first
	Events         []AuditRow   // recent events about this user, newest first
	SamePerson     []PersonRow  // the same unionid in the deployment's other apps
}

// PersonRow is the same person's user in another app.
type PersonRow struct {
	ID                    int64
	AppID, OpenID         string
	Nickname              string
	AccountID             int64 // 0: not bound
	Username, AccountName string
	LiveSessions          int
}

// SessionRow is one session (one login).
type SessionRow struct {
	ID         int64
	UserID     int64
	Nickname   string
	AccountID  int64 // 0 when the session carries no account
	Username   string
	IP         string
	UserAgent  string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // the earlier of the idle and absolute end
}

// SessionFilter is the sessions page's filters, as query parameters user (WeChat user
// id), account (username) and ip.
type SessionFilter struct {
	User    string
	Account string
	IP      string
}

// Values is the filter as query parameters, without cursors.
func (f SessionFilter) Values() url.Values {
	v := url.Values{}
	setNonEmpty(v, "user", f.User)
	setNonEmpty(v, "account", f.Account)
	setNonEmpty(v, "ip", f.IP)
	return v
}

// SessionsView is the active sessions page.
type SessionsView struct {
	Filter   SessionFilter
	Sessions []SessionRow
	Cursors  Cursors
	Count    ListCount
}

// ListCount is how many rows a list's filter matched: exactly, "more than N" when the
// count stopped at its cap (N), or about N when it is the overview's total of an
// unfiltered list (counted at most a minute before).
type ListCount struct {
	N     int64
	More  bool
	About bool
	Known bool // false: the page shows no count
}

// text is the count as the page words it.
func (c ListCount) text(lang string) string {
	switch {
	case c.About:
		return Tf(lang, "list.count_about", fmtInt(c.N))
	case c.More:
		return Tf(lang, "list.count_more", fmtInt(c.N))
	case c.N == 1:
		return T(lang, "list.count_one")
	}
	return Tf(lang, "list.count", fmtInt(c.N))
}

// AccountRow is one platform account.
type AccountRow struct {
	ID            int64
	Username      string
	Name          string
	Disabled      bool
	Locked        bool  // sign-in throttled; an operator can unlock
	BoundUserID   int64 // 0 when no WeChat user is bound
	BoundNickname string
	CreatedAt     time.Time
}

// AccountForm echoes the create-account form after a refused submission.
type AccountForm struct {
	Username string
	Name     string
	Error    string
}

// ImportResult reports a finished CSV import.
type ImportResult struct {
	Created int
	Skipped int
	Errors  []string // one line per refused row, e.g. "line 7: username taken"
}

// AccountsView is the accounts page; Q searches username and name (query parameter q).
type AccountsView struct {
	Q        string
	Accounts []AccountRow
	Cursors  Cursors
	Form     AccountForm
	Import   *ImportResult // nil unless an import just ran
	Count    ListCount
}

// BindingRow is one binding of a WeChat user to an account.
type BindingRow struct {
	WxUserID    int64
	Nickname    string
	Phone       string // masked
	AccountID   int64
	Username    string
	AccountName string
	CreatedAt   time.Time
	CreatedBy   string
}

// BindForm echoes the operator bind form after a refused submission.
type BindForm struct {
	WxUserID string
	Username string
	Reason   string
	Error    string
}

// BindingsView is the bindings page; Q searches username, nickname or user id (q).
type BindingsView struct {
	Q        string
	Bindings []BindingRow
	Cursors  Cursors
	Form     BindForm
	Count    ListCount
}

// AuditRow is one audit event.
type AuditRow struct {
	ID     int64
	At     time.Time
	Actor  string // who, for display: "admin", "user 42", "system"
	Action string // action code, e.g. "session.revoke"; known codes are translated
	Target string // what, for display: "session 91", "account alice"
	IP     string
	Detail string
	// TargetURL optionally links Target to its page (e.g. "/admin/users/42").
	TargetURL string
}

// AuditFilter is the audit page's filters, as query parameters action, actor and target.
type AuditFilter struct {
	Action string
	Actor  string
	Target string
	From   string // first day, YYYY-MM-DD in the console's time zone
	To     string // last day (inclusive), YYYY-MM-DD
}

// Values is the filter as query parameters, without cursors.
func (f AuditFilter) Values() url.Values {
	v := url.Values{}
	setNonEmpty(v, "action", f.Action)
	setNonEmpty(v, "actor", f.Actor)
	setNonEmpty(v, "target", f.Target)
	setNonEmpty(v, "from", f.From)
	setNonEmpty(v, "to", f.To)
	return v
}

// AuditView is the audit log page.
type AuditView struct {
	Filter  AuditFilter
	Events  []AuditRow
	Cursors Cursors
	Count   ListCount
}

// AppRow is one mini-program of the deployment. It has no field for the secret.
type AppRow struct {
	AppID, Name          string
	Enabled, LinkUnionID bool
	Default              bool // the app of requests naming none
	CreatedAt            time.Time
}

// AppsView is the apps page (admins only).
type AppsView struct {
	Apps []AppRow
}

// OperatorRow is one console operator.
type OperatorRow struct {
	ID          int64
	Username    string
	Role        string
	Disabled    bool
	CreatedAt   time.Time
	LastLoginAt time.Time
	HasTOTP     bool // two-factor sign-in set up
}

// OperatorForm echoes the create-operator form after a refused submission.
type OperatorForm struct {
	Username string
	Role     string
	Error    string
}

// OperatorsView is the operators page (admins only).
type OperatorsView struct {
	Operators   []OperatorRow
	Form        OperatorForm
	RequireTOTP bool // every operator must sign in with two factors
}

// LoginTOTPView is the second step of a sign-in: the code from the authenticator app
// or a recovery code.
type LoginTOTPView struct {
	Next  string
	Error string
}

// TOTPEnrol is an enrolment in progress: the QR code (a data: URL of a PNG) and the
// secret as text, shown until the operator confirms with a code.
type TOTPEnrol struct {
	QRDataURL string
	Secret    string
}

// SettingsView is an operator's own settings page: their password and their
// two-factor sign-in.
type SettingsView struct {
	HasTOTP   bool
	MustEnrol bool       // two-factor sign-in is required and not set up yet
	Enrol     *TOTPEnrol // an enrolment in progress (only on the answer that starts or retries it)
	// RecoveryCodes are shown once, on the answer that confirms the enrolment.
	RecoveryCodes []string
	Error         string
}

// Link is a labelled link.
type Link struct {
	Label string
	Href  string
}

// PlaygroundStep is one call the playground made on behalf of the simulated user.
type PlaygroundStep struct {
	Name    string // "login", "checkBind" or "bind"
	Request string // e.g. `POST /api/login {"code":"…"}`
	Status  int    // HTTP status of the answer
	// Response is the JSON answer, pretty-printed, with the values of token,
	// refresh_token and bindTicket replaced by "…" by the web layer: secrets are never
	// rendered.
	Response string
	Links    []Link // the rows that appeared: user, session, binding pages
	At       time.Time
}

// PlaygroundView is the simulator playground page.
type PlaygroundView struct {
	SimUser   string           // the simulated person, e.g. "alice"
	HasTicket bool             // checkBind gave a bind ticket, held server-side
	Steps     []PlaygroundStep // oldest first
}

// ErrorView is an error page.
type ErrorView struct {
	Status  int
	Code    string // the public error code (httperr), as the API would name it
	Message string // display text; empty means the status's standard text
	BackURL string // empty means the overview
}

func setNonEmpty(v url.Values, k, s string) {
	if s != "" {
		v.Set(k, s)
	}
}

func withQuery(path string, v url.Values) string {
	if q := v.Encode(); q != "" {
		return path + "?" + q
	}
	return path
}

// HistoryRow is one ended session in a user's session history.
type HistoryRow struct {
	ID         int64
	IP         string
	UserAgent  string
	CreatedAt  time.Time
	LastSeenAt time.Time
	EndedAt    time.Time
	End        string // db.End… kind: logout, expired, refresh_reuse, operator, bind, unbind, block, delete, password, other
	By         string // the operator (or other actor) that ended it, when End says so
	Security   bool   // a security event (refresh token reuse)
}
