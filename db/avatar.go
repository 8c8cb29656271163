package db

import (
	"context"
)

// PutAvatar stores an avatar image under its content hash. Storing the same hash again
// is a no-op.
func (s *Store) PutAvatar(ctx context.Context, hash, contentType string, data []byte) error {
	_, err := s.exec(ctx, s.w, `INSERT INTO avatars (hash, content_type, data, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (hash) DO NOTHING`, hash, contentType, data, s.now().UnixMilli())
	return wrap("put avatar", err)
}

// Avatar returns a stored avatar image; ErrNotFound if there is none with this hash.
func (s *Store) Avatar(ctx context.Context, hash string) (contentType string, data []byte, err error) {
	err = s.row(ctx, s.r, `SELECT content_type, data FROM avatars WHERE hash = ?`, hash).Scan(&contentType, &data)
	if err != nil {
		return "", nil, wrap("avatar", err)
	}
	return contentType, data, nil
}
