package api

import (
	"bytes"

	"github.com/gofiber/fiber/v2"
)

// RefuseEncodedBodies answers 415 to any request that declares a Content-Encoding other
// than identity. Fiber's Ctx.Body (and fasthttp's multipart reader for gzip) inflate a
// compressed body in full, whatever its inflated size, before any handler can check it: a
// few hundred bytes of brotli become hundreds of megabytes. No client of this server
// compresses what it sends, so the whole server takes bodies as they come off the wire,
// where the body limit has already measured them. Install it before anything reads a body.
func RefuseEncodedBodies(c *fiber.Ctx) error {
	for _, v := range c.Request().Header.PeekAll(fiber.HeaderContentEncoding) {
		for _, coding := range bytes.Split(v, []byte(",")) {
			coding = bytes.TrimSpace(coding)
			if len(coding) != 0 && !bytes.EqualFold(coding, []byte("identity")) {
				return fiber.NewError(fiber.StatusUnsupportedMediaType,
					"compressed request bodies are not accepted: send the body without Content-Encoding")
			}
		}
	}
	return c.Next()
}
