package api

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// tokenLen is the length of a token: 32 random bytes in unpadded base64url.
const tokenLen = 43

// newToken returns a fresh random token and the SHA-256 hash that is stored in its place.
func newToken() (string, []byte) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("api: crypto/rand failed: " + err.Error()) // the platform's CSPRNG never fails
	}
	tok := base64.RawURLEncoding.EncodeToString(b[:])
	h := sha256.Sum256([]byte(tok))
	return tok, h[:]
}

// hashToken returns the stored form of a well-formed token, or nil when tok cannot be one
// of ours (wrong length or alphabet), so garbage never reaches the database.
func hashToken(tok string) []byte {
	if len(tok) != tokenLen {
		return nil
	}
	for i := 0; i < len(tok); i++ {
		ch := tok[i]
		if !(ch >= 'A' && ch <= 'Z' || ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '-' || ch == '_') {
			return nil
		}
	}
	h := sha256.Sum256([]byte(tok))
	return h[:]
}

// bearerToken returns the token of an `Authorization: Bearer` header, or "". A `token`
// query parameter is deliberately not read: tokens in URLs end up in logs and referrers.
func bearerToken(c *fiber.Ctx) string {
	auth := c.Get(fiber.HeaderAuthorization)
	if len(auth) < 7 || !strings.EqualFold(auth[:7], "bearer ") {
		return ""
	}
	return strings.TrimSpace(auth[7:])
}
