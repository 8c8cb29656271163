package db_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"miniauth/db"
)

func newSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

func TestKeyringSealOpenRotate(t *testing.T) {
	oldKey, newKey := newSecret(), newSecret()
	oldRing, err := db.ParseKeyring(oldKey)
	must(t, err)
	sealed, err := oldRing.Seal([]byte("session-key-1"))
	must(t, err)
	if strings.Contains(sealed, "session-key-1") || !strings.HasPrefix(sealed, oldRing.IDs()[0]+".") {
		t.Fatalf("sealed form: %q", sealed)
	}
	pt, err := oldRing.Open(sealed)
	if err != nil || string(pt) != "session-key-1" {
		t.Fatalf("open: %q %v", pt, err)
	}
	again, _ := oldRing.Seal([]byte("session-key-1"))
	if again == sealed {
		t.Fatal("two seals of one plaintext are equal: nonce not random")
	}

	// A new key in front: new values use it, old values still open.
	ring, err := db.ParseKeyring(" " + newKey + " , " + oldKey)
	must(t, err)
	if pt, err := ring.Open(sealed); err != nil || string(pt) != "session-key-1" {
		t.Fatalf("rotated ring opens old value: %q %v", pt, err)
	}
	sealed2, err := ring.Seal([]byte("session-key-2"))
	must(t, err)
	if !strings.HasPrefix(sealed2, ring.IDs()[0]+".") || ring.IDs()[0] == oldRing.IDs()[0] {
		t.Fatalf("new values must use the newest key: %q ids %v", sealed2, ring.IDs())
	}
	// The old key alone cannot open what the new one sealed: unknown kid.
	if _, err := oldRing.Open(sealed2); err == nil || !strings.Contains(err.Error(), "unknown key id") {
		t.Fatalf("unknown kid: %v", err)
	}

	// Tampering is detected.
	kid, body, _ := strings.Cut(sealed2, ".")
	raw, _ := base64.RawURLEncoding.DecodeString(body)
	raw[len(raw)-1] ^= 1
	if _, err := ring.Open(kid + "." + base64.RawURLEncoding.EncodeToString(raw)); err == nil {
		t.Fatal("tampered ciphertext opened")
	}
	for _, bad := range []string{"", "nodot", kid + ".!!!", kid + ".AAAA"} {
		if _, err := ring.Open(bad); err == nil {
			t.Errorf("Open(%q) succeeded", bad)
		}
	}

	// Derived keys: per key, newest first, distinct per info, stable.
	d1 := ring.Derive("miniauth cookie hash", 32)
	d2 := ring.Derive("miniauth cookie block", 32)
	if len(d1) != 2 || len(d1[0]) != 32 || bytes.Equal(d1[0], d1[1]) || bytes.Equal(d1[0], d2[0]) {
		t.Fatal("derived keys are not distinct per key and info")
	}
	if !bytes.Equal(d1[1], oldRing.Derive("miniauth cookie hash", 32)[0]) {
		t.Fatal("derivation is not a function of the key alone")
	}
}

func TestParseKeyringRejects(t *testing.T) {
	k := newSecret()
	short := base64.StdEncoding.EncodeToString(make([]byte, 31))
	for name, list := range map[string]string{
		"empty": "", "commas": " , ", "short": short, "not base64": "@@@@" + k,
		"duplicate": k + "," + k,
	} {
		if _, err := db.ParseKeyring(list); err == nil {
			t.Errorf("%s: accepted %q", name, list)
		}
	}
	// URL alphabet without padding is accepted and is the same key.
	raw, _ := base64.StdEncoding.DecodeString(k)
	a, err := db.ParseKeyring(base64.RawURLEncoding.EncodeToString(raw))
	must(t, err)
	b, _ := db.ParseKeyring(k)
	if a.IDs()[0] != b.IDs()[0] {
		t.Fatal("URL and standard alphabets give different key ids")
	}
}

func TestLoadOrCreateKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "miniauth.db.keys")
	k1, created, err := db.LoadOrCreateKeyFile(path)
	if err != nil || !created {
		t.Fatalf("create: %v %v", created, err)
	}
	st, err := os.Stat(path)
	must(t, err)
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %o", st.Mode().Perm())
	}
	sealed, _ := k1.Seal([]byte("x"))
	k2, created, err := db.LoadOrCreateKeyFile(path)
	if err != nil || created {
		t.Fatalf("load: %v %v", created, err)
	}
	if pt, err := k2.Open(sealed); err != nil || string(pt) != "x" {
		t.Fatalf("reloaded ring: %v", err)
	}
	must(t, os.Chmod(path, 0o644))
	if _, _, err := db.LoadOrCreateKeyFile(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("world-readable key file accepted: %v", err)
	}
}
