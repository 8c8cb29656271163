package db

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
)

// Account is a platform account a WeChat user can bind to.
type Account struct {
	ID           int64
	Username     string
	Name         string
	PasswordHash string // PHC string (argon2id), or an imported bcrypt hash
	Disabled     bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// accountColumns is the column list scanAccount reads, in order.
const accountColumns = `id, username, name, password_hash, disabled, created_at, updated_at`

func scanAccount(r scanner) (Account, error) {
	var a Account
	err := r.Scan(accountDest(&a)...)
	return a, err
}

// accountDest is where a row of accountColumns is scanned into a.
func accountDest(a *Account) []any {
	return []any{&a.ID, &a.Username, &a.Name, &a.PasswordHash, &a.Disabled, msTime{&a.CreatedAt}, msTime{&a.UpdatedAt}}
}

// AccountByID returns a platform account; ErrNotFound if there is none.
func (s *Store) AccountByID(ctx context.Context, id int64) (Account, error) {
	a, err := scanAccount(s.row(ctx, s.r, `SELECT `+accountColumns+` FROM accounts WHERE id = ?`, id))
	if err != nil {
		return Account{}, wrap(fmt.Sprintf("account %d", id), err)
	}
	return a, nil
}

// MaxUsernameLen bounds a username, in characters.
const MaxUsernameLen = 64

// MaxAccountNameLen bounds an account's display name, in characters.
const MaxAccountNameLen = 128

// ErrInvalidUsername is a username that is empty, too long or holds control characters.
var ErrInvalidUsername = errors.New("db: username must be 1 to 64 characters, without control characters")

// ErrInvalidAccountName is an account name that is too long, not UTF-8, or holds control
// characters (NUL among them, which PostgreSQL text cannot store).
var ErrInvalidAccountName = fmt.Errorf("db: account name must be at most %d characters of text, without control characters", MaxAccountNameLen)

// validAccountName checks an account's display name, whoever supplies it (console, CLI,
// CSV import).
func validAccountName(name string) error {
	if utf8.RuneCountInString(name) > MaxAccountNameLen || !utf8.ValidString(name) {
		return ErrInvalidAccountName
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return ErrInvalidAccountName
		}
	}
	return nil
}

// NormalizeUsername returns the stored form of a username: trimmed and lower-cased, so
// that "Alice" and "alice " name one account. It is how every lookup and every throttling
// key spells a username.
func NormalizeUsername(username string) (string, error) {
	// Checked before ToLower, which would turn invalid bytes into U+FFFD.
	if !utf8.ValidString(username) {
		return "", ErrInvalidUsername
	}
	u := strings.ToLower(strings.TrimSpace(username))
	if u == "" || utf8.RuneCountInString(u) > MaxUsernameLen {
		return "", ErrInvalidUsername
	}
	for _, r := range u {
		if unicode.IsControl(r) {
			return "", ErrInvalidUsername
		}
	}
	return u, nil
}

func accountTarget(id int64) string { return fmt.Sprintf("account:%d", id) }

// AccountByUsername returns the account with this username (compared in normalized form);
// ErrNotFound if there is none.
func (s *Store) AccountByUsername(ctx context.Context, username string) (Account, error) {
	u, err := NormalizeUsername(username)
	if err != nil {
		return Account{}, ErrNotFound
	}
	a, err := scanAccount(s.row(ctx, s.r, `SELECT `+accountColumns+` FROM accounts WHERE username = ?`, u))
	if err != nil {
		return Account{}, wrap("account by username", err)
	}
	return a, nil
}

// CreateAccount adds a platform account. hash is a PHC string (or an imported bcrypt hash);
// the username is stored normalized. A taken username is ErrConflict.
func (s *Store) CreateAccount(ctx context.Context, username, name, hash string, actor AuditActor) (Account, error) {
	u, err := NormalizeUsername(username)
	if err != nil {
		return Account{}, err
	}
	name = strings.TrimSpace(name)
	if err := validAccountName(name); err != nil {
		return Account{}, err
	}
	if hash == "" {
		return Account{}, errors.New("db: create account: empty password hash")
	}
	now := s.now()
	var a Account
	err = s.tx(ctx, "create account "+u, func(tx *sqlx.Tx) error {
		var err error
		a, err = s.insertAccount(ctx, tx, u, name, hash, now)
		if err != nil {
			return err
		}
		return s.addAudit(ctx, tx, actor.event(now, "account.create", accountTarget(a.ID), "username "+u))
	})
	return a, err
}

