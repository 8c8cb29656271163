package password

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// phc builds an argon2id PHC string with the given parameter text and a 16-byte salt and
// 32-byte hash, without computing anything.
func phc(params string) string {
	b := base64.RawStdEncoding.EncodeToString
	return "$argon2id$v=19$" + params + "$" + b(make([]byte, 16)) + "$" + b(make([]byte, 32))
}

// bcryptAt is a well-formed bcrypt hash claiming the given cost (made at cost 4, then
// relabelled: checking it is never needed to read it).
func bcryptAt(t *testing.T, cost int) string {
	t.Helper()
	enc, err := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%s%02d%s", enc[:4], cost, enc[6:])
}

func TestHashLimits(t *testing.T) {
	salt, key := base64.RawStdEncoding.EncodeToString(make([]byte, 16)), base64.RawStdEncoding.EncodeToString(make([]byte, 32))
	good := bcryptAt(t, 10)
	for _, c := range []struct {
		name   string
		hash   string
		reason error // nil: accepted
	}{
		{"bcrypt cost 4", bcryptAt(t, 4), nil},
		{"bcrypt cost 14 at the limit", bcryptAt(t, 14), nil},
		{"bcrypt cost 15 beyond", bcryptAt(t, 15), ErrOverLimit},
		{"bcrypt cost 31 beyond", bcryptAt(t, 31), ErrOverLimit},
		{"bcrypt cost 03 too low", bcryptAt(t, 3), ErrMalformed},
		{"bcrypt 2y", "$2y$" + good[4:], nil},
		{"bcrypt truncated", good[:59], ErrMalformed},
		{"bcrypt too long", good + "A", ErrMalformed},
		{"bcrypt bad character", good[:59] + "!", ErrMalformed},
		{"bcrypt cost not a number", good[:4] + "1x" + good[6:], ErrMalformed},
		{"bcrypt one-digit cost", good[:4] + "9$" + good[6:], ErrMalformed},
		{"argon2id OWASP", phc("m=19456,t=2,p=1"), nil},
		{"argon2id memory at the limit", phc("m=262144,t=1,p=1"), nil},
		{"argon2id memory beyond", phc("m=262145,t=1,p=1"), ErrOverLimit},
		{"argon2id memory 4 GiB", phc("m=4194304,t=1,p=1"), ErrOverLimit},
		{"argon2id time at the limit", phc("m=19456,t=10,p=1"), nil},
		{"argon2id time beyond", phc("m=19456,t=11,p=1"), ErrOverLimit},
		{"argon2id parallelism at the limit", phc("m=19456,t=2,p=16"), nil},
		{"argon2id parallelism beyond", phc("m=19456,t=2,p=17"), ErrOverLimit},
		{"argon2id parallelism 255", phc("m=19456,t=2,p=255"), ErrOverLimit},
		{"argon2id all at the limits", phc("m=262144,t=10,p=16"), nil},
		{"argon2id m over 32 bits", phc("m=4294967296,t=1,p=1"), ErrMalformed},
		{"argon2id memory below 8 per lane", phc("m=64,t=1,p=16"), ErrMalformed},
		{"argon2id time zero", phc("m=19456,t=0,p=1"), ErrMalformed},
		{"argon2id signed number", phc("m=+19456,t=2,p=1"), ErrMalformed},
		{"argon2id parameters out of order", phc("t=2,m=19456,p=1"), ErrMalformed},
		{"argon2id extra parameter", phc("m=19456,t=2,p=1,keyid=x"), ErrMalformed},
		{"argon2id trailing junk", phc("m=19456,t=2,p=1x"), ErrMalformed},
		{"argon2id version 16", strings.Replace(phc("m=19456,t=2,p=1"), "v=19", "v=16", 1), ErrMalformed},
		{"argon2id no version", "$argon2id$m=19456,t=2,p=1$" + salt + "$" + key, ErrMalformed},
		{"argon2id padded base64", phc("m=19456,t=2,p=1") + "=", ErrMalformed},
		{"argon2id short salt", "$argon2id$v=19$m=19456,t=2,p=1$AAAA$" + key, ErrMalformed},
		{"argon2id long hash", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + strings.Repeat("A", 100), ErrMalformed},
		{"argon2id extra field", phc("m=19456,t=2,p=1") + "$x", ErrMalformed},
		{"argon2i is not argon2id", strings.Replace(phc("m=19456,t=2,p=1"), "argon2id", "argon2i", 1), ErrMalformed},
		{"plaintext", "correct horse", ErrMalformed},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := Check(c.hash)
			if c.reason == nil {
				if err != nil || !Valid(c.hash) {
					t.Fatalf("%s refused: %v", c.hash, err)
				}
				return
			}
			if !errors.Is(err, c.reason) || Valid(c.hash) {
				t.Fatalf("%s: %v, want %v", c.hash, err, c.reason)
			}
			if err.Error() == c.reason.Error() {
				t.Fatalf("%s: the error does not say why: %v", c.hash, err)
			}
		})
	}
}

// Verify refuses a stored hash beyond the limits with an error, before doing the work: no
// bcrypt rounds at cost 15, no 256 MiB of argon2id memory.
func TestVerifyRefusesCostlyHashes(t *testing.T) {
	h := New(fast, 1, 1)
	ctx := context.Background()
	for _, c := range []struct{ name, hash string }{
		{"bcrypt cost 15", bcryptAt(t, 15)},
		{"argon2id 256 MiB + 1 KiB", phc("m=262145,t=1,p=1")},
		{"argon2id t=11", phc("m=64,t=11,p=1")},
		{"argon2id p=17", phc("m=256,t=1,p=17")},
	} {
		t.Run(c.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			ok, rehash, err := h.Verify(ctx, c.hash, "pw")
			runtime.ReadMemStats(&after)
			if ok || rehash || !errors.Is(err, ErrOverLimit) {
				t.Fatalf("Verify(%s) = %v %v %v, want ErrOverLimit", c.hash, ok, rehash, err)
			}
			if grown := after.TotalAlloc - before.TotalAlloc; grown > 16<<20 {
				t.Fatalf("refusing the hash allocated %d MiB", grown>>20)
			}
		})
	}
	// The limits themselves are checkable: a hash at them verifies.
	at, err := New(Params{Memory: 8 * 16, Time: 10, Threads: 16, KeyLen: 32, SaltLen: 16}, 1, 1).Hash(ctx, "pw")
	if err != nil {
		t.Fatal(err)
	}
	if ok, rehash, err := h.Verify(ctx, at, "pw"); !ok || !rehash || err != nil {
		t.Fatalf("hash at the time and lane limits: %v %v %v", ok, rehash, err)
	}
}
