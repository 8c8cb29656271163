package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Binding ties a WeChat user to a platform account: at most one account per WeChat user,
// at most one WeChat user per account and appid. Its history lives in the audit log.
type Binding struct {
	WxUserID  int64
	AppID     string
	AccountID int64
	CreatedAt time.Time
	CreatedBy string // "user:<id>" or "operator:<id>"
}

var (
	// ErrWxUserBound means the WeChat user is already bound to an account.
	ErrWxUserBound = fmt.Errorf("%w: this WeChat user is already bound to an account", ErrConflict)
	// ErrAccountBound means the account is already bound to another WeChat user of the
	// same mini-program; binding never moves it silently.
	ErrAccountBound = fmt.Errorf("%w: the account is already bound to another WeChat user", ErrConflict)
	// ErrAccountDisabled means the platform account is disabled by an operator.
	ErrAccountDisabled = errors.New("db: account disabled")
	// ErrTicketInvalid means a bind ticket is unknown, used, expired or dead of failures.
	ErrTicketInvalid = errors.New("db: bind ticket invalid")
)

// BindingOfWxUser returns the binding of a WeChat user; ErrNotFound if it is not bound.
func (s *Store) BindingOfWxUser(ctx context.Context, wxUserID int64) (Binding, error) {
	var b Binding
	err := s.row(ctx, s.r, `SELECT wx_user_id, appid, account_id, created_at, created_by FROM bindings
		WHERE wx_user_id = ?`, wxUserID).Scan(&b.WxUserID, &b.AppID, &b.AccountID, msTime{&b.CreatedAt}, &b.CreatedBy)
	if err != nil {
		return Binding{}, wrap(fmt.Sprintf("binding of wx user %d", wxUserID), err)
	}
	return b, nil
}

// BindInput is a bind whose password has been checked: who binds to what, with which
// proof, and the session to start.
type BindInput struct {
	TicketHash []byte // the bind ticket, consumed by the bind; or
	SessionID  int64  // the Bearer session used instead, ended by the bind
	WxUserID   int64
	AppID      string
	AccountID  int64
	Username   string     // normalized; its failed attempts from this IP and user are forgotten
	Session    NewSession // the new session, carrying the account
	Actor      AuditActor
}

// BindResult is a completed bind.
type BindResult struct {
	User    WxUser
	Account Account
	Session Session
}

// Bind binds a WeChat user to an account in one write transaction: the ticket is consumed
// (or the Bearer session ended), the binding inserted, a new session carrying the account
// started, the failed attempts of (username, IP) and (username, WeChat user) forgotten, a
// "bind" audit event written and the day's binds counted. Nothing is written unless all
// of it is. Errors: ErrTicketInvalid (or ErrNotFound for an ended Bearer session),
// ErrAccountDisabled, ErrUserDisabled, ErrWxUserBound, ErrAccountBound. The unique keys
// on bindings decide concurrent binds: one wins, the others get a conflict.
func (s *Store) Bind(ctx context.Context, in BindInput) (BindResult, error) {
	now := in.Session.Now
	if now.IsZero() {
		now = time.Now()
	}
	var res BindResult
	var ended []int64
	err := s.tx(ctx, fmt.Sprintf("bind wx user %d to account %d", in.WxUserID, in.AccountID), func(tx *sqlx.Tx) error {
		if in.TicketHash != nil {
			var wx int64
			err := s.row(ctx, tx, `UPDATE bind_tickets SET used_at = ?
				WHERE hash = ? AND used_at IS NULL AND expires_at > ? AND failures < ? RETURNING wx_user_id`,
				now.UnixMilli(), in.TicketHash, now.UnixMilli(), TicketMaxFailures).Scan(&wx)
			if mapErr(err) == ErrNotFound || (err == nil && wx != in.WxUserID) {
				return ErrTicketInvalid
			}
			if err != nil {
				return err
			}
		} else {
			var err error
			ended, err = s.revokeWhere(ctx, tx, now, "bind", `id = ? AND wx_user_id = ?`, in.SessionID, in.WxUserID)
			if err != nil {
				return err
			}
			if len(ended) == 0 {
				return ErrNotFound
			}
		}
		var err error
		if res.Account, err = s.lockedAccount(ctx, tx, in.AccountID); err != nil {
			return err
		}
		if res.User, err = s.liveWxUser(ctx, tx, in.WxUserID); err != nil {
			return err
		}
		if err := s.insertBinding(ctx, tx, in.WxUserID, in.AppID, in.AccountID, in.Actor, now); err != nil {
			return err
		}
		ns := in.Session
		ns.AccountID = in.AccountID
		if res.Session, err = s.insertSession(ctx, tx, in.WxUserID, in.AppID, ns, now); err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, `DELETE FROM login_attempts WHERE username = ? AND (ip = ? OR wx_user_id = ?)`,
			in.Username, in.Session.IP, in.WxUserID); err != nil {
			return err
		}
		proof := "ticket"
		if in.TicketHash == nil {
			proof = "session"
		}
		if err := s.addAudit(ctx, tx, in.Actor.event(now, "bind", fmt.Sprintf("wx_user:%d", in.WxUserID),
			fmt.Sprintf("bound to account %d (%s) with password and %s", in.AccountID, res.Account.Username, proof))); err != nil {
			return err
		}
		return s.bumpStats(ctx, tx, now, 0, 1, 0)
	})
	if err != nil {
		return BindResult{}, err
	}
	s.cache.dropSessions(ended)
	return res, nil
}

