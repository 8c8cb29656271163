package caller

import (
	"strings"
	"unicode"
)

// MaxUserAgent bounds the User-Agent kept on a session, in bytes.
const MaxUserAgent = 256

// CleanUserAgent is the form of a User-Agent header that is stored: invalid UTF-8 replaced
// by U+FFFD, control characters (NUL among them, which PostgreSQL text cannot hold)
// dropped, and cut to MaxUserAgent bytes on a character boundary. A User-Agent is
// information, not input to judge: whatever a client sends there must never make its
// login fail after its code has been spent with WeChat.
func CleanUserAgent(ua string) string {
	ua = strings.ToValidUTF8(ua, "\uFFFD")
	ua = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, ua)
	return truncate(strings.TrimSpace(ua), MaxUserAgent)
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// cut on a rune boundary
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
