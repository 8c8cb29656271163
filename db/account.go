package db

import (
	"context"
	"fmt"
	"time"
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
	err := r.Scan(&a.ID, &a.Username, &a.Name, &a.PasswordHash, &a.Disabled, msTime{&a.CreatedAt}, msTime{&a.UpdatedAt})
	return a, err
}

// AccountByID returns a platform account; ErrNotFound if there is none.
func (s *Store) AccountByID(ctx context.Context, id int64) (Account, error) {
	a, err := scanAccount(s.row(ctx, s.r, `SELECT `+accountColumns+` FROM accounts WHERE id = ?`, id))
	if err != nil {
		return Account{}, wrap(fmt.Sprintf("account %d", id), err)
	}
	return a, nil
}
