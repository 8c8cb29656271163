package db

import (
	"context"
	"fmt"
	"time"
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
}

// operatorColumns is the column list scanOperator reads, in order.
const operatorColumns = `id, username, password_hash, role, disabled, created_at, last_login_at`

func scanOperator(r scanner) (Operator, error) {
	var o Operator
	err := r.Scan(&o.ID, &o.Username, &o.PasswordHash, &o.Role, &o.Disabled, msTime{&o.CreatedAt}, msTime{&o.LastLoginAt})
	return o, err
}

// ValidRole reports whether role is an operator role.
func ValidRole(role string) bool { return role == RoleAdmin || role == RoleViewer }

// CreateOperator adds an operator; ErrConflict if the username is taken.
func (s *Store) CreateOperator(ctx context.Context, username, passwordHash, role string) (Operator, error) {
	if !ValidRole(role) {
		return Operator{}, fmt.Errorf("db: create operator: unknown role %q", role)
	}
	// An operator's name follows the account username rule (stored as given, though).
	if _, err := NormalizeUsername(username); err != nil {
		return Operator{}, err
	}
	now := s.now().UnixMilli()
	o, err := scanOperator(s.row(ctx, s.w, `INSERT INTO operators (username, password_hash, role, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?) RETURNING `+operatorColumns, username, passwordHash, role, now, now))
	if err != nil {
		return Operator{}, wrap("create operator "+username, err)
	}
	return o, nil
}

// CreateFirstOperator adds an admin only while there is no operator at all, and reports
// whether it did: instances starting together create at most one.
func (s *Store) CreateFirstOperator(ctx context.Context, username, passwordHash string) (bool, error) {
	now := s.now().UnixMilli()
	res, err := s.exec(ctx, s.w, `INSERT INTO operators (username, password_hash, role, created_at, updated_at)
		SELECT ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM operators)
		ON CONFLICT (username) DO NOTHING`, username, passwordHash, RoleAdmin, now, now)
	if err != nil {
		return false, wrap("create first operator", err)
	}
	n, err := res.RowsAffected()
	return n == 1, wrap("create first operator", err)
}

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

// SetOperatorPassword replaces an operator's password hash and signs them out everywhere.
func (s *Store) SetOperatorPassword(ctx context.Context, id int64, passwordHash string) error {
	return s.updateOperator(ctx, id, "set operator password", `password_hash = ?`, passwordHash)
}

// SetOperatorDisabled disables or enables an operator; disabling signs them out everywhere.
func (s *Store) SetOperatorDisabled(ctx context.Context, id int64, disabled bool) error {
	return s.updateOperator(ctx, id, "set operator disabled", `disabled = ?`, disabled)
}

// updateOperator sets one column of an operator and ends their console sessions.
func (s *Store) updateOperator(ctx context.Context, id int64, op, set string, v any) error {
	res, err := s.exec(ctx, s.w, `UPDATE operators SET `+set+`, updated_at = ? WHERE id = ?`, v, s.now().UnixMilli(), id)
	if err != nil {
		return wrap(op, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	_, err = s.exec(ctx, s.w, `DELETE FROM operator_sessions WHERE operator_id = ?`, id)
	return wrap(op, err)
}

// HasOperators reports whether any operator exists.
func (s *Store) HasOperators(ctx context.Context) (bool, error) {
	var n int
	err := s.row(ctx, s.r, `SELECT COUNT(*) FROM (SELECT 1 FROM operators LIMIT 1) o`).Scan(&n)
	return n > 0, wrap("has operators", err)
}
