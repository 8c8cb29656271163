package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"regexp"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// FuzzDecodeJSON feeds arbitrary bodies to the JSON decoding every endpoint uses: it must
// answer a 4xx error or succeed, never panic.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{"code":"abc"}`, `{"code":1}`, `[`, `null`, `{} {}`, `{"nickName":"\u0000"}`, strings.Repeat("[", 10000)} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var dst profileRequest
		err := decodeJSONBytes(body, &dst)
		if err != nil {
			if ae := AsError(err); ae.Status != 400 || ae.Message == "" {
				t.Fatalf("decode error must be a 400 with a message: %+v", ae)
			}
		}
	})
}

// FuzzBearer checks the token parser against its rule: a header is accepted exactly when it
// is "Bearer " (any case) followed by 43 base64url characters (surrounding spaces allowed),
// and then yields the SHA-256 of those characters; every token the server issues
// round-trips through it.
func FuzzBearer(f *testing.F) {
	for _, s := range []string{"Bearer " + strings.Repeat("A", 43), "bearer x", "Basic abc", "", "Bearer \xff\xfe",
		"BEARER  " + strings.Repeat("_", 43) + " ", "Bearer " + strings.Repeat("A", 42) + "=", "Bearer " + strings.Repeat("A", 44)} {
		f.Add(s, []byte("0123456789abcdef0123456789abcdef"))
	}
	valid := regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)
	app := fiber.New()
	parse := func(header string) []byte {
		c := app.AcquireCtx(&fasthttp.RequestCtx{})
		defer app.ReleaseCtx(c)
		c.Request().Header.Set(fiber.HeaderAuthorization, header)
		return hashToken(bearerToken(c))
	}
	f.Fuzz(func(t *testing.T, header string, raw []byte) {
		got := parse(header)
		var want []byte
		if len(header) >= 7 && strings.EqualFold(header[:7], "bearer ") {
			if tok := strings.TrimSpace(header[7:]); valid.MatchString(tok) {
				sum := sha256.Sum256([]byte(tok))
				want = sum[:]
			}
		}
		// fasthttp keeps a header value as sent, except that it cannot hold CR or LF.
		if !strings.ContainsAny(header, "\r\n") && !bytes.Equal(got, want) {
			t.Fatalf("parse(%q) = %x, want %x", header, got, want)
		}
		if len(raw) < 32 {
			return
		}
		tok := base64.RawURLEncoding.EncodeToString(raw[:32])
		sum := sha256.Sum256([]byte(tok))
		if h := parse("Bearer " + tok); !bytes.Equal(h, sum[:]) {
			t.Fatalf("issued token %q does not round-trip: %x", tok, h)
		}
	})
}
