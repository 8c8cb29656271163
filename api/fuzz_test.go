package api

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
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

// FuzzBearer feeds arbitrary Authorization headers to the token parser.
func FuzzBearer(f *testing.F) {
	for _, s := range []string{"Bearer " + strings.Repeat("A", 43), "bearer x", "Basic abc", "", "Bearer \xff\xfe"} {
		f.Add(s)
	}
	app := fiber.New()
	app.Get("/", func(c *fiber.Ctx) error {
		if h := hashToken(bearerToken(c)); h != nil && len(h) != 32 {
			return c.SendStatus(500)
		}
		return nil
	})
	f.Fuzz(func(t *testing.T, header string) {
		req := httptest.NewRequest("GET", "/", nil)
		req.Header["Authorization"] = []string{header}
		resp, err := app.Test(req, -1)
		if err != nil {
			return // not a sendable header
		}
		if resp.StatusCode != 200 {
			t.Fatalf("token parser failed on %q: %d", header, resp.StatusCode)
		}
	})
}
