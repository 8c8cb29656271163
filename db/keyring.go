package db

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// MinKeyBytes is the shortest secret a key ring accepts.
const MinKeyBytes = 32

// sessionKeyInfo is the HKDF info of the subkey that seals WeChat session_keys.
const sessionKeyInfo = "miniauth session_key"

// fingerprintInfo is the HKDF info of the subkey that fingerprints WeChat session_keys.
const fingerprintInfo = "miniauth session_key fingerprint"

// Keyring holds the secret keys, newest first. The newest seals; any key opens what it
// sealed, so a new key can be put in front and an old one removed later.
type Keyring struct {
	keys []ringKey
}

type ringKey struct {
	id     string // first 8 hex digits of SHA-256 of the secret
	secret []byte
	aead   cipher.AEAD
	fp     []byte // HMAC-SHA256 key of Fingerprint
}

// ParseKeyring reads a comma-separated list of base64 secrets (standard or URL alphabet,
// padding optional), newest first, each at least 32 bytes once decoded.
func ParseKeyring(list string) (*Keyring, error) {
	k := &Keyring{}
	seen := map[string]bool{}
	for i, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		secret, err := decodeKey(item)
		if err != nil {
			return nil, fmt.Errorf("db: key %d: not base64: %w", i+1, err)
		}
		if len(secret) < MinKeyBytes {
			return nil, fmt.Errorf("db: key %d: %d bytes, need at least %d", i+1, len(secret), MinKeyBytes)
		}
		rk, err := newRingKey(secret)
		if err != nil {
			return nil, fmt.Errorf("db: key %d: %w", i+1, err)
		}
		if seen[rk.id] {
			return nil, fmt.Errorf("db: key %d: listed twice (id %s)", i+1, rk.id)
		}
		seen[rk.id] = true
		k.keys = append(k.keys, rk)
	}
	if len(k.keys) == 0 {
		return nil, errors.New("db: no keys: expected comma-separated base64 secrets of at least 32 bytes")
	}
	return k, nil
}

func decodeKey(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	if strings.ContainsAny(s, "-_") {
		return base64.RawURLEncoding.DecodeString(s)
	}
	return base64.RawStdEncoding.DecodeString(s)
}

func newRingKey(secret []byte) (ringKey, error) {
	sum := sha256.Sum256(secret)
	sub, err := hkdf.Key(sha256.New, secret, nil, sessionKeyInfo, 32)
	if err != nil {
		return ringKey{}, err
	}
	block, err := aes.NewCipher(sub)
	if err != nil {
		return ringKey{}, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return ringKey{}, err
	}
	fp, err := hkdf.Key(sha256.New, secret, nil, fingerprintInfo, 32)
	if err != nil {
		return ringKey{}, err
	}
	return ringKey{id: hex.EncodeToString(sum[:4]), secret: secret, aead: aead, fp: fp}, nil
}

// LoadOrCreateKeyFile reads a key ring from path (one line, the same format as
// ParseKeyring), or creates the file with one new random key and mode 0600 when it does
// not exist (created is then true). A file readable or writable by group or others is
// refused: it holds the key to every stored session_key.
func LoadOrCreateKeyFile(path string) (k *Keyring, created bool, err error) {
	k, err = readKeyFile(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return k, false, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, false, fmt.Errorf("db: key file: %w", err)
	}
	secret := make([]byte, MinKeyBytes)
	_, _ = rand.Read(secret)
	line := base64.StdEncoding.EncodeToString(secret)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		// Another process created it first: use theirs.
		k, err = readKeyFile(path)
		return k, false, err
	}
	if err != nil {
		return nil, false, fmt.Errorf("db: key file: %w", err)
	}
	_, err = f.WriteString(line + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return nil, false, fmt.Errorf("db: key file %s: %w", path, err)
	}
	k, err = ParseKeyring(line)
	return k, true, err
}

func readKeyFile(path string) (*Keyring, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("db: key file: %w", err)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("db: key file %s has mode %04o: it must not be accessible to group or others (chmod 600 it)", path, perm)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("db: key file: %w", err)
	}
	k, err := ParseKeyring(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("db: key file %s: %w", path, err)
	}
	return k, nil
}

// Seal encrypts plaintext with AES-256-GCM under the newest key's session_key subkey and
// returns "<kid>.<base64url(nonce || ciphertext)>".
func (k *Keyring) Seal(plaintext []byte) (string, error) {
	key := k.keys[0]
	nonce := make([]byte, key.aead.NonceSize(), key.aead.NonceSize()+len(plaintext)+key.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("db: seal: %w", err)
	}
	out := key.aead.Seal(nonce, nonce, plaintext, []byte(key.id))
	return key.id + "." + base64.RawURLEncoding.EncodeToString(out), nil
}

// Fingerprint returns "<kid>.<base64url of 16 bytes of HMAC-SHA256>" of plaintext under
// the newest key's fingerprint subkey: equal plaintexts give equal fingerprints under the
// same key, and nothing about the plaintext can be learnt from it without the key. The
// store keeps one beside each sealed session_key, so that a database statement can tell
// whether a login brings a new key (sealing is randomised: two seals of one key differ).
func (k *Keyring) Fingerprint(plaintext []byte) string {
	key := k.keys[0]
	m := hmac.New(sha256.New, key.fp)
	m.Write(plaintext)
	return key.id + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// FingerprintPrefix is what every fingerprint made by the newest key starts with.
func (k *Keyring) FingerprintPrefix() string { return k.keys[0].id + "." }

// Open decrypts a value made by Seal with any key of the ring.
func (k *Keyring) Open(sealed string) ([]byte, error) {
	kid, body, ok := strings.Cut(sealed, ".")
	if !ok {
		return nil, errors.New("db: open sealed value: malformed")
	}
	for _, key := range k.keys {
		if key.id != kid {
			continue
		}
		raw, err := base64.RawURLEncoding.DecodeString(body)
		if err != nil || len(raw) < key.aead.NonceSize() {
			return nil, errors.New("db: open sealed value: malformed")
		}
		n := key.aead.NonceSize()
		pt, err := key.aead.Open(nil, raw[:n], raw[n:], []byte(key.id))
		if err != nil {
			return nil, fmt.Errorf("db: open sealed value: %w", err)
		}
		return pt, nil
	}
	return nil, fmt.Errorf("db: open sealed value: unknown key id %q (was its key removed from the list?)", kid)
}

// Derive returns, per key and newest first, an n-byte HKDF-SHA256 subkey for info
// ("miniauth cookie hash", "miniauth cookie block", ...): what rotating cookie codecs need.
func (k *Keyring) Derive(info string, n int) [][]byte {
	out := make([][]byte, 0, len(k.keys))
	for _, key := range k.keys {
		sub, err := hkdf.Key(sha256.New, key.secret, nil, info, n)
		if err != nil {
			// Only for n beyond 255*32 bytes: a programming error.
			panic(fmt.Sprintf("db: derive %q: %v", info, err))
		}
		out = append(out, sub)
	}
	return out
}

// IDs returns the key ids, newest first (for logs: which key seals).
func (k *Keyring) IDs() []string {
	ids := make([]string, len(k.keys))
	for i, key := range k.keys {
		ids[i] = key.id
	}
	return ids
}
