package password

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

var fast = Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

func TestHashVerify(t *testing.T) {
	ctx := context.Background()
	h := New(OWASP, 2, 8)
	long := strings.Repeat("密码", 40) + "x" // 241 bytes: past bcrypt's 72
	for _, pw := range []string{"correct horse battery staple", "пароль-Ünïcödé", long, ""} {
		enc, err := h.Hash(ctx, pw)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(enc, "$argon2id$v=19$m=19456,t=2,p=1$") {
			t.Fatalf("PHC string with OWASP parameters: %s", enc)
		}
		if ok, rehash, err := h.Verify(ctx, enc, pw); !ok || rehash || err != nil {
			t.Fatalf("right password %q: %v %v %v", pw, ok, rehash, err)
		}
		if ok, _, _ := h.Verify(ctx, enc, pw+"!"); ok {
			t.Fatalf("wrong password accepted")
		}
	}
	// Passwords that differ only after 72 bytes are different passwords.
	enc, _ := h.Hash(ctx, long)
	if ok, _, _ := h.Verify(ctx, enc, long[:72]); ok {
		t.Fatal("password truncated")
	}
}

func TestRehash(t *testing.T) {
	ctx := context.Background()
	old := New(fast, 1, 1)
	enc, _ := old.Hash(ctx, "pw")
	h := New(OWASP, 1, 1)
	if ok, rehash, _ := h.Verify(ctx, enc, "pw"); !ok || !rehash {
		t.Fatalf("old parameters must ask for a rehash: %v %v", ok, rehash)
	}
	bc, _ := bcrypt.GenerateFromPassword([]byte("legacy"), bcrypt.MinCost)
	if !Valid(string(bc)) || !Valid(enc) || Valid("plaintext") || Valid("$argon2id$v=19$m=1,t=1,p=1$x$y") {
		t.Fatal("Valid")
	}
	if ok, rehash, err := h.Verify(ctx, string(bc), "legacy"); !ok || !rehash || err != nil {
		t.Fatalf("bcrypt import: %v %v %v", ok, rehash, err)
	}
	if ok, _, _ := h.Verify(ctx, string(bc), "wrong"); ok {
		t.Fatal("bcrypt wrong password accepted")
	}
}

func TestDummyNeverMatches(t *testing.T) {
	h := New(fast, 1, 1)
	for _, pw := range []string{"", "dummy", "x"} {
		if ok, _, err := h.Verify(context.Background(), "", pw); ok || err != nil {
			t.Fatalf("unknown user matched with %q: %v", pw, err)
		}
	}
	if _, _, err := h.Verify(context.Background(), "$argon2id$garbage", "x"); !errors.Is(err, ErrMalformed) {
		t.Fatalf("garbage hash: %v", err)
	}
}

func TestConcurrencyCap(t *testing.T) {
	h := New(Params{Memory: 8 * 1024, Time: 3, Threads: 1, KeyLen: 32, SaltLen: 16}, 1, 2)
	enc, _ := h.Hash(context.Background(), "pw")
	var wg sync.WaitGroup
	var mu sync.Mutex
	busy, ok := 0, 0
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			good, _, err := h.Verify(context.Background(), enc, "pw")
			mu.Lock()
			defer mu.Unlock()
			if errors.Is(err, ErrBusy) {
				busy++
			} else if good {
				ok++
			}
		}()
	}
	wg.Wait()
	if busy == 0 || ok == 0 || busy+ok != 20 {
		t.Fatalf("a flood must be partly refused, partly served: busy=%d ok=%d", busy, ok)
	}
}