func (s *Store) insertAccount(ctx context.Context, tx *sqlx.Tx, username, name, hash string, now time.Time) (Account, error) {
	return scanAccount(s.row(ctx, tx, `INSERT INTO accounts (username, name, password_hash, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?) RETURNING `+accountColumns, username, name, hash, now.UnixMilli(), now.UnixMilli()))
}

// SetAccountDisabled disables or enables an account. Disabling ends every session that
// carries the account (through the revocations feed); the binding stays, so enabling the
// account again restores the user's access at their next login. ErrNotFound if there is no
// such account.
func (s *Store) SetAccountDisabled(ctx context.Context, id int64, disabled bool, actor AuditActor) error {
	now := s.now()
	var ids []int64
	action := "account.enable"
	if disabled {
		action = "account.disable"
	}
	err := s.tx(ctx, fmt.Sprintf("%s %d", action, id), func(tx *sqlx.Tx) error {
		res, err := s.exec(ctx, tx, `UPDATE accounts SET disabled = ?, updated_at = ? WHERE id = ?`, disabled, now.UnixMilli(), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		detail := ""
		if disabled {
			if ids, err = s.revokeWhere(ctx, tx, now, action, `account_id = ?`, id); err != nil {
				return err
			}
			detail = fmt.Sprintf("sessions revoked: %d", len(ids))
		}
		if err := s.appendChanged(ctx, tx, now, 0, id); err != nil {
			return err
		}
		return s.addAudit(ctx, tx, actor.event(now, action, accountTarget(id), detail))
	})
	s.cache.dropSessions(ids)
	if err == nil {
		s.dropChanged(0, id)
	}
	return err
}

// SetAccountPassword replaces an account's password hash and ends every session that
// carries the account (through the revocations feed). ErrNotFound if there is no such
// account.
func (s *Store) SetAccountPassword(ctx context.Context, id int64, hash string, actor AuditActor) error {
	if hash == "" {
		return errors.New("db: set password: empty hash")
	}
	now := s.now()
	var ids []int64
	err := s.tx(ctx, fmt.Sprintf("set password of account %d", id), func(tx *sqlx.Tx) error {
		res, err := s.exec(ctx, tx, `UPDATE accounts SET password_hash = ?, updated_at = ? WHERE id = ?`, hash, now.UnixMilli(), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		if ids, err = s.revokeWhere(ctx, tx, now, "account.passwd", `account_id = ?`, id); err != nil {
			return err
		}
		return s.addAudit(ctx, tx, actor.event(now, "account.passwd", accountTarget(id),
			fmt.Sprintf("sessions revoked: %d", len(ids))))
	})
	s.cache.dropSessions(ids)
	return err
}

// RehashPassword replaces the hash of an account whose password was just verified against
// oldHash with newHash (current parameters). It changes nothing if the hash changed
// meanwhile, and ends no session: the password is the same.
func (s *Store) RehashPassword(ctx context.Context, id int64, oldHash, newHash string) error {
	_, err := s.exec(ctx, s.w, `UPDATE accounts SET password_hash = ? WHERE id = ? AND password_hash = ?`, newHash, id, oldHash)
	return wrap(fmt.Sprintf("rehash password of account %d", id), err)
}

// UnlockAccount forgets every failed password attempt against username, lifting all its
// throttling, and returns how many were forgotten. ErrNotFound if there is no such account
// and no attempt either.
func (s *Store) UnlockAccount(ctx context.Context, username string, actor AuditActor) (int64, error) {
	u, err := NormalizeUsername(username)
	if err != nil {
		return 0, ErrNotFound
	}
	now := s.now()
	var n int64
	err = s.tx(ctx, "unlock account "+u, func(tx *sqlx.Tx) error {
		var id int64
		err := s.row(ctx, tx, `SELECT id FROM accounts WHERE username = ?`, u).Scan(&id)
		if err != nil && mapErr(err) != ErrNotFound {
			return err
		}
		res, err2 := s.exec(ctx, tx, `DELETE FROM login_attempts WHERE username = ?`, u)
		if err2 != nil {
			return err2
		}
		n, _ = res.RowsAffected()
		if id == 0 && n == 0 {
			return ErrNotFound
		}
		target := "username:" + u
		if id != 0 {
			target = accountTarget(id)
		}
		return s.addAudit(ctx, tx, actor.event(now, "account.unlock", target, fmt.Sprintf("failed attempts cleared: %d", n)))
	})
	return n, err
}
