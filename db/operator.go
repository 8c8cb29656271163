package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Operator roles.
const (
	RoleAdmin  = "admin"
	RoleViewer = "viewer"
)

// Operator is a person who signs in to the console.
type Operator struct {
	ID           int64
	Username     string
	PasswordHash string // argon2id PHC string
	Role         string // RoleAdmin or RoleViewer
	Disabled     bool
	CreatedAt    time.Time
	LastLoginAt  time.Time // zero: never signed in
	HasTOTP      bool      // enrolled in two-factor sign-in
}

// operatorColumns is the column list scanOperator reads, in order.
const operatorColumns = `id, username, password_hash, role, disabled, created_at, last_login_at, totp_secret IS NOT NULL`

func scanOperator(r scanner) (Operator, error) {
	var o Operator
	err := r.Scan(&o.ID, &o.Username, &o.PasswordHash, &o.Role, &o.Disabled, msTime{&o.CreatedAt}, msTime{&o.LastLoginAt}, &o.HasTOTP)
	return o, err
}

// ValidRole reports whether role is an operator role.
func ValidRole(role string) bool { return role == RoleAdmin || role == RoleViewer }

// CreateOperator adds an operator, in one transaction with an "operator.create" audit
// event by actor; ErrConflict if the username is taken.
func (s *Store) CreateOperator(ctx context.Context, username, passwordHash, role string, actor AuditActor) (Operator, error) {
	if !ValidRole(role) {
		return Operator{}, fmt.Errorf("db: create operator: unknown role %q", role)
	}
	// An operator's name follows the account username rule (stored as given, though).
	if _, err := NormalizeUsername(username); err != nil {
		return Operator{}, err
	}
	now := s.now()
	var o Operator
	err := s.tx(ctx, "create operator "+username, func(tx *sqlx.Tx) error {
		var err error
		o, err = scanOperator(s.row(ctx, tx, `INSERT INTO operators (username, password_hash, role, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?) RETURNING `+operatorColumns, username, passwordHash, role, now.UnixMilli(), now.UnixMilli()))
		if err != nil {
			return err
		}
		return s.addAudit(ctx, tx, actor.event(now, "operator.create", operatorTarget(username), "role "+role))
	})
	if err != nil {
		return Operator{}, err
	}
	return o, nil
}

// CreateFirstOperator adds an admin only while there is no operator at all, and reports
// whether it did, with an "operator.create" audit event by actor when it did: instances
// starting together create at most one.
func (s *Store) CreateFirstOperator(ctx context.Context, username, passwordHash string, actor AuditActor) (bool, error) {
	now := s.now()
	var created bool
	err := s.tx(ctx, "create first operator", func(tx *sqlx.Tx) error {
		res, err := s.exec(ctx, tx, `INSERT INTO operators (username, password_hash, role, created_at, updated_at)
			SELECT ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM operators)
			ON CONFLICT (username) DO NOTHING`, username, passwordHash, RoleAdmin, now.UnixMilli(), now.UnixMilli())
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if created = n == 1; err != nil || !created {
			return err
		}
		return s.addAudit(ctx, tx, actor.event(now, "operator.create", operatorTarget(username), "role "+RoleAdmin))
	})
	return created && err == nil, err
}

func operatorTarget(username string) string { return "operator:" + username }

// OperatorByUsername returns an operator, disabled ones included; ErrNotFound if none.
func (s *Store) OperatorByUsername(ctx context.Context, username string) (Operator, error) {
	o, err := scanOperator(s.row(ctx, s.r, `SELECT `+operatorColumns+` FROM operators WHERE username = ?`, username))
	if err != nil {
		return Operator{}, wrap("operator "+username, err)
	}
	return o, nil
}

// Operators lists every operator by username.
func (s *Store) Operators(ctx context.Context) ([]Operator, error) {
	rows, err := s.rows(ctx, s.r, `SELECT `+operatorColumns+` FROM operators ORDER BY username`)
	if err != nil {
		return nil, wrap("list operators", err)
	}
	defer rows.Close()
	var out []Operator
	for rows.Next() {
		o, err := scanOperator(rows)
		if err != nil {
			return nil, wrap("list operators", err)
		}
		out = append(out, o)
	}
	return out, wrap("list operators", rows.Err())
}

