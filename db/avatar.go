package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"
)

// AvatarPath is where stored avatars are served. wx_users.avatar_url holds
// AvatarPath+name for an uploaded avatar — a path, never a host: absolute URLs are built
// when answering — or a WeChat https URL given by the client.
const AvatarPath = "/avatars/"

// ErrNoAvatar means a profile names a stored avatar that does not exist (any more).
var ErrNoAvatar = errors.New("db: no such stored avatar")

// SetAvatar stores an image under its content-hash name and makes it the live user's
// avatar in one transaction with a "user.avatar" audit event by actor; the image the user showed
// before is deleted when no user refers to it any more.
func (s *Store) SetAvatar(ctx context.Context, id int64, name, contentType string, data []byte, actor AuditActor) (WxUser, error) {
	now := s.now()
	var u WxUser
	err := s.tx(ctx, fmt.Sprintf("set avatar of wx user %d", id), func(tx *sqlx.Tx) error {
		old, err := s.lockUserAvatar(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := s.lockImagesInOrder(ctx, tx, old, AvatarPath+name); err != nil {
			return err
		}
		// An upsert, not DO NOTHING: on PostgreSQL it locks the row until commit, so a
		// concurrent release of the same image waits and then sees this reference; and if
		// that release deleted the row first, the insert writes it again.
		if _, err := s.exec(ctx, tx, `INSERT INTO avatars (hash, content_type, data, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (hash) DO UPDATE SET content_type = excluded.content_type`,
			name, contentType, data, now.UnixMilli()); err != nil {
			return err
		}
		u, err = s.scanWxUser(s.row(ctx, tx, `UPDATE wx_users SET avatar_url = ? WHERE id = ? RETURNING `+wxUserColumns,
			AvatarPath+name, id))
		if err != nil {
			return err
		}
		if err := s.releaseAvatar(ctx, tx, old); err != nil {
			return err
		}
		if err := s.appendChanged(ctx, tx, now, id, 0); err != nil {
			return err
		}
		return s.addAudit(ctx, tx, actor.event(now, "user.avatar", wxUserTarget(id), name))
	})
	if err != nil {
		return WxUser{}, err
	}
	s.dropChanged(id, 0)
	return u, nil
}

// Avatar returns a stored avatar image; ErrNotFound if there is none with this hash.
func (s *Store) Avatar(ctx context.Context, hash string) (contentType string, data []byte, err error) {
	err = s.row(ctx, s.r, `SELECT content_type, data FROM avatars WHERE hash = ?`, hash).Scan(&contentType, &data)
	if err != nil {
		return "", nil, wrap("avatar", err)
	}
	return contentType, data, nil
}

// lockUserAvatar returns the avatar_url of a live user (ErrNotFound if none), locking the
// row on PostgreSQL. Every transaction that moves avatar references locks the user first
// and the images after, so two of them never wait on each other in a cycle.
func (s *Store) lockUserAvatar(ctx context.Context, tx *sqlx.Tx, id int64) (string, error) {
	q := `SELECT avatar_url FROM wx_users WHERE id = ? AND deleted_at IS NULL`
	if s.dialect == DialectPostgres {
		q = `SELECT avatar_url FROM wx_users WHERE id = ? AND deleted_at IS NULL FOR UPDATE`
	}
	var url string
	err := s.row(ctx, tx, q, id).Scan(&url)
	return url, mapErr(err)
}

// lockImagesInOrder is called by a transaction about to reference the image next and to
// release the image old. On PostgreSQL, when old sorts first it takes now the lock
// releaseAvatar would take at the end, so every transaction locks image rows in name
// order and two users swapping images cannot deadlock.
func (s *Store) lockImagesInOrder(ctx context.Context, tx *sqlx.Tx, old, next string) error {
	o, okOld := strings.CutPrefix(old, AvatarPath)
	n, okNext := strings.CutPrefix(next, AvatarPath)
	if s.dialect != DialectPostgres || !okOld || !okNext || o >= n {
		return nil
	}
	var one int
	err := s.row(ctx, tx, `SELECT 1 FROM avatars WHERE hash = ? FOR UPDATE`, o).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	return err
}

// holdAvatar checks, inside the transaction that sets a reference to it, that a stored
// avatar exists, and on PostgreSQL keeps a concurrent release from deleting it until
// commit. ErrNoAvatar if it is gone.
func (s *Store) holdAvatar(ctx context.Context, tx *sqlx.Tx, name string) error {
	q := `SELECT 1 FROM avatars WHERE hash = ?`
	if s.dialect == DialectPostgres {
		q = `SELECT 1 FROM avatars WHERE hash = ? FOR SHARE`
	}
	var one int
	err := s.row(ctx, tx, q, name).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNoAvatar
	}
	return err
}

// releaseAvatar deletes the stored image url names (if it names one) unless some user
// still refers to it, inside the transaction that dropped a reference. On PostgreSQL the
// image row is locked first and the references are read by a later statement (a fresh
// snapshot): a transaction adding a reference either committed before the lock, and is
// seen, or waits for this one and then writes the image again (SetAvatar) or finds it gone
// (UpdateProfile).
func (s *Store) releaseAvatar(ctx context.Context, tx *sqlx.Tx, url string) error {
	name, ok := strings.CutPrefix(url, AvatarPath)
	if !ok || name == "" {
		return nil
	}
	if s.dialect == DialectPostgres {
		var one int
		err := s.row(ctx, tx, `SELECT 1 FROM avatars WHERE hash = ? FOR UPDATE`, name).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
	}
	// The LIKE term repeats the partial index's predicate so both planners use it.
	_, err := s.exec(ctx, tx, `DELETE FROM avatars WHERE hash = ? AND NOT EXISTS
		(SELECT 1 FROM wx_users WHERE avatar_url = ? AND avatar_url LIKE '/avatars/%')`, name, url)
	return err
}
