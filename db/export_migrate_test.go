package db

import "context"

// MigrateTo brings the schema up to version v only (tests of a migration's repair).
func (s *Store) MigrateTo(ctx context.Context, v int64) error {
	p, err := s.provider()
	if err != nil {
		return err
	}
	_, err = p.UpTo(ctx, v)
	return err
}
