package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"net/http"
	"strings"

	// Formats accepted for upload.
	_ "image/gif"
	_ "image/png"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp"

	"miniauth/db"
)

const (
	// MaxAvatarBytes caps an avatar upload; the server's body limit is set just above it.
	MaxAvatarBytes = 5 << 20
	// maxAvatarPixels caps the decoded size, read from the header before decoding, so a small
	// file claiming a huge canvas cannot exhaust memory.
	maxAvatarPixels = 25_000_000
	// avatarSide is the largest width or height stored.
	avatarSide = 512
	avatarPath = "/avatars/"
)

// avatarResponse is the answer of POST /api/user/avatar.
type avatarResponse struct {
	AvatarURL string `json:"avatarUrl"`
}

// userAvatar takes an uploaded image, re-encodes it (dropping EXIF and anything else it
// carried), stores it in the database so every instance can serve it, and makes it the
// caller's avatar.
func (h *Handler) userAvatar(c *fiber.Ctx) error {
	s, err := h.authenticate(c)
	if err != nil {
		return err
	}
	fh, err := c.FormFile("file")
	if err != nil {
		return badRequest("send the image as multipart/form-data in a field named \"file\"")
	}
	if fh.Size > MaxAvatarBytes {
		return newError(http.StatusRequestEntityTooLarge, "payload_too_large", "avatar is larger than %d MB", MaxAvatarBytes>>20)
	}
	f, err := fh.Open()
	if err != nil {
		return badRequest("cannot read the uploaded file")
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxAvatarBytes+1))
	if err != nil {
		return badRequest("cannot read the uploaded file")
	}
	out, err := reencodeAvatar(data)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(out)
	name := hex.EncodeToString(sum[:]) + ".jpg"
	ctx := c.UserContext()
	if err := h.store.PutAvatar(ctx, name, "image/jpeg", out); err != nil {
		return storeUnavailable(err)
	}
	u, err := h.liveUser(c, s)
	if err != nil {
		return err
	}
	u.AvatarURL = h.baseURL(c) + avatarPath + name
	if _, err := h.store.UpdateProfile(ctx, u.ID, u.Profile); err != nil {
		if errors.Is(err, db.ErrNotFound) {
			return unauthorized("this user no longer exists: log in again")
		}
		return storeUnavailable(err)
	}
	return c.JSON(avatarResponse{AvatarURL: u.AvatarURL})
}

// reencodeAvatar checks, decodes, shrinks and re-encodes an image as JPEG.
func reencodeAvatar(data []byte) ([]byte, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, badRequest("the file is not a JPEG, PNG, GIF or WebP image")
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxAvatarPixels || cfg.Width > 20000 || cfg.Height > 20000 {
		return nil, badRequest("image is %dx%d pixels; at most %d pixels in all", cfg.Width, cfg.Height, maxAvatarPixels)
	}
	src, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, badRequest("the %s image is damaged and cannot be decoded", format)
	}
	b := src.Bounds()
	w, hgt := b.Dx(), b.Dy()
	if w > avatarSide || hgt > avatarSide {
		if w >= hgt {
			w, hgt = avatarSide, max(1, hgt*avatarSide/b.Dx())
		} else {
			w, hgt = max(1, w*avatarSide/b.Dy()), avatarSide
		}
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, hgt))
	// JPEG has no alpha: transparent parts become white, not black.
	draw.Draw(dst, dst.Bounds(), &image.Uniform{C: color.White}, image.Point{}, draw.Src)
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, b, draw.Over, nil)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 85}); err != nil {
		return nil, internalError(err)
	}
	return buf.Bytes(), nil
}

func validAvatarName(name string) bool {
	hexPart, ok := strings.CutSuffix(name, ".jpg")
	if !ok || len(hexPart) != 64 {
		return false
	}
	_, err := hex.DecodeString(hexPart)
	return err == nil && strings.ToLower(hexPart) == hexPart
}

// avatarGet serves a stored avatar. The URL names the content's hash, so it never changes
// and may be cached for ever.
func (h *Handler) avatarGet(c *fiber.Ctx) error {
	name := c.Params("name")
	if !validAvatarName(name) {
		return fiber.ErrNotFound
	}
	if c.Get(fiber.HeaderIfNoneMatch) == `"`+name+`"` {
		return c.SendStatus(http.StatusNotModified)
	}
	ct, data, err := h.store.Avatar(c.UserContext(), name)
	if errors.Is(err, db.ErrNotFound) {
		return fiber.ErrNotFound
	}
	if err != nil {
		return storeUnavailable(err)
	}
	c.Set(fiber.HeaderContentType, ct)
	c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	c.Set(fiber.HeaderETag, `"`+name+`"`)
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	return c.Send(data)
}

// baseURL is the configured public URL, or the one the request came in on.
func (h *Handler) baseURL(c *fiber.Ctx) string {
	if h.cfg.PublicURL != "" {
		return strings.TrimRight(h.cfg.PublicURL, "/")
	}
	return c.BaseURL()
}
