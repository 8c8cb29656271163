package db_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// wireCounter is a loopback proxy in front of PostgreSQL that counts, per connection, the
// round trips the client makes inside transactions: a simple query ('Q': BEGIN, COMMIT)
// or one Sync ('S', the end of an extended-protocol statement) is one round trip. Traffic
// outside a transaction (the revocation feed's polls, LISTEN) is not counted.
type wireCounter struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	txs    []int // round trips of each finished transaction, in the order they ended
}

func newWireCounter(t *testing.T, target string) *wireCounter {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	w := &wireCounter{ln: ln, target: target}
	t.Cleanup(func() { ln.Close() })
	go w.serve()
	return w
}

func (w *wireCounter) serve() {
	for {
		c, err := w.ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			up, err := net.Dial("tcp", w.target)
			if err != nil {
				return
			}
			defer up.Close()
			go func() { _, _ = io.Copy(c, up) }()
			w.client(io.TeeReader(c, up))
		}()
	}
}

// client reads the client's messages (after the untyped startup message) and counts them.
func (w *wireCounter) client(r io.Reader) {
	var hdr [5]byte
	if _, err := io.ReadFull(r, hdr[:4]); err != nil {
		return
	}
	if _, err := io.CopyN(io.Discard, r, int64(binary.BigEndian.Uint32(hdr[:4]))-4); err != nil {
		return
	}
	inTx, n := false, 0
	for {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return
		}
		body := make([]byte, binary.BigEndian.Uint32(hdr[1:])-4)
		if _, err := io.ReadFull(r, body); err != nil {
			return
		}
		switch hdr[0] {
		case 'Q':
			q := strings.ToUpper(strings.TrimSpace(strings.TrimRight(string(body), "\x00")))
			switch {
			case strings.HasPrefix(q, "BEGIN"):
				inTx, n = true, 1
			case inTx && (strings.HasPrefix(q, "COMMIT") || strings.HasPrefix(q, "ROLLBACK")):
				w.mu.Lock()
				w.txs = append(w.txs, n+1)
				w.mu.Unlock()
				inTx = false
			case inTx:
				n++
			}
		case 'S':
			if inTx {
				n++
			}
		}
	}
}

// take returns the round trips of the transactions finished since the last take.
func (w *wireCounter) take() []int {
	w.mu.Lock()
	defer w.mu.Unlock()
	t := w.txs
	w.txs = nil
	return t
}

// TestBindRoundTripsPostgres counts the round trips of a bind on PostgreSQL, as the
// database server sees them: the reservation before the hash (BEGIN, the username's
// advisory lock, one statement, COMMIT) and the bind itself (BEGIN, one statement,
// COMMIT). Folding the dialects into one Go function must not add any.
func TestBindRoundTripsPostgres(t *testing.T) {
	raw := dbtest.PostgresURL(t)
	dbtest.OpenURL(t, raw) // migrates
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	w := newWireCounter(t, u.Host)
	u.Host = w.ln.Addr().String()
	s := dbtest.OpenURL(t, u.String())
	ctx := context.Background()

	// The fewest round trips over several binds: a connection the pool opens anew
	// prepares its statements once, which is not a cost of the bind.
	best := [2]int{1 << 30, 1 << 30}
	for i := range 8 {
		name := fmt.Sprintf("rt%d", i)
		acc, err := s.CreateAccount(ctx, name, "", "h", cli)
		must(t, err)
		res, _, ticket := checkBind(t, s, "o_"+name, t0)
		now := t0.Add(time.Second)
		w.take()
		c, err := at(t, s, now).ReserveBind(ctx, db.ReserveBindInput{TicketHash: ticket, Username: name, IP: "192.0.2.1"})
		must(t, err)
		if c.AttemptID == 0 {
			t.Fatalf("bind %d: try refused: %+v", i, c)
		}
		dbtest.SetNow(t, s, now)
		in := bindInput(ticket, res.User.ID, acc.ID, name)
		in.AttemptID = c.AttemptID
		reserve := w.take()
		if _, err := s.Bind(ctx, in); err != nil {
			t.Fatalf("bind %d: %v", i, err)
		}
		bind := w.take()
		if len(reserve) != 1 || len(bind) != 1 {
			t.Fatalf("bind %d: transactions seen: reserve %v, bind %v; want one each", i, reserve, bind)
		}
		best[0], best[1] = min(best[0], reserve[0]), min(best[1], bind[0])
	}
	t.Logf("round trips per bind on PostgreSQL: reservation %d, bind %d", best[0], best[1])
	if best[0] > 4 || best[1] > 3 {
		t.Errorf("round trips: reservation %d (want at most 4: BEGIN, lock, statement, COMMIT), bind %d (want at most 3: BEGIN, statement, COMMIT)",
			best[0], best[1])
	}
}
