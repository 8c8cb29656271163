// Package caller tells who made a request, in the form miniauth records it: the client's
// address (behind trusted proxies) and a cleaned User-Agent. The API and the console share it.
package caller

import (
	"net"
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// IP returns the address a request came from: the TCP peer, or the `X-Real-IP` it
// sent when the peer is one of the trusted proxies (which overwrite that header). The
// leftmost X-Forwarded-For entry is never used: the client writes it.
func IP(c *fiber.Ctx, trusted []netip.Prefix) string {
	peer := peerAddr(c)
	if len(trusted) == 0 || !peer.IsValid() {
		return peer.String()
	}
	for _, p := range trusted {
		if p.Contains(peer) {
			if real := strings.TrimSpace(c.Get("X-Real-IP")); real != "" {
				if a, err := netip.ParseAddr(real); err == nil {
					return a.Unmap().String()
				}
			}
			break
		}
	}
	return peer.String()
}

// FromTrustedProxy reports whether the TCP peer of the request is one of the trusted
// proxies: only then are the headers a proxy sets (X-Real-IP, X-Request-Id) believed.
func FromTrustedProxy(c *fiber.Ctx, trusted []netip.Prefix) bool {
	peer := peerAddr(c)
	if !peer.IsValid() {
		return false
	}
	for _, p := range trusted {
		if p.Contains(peer) {
			return true
		}
	}
	return false
}

func peerAddr(c *fiber.Ctx) netip.Addr {
	var ip net.IP
	if addr, ok := c.Context().RemoteAddr().(*net.TCPAddr); ok {
		ip = addr.IP
	} else {
		ip = c.Context().RemoteIP()
	}
	a, ok := netip.AddrFromSlice(ip)
	if !ok {
		return netip.Addr{}
	}
	return a.Unmap()
}

// ParseCIDRs parses a comma-separated list of CIDRs or bare addresses.
func ParseCIDRs(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, err
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Masked())
	}
	return out, nil
}
