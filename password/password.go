// Package password hashes and checks the passwords of platform accounts and console
// operators with argon2id, behind a cap on concurrent hashes so a flood of sign-ins cannot
// exhaust memory.
package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// Params are argon2id's cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
	KeyLen  uint32
	SaltLen uint32
}

// OWASP is the OWASP recommendation for argon2id: 19 MiB, two passes, one lane.
var OWASP = Params{Memory: 19 * 1024, Time: 2, Threads: 1, KeyLen: 32, SaltLen: 16}

// MaxLen bounds a password in bytes: long enough for any passphrase, short enough that
// hashing cost stays flat. Nothing is truncated below it.
const MaxLen = 1024

var (
	// ErrBusy means too many hashes are waiting; the caller should answer 503 and retry later.
	ErrBusy = errors.New("password: too many concurrent password checks")
	// ErrMalformed is a stored hash miniauth cannot read.
	ErrMalformed = errors.New("password: malformed hash")
	// ErrTooLong is a password over MaxLen bytes.
	ErrTooLong = errors.New("password: longer than 1024 bytes")
)

// Hasher hashes and verifies passwords, at most `slots` at a time with at most `queue` more
// waiting; beyond that it refuses at once with ErrBusy, so memory stays bounded.
type Hasher struct {
	p     Params
	slots chan struct{}
	queue chan struct{}
	dummy string
}

// New returns a Hasher with the given cost, running at most slots hashes at once.
func New(p Params, slots, queue int) *Hasher {
	if slots < 1 {
		slots = 1
	}
	h := &Hasher{p: p, slots: make(chan struct{}, slots), queue: make(chan struct{}, slots+queue)}
	h.dummy = h.encode(make([]byte, p.SaltLen), argon2.IDKey([]byte("dummy"), make([]byte, p.SaltLen), p.Time, p.Memory, p.Threads, p.KeyLen))
	return h
}

// Params returns the cost new hashes are made with.
func (h *Hasher) Params() Params { return h.p }

func (h *Hasher) acquire(ctx context.Context) error {
	select {
	case h.queue <- struct{}{}:
	default:
		return ErrBusy
	}
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		<-h.queue
		return ctx.Err()
	}
}

func (h *Hasher) release() {
	<-h.slots
	<-h.queue
}

// Hash returns the PHC string of password under the current parameters.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	if len(password) > MaxLen {
		return "", ErrTooLong
	}
	salt := make([]byte, h.p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	key := argon2.IDKey([]byte(password), salt, h.p.Time, h.p.Memory, h.p.Threads, h.p.KeyLen)
	return h.encode(salt, key), nil
}

func (h *Hasher) encode(salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, h.p.Memory, h.p.Time, h.p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// Verify checks password against a stored hash (argon2id, or an imported bcrypt hash).
// rehash is true when the password was right but the hash should be replaced: bcrypt, or
// argon2id under other parameters. An empty stored hash checks a dummy, so an unknown user
// costs the same time as a known one, and never matches.
func (h *Hasher) Verify(ctx context.Context, stored, password string) (ok, rehash bool, err error) {
	if len(password) > MaxLen {
		return false, false, nil
	}
	dummy := stored == ""
	if dummy {
		stored = h.dummy
	}
	if err := h.acquire(ctx); err != nil {
		return false, false, err
	}
	defer h.release()
	switch {
	case strings.HasPrefix(stored, "$argon2id$"):
		p, salt, key, err := decode(stored)
		if err != nil {
			return false, false, err
		}
		got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
		ok = subtle.ConstantTimeCompare(got, key) == 1 && !dummy
		return ok, ok && (p.Memory != h.p.Memory || p.Time != h.p.Time || p.Threads != h.p.Threads || uint32(len(key)) != h.p.KeyLen), nil
	case strings.HasPrefix(stored, "$2a$"), strings.HasPrefix(stored, "$2b$"), strings.HasPrefix(stored, "$2y$"):
		err := bcrypt.CompareHashAndPassword([]byte(stored), []byte(password))
		if errors.Is(err, bcrypt.ErrMismatchedHashAndPassword) || errors.Is(err, bcrypt.ErrPasswordTooLong) {
			return false, false, nil
		}
		if err != nil {
			return false, false, ErrMalformed
		}
		return true, true, nil
	}
	return false, false, ErrMalformed
}

// Valid reports whether stored is a hash Verify can read (for imports).
func Valid(stored string) bool {
	if strings.HasPrefix(stored, "$argon2id$") {
		_, _, _, err := decode(stored)
		return err == nil
	}
	if strings.HasPrefix(stored, "$2a$") || strings.HasPrefix(stored, "$2b$") || strings.HasPrefix(stored, "$2y$") {
		_, err := bcrypt.Cost([]byte(stored))
		return err == nil
	}
	return false
}

func decode(s string) (Params, []byte, []byte, error) {
	parts := strings.Split(s, "$")
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, key
	if len(parts) != 6 {
		return Params{}, nil, nil, ErrMalformed
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return Params{}, nil, nil, ErrMalformed
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return Params{}, nil, nil, ErrMalformed
	}
	if p.Memory < 8 || p.Memory > 1<<22 || p.Time < 1 || p.Time > 16 || p.Threads < 1 {
		return Params{}, nil, nil, ErrMalformed
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	key, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(key) < 16 || len(key) > 64 {
		return Params{}, nil, nil, ErrMalformed
	}
	return p, salt, key, nil
}
