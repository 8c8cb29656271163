package wxsim

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"

	"github.com/gofiber/fiber/v2"
)

// errmsgs are WeChat's errmsg prefixes; a fake request id is appended as WeChat does.
var errmsgs = map[int]string{
	-1:    "system error",
	40001: "invalid credential, access_token is invalid or not latest",
	40002: "invalid grant_type",
	40003: "invalid openid",
	40013: "invalid appid",
	40014: "invalid access_token",
	40029: "invalid code",
	40125: "invalid appsecret",
	40163: "code been used",
	40226: "code blocked",
	41001: "access_token missing",
	41002: "appid missing",
	41004: "appsecret missing",
	41008: "missing code",
	41009: "missing openid",
	42001: "access_token expired",
	45009: "reach max api daily quota limit",
	45011: "api minute-quota reach limit mustslower retry next minute",
	47001: "data format error",
	87008: "invalid sig_method",
	87009: "invalid signature",
}

// wxError is WeChat's failure body.
type wxError struct {
	Code int    `json:"errcode"`
	Msg  string `json:"errmsg"`
}

func rid() string {
	return fmt.Sprintf("%08x-%08x-%08x", mrand.Uint32(), mrand.Uint32(), mrand.Uint32())
}

func errBody(code int) wxError {
	msg, ok := errmsgs[code]
	if !ok {
		msg = "simulated error"
	}
	return wxError{Code: code, Msg: msg + ", rid: " + rid()}
}

const localTextPlain = "wxsim.textplain"

// send answers a WeChat API call: always HTTP 200, JSON body, and text/plain when a fault
// asks for it.
func send(c *fiber.Ctx, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	ct := "application/json; encoding=utf-8"
	if c.Locals(localTextPlain) != nil {
		ct = "text/plain"
	}
	c.Set(fiber.HeaderContentType, ct)
	return c.Status(fiber.StatusOK).Send(b)
}

func sendErr(c *fiber.Ctx, code int) error { return send(c, errBody(code)) }

// badRequest is the control surface's error answer.
func badRequest(c *fiber.Ctx, format string, args ...any) error {
	return c.Status(fiber.StatusBadRequest).JSON(fiber.Map{"error": "invalid_request",
		"message": fmt.Sprintf(format, args...)})
}

// deriveID is "o" + 27 characters of base64url(HMAC-SHA256(secret, scope|user)): the shape
// of real openids and unionids, stable for the same inputs.
func deriveID(secret []byte, scope, name string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(scope))
	m.Write([]byte{'|'})
	m.Write([]byte(name))
	return "o" + base64.RawURLEncoding.EncodeToString(m.Sum(nil))[:27]
}

const codeAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// newLoginCode is a random 32-character code like wx.login's.
func newLoginCode() string {
	var b [32]byte
	rand.Read(b[:])
	for i := range b {
		b[i] = codeAlphabet[int(b[i])%len(codeAlphabet)]
	}
	return string(b[:])
}

// newPhoneCode is 64 hex characters like getPhoneNumber's e.detail.code.
func newPhoneCode() string {
	var b [32]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// newSessionKey is base64 of 16 random bytes.
func newSessionKey() string {
	var b [16]byte
	rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}

// newAccessToken looks like a real one: a short numeric prefix and a long URL-safe body.
func newAccessToken() string {
	var b [96]byte
	rand.Read(b[:])
	return fmt.Sprintf("%02d_%s", 80+mrand.IntN(10), base64.RawURLEncoding.EncodeToString(b[:]))
}

// wellFormedToken reports whether s could be an access token at all.
func wellFormedToken(s string) bool {
	if len(s) < 16 || len(s) > 512 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
