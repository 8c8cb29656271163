package web

import (
	"strconv"
	"strings"

	"miniauth/db"
	"miniauth/views"
)

// Conversions from store rows to view models. Phones are masked here, once.

func userRow(u db.UserListRow) views.UserRow {
	return views.UserRow{ID: u.ID, Nickname: u.Nickname, AvatarURL: u.AvatarURL, Phone: maskPhone(u.Phone),
		AccountID: u.AccountID, Username: u.Username, AccountName: u.AccountName, Disabled: u.Disabled,
		CreatedAt: u.CreatedAt, LastLoginAt: u.LastLoginAt}
}

func sessionRow(s db.SessionListRow) views.SessionRow {
	return views.SessionRow{ID: s.ID, UserID: s.WxUserID, Nickname: s.Nickname, AccountID: s.AccountID,
		Username: s.Username, IP: s.IP, UserAgent: s.UserAgent, CreatedAt: s.CreatedAt,
		LastSeenAt: s.LastSeenAt, ExpiresAt: s.ExpiresAt}
}

func bindingRow(b db.ConsoleBinding) views.BindingRow {
	return views.BindingRow{WxUserID: b.WxUserID, Nickname: b.Nickname, Phone: maskPhone(b.Phone),
		AccountID: b.AccountID, Username: b.Username, AccountName: b.AccountName, CreatedAt: b.CreatedAt,
		CreatedBy: b.CreatedBy}
}

// auditRow shows an event's actor and target in words, linking WeChat users to their page.
func auditRow(lang string, e db.AuditRow) views.AuditRow {
	r := views.AuditRow{ID: e.ID, At: e.At, Action: e.Action, IP: e.IP, Detail: auditDetail(lang, e.Detail)}
	r.Actor = auditWho(lang, e.ActorType, e.ActorID)
	kind, id, _ := strings.Cut(e.Target, ":")
	r.Target = auditWho(lang, kind, id)
	if n, err := strconv.ParseInt(id, 10, 64); err == nil && (kind == "wx_user" || kind == "user") {
		r.Target = views.T(lang, "col.wx_user") + " " + id
		r.TargetURL = views.UserURL(n)
	}
	return r
}
