package db

import (
	"context"
	"strconv"
	"time"
)

// AuditFilter narrows the console's audit log; empty fields match everything.
type AuditFilter struct {
	Action string    // exact action code
	Actor  string    // an actor type ("system") or "<type>:<id>" ("operator:admin")
	Target string    // exact target ("wx_user:12")
	From   time.Time // events at or after (zero: no bound)
	Before time.Time // events before (zero: no bound)
}

// AuditRow is one stored audit event.
type AuditRow struct {
	ID int64
	AuditEvent
}

// ListAudit returns one page of audit events matching f, newest first, and whether there
// are more.
func (s *Store) ListAudit(ctx context.Context, f AuditFilter, k Keyset) ([]AuditRow, bool, error) {
	w := auditWhere(f)
	order, limit := k.where(&w, "id")
	rows, err := s.adhocRows(ctx, s.r, `SELECT id, at, actor_type, actor_id, action, target, ip, detail FROM audit_events`+
		w.sql()+` ORDER BY `+order+` LIMIT `+strconv.Itoa(limit), w.args...)
	if err != nil {
		return nil, false, wrap("list audit events", err)
	}
	defer rows.Close()
	var out []AuditRow
	for rows.Next() {
		var r AuditRow
		var at time.Time
		if err := rows.Scan(&r.ID, msTime{&at}, &r.ActorType, &r.ActorID, &r.Action, &r.Target, &r.IP, &r.Detail); err != nil {
			return nil, false, wrap("list audit events", err)
		}
		r.At = at
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, false, wrap("list audit events", err)
	}
	page, more := pageOf(k, out)
	return page, more, nil
}

func cutActor(a string) (typ, id string, ok bool) {
	for i := 0; i < len(a); i++ {
		if a[i] == ':' {
			return a[:i], a[i+1:], true
		}
	}
	return "", "", false
}

// RecordAuditExport records, as an "audit.export" event, that actor is exporting every
// audit event matching filter (an encoded query) as a streamed file. It is written
// before the file leaves; the caller streams the file only when this succeeds.
func (s *Store) RecordAuditExport(ctx context.Context, filter string, actor AuditActor) error {
	now := s.now()
	return wrap("record audit export", s.addAudit(ctx, s.w, actor.event(now, "audit.export", "audit",
		"streamed export of every audit event matching filter "+exportFilter(filter))))
}

// auditWhere is the condition of the audit events matching f.
func auditWhere(f AuditFilter) where {
	var w where
	if f.Action != "" {
		w.add("action = ?", f.Action)
	}
	if f.Target != "" {
		w.add("target = ?", f.Target)
	}
	if !f.From.IsZero() {
		w.add("at >= ?", f.From.UnixMilli())
	}
	if !f.Before.IsZero() {
		w.add("at < ?", f.Before.UnixMilli())
	}
	if f.Actor != "" {
		if typ, id, ok := cutActor(f.Actor); ok {
			w.add("actor_type = ? AND actor_id = ?", typ, id)
		} else {
			w.add("actor_type = ?", f.Actor)
		}
	}
	return w
}

// CountAudit counts the audit events matching f, up to MatchCap.
func (s *Store) CountAudit(ctx context.Context, f AuditFilter) (MatchCount, error) {
	return s.countCapped(ctx, "count audit events", `audit_events`, auditWhere(f), matchCap)
}
