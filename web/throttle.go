package web

import (
	"sync"
	"time"
)

// Sign-in throttling: at most throttleUser failures per username and address, and
// throttleIP per address, within throttleWindow. It lives in memory, per instance: the
// console has a handful of operators, and a restart forgiving a few failures is harmless.
const (
	throttleUser   = 5
	throttleIP     = 30
	throttleWindow = 15 * time.Minute
)

// throttle counts recent sign-in failures.
type throttle struct {
	now  func() time.Time
	mu   sync.Mutex
	fail map[string][]time.Time
}

func newThrottle(now func() time.Time) *throttle {
	return &throttle{now: now, fail: map[string][]time.Time{}}
}

// blocked reports whether username from ip must wait.
func (t *throttle) blocked(username, ip string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	return t.recent("u|"+username+"|"+ip, now) >= throttleUser || t.recent("ip|"+ip, now) >= throttleIP
}

// failed records a failure.
func (t *throttle) failed(username, ip string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	for _, k := range []string{"u|" + username + "|" + ip, "ip|" + ip} {
		t.fail[k] = append(t.fail[k], now)
	}
	if len(t.fail) > 10000 { // a spray of usernames: forget whatever has expired
		for k := range t.fail {
			if t.recent(k, now) == 0 {
				delete(t.fail, k)
			}
		}
	}
}

// succeeded forgets username's failures from ip.
func (t *throttle) succeeded(username, ip string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.fail, "u|"+username+"|"+ip)
}

// recent drops failures older than the window under key and counts the rest.
func (t *throttle) recent(key string, now time.Time) int {
	list := t.fail[key]
	i := 0
	for i < len(list) && now.Sub(list[i]) > throttleWindow {
		i++
	}
	list = list[i:]
	if len(list) == 0 {
		delete(t.fail, key)
		return 0
	}
	t.fail[key] = list
	return len(list)
}
