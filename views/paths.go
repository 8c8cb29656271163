package views

import (
	"net/url"
	"strconv"
	"strings"
)

// The console's URLs that the views link to or post to. The web layer's routes must match.
//
// Forms post these fields besides "csrf":
//
//	POST PathLogin                      username, password, next
//	POST PathLogout                     -
//	POST /admin/users/{id}/sessions/revoke  back   (revoke all of a user's sessions)
//	POST /admin/users/{id}/erase        confirm=yes
//	POST /admin/sessions/{id}/revoke    back   (back: the page to return to)
//	POST PathAccounts                   username, name, password
//	POST PathAccountsImport             file (multipart CSV)
//	POST /admin/accounts/{id}/password  password
//	POST /admin/accounts/{id}/disable | enable | unlock
//	POST PathBindings                   wx_user_id, username, reason, back (optional)
//	POST /admin/bindings/{wxUserID}/unbind  reason, back
//	POST PathOperators                  username, password, role
//	POST /admin/operators/{id}/disable | enable
//	POST PathApps                       appid, name, secret, link
//	POST /admin/apps/{appid}/disable | enable | link/on | link/off
//	POST /admin/apps/{appid}/secret     secret
//	POST PathPlayground + "/login" | "/checkbind"   sim_user
//	POST PathPlayground + "/bind"       sim_user, username, password
//	POST PathPlayground + "/reset"      -
//
// "back" is a path inside the console; pass it through SafeBack before redirecting to it.
const (
	PathOverview        = "/admin"
	PathLogin           = "/admin/login"
	PathLogout          = "/admin/logout"
	PathLang            = "/admin/lang"
	PathUsers           = "/admin/users"
	PathUsersExport     = "/admin/users/export.csv"
	PathAccounts        = "/admin/accounts"
	PathAccountsImport  = "/admin/accounts/import"
	PathBindings        = "/admin/bindings"
	PathSessions        = "/admin/sessions"
	PathAudit           = "/admin/audit"
	PathAuditExport     = "/admin/audit/export.csv"
	PathOperators       = "/admin/operators"
	PathApps            = "/admin/apps"
	PathOperatorsTOTP   = "/admin/operators/require-2fa"
	PathLoginTOTP       = "/admin/login/totp"
	PathSettings        = "/admin/settings"
	PathSettingsPass    = "/admin/settings/password"
	PathTOTPStart       = "/admin/settings/totp/start"
	PathTOTPConfirm     = "/admin/settings/totp/confirm"
	PathPlayground      = "/admin/playground"
	PathIntegrate       = "/admin/integrate"
	PathAPIRef          = "/admin/api"
	playgroundLogin     = PathPlayground + "/login"
	playgroundCheckBind = PathPlayground + "/checkbind"
	playgroundBind      = PathPlayground + "/bind"
	playgroundReset     = PathPlayground + "/reset"
)

func id(n int64) string { return strconv.FormatInt(n, 10) }

func itoa(n int) string { return strconv.Itoa(n) }

// UserURL is a WeChat user's detail page.
func UserURL(userID int64) string { return PathUsers + "/" + id(userID) }

// AccountURL is the accounts page searched for one account.
func AccountURL(username string) string {
	return withQuery(PathAccounts, url.Values{"q": {username}})
}

// SessionsOfUserURL is the sessions page filtered to one WeChat user.
func SessionsOfUserURL(userID int64) string {
	return withQuery(PathSessions, url.Values{"user": {id(userID)}})
}

func userRevokeAllURL(userID int64) string { return UserURL(userID) + "/sessions/revoke" }
func userEraseURL(userID int64) string     { return UserURL(userID) + "/erase" }
func userBlockURL(userID int64) string     { return UserURL(userID) + "/block" }
func userUnblockURL(userID int64) string   { return UserURL(userID) + "/unblock" }
func sessionRevokeURL(sessionID int64) string {
	return PathSessions + "/" + id(sessionID) + "/revoke"
}
func accountActionURL(accountID int64, action string) string {
	return PathAccounts + "/" + id(accountID) + "/" + action
}
func unbindURL(wxUserID int64) string { return PathBindings + "/" + id(wxUserID) + "/unbind" }
func appActionURL(appid, action string) string {
	return PathApps + "/" + url.PathEscape(appid) + "/" + action
}
func operatorActionURL(operatorID int64, action string) string {
	return PathOperators + "/" + id(operatorID) + "/" + action
}

// LangSwitchURL is the language switch: a plain GET link
//
//	/admin/lang?to=<lang>&back=<current path and query>
//
// The handler stores the choice (a cookie), then redirects to SafeBack(back). A GET is
// enough: it changes only a display preference, so it needs no CSRF token, and it works
// on the sign-in page before any session exists.
func LangSwitchURL(to, back string) string {
	return PathLang + "?" + url.Values{"to": {normLang(to)}, "back": {SafeBack(back)}}.Encode()
}

// SafeBack returns back when it is a path inside the console (/admin or below), and the
// overview otherwise, so that "back" parameters cannot redirect off-site.
func SafeBack(back string) string {
	if back == PathOverview || strings.HasPrefix(back, PathOverview+"/") || strings.HasPrefix(back, PathOverview+"?") {
		if !strings.ContainsAny(back, "\\\r\n\t") && !strings.Contains(back, "/../") && !strings.HasSuffix(back, "/..") {
			return back
		}
	}
	return PathOverview
}

// Pager is the previous/next navigation of a keyset-paginated list.
type Pager struct {
	Path    string
	Params  url.Values // the current filter, without cursors
	Cursors Cursors
	Size    int // rows per page; 0 or DefaultPageSize is not written into the links
}

// SizeURL is the first page of the same filter with size rows per page.
func (p Pager) SizeURL(size int) string {
	v := p.filter()
	v.Del("size")
	if size != DefaultPageSize {
		v.Set("size", strconv.Itoa(size))
	}
	return withQuery(p.Path, v)
}

// NextURL is the next page, or "" when there is none.
func (p Pager) NextURL() string { return p.with(ParamAfter, p.Cursors.Next) }

// PrevURL is the previous page, or "" when there is none.
func (p Pager) PrevURL() string { return p.with(ParamBefore, p.Cursors.Prev) }

// FirstURL is the first page of the same filter.
func (p Pager) FirstURL() string { return withQuery(p.Path, p.filter()) }

func (p Pager) with(param, cursor string) string {
	if cursor == "" {
		return ""
	}
	v := p.filter()
	v.Set(param, cursor)
	return withQuery(p.Path, v)
}

// filter copies Params without any cursor.
func (p Pager) filter() url.Values {
	v := url.Values{}
	for k, vs := range p.Params {
		if k != ParamAfter && k != ParamBefore {
			v[k] = vs
		}
	}
	if p.Size > 0 && p.Size != DefaultPageSize {
		v.Set("size", strconv.Itoa(p.Size))
	}
	return v
}

// size is the page size in effect.
func (p Pager) size() int {
	if p.Size <= 0 {
		return DefaultPageSize
	}
	return p.Size
}
