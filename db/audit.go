package db

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// AuditEvent is one line of the audit log: who did what to what, from where.
type AuditEvent struct {
	At        time.Time // zero: now
	ActorType string    // "user", "operator" or "system"
	ActorID   string
	Action    string // dotted verb, e.g. "user.delete", "session.revoke"
	Target    string // "<kind>:<id>", e.g. "wx_user:12"
	IP        string
	Detail    string
}

// AddAudit appends an event to the audit log.
func (s *Store) AddAudit(ctx context.Context, e AuditEvent) error {
	return wrap("add audit event "+e.Action, s.addAudit(ctx, s.w, e))
}

// addAudit inserts e with x, the writer or a transaction.
func (s *Store) addAudit(ctx context.Context, x runner, e AuditEvent) error {
	if e.At.IsZero() {
		e.At = s.now()
	}
	_, err := s.exec(ctx, x, `INSERT INTO audit_events (at, actor_type, actor_id, action, target, ip, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, e.At.UnixMilli(), e.ActorType, e.ActorID, e.Action, e.Target, e.IP, e.Detail)
	return err
}

// splitActor reads "user" (the WeChat user self) or "<type>:<id>" into an audit actor.
func splitActor(actor string, self int64) (typ, id string) {
	if t, i, ok := strings.Cut(actor, ":"); ok {
		return t, i
	}
	if actor == "user" {
		return "user", strconv.FormatInt(self, 10)
	}
	return actor, ""
}
