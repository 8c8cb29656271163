package db

import (
	"context"
	"database/sql"
	"time"
)

// BindCheckInput is what a bind reads before it checks the password.
type BindCheckInput struct {
	TicketHash []byte // the bind ticket; nil when a Bearer session proves who binds
	WxUserID   int64  // who binds, when there is no ticket
	Username   string // normalized
	IP         string
	Now        time.Time
}

// BindCheck is what a bind needs before it checks the password, read in one query.
type BindCheck struct {
	// Ticket is the bind ticket if it can still be used at Now (as TicketByHash reads it);
	// its WxUserID is 0 when there is none, or when no ticket was given.
	Ticket BindTicket
	// Wait is how long the throttling key (username, IP, and the ticket's WeChat user or
	// else WxUserID) must wait before a password try, as BindThrottle computes it.
	Wait time.Duration
	// Account is the account with this username; its ID is 0 when there is none.
	Account Account
}

// BindCheck reads, in one query, the three things a bind needs before its password check:
// the ticket, the throttling state of the key, and the account. The caller answers them in
// the fixed order (ticket, throttling, password); reading all three at once costs one round
// trip instead of three and changes no answer, since none of them writes.
func (s *Store) BindCheck(ctx context.Context, in BindCheckInput) (BindCheck, error) {
	now := in.Now
	if now.IsZero() {
		now = s.now()
	}
	var c BindCheck
	var st throttleState
	var tkWx, tkFailures, ipLast, wxLast, hour0 sql.NullInt64
	var tkApp sql.NullString
	var disabled sql.NullBool
	hourAgo := now.Add(-backstopWindow).UnixMilli()
	var ticket any
	if in.TicketHash != nil {
		ticket = in.TicketHash
	}
	// The WeChat user of the throttling key is the ticket's, or the one given without a
	// ticket. An unusable ticket is answered before the throttling state matters.
	err := s.row(ctx, s.r, `WITH t AS (SELECT wx_user_id, appid, expires_at, failures FROM bind_tickets
			WHERE hash = ? AND used_at IS NULL AND expires_at > ? AND failures < ?),
		k AS (SELECT COALESCE((SELECT wx_user_id FROM t), ?) AS wx),
		la AS (SELECT
			COUNT(CASE WHEN ip = ? THEN 1 END) AS ip_n, MAX(CASE WHEN ip = ? THEN at END) AS ip_last,
			COUNT(CASE WHEN wx_user_id = k.wx THEN 1 END) AS wx_n, MAX(CASE WHEN wx_user_id = k.wx THEN at END) AS wx_last,
			COUNT(CASE WHEN at > ? THEN 1 END) AS hour_n, MIN(CASE WHEN at > ? THEN at END) AS hour0
			FROM login_attempts, k WHERE username = ? AND at > ?)
		SELECT t.wx_user_id, t.appid, t.expires_at, t.failures,
			la.ip_n, la.ip_last, la.wx_n, la.wx_last, la.hour_n, la.hour0,
			COALESCE(a.id, 0), COALESCE(a.username, ''), COALESCE(a.name, ''), COALESCE(a.password_hash, ''),
			a.disabled, a.created_at, a.updated_at
		FROM la LEFT JOIN t ON 1 = 1 LEFT JOIN accounts a ON a.username = ?`,
		ticket, now.UnixMilli(), TicketMaxFailures,
		in.WxUserID,
		in.IP, in.IP, hourAgo, hourAgo, in.Username, now.Add(-attemptKeep).UnixMilli(),
		in.Username).
		Scan(&tkWx, &tkApp, msTime{&c.Ticket.ExpiresAt}, &tkFailures,
			&st.ipN, &ipLast, &st.wxN, &wxLast, &st.hourN, &hour0,
			&c.Account.ID, &c.Account.Username, &c.Account.Name, &c.Account.PasswordHash,
			&disabled, msTime{&c.Account.CreatedAt}, msTime{&c.Account.UpdatedAt})
	if err != nil {
		return BindCheck{}, wrap("bind check", err)
	}
	c.Ticket.WxUserID, c.Ticket.AppID, c.Ticket.Failures = tkWx.Int64, tkApp.String, int(tkFailures.Int64)
	c.Account.Disabled = disabled.Bool
	st.ipLast, st.wxLast, st.hour0 = time.UnixMilli(ipLast.Int64), time.UnixMilli(wxLast.Int64), time.UnixMilli(hour0.Int64)
	c.Wait = st.wait(now)
	return c, nil
}
