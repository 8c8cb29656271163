package db

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"
)

// checkpointEvery is how often the background checkpointer copies the SQLite write-ahead
// log into the database file.
const checkpointEvery = time.Second

// checkpointer copies the SQLite write-ahead log into the database file off the write
// path. SQLite's default is for the committing connection to checkpoint whenever the log
// passes 1,000 pages: the transaction that happens to cross that line writes every page
// back and waits for two fsyncs while every other write queues behind it (the store has
// one writer). The writer is opened with wal_autocheckpoint=0 instead, and this loop runs
// a PASSIVE checkpoint every checkpointEvery on a connection of its own: it copies what no
// reader still needs and never blocks the writer or the readers. The log starts again from
// the beginning once a checkpoint has copied all of it. It stops when ctx ends.
func (s *Store) checkpointer(ctx context.Context, c *sqlx.DB, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := c.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)"); err != nil && ctx.Err() == nil {
			s.log.Warn("sqlite checkpoint failed; the write-ahead log grows until one succeeds", "err", err)
		}
	}
}
