package caller

import (
	"net"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

func TestIP(t *testing.T) {
	trusted, err := ParseCIDRs("10.0.0.0/8, 192.168.1.7")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		peer, realIP, xff, want string
	}{
		{"203.0.113.9", "", "", "203.0.113.9"},
		{"203.0.113.9", "1.2.3.4", "1.2.3.4", "203.0.113.9"}, // untrusted peer: headers ignored
		{"10.1.2.3", "198.51.100.4", "6.6.6.6", "198.51.100.4"},
		{"10.1.2.3", "", "6.6.6.6", "10.1.2.3"}, // X-Forwarded-For is never believed
		{"192.168.1.7", "2001:db8::1", "", "2001:db8::1"},
		{"192.168.1.8", "198.51.100.4", "", "192.168.1.8"},
		{"10.1.2.3", "not-an-ip", "", "10.1.2.3"},
	}
	app := fiber.New()
	for _, tc := range cases {
		var fctx fasthttp.RequestCtx
		fctx.Init(&fasthttp.Request{}, &net.TCPAddr{IP: net.ParseIP(tc.peer), Port: 5555}, nil)
		if tc.realIP != "" {
			fctx.Request.Header.Set("X-Real-IP", tc.realIP)
		}
		if tc.xff != "" {
			fctx.Request.Header.Set("X-Forwarded-For", tc.xff)
		}
		c := app.AcquireCtx(&fctx)
		if got := IP(c, trusted); got != tc.want {
			t.Errorf("peer %s real %q xff %q: got %s, want %s", tc.peer, tc.realIP, tc.xff, got, tc.want)
		}
		app.ReleaseCtx(c)
	}
	if _, err := ParseCIDRs("10.0.0.0/99"); err == nil {
		t.Error("bad CIDR accepted")
	}
}
