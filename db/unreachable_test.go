package db_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// tcpProxy forwards a local port to PostgreSQL and can cut every connection, to play a
// database that goes away and comes back.
type tcpProxy struct {
	t      *testing.T
	target string
	addr   string

	mu    sync.Mutex
	ln    net.Listener
	conns []net.Conn
}

func newProxy(t *testing.T, target string) *tcpProxy {
	p := &tcpProxy{t: t, target: target}
	p.start("127.0.0.1:0")
	t.Cleanup(p.stop)
	return p
}

func (p *tcpProxy) start(addr string) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(up, c); up.Close() }()
			go func() { _, _ = io.Copy(c, up); c.Close() }()
		}
	}()
}

// stop refuses new connections and cuts the open ones.
func (p *tcpProxy) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// TestPostgresDownIsNotNotFound: with the database gone, reads and token checks fail with
// an error that is not ErrNotFound (callers answer 503, not 401), and once it is back the
// same store works again without a restart.
func TestPostgresDownIsNotNotFound(t *testing.T) {
	direct := dbtest.PostgresURL(t)
	dbtest.OpenURL(t, direct) // migrate
	u, err := url.Parse(direct)
	must(t, err)
	p := newProxy(t, u.Host)
	u.Host = p.addr
	s := dbtest.OpenURL(t, u.String())

	ctx := context.Background()
	usr, _, ns := login(t, s, "o_oz", "k", time.Now())
	follow, stopFollowing := context.WithCancel(ctx)
	defer stopFollowing()
	go s.FollowRevocations(follow)
	time.Sleep(300 * time.Millisecond) // the listener connects (and flushes) first
	if _, err := s.CheckToken(ctx, ns.TokenHash); err != nil || s.CacheLen() != 1 {
		t.Fatalf("cache the token: %v (cache %d)", err, s.CacheLen())
	}

	p.stop()
	ctx2, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := s.CheckToken(ctx2, tokenHash()); err == nil || errors.Is(err, db.ErrNotFound) {
		t.Fatalf("token check with the database down: %v", err)
	}
	if _, err := s.WxUserByID(ctx2, usr.ID); err == nil || errors.Is(err, db.ErrNotFound) {
		t.Fatalf("user read with the database down: %v", err)
	}
	if _, err := s.RotateRefresh(ctx2, ns.RefreshHash, newSession()); err == nil || errors.Is(err, db.ErrNotFound) {
		t.Fatalf("refresh with the database down: %v", err)
	}
	if err := s.Ping(ctx2); err == nil {
		t.Fatal("ping with the database down")
	}

	p.start(p.addr)
	waitFor(t, 10*time.Second, "the store recovers", func() bool { return s.Ping(ctx) == nil })
	// Notifications sent while the listener was away are lost: its reconnection drops
	// the whole cache.
	waitFor(t, 15*time.Second, "the cache is flushed when the listener reconnects", func() bool {
		return s.CacheLen() == 0
	})
	if _, err := s.CheckToken(ctx, ns.TokenHash); err != nil {
		t.Fatalf("token check after recovery: %v", err)
	}
	if _, err := s.CheckToken(ctx, tokenHash()); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("unknown token after recovery: %v", err)
	}
}
