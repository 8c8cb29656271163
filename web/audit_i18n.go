package web

import (
	"regexp"
	"strings"

	"miniauth/views"
)

// The audit log stores its details, actors and targets in English, as the store writes
// them (they are evidence, and the CSV keeps them as stored). The console shows them in
// the operator's language: each known detail form is a pattern and a catalogue key whose
// %s take the pattern's groups in order. A detail of no known form is shown as stored.
var auditDetailForms = []struct {
	re  *regexp.Regexp
	key string
}{
	{regexp.MustCompile(`^console sessions ended: (\d+)$`), "detail.console_sessions_ended"},
	{regexp.MustCompile(`^role (\w+); console sessions ended: (\d+)$`), "detail.role_sessions_ended"},
	{regexp.MustCompile(`^role (\w+)$`), "detail.role"},
	{regexp.MustCompile(`^username (.*)$`), "detail.username"},
	{regexp.MustCompile(`^own password; other console sessions ended: (\d+)$`), "detail.own_password"},
	{regexp.MustCompile(`^sessions revoked: (\d+)$`), "detail.sessions_revoked"},
	{regexp.MustCompile(`^reason: (.*); sessions revoked: (\d+)$`), "detail.block"},
	{regexp.MustCompile(`^sessions revoked: (\d+); binding to account (\d+) removed$`), "detail.sessions_revoked_unbound"},
	{regexp.MustCompile(`^session (\d+)$`), "detail.session"},
	{regexp.MustCompile(`^session (\d+) ended: a rotated refresh token was presented again$`), "detail.refresh_reuse"},
	{regexp.MustCompile(`^rows (\d+); filter (.*)$`), "detail.export"},
	{regexp.MustCompile(`^streamed export of every user matching filter (.*)$`), "detail.export_users_stream"},
	{regexp.MustCompile(`^streamed export of every audit event matching filter (.*)$`), "detail.export_audit_stream"},
	{regexp.MustCompile(`^failed attempts cleared: (\d+)$`), "detail.attempts_cleared"},
	{regexp.MustCompile(`^accounts created: (\d+)$`), "detail.accounts_created"},
	{regexp.MustCompile(`^binding to account (\d+) removed; sessions revoked: (\d+)$`), "detail.unbound"},
	{regexp.MustCompile(`^bound to account (\d+) \((.*)\) by an operator$`), "detail.bound_by_operator"},
	{regexp.MustCompile(`^bound to account (\d+) \((.*)\) with password and ticket$`), "detail.bound_ticket"},
	{regexp.MustCompile(`^bound to account (\d+) \((.*)\) with password and session$`), "detail.bound_session"},
	{regexp.MustCompile(`^wrong password for (.*); wx_user (\d+)$`), "detail.bind_wrong_password"},
	{regexp.MustCompile(`^unknown username (.*); wx_user (\d+)$`), "detail.bind_unknown_username"},
	{regexp.MustCompile(`^(\d+) failures in an hour: every try refused for up to an hour$`), "detail.bind_lockout_hour"},
	{regexp.MustCompile(`^(\d+) failures from IP (.*)$`), "detail.bind_lockout_ip"},
	{regexp.MustCompile(`^(\d+) failures from wx_user (\d+)$`), "detail.bind_lockout_user"},
	{regexp.MustCompile(`^wrong password or unknown operator "(.*)"$`), "detail.signin_fail"},
	{regexp.MustCompile(`^(\d+) failed sign-ins for "(.*)" within .*: refused until they age out$`), "detail.signin_lockout_user"},
	{regexp.MustCompile(`^(\d+) failed sign-ins from (.*) within .*: refused until they age out$`), "detail.signin_lockout_ip"},
	{regexp.MustCompile(`^two-factor code due$`), "detail.code_due"},
	{regexp.MustCompile(`^two-factor sign-in required: enrolment due$`), "detail.enrol_due"},
	{regexp.MustCompile(`^with a TOTP code$`), "detail.with_totp"},
	{regexp.MustCompile(`^with a recovery code \((\d+) left\)$`), "detail.with_recovery"},
	{regexp.MustCompile(`^recovery codes: (\d+)$`), "detail.recovery_codes"},
	{regexp.MustCompile(`^wrong, used or stale two-factor code$`), "detail.totp_fail"},
	{regexp.MustCompile(`^on$`), "detail.on"},
	{regexp.MustCompile(`^off$`), "detail.off"},
	{regexp.MustCompile(`^name "(.*)"; enabled (true|false); unionid link (true|false)$`), "detail.app_create"},
	{regexp.MustCompile(`^unionid link (true|false)$`), "detail.app_link_unionid"},
	{regexp.MustCompile(`^name "(.*)"$`), "detail.app_rename"},
	{regexp.MustCompile(`^secret replaced$`), "detail.app_secret"},
	{regexp.MustCompile(`^bound to account (\d+), linked by unionid from app (\S+) \(wx_user:(\d+)\)$`), "detail.bound_unionid"},
}

// reasonSuffix is the operator's reason some commands add after their detail (bind and
// unbind by an operator): "<detail>; reason: <words>".
var reasonSuffix = regexp.MustCompile(`^(.*?); reason: (.*)$`)

// auditDetail is a stored detail in lang.
func auditDetail(lang, detail string) string {
	if m := reasonSuffix.FindStringSubmatch(detail); m != nil {
		if d := auditDetail(lang, m[1]); d != m[1] {
			return d + views.Tf(lang, "detail.reason_suffix", m[2])
		}
	}
	for _, f := range auditDetailForms {
		m := f.re.FindStringSubmatch(detail)
		if m == nil {
			continue
		}
		args := make([]any, 0, len(m)-1)
		for _, g := range m[1:] {
			switch {
			case (f.key == "detail.role" || f.key == "detail.role_sessions_ended") && (g == "admin" || g == "viewer"):
				g = views.T(lang, "role."+g)
			case (f.key == "detail.app_create" || f.key == "detail.app_link_unionid") && (g == "true" || g == "false"):
				g = views.T(lang, map[string]string{"true": "detail.yes", "false": "detail.no"}[g])
			}
			args = append(args, g)
		}
		return views.Tf(lang, f.key, args...)
	}
	return detail
}

// auditWho is an actor or a target ("<kind>:<id>" or "<kind> <id>", or a bare word such
// as "users") in lang: the kind named in words, the id as stored.
func auditWho(lang, kind, id string) string {
	if s, ok := views.Lookup(lang, "who."+kind); ok {
		return strings.TrimSpace(s + " " + id)
	}
	return strings.TrimSpace(kind + " " + id)
}
