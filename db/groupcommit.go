package db

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/jmoiron/sqlx"
)

// maxGroup bounds how many commands one group commit carries.
const maxGroup = 32

// errStoreClosed answers a grouped write that arrives after Close.
var errStoreClosed = errors.New("db: the store is closed")

// groupedWrite is one command waiting for a group commit.
type groupedWrite struct {
	ctx  context.Context
	op   string
	fn   func(tx *sqlx.Tx) error
	done chan error
}

// groupCommit runs writes that arrive together in one SQLite transaction. SQLite has one
// writer, and most of a small write's cost there is its commit: every page it changed is
// appended to the write-ahead log, one system call each, and a login changes about
// fifteen pages. Logins that queue behind each other share most of those pages (the
// newest leaf of each table and of the time indexes, the day's counter), so committing
// them together writes far fewer. Each command still runs whole or not at all: it runs
// inside a SAVEPOINT of its own, and when it fails only its savepoint is rolled back and
// only its caller gets the error; the others commit. Nothing waits for company: the loop
// takes whatever queued while the previous group was being written, from one command
// up to maxGroup.
type groupCommit struct {
	queue   chan *groupedWrite
	stop    chan struct{}
	done    chan struct{}
	largest atomic.Int64 // the most commands one group carried (tests read it)
	once    sync.Once    // stopGroupCommit runs once however often Close is called
}

// startGroupCommit starts the loop; Close stops it.
func (s *Store) startGroupCommit() {
	g := &groupCommit{queue: make(chan *groupedWrite, maxGroup), stop: make(chan struct{}), done: make(chan struct{})}
	s.group = g
	go func() {
		defer close(g.done)
		for {
			var first *groupedWrite
			select {
			case <-g.stop:
				return
			case first = <-g.queue:
			}
			batch := []*groupedWrite{first}
		more:
			for len(batch) < maxGroup {
				select {
				case w := <-g.queue:
					batch = append(batch, w)
				default:
					break more
				}
			}
			if n := int64(len(batch)); n > g.largest.Load() {
				g.largest.Store(n)
			}
			s.commitGroup(batch)
		}
	}()
}

// stopGroupCommit stops the loop after the group it is writing; writes still queued get
// errStoreClosed.
func (g *groupCommit) stopGroupCommit() {
	g.once.Do(func() { close(g.stop) })
	<-g.done
	for {
		select {
		case w := <-g.queue:
			w.done <- errStoreClosed
		default:
			return
		}
	}
}

// groupPanic carries a panic of a grouped command back to its caller's goroutine, where
// groupTx panics again with the same value: the loop survives, and the caller's request
// fails as it would have without grouping (the HTTP layer's recovery answers 500).
type groupPanic struct{ v any }

func (p *groupPanic) Error() string { return fmt.Sprintf("db: a grouped command panicked: %v", p.v) }

// runGrouped runs a command's body, turning a panic into a *groupPanic.
func runGrouped(fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &groupPanic{v: r}
		}
	}()
	return fn()
}

// groupTx is tx for a command that may share its commit with others (see groupCommit):
// on SQLite it waits for its group's commit; on PostgreSQL, where transactions commit in
// parallel, it is tx.
func (s *Store) groupTx(ctx context.Context, op string, fn func(tx *sqlx.Tx) error) error {
	if s.group == nil {
		return s.tx(ctx, op, fn)
	}
	w := &groupedWrite{ctx: ctx, op: op, fn: fn, done: make(chan error, 1)}
	select {
	case s.group.queue <- w:
	case <-s.group.stop:
		return wrap(op, errStoreClosed)
	case <-ctx.Done():
		return wrap(op, ctx.Err())
	}
	var p *groupPanic
	select {
	case err := <-w.done:
		if errors.As(err, &p) {
			panic(p.v)
		}
		return err
	case <-s.group.done: // closed while queued: the write may never run
		select {
		case err := <-w.done:
			return err
		default:
			return wrap(op, errStoreClosed)
		}
	}
}

// commitGroup writes one group: one transaction, a savepoint per command (none for a
// group of one, which is tx exactly).
func (s *Store) commitGroup(batch []*groupedWrite) {
	if len(batch) == 1 {
		w := batch[0]
		w.done <- runGrouped(func() error { return s.tx(w.ctx, w.op, w.fn) })
		return
	}
	errs := make([]error, len(batch))
	finish := func() {
		for i, w := range batch {
			w.done <- errs[i]
		}
	}
	defer finish()
	fail := func(err error) {
		for i, w := range batch {
			if errs[i] == nil {
				errs[i] = wrap(w.op, err)
			}
		}
	}
	s.preparePending(context.Background())
	// The transaction is no one caller's: a caller that gives up fails its own command
	// (its statements run with its context), not the group.
	tx, err := s.w.BeginTxx(context.Background(), nil)
	if err != nil {
		fail(err)
		return
	}
	abort := func(err error) { // the group's transaction itself failed: nothing commits
		_ = tx.Rollback()
		fail(err)
	}
	for i, w := range batch {
		if err := w.ctx.Err(); err != nil {
			errs[i] = wrap(w.op, err)
			continue
		}
		if _, err := tx.Exec("SAVEPOINT grouped"); err != nil {
			abort(err)
			return
		}
		if err := runGrouped(func() error { return w.fn(tx) }); err != nil {
			if _, ok := err.(*groupPanic); ok {
				errs[i] = err
			} else {
				errs[i] = wrap(w.op, err)
			}
			if _, err := tx.Exec("ROLLBACK TO grouped"); err != nil {
				abort(err)
				return
			}
		}
		if _, err := tx.Exec("RELEASE grouped"); err != nil {
			abort(err)
			return
		}
	}
	if err := tx.Commit(); err != nil {
		fail(err)
	}
}
