package api

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// FuzzDecodeJSONRequest feeds arbitrary bodies and Content-Types to decodeJSON as a
// handler sees them: it never panics, and every input either decodes into a value whose
// strings hold no NUL, or is refused with a 4xx error that says what was wrong.
func FuzzDecodeJSONRequest(f *testing.F) {
	for _, s := range []struct{ body, ct string }{
		{`{"nickName":"Alice","gender":2}`, "application/json"},
		{`{"nickName":"a\u0000b"}`, "application/json"},
		{`{"x":{"y":["\u0000"]},"nickName":"ok"}`, "application/json; charset=utf-8"},
		{`{"nickName":"\\u0000"}`, "application/json"},
		{`{"\u0000":1}`, ""},
		{"{\"nickName\":\"\xff\xfe\"}", "application/json"},
		{`{"code":"abc"}`, "text/plain"},
		{strings.Repeat(`{"a":`, 5000), "application/json"},
		{strings.Repeat(" ", maxJSONBody+1), "application/json"},
		{``, "application/json"},
		{`{} {}`, "application/json"},
	} {
		f.Add([]byte(s.body), s.ct)
	}
	app := fiber.New()
	f.Fuzz(func(t *testing.T, body []byte, ct string) {
		fctx := &fasthttp.RequestCtx{}
		fctx.Request.Header.SetMethod(fiber.MethodPost)
		fctx.Request.Header.SetContentType(ct)
		fctx.Request.SetBody(body)
		c := app.AcquireCtx(fctx)
		defer app.ReleaseCtx(c)
		var dst profileRequest
		err := decodeJSON(c, &dst)
		if err != nil {
			ae := AsError(err)
			if ae.Status < 400 || ae.Status > 499 || ae.Code == "" || ae.Message == "" {
				t.Fatalf("refusal must be a 4xx with a code and a message: %+v", ae)
			}
			return
		}
		out, _ := json.Marshal(dst)
		var v any
		_ = json.Unmarshal(out, &v)
		if hasNUL(v) {
			t.Fatalf("a NUL got through: %s", out)
		}
	})
}

// hasNUL tells whether any string in a decoded JSON value holds a NUL.
func hasNUL(v any) bool {
	switch v := v.(type) {
	case string:
		return strings.IndexByte(v, 0) >= 0
	case []any:
		for _, e := range v {
			if hasNUL(e) {
				return true
			}
		}
	case map[string]any:
		for k, e := range v {
			if strings.IndexByte(k, 0) >= 0 || hasNUL(e) {
				return true
			}
		}
	}
	return false
}
