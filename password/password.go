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
	"strconv"
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
	// ErrOverLimit is a stored hash whose cost parameters exceed the limits below: checking
	// a password against it would take minutes or gigabytes, so it is refused unread.
	ErrOverLimit = errors.New("password: hash cost beyond the limits")
)

// Limits on the cost of a stored hash miniauth agrees to check. An imported hash chooses
// its own cost, so without them one row could make every later sign-in of its account
// take minutes (bcrypt cost 31) or gigabytes (argon2id m=4194304).
const (
	MaxBcryptCost     = 14     // about a second per check
	MaxArgon2Memory   = 262144 // KiB: 256 MiB
	MaxArgon2Time     = 10     // passes
	MaxArgon2Threads  = 16     // lanes
	maxArgon2SaltLen  = 64     // bytes
	minArgon2SaltLen  = 8      // bytes
	minArgon2KeyLen   = 16     // bytes
	maxArgon2KeyLen   = 64     // bytes
	bcryptHashLen     = 60     // $2b$NN$ + 53 characters
	bcryptAlphabet    = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	argon2idPHCPrefix = "$argon2id$"
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

// Load is how many hashes are running now and how many wait for a free slot (metrics).
func (h *Hasher) Load() (running, waiting int) {
	running = len(h.slots)
	return running, max(0, len(h.queue)-running)
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
// costs the same time as a known one, and never matches. A stored hash that is malformed
// or beyond the cost limits is refused before any hashing (ErrMalformed, ErrOverLimit).
func (h *Hasher) Verify(ctx context.Context, stored, password string) (ok, rehash bool, err error) {
	if len(password) > MaxLen {
		return false, false, nil
	}
	dummy := stored == ""
	if dummy {
		stored = h.dummy
	}
	hash, err := parse(stored)
	if err != nil {
		return false, false, err
	}
	if err := h.acquire(ctx); err != nil {
		return false, false, err
	}
	defer h.release()
	if hash.bcrypt {
		err := bcrypt.CompareHashAndPassword([]byte(stored), []byte(password))
		if errors.Is(err, bcrypt.ErrMismatchedHashAndPassword) || errors.Is(err, bcrypt.ErrPasswordTooLong) {
			return false, false, nil
		}
		if err != nil {
			return false, false, ErrMalformed
		}
		return true, true, nil
	}
	p := hash.p
	got := argon2.IDKey([]byte(password), hash.salt, p.Time, p.Memory, p.Threads, uint32(len(hash.key)))
	ok = subtle.ConstantTimeCompare(got, hash.key) == 1 && !dummy
	return ok, ok && (p.Memory != h.p.Memory || p.Time != h.p.Time || p.Threads != h.p.Threads || uint32(len(hash.key)) != h.p.KeyLen), nil
}

// IsHash tells whether s is meant as a stored hash (it starts like a bcrypt hash or an
// argon2id PHC string) rather than a password, whether or not it is a well-formed one.
func IsHash(s string) bool {
	for _, pre := range []string{"$2a$", "$2b$", "$2y$", argon2idPHCPrefix} {
		if strings.HasPrefix(s, pre) {
			return true
		}
	}
	return false
}

// Check tells whether stored is a hash Verify will check: nil, or an error wrapping
// ErrMalformed or ErrOverLimit that says what is wrong (for import reports).
func Check(stored string) error {
	_, err := parse(stored)
	return err
}

// Valid reports whether stored is a hash Verify will check (Check without the reason).
func Valid(stored string) bool { return Check(stored) == nil }

// parsed is a stored hash, read and within the limits.
type parsed struct {
	bcrypt    bool
	p         Params
	salt, key []byte
}

// parse reads a stored hash and refuses, without hashing anything, one that is malformed
// or beyond the cost limits. It is the one place those limits are enforced.
func parse(s string) (parsed, error) {
	switch {
	case strings.HasPrefix(s, argon2idPHCPrefix):
		return parseArgon2id(s)
	case strings.HasPrefix(s, "$2a$"), strings.HasPrefix(s, "$2b$"), strings.HasPrefix(s, "$2y$"):
		if len(s) != bcryptHashLen || s[6] != '$' {
			return parsed{}, fmt.Errorf("%w: a bcrypt hash is 60 characters: $2b$, two-digit cost, $, 53 characters", ErrMalformed)
		}
		for _, c := range []byte(s[7:]) {
			if !strings.ContainsRune(bcryptAlphabet, rune(c)) {
				return parsed{}, fmt.Errorf("%w: bcrypt hash has a character outside its alphabet", ErrMalformed)
			}
		}
		cost, err := strconv.Atoi(s[4:6])
		if err != nil || s[4] < '0' || s[4] > '9' || cost < bcrypt.MinCost {
			return parsed{}, fmt.Errorf("%w: bcrypt cost %q is not a number from %d", ErrMalformed, s[4:6], bcrypt.MinCost)
		}
		if cost > MaxBcryptCost {
			return parsed{}, fmt.Errorf("%w: bcrypt cost %d is above %d", ErrOverLimit, cost, MaxBcryptCost)
		}
		return parsed{bcrypt: true}, nil
	}
	return parsed{}, fmt.Errorf("%w: neither a bcrypt hash nor an argon2id PHC string", ErrMalformed)
}

// parseArgon2id reads $argon2id$v=19$m=M,t=T,p=P$salt$key (unpadded standard base64).
func parseArgon2id(s string) (parsed, error) {
	malformed := func(why string) (parsed, error) {
		return parsed{}, fmt.Errorf("%w: argon2id PHC string: %s", ErrMalformed, why)
	}
	parts := strings.Split(s, "$")
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, key
	if len(parts) != 6 {
		return malformed("want $argon2id$v=19$m=…,t=…,p=…$salt$hash")
	}
	if parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return malformed(fmt.Sprintf("version must be v=%d", argon2.Version))
	}
	params := strings.Split(parts[3], ",")
	if len(params) != 3 {
		return malformed("parameters must be m=…,t=…,p=…")
	}
	var v [3]uint64
	for i, name := range []string{"m=", "t=", "p="} {
		digits, found := strings.CutPrefix(params[i], name)
		n, err := strconv.ParseUint(digits, 10, 32)
		if !found || err != nil || digits == "" || digits[0] < '0' || digits[0] > '9' {
			return malformed(fmt.Sprintf("parameter %q is not %sN", params[i], name))
		}
		v[i] = n
	}
	m, t, p := v[0], v[1], v[2]
	switch {
	case t < 1 || p < 1 || m < 8*p:
		return malformed("needs t ≥ 1, p ≥ 1 and m ≥ 8·p")
	case m > MaxArgon2Memory:
		return parsed{}, fmt.Errorf("%w: argon2id memory m=%d KiB is above %d KiB (256 MiB)", ErrOverLimit, m, MaxArgon2Memory)
	case t > MaxArgon2Time:
		return parsed{}, fmt.Errorf("%w: argon2id time t=%d is above %d", ErrOverLimit, t, MaxArgon2Time)
	case p > MaxArgon2Threads:
		return parsed{}, fmt.Errorf("%w: argon2id parallelism p=%d is above %d", ErrOverLimit, p, MaxArgon2Threads)
	}
	salt, err1 := base64.RawStdEncoding.Strict().DecodeString(parts[4])
	key, err2 := base64.RawStdEncoding.Strict().DecodeString(parts[5])
	switch {
	case err1 != nil || err2 != nil:
		return malformed("salt and hash must be unpadded base64")
	case len(salt) < minArgon2SaltLen || len(salt) > maxArgon2SaltLen:
		return malformed(fmt.Sprintf("salt must be %d to %d bytes", minArgon2SaltLen, maxArgon2SaltLen))
	case len(key) < minArgon2KeyLen || len(key) > maxArgon2KeyLen:
		return malformed(fmt.Sprintf("hash must be %d to %d bytes", minArgon2KeyLen, maxArgon2KeyLen))
	}
	return parsed{p: Params{Memory: uint32(m), Time: uint32(t), Threads: uint8(p)}, salt: salt, key: key}, nil
}

// MinLen is the shortest password an operator may be given, from any door: the console,
// `miniauth operator create|passwd`, or MINIAUTH_ADMIN_PASSWORD.
const MinLen = 8

// CheckNew reports why pw cannot become an operator's password, or nil: at least MinLen
// characters and at most MaxLen bytes.
func CheckNew(pw string) error {
	switch {
	case len(pw) < MinLen:
		return fmt.Errorf("the password must be at least %d characters", MinLen)
	case len(pw) > MaxLen:
		return fmt.Errorf("the password must be at most %d bytes", MaxLen)
	}
	return nil
}