// lockedAccount reads an account inside tx for a bind: ErrNotFound if gone,
// ErrAccountDisabled if disabled.
func (s *Store) lockedAccount(ctx context.Context, tx *sqlx.Tx, id int64) (Account, error) {
	a, err := scanAccount(s.row(ctx, tx, `SELECT `+accountColumns+` FROM accounts WHERE id = ?`, id))
	if err != nil {
		return Account{}, err
	}
	if a.Disabled {
		return Account{}, ErrAccountDisabled
	}
	return a, nil
}

// liveWxUser reads a WeChat user inside tx: ErrNotFound if erased, ErrUserDisabled if
// blocked by an operator.
func (s *Store) liveWxUser(ctx context.Context, tx *sqlx.Tx, id int64) (WxUser, error) {
	u, err := s.scanWxUser(s.row(ctx, tx, `SELECT `+wxUserColumns+` FROM wx_users WHERE id = ?`, id))
	switch {
	case err != nil:
		return WxUser{}, err
	case !u.DeletedAt.IsZero():
		return WxUser{}, ErrNotFound
	case u.Disabled:
		return WxUser{}, ErrUserDisabled
	}
	return u, nil
}

// insertBinding inserts a binding, or says which side is already bound. ON CONFLICT DO
// NOTHING waits for a concurrent insert of the same key to commit or roll back, so the
// check after it sees the winner.
func (s *Store) insertBinding(ctx context.Context, tx *sqlx.Tx, wxUserID int64, appID string, accountID int64, actor AuditActor, now time.Time) error {
	res, err := s.exec(ctx, tx, `INSERT INTO bindings (wx_user_id, appid, account_id, created_at, created_by)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, wxUserID, appID, accountID, now.UnixMilli(), actor.by())
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	var one int
	err = s.row(ctx, tx, `SELECT 1 FROM bindings WHERE wx_user_id = ?`, wxUserID).Scan(&one)
	switch mapErr(err) {
	case nil:
		return ErrWxUserBound
	case ErrNotFound:
		return ErrAccountBound
	}
	return err
}

// UnbindInput is the removal of a binding.
type UnbindInput struct {
	WxUserID  int64
	SessionID int64       // the session asking (0: none), ended too
	Session   *NewSession // a fresh unbound session to start (nil: none)
	Reason    string      // for the audit log (operators)
	Actor     AuditActor
}

// Unbind removes a WeChat user's binding in one write transaction: every live session
// carrying the account for this user ends (through the revocations feed), as does the
// session asking, a fresh unbound session is started if in.Session is set, and an
// "unbind" audit event is written. ErrNotFound if the user is not bound.
func (s *Store) Unbind(ctx context.Context, in UnbindInput) (Session, error) {
	now := time.Now()
	if in.Session != nil && !in.Session.Now.IsZero() {
		now = in.Session.Now
	}
	var sess Session
	var ended []int64
	err := s.tx(ctx, fmt.Sprintf("unbind wx user %d", in.WxUserID), func(tx *sqlx.Tx) error {
		var account int64
		var appID string
		err := s.row(ctx, tx, `DELETE FROM bindings WHERE wx_user_id = ? RETURNING account_id, appid`, in.WxUserID).Scan(&account, &appID)
		if err != nil {
			return err
		}
		if ended, err = s.revokeWhere(ctx, tx, now, "unbind", `wx_user_id = ? AND (account_id = ? OR id = ?)`,
			in.WxUserID, account, in.SessionID); err != nil {
			return err
		}
		if in.Session != nil {
			ns := *in.Session
			ns.AccountID = 0
			if sess, err = s.insertSession(ctx, tx, in.WxUserID, appID, ns, now); err != nil {
				return err
			}
		}
		detail := fmt.Sprintf("binding to account %d removed; sessions revoked: %d", account, len(ended))
		if in.Reason != "" {
			detail += "; reason: " + in.Reason
		}
		return s.addAudit(ctx, tx, in.Actor.event(now, "unbind", fmt.Sprintf("wx_user:%d", in.WxUserID), detail))
	})
	if err != nil {
		return Session{}, err
	}
	s.cache.dropSessions(ended)
	return sess, nil
}

// OperatorBind binds a WeChat user to an account on an operator's word (no password), with
// a reason for the audit log. The same rules hold as for a user's bind: ErrAccountDisabled,
// ErrUserDisabled, ErrWxUserBound, ErrAccountBound; ErrNotFound for an unknown user or
// account. The user's current sessions stay as they are; their next login or checkBind
// carries the account.
func (s *Store) OperatorBind(ctx context.Context, wxUserID, accountID int64, reason string, actor AuditActor) error {
	now := time.Now()
	return s.tx(ctx, fmt.Sprintf("operator bind wx user %d to account %d", wxUserID, accountID), func(tx *sqlx.Tx) error {
		a, err := s.lockedAccount(ctx, tx, accountID)
		if err != nil {
			return err
		}
		u, err := s.liveWxUser(ctx, tx, wxUserID)
		if err != nil {
			return err
		}
		if err := s.insertBinding(ctx, tx, wxUserID, u.AppID, accountID, actor, now); err != nil {
			return err
		}
		detail := fmt.Sprintf("bound to account %d (%s) by an operator", accountID, a.Username)
		if reason != "" {
			detail += "; reason: " + reason
		}
		if err := s.addAudit(ctx, tx, actor.event(now, "bind", fmt.Sprintf("wx_user:%d", wxUserID), detail)); err != nil {
			return err
		}
		return s.bumpStats(ctx, tx, now, 0, 1, 0)
	})
}

// OperatorUnbind removes a WeChat user's binding on an operator's word, with a reason for
// the audit log; the sessions carrying it end. ErrNotFound if the user is not bound.
func (s *Store) OperatorUnbind(ctx context.Context, wxUserID int64, reason string, actor AuditActor) error {
	_, err := s.Unbind(ctx, UnbindInput{WxUserID: wxUserID, Reason: reason, Actor: actor})
	return err
}
