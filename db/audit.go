package db

import (
	"context"
	"strconv"
	"time"
)

// AuditEvent is one line of the audit log: who did what to what, from where.
type AuditEvent struct {
	At        time.Time // zero: now
	ActorType string    // ActorUser, ActorOperator, ActorSystem or ActorIP
	ActorID   string
	Action    string // dotted verb, e.g. "user.delete", "session.revoke"
	Target    string // "<kind>:<id>", e.g. "wx_user:12"
	IP        string
	Detail    string
}

// Actor types, as the audit log records them.
const (
	ActorUser     = "user"     // a WeChat user; ID its wx_users id
	ActorOperator = "operator" // a console operator; ID the operator's username
	ActorSystem   = "system"   // the server itself or a command line; ID e.g. "cli"
	ActorIP       = "ip"       // someone known only by address (a failed sign-in); ID the IP
)

// AuditActor is who makes a change, as the audit log records it, and the IP the request
// came from. Build one with UserActor, OperatorActor, SystemActor or IPActor; every
// command that changes state takes one and writes its audit event in its own transaction.
type AuditActor struct {
	Type, ID, IP string
}

// UserActor is a WeChat user acting on their own behalf from ip.
func UserActor(wxUserID int64, ip string) AuditActor {
	return AuditActor{Type: ActorUser, ID: strconv.FormatInt(wxUserID, 10), IP: ip}
}

// OperatorActor is a console operator acting from ip.
func OperatorActor(op Operator, ip string) AuditActor {
	return AuditActor{Type: ActorOperator, ID: op.Username, IP: ip}
}

// SystemActor is the server or a command-line tool, named e.g. "cli".
func SystemActor(name string) AuditActor { return AuditActor{Type: ActorSystem, ID: name} }

// IPActor is an unidentified party known only by its address.
func IPActor(ip string) AuditActor { return AuditActor{Type: ActorIP, ID: ip, IP: ip} }

// event builds an audit event by this actor.
func (a AuditActor) event(now time.Time, action, target, detail string) AuditEvent {
	return AuditEvent{At: now, ActorType: a.Type, ActorID: a.ID, Action: action, Target: target,
		IP: a.IP, Detail: detail}
}

// by is the actor as sessions.revoked_by and bindings.created_by record it.
func (a AuditActor) by() string {
	if a.ID == "" {
		return a.Type
	}
	return a.Type + ":" + a.ID
}

// addAudit inserts e inside tx, the transaction of the change it records: if the event
// cannot be written, the change does not happen.
func (s *Store) addAudit(ctx context.Context, x runner, e AuditEvent) error {
	if e.At.IsZero() {
		e.At = s.now()
	}
	_, err := s.exec(ctx, x, `INSERT INTO audit_events (at, actor_type, actor_id, action, target, ip, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, e.At.UnixMilli(), e.ActorType, e.ActorID, e.Action, e.Target, e.IP, e.Detail)
	return err
}

// wxUserTarget is a WeChat user as an audit target.
func wxUserTarget(id int64) string { return "wx_user:" + strconv.FormatInt(id, 10) }

// RecordExport records, as a "users.export" event, that actor is exporting every user
// matching filter (an encoded query) as a streamed file. It is written before the file
// leaves (so the row count is not known yet); the caller streams the export only when
// this succeeds.
func (s *Store) RecordExport(ctx context.Context, filter string, actor AuditActor) error {
	now := s.now()
	return wrap("record export", s.addAudit(ctx, s.w, actor.event(now, "users.export", "users",
		"streamed export of every user matching filter "+exportFilter(filter))))
}

// exportFilter names an encoded filter for an export's audit detail ("(none)" if empty).
func exportFilter(filter string) string {
	if filter == "" {
		return "(none)"
	}
	return filter
}
