package db

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/lib/pq"
	"github.com/lib/pq/pqerror"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

var (
	// ErrNotFound means the row asked for does not exist (or, for tokens, is not alive).
	// Callers answer 404 or 401; it never stands for an unreachable database.
	ErrNotFound = errors.New("db: not found")
	// ErrConflict means a write collided with a unique key (or a key it refers to is gone).
	ErrConflict = errors.New("db: conflict")
	// ErrRefreshReused means a refresh token was presented again after it had been rotated;
	// the session it belonged to has been revoked.
	ErrRefreshReused = errors.New("db: refresh token reused")
	// ErrUserDisabled means the WeChat user is blocked by an operator; nothing was written.
	ErrUserDisabled = errors.New("db: user disabled")
	// ErrTokenExpired is CheckToken's ErrNotFound for an access token whose own lifetime
	// has ended while its session lives (not revoked, within its idle and maximum ends):
	// a refresh will work. errors.Is(err, ErrNotFound) holds for it too.
	ErrTokenExpired = fmt.Errorf("%w: access token expired", ErrNotFound)
)

// mapErr turns driver errors into the package's sentinels, keeping the driver's error in
// the chain for logs. Errors that are not about the data (a dead connection, a timeout)
// pass through unchanged so that callers answer 503, never 404.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if e := pq.As(err, pqerror.UniqueViolation, pqerror.ForeignKeyViolation); e != nil {
		return fmt.Errorf("%w: %w", ErrConflict, err)
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY,
			sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return fmt.Errorf("%w: %w", ErrConflict, err)
		}
	}
	return err
}

// wrap adds the operation's context to an error after mapping it; sentinels stay
// reachable with errors.Is.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	err = mapErr(err)
	if err == ErrNotFound || err == ErrUserDisabled || err == ErrRefreshReused {
		return err
	}
	return fmt.Errorf("db: %s: %w", op, err)
}