// SetOperatorPassword replaces an operator's password hash and signs them out
// everywhere, in one transaction with an "operator.passwd" audit event by actor.
// ErrNotFound if there is no such operator.
func (s *Store) SetOperatorPassword(ctx context.Context, id int64, passwordHash string, actor AuditActor) error {
	return s.updateOperator(ctx, id, "operator.passwd", `password_hash = ?`, passwordHash, actor)
}

// ErrDisableSelf means an operator tried to disable themself, which would lock the
// console's last admin out as easily as anyone else; nothing was written.
var ErrDisableSelf = errors.New("db: an operator cannot disable themself")

// ErrLastAdmin means a change would leave the console without an enabled admin; nothing
// was written.
var ErrLastAdmin = errors.New("db: the console keeps at least one enabled admin")

// SetOperatorDisabled disables or enables an operator, in one transaction with an
// "operator.disable" or "operator.enable" audit event by actor; disabling signs them out
// everywhere. ErrNotFound if there is no such operator, ErrDisableSelf if actor is the
// operator being disabled, ErrLastAdmin if no enabled admin would remain.
func (s *Store) SetOperatorDisabled(ctx context.Context, id int64, disabled bool, actor AuditActor) error {
	action := "operator.enable"
	if disabled {
		action = "operator.disable"
	}
	return s.updateOperator(ctx, id, action, `disabled = ?`, disabled, actor)
}

// SetOperatorRole changes an operator's role, in one transaction with an "operator.role"
// audit event by actor; the operator's console sessions end (their rights changed).
// ErrLastAdmin if no enabled admin would remain.
func (s *Store) SetOperatorRole(ctx context.Context, id int64, role string, actor AuditActor) error {
	if !ValidRole(role) {
		return fmt.Errorf("db: set operator role: unknown role %q", role)
	}
	return s.updateOperator(ctx, id, "operator.role", `role = ?`, role, actor)
}

// lockOperators serializes the changes that could take away the last enabled admin:
// SQLite's single writer already does; PostgreSQL takes one advisory lock for them.
func (s *Store) lockOperators(ctx context.Context, tx *sqlx.Tx) error {
	if s.dialect != DialectPostgres {
		return nil
	}
	_, err := s.exec(ctx, tx, `SELECT pg_advisory_xact_lock(hashtext('miniauth.operators'))`)
	return err
}

// checkAdminLeft fails with ErrLastAdmin when the transaction's changes leave no enabled
// admin. Under lockOperators every such change counts after the one before committed.
func (s *Store) checkAdminLeft(ctx context.Context, tx *sqlx.Tx) error {
	var n int
	if err := s.row(ctx, tx, `SELECT COUNT(*) FROM operators WHERE role = ? AND NOT disabled`, RoleAdmin).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return ErrLastAdmin
	}
	return nil
}

// updateOperator sets one column of an operator, ends their console sessions and records
// action, in one transaction; a change that leaves no enabled admin is refused.
func (s *Store) updateOperator(ctx context.Context, id int64, action, set string, v any, actor AuditActor) error {
	now := s.now()
	return s.tx(ctx, fmt.Sprintf("%s %d", action, id), func(tx *sqlx.Tx) error {
		if err := s.lockOperators(ctx, tx); err != nil {
			return err
		}
		var username string
		err := s.row(ctx, tx, `UPDATE operators SET `+set+`, updated_at = ? WHERE id = ? RETURNING username`,
			v, now.UnixMilli(), id).Scan(&username)
		if err != nil {
			return err // ErrNotFound: no such operator
		}
		if action == "operator.disable" && actor.Type == ActorOperator && actor.ID == username {
			return ErrDisableSelf
		}
		if err := s.checkAdminLeft(ctx, tx); err != nil {
			return err
		}
		res, err := s.exec(ctx, tx, `DELETE FROM operator_sessions WHERE operator_id = ?`, id)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		detail := fmt.Sprintf("console sessions ended: %d", n)
		if action == "operator.role" {
			detail = fmt.Sprintf("role %v; console sessions ended: %d", v, n)
		}
		return s.addAudit(ctx, tx, actor.event(now, action, operatorTarget(username), detail))
	})
}

// HasOperators reports whether any operator exists.
func (s *Store) HasOperators(ctx context.Context) (bool, error) {
	var n int
	err := s.row(ctx, s.r, `SELECT COUNT(*) FROM (SELECT 1 FROM operators LIMIT 1) o`).Scan(&n)
	return n > 0, wrap("has operators", err)
}
