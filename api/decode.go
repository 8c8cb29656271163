package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// maxJSONBody caps every JSON request body. The server-wide limit is the avatar size, so
// JSON routes check their own.
const maxJSONBody = 16 << 10

// decodeJSON reads the request body as one JSON object into dst, answering what was wrong
// in terms a mini-program developer can act on.
func decodeJSON(c *fiber.Ctx, dst any) error {
	// The body as received: Ctx.Body would inflate a compressed one, whatever its size.
	body := c.Request().Body()
	if len(body) > maxJSONBody {
		return newError(http.StatusRequestEntityTooLarge, "payload_too_large",
			"request body is larger than %d bytes", maxJSONBody)
	}
	if ct := c.Get(fiber.HeaderContentType); ct != "" && !strings.Contains(strings.ToLower(ct), "json") {
		return badRequest("expected a JSON body (Content-Type: application/json), got %q", ct)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return badRequest("request body is empty; expected a JSON object")
	}
	return decodeJSONBytes(body, dst)
}

func decodeJSONBytes(body []byte, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(dst); err != nil {
		return badRequest("%s", describeJSONError(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return badRequest("request body must hold exactly one JSON object")
	}
	if field, ok := nulField(body); ok {
		return badRequest("field %q must not contain the NUL character (\\u0000)", field)
	}
	return nil
}

// nulField finds a string in a JSON document that holds a NUL character (which
// encoding/json lets through and PostgreSQL text cannot store) and names its field.
func nulField(body []byte) (string, bool) {
	if !bytes.Contains(body, []byte(`\u0000`)) {
		return "", false
	}
	type frame struct{ obj, wantKey bool }
	var stack []frame
	field := ""
	valueDone := func() {
		if n := len(stack); n > 0 && stack[n-1].obj {
			stack[n-1].wantKey = true
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		n := len(stack)
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{':
				stack = append(stack, frame{obj: true, wantKey: true})
			case '[':
				stack = append(stack, frame{})
			default:
				stack = stack[:n-1]
				valueDone()
			}
		case string:
			if n > 0 && stack[n-1].wantKey {
				field = v
				stack[n-1].wantKey = false
			} else {
				valueDone()
			}
			if strings.IndexByte(v, 0) >= 0 {
				return field, true
			}
		default:
			valueDone()
		}
	}
}

func describeJSONError(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("malformed JSON at byte %d: %v", syn.Offset, syn)
	case errors.As(err, &typ):
		if typ.Field == "" {
			return fmt.Sprintf("request body must be a JSON object, not %s", typ.Value)
		}
		return fmt.Sprintf("field %q must be %s, not %s", typ.Field, jsonKind(typ.Type.Kind().String()), typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "malformed JSON: unexpected end of body"
	}
	return "malformed JSON: " + err.Error()
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64":
		return "a number"
	case "bool":
		return "true or false"
	case "struct", "map":
		return "an object"
	case "slice", "array":
		return "an array"
	}
	return "of another type"
}
