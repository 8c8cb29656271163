package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"mime/multipart"
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
	// maxAvatarPixels caps the canvas, read from the header before decoding, so a small
	// file claiming a huge canvas cannot exhaust memory. 16 megapixels is more than any
	// phone camera's default and 64 MiB decoded as RGBA.
	maxAvatarPixels = 16_000_000
	// maxDecodeBytes caps what one decode may allocate, estimated from the header
	// (decodeCost): a 16-bit PNG or a progressive JPEG costs more per pixel than the cap
	// on pixels alone allows for.
	maxDecodeBytes = 64 << 20
	// DefaultAvatarDecodes is how many avatars are decoded at once when Config leaves it
	// open, whatever the core count: each may take maxDecodeBytes plus about 21 MiB for
	// the resize. Two more wait; beyond that uploads answer 503.
	DefaultAvatarDecodes, defaultAvatarQueue = 2, 2
	// avatarSide is the largest width or height stored.
	avatarSide = 512
	avatarPath = db.AvatarPath
)

// DecodeGate bounds the avatar decodes in flight, so parallel uploads cannot add their
// decode buffers up past a fixed amount of memory.
type DecodeGate struct {
	slots chan struct{}
	queue chan struct{}
}

// NewDecodeGate lets slots decodes run at once and queue more wait for one of them;
// beyond that Acquire refuses at once.
func NewDecodeGate(slots, queue int) *DecodeGate {
	slots = max(slots, 1)
	return &DecodeGate{slots: make(chan struct{}, slots), queue: make(chan struct{}, slots+max(queue, 0))}
}

// errDecodeBusy: every decode slot and queue place is taken.
var errDecodeBusy = errors.New("api: too many avatar decodes at once")

// Acquire takes a decode slot, waiting in the queue if it has room; errDecodeBusy if not.
func (g *DecodeGate) Acquire(ctx context.Context) error {
	select {
	case g.queue <- struct{}{}:
	default:
		return errDecodeBusy
	}
	select {
	case g.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		<-g.queue
		return ctx.Err()
	}
}

// Load is how many decodes are running now and how many wait for a slot (metrics).
func (g *DecodeGate) Load() (running, waiting int) {
	running = len(g.slots)
	return running, max(0, len(g.queue)-running)
}

// Release gives back a slot taken by Acquire.
func (g *DecodeGate) Release() {
	<-g.slots
	<-g.queue
}

// avatarResponse is the answer of POST /api/user/avatar.
type avatarResponse struct {
	AvatarURL string `json:"avatarUrl"`
}

// userAvatar takes an uploaded image, re-encodes it (dropping EXIF and anything else it
// carried), stores it in the database so every instance can serve it, and makes it the
// caller's avatar. The image the caller showed before goes if nobody else shows it.
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
	ctx := c.UserContext()
	out, err := h.reencodeAvatar(ctx, f)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(out)
	name := hex.EncodeToString(sum[:]) + ".jpg"
	u, err := h.store.SetAvatar(ctx, s.WxUserID, name, "image/jpeg", out, db.UserActor(s.WxUserID, h.clientIP(c)))
	if errors.Is(err, db.ErrNotFound) {
		return unauthorized("this user no longer exists: log in again")
	}
	if err != nil {
		return storeUnavailable(err)
	}
	return c.JSON(avatarResponse{AvatarURL: h.avatarURL(c, u.AvatarURL)})
}

// reencodeAvatar checks, decodes, shrinks and re-encodes an image as JPEG. The checks
// read the header only; the decode runs under the decode gate.
func (h *Handler) reencodeAvatar(ctx context.Context, f multipart.File) ([]byte, error) {
	cfg, format, err := image.DecodeConfig(f)
	if err != nil {
		return nil, badRequest("the file is not a JPEG, PNG, GIF or WebP image")
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > 20000 || cfg.Height > 20000 || cfg.Width*cfg.Height > maxAvatarPixels {
		return nil, badRequest("image is %dx%d pixels; at most %d pixels in all", cfg.Width, cfg.Height, maxAvatarPixels)
	}
	if cost := decodeCost(f, cfg, format); cost > maxDecodeBytes {
		return nil, badRequest("this %dx%d %s image would take %d MiB to decode, at most %d: send it smaller",
			cfg.Width, cfg.Height, format, cost>>20, maxDecodeBytes>>20)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, badRequest("cannot read the uploaded file")
	}
	if err := h.cfg.AvatarDecodes.Acquire(ctx); err != nil {
		if errors.Is(err, errDecodeBusy) {
			h.metrics.Busy(BusyImageDecode)
		}
		return nil, &Error{Status: http.StatusServiceUnavailable, Code: "server_busy",
			Message: "too many images are being processed, try again in a moment", RetryAfter: 1, Cause: err}
	}
	defer h.cfg.AvatarDecodes.Release()
	src, _, err := image.Decode(f)
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
	// Average k×k blocks first, down to less than twice the target: the kernel below then
	// needs a buffer of 32 bytes × target width × source height of at most 16 MiB instead
	// of up to 64 MiB, and the full-size decode is garbage from here on.
	if k := max(b.Dx(), b.Dy()) / avatarSide; k > 1 {
		src = boxShrink(src, k)
		b = src.Bounds()
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

// boxShrink averages k×k blocks of src into an RGBA image (premultiplied, so transparent
// pixels do not darken their neighbours), converting one band of k source rows at a time:
// besides its result it holds one band. Up to k-1 edge rows and columns are dropped.
func boxShrink(src image.Image, k int) *image.RGBA {
	b := src.Bounds()
	w, h := b.Dx()/k, b.Dy()/k
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	band := image.NewRGBA(image.Rect(0, 0, w*k, k))
	sum := make([]uint32, 4*w)
	n := uint32(k * k)
	for y := range h {
		draw.Draw(band, band.Bounds(), src, image.Pt(b.Min.X, b.Min.Y+y*k), draw.Src)
		clear(sum)
		for r := range k {
			row := band.Pix[r*band.Stride : r*band.Stride+4*w*k]
			for x := range w * k {
				o := x / k * 4
				sum[o] += uint32(row[4*x])
				sum[o+1] += uint32(row[4*x+1])
				sum[o+2] += uint32(row[4*x+2])
				sum[o+3] += uint32(row[4*x+3])
			}
		}
		out := dst.Pix[y*dst.Stride:]
		for i, v := range sum {
			out[i] = uint8((v + n/2) / n)
		}
	}
	return dst
}

// decodeCost estimates from the header what decoding allocates at its peak: the pixels
// in the decoder's own layout, twice for an interlaced PNG (one image per pass, then the
// whole), and for a progressive JPEG its coefficients too (4 bytes per sample).
func decodeCost(f io.ReaderAt, cfg image.Config, format string) int64 {
	px := int64(cfg.Width) * int64(cfg.Height)
	switch format {
	case "jpeg":
		samples, progressive, components := jpegLayout(f)
		perPixel := samples
		if progressive {
			perPixel += 4 * samples
		}
		if components == 4 {
			perPixel += 4 // CMYK is converted into a second image
		}
		return int64(perPixel * float64(px))
	case "png":
		cost := px * bytesPerPixel(cfg.ColorModel)
		var ilace [1]byte
		if _, err := f.ReadAt(ilace[:], 28); err != nil || ilace[0] != 0 {
			cost *= 2
		}
		return cost
	case "gif":
		return px
	case "webp":
		if cfg.ColorModel == color.NRGBAModel {
			return px * 12 // lossless: ARGB words, then the NRGBA image, and a transform's copy
		}
		return px * 3 // lossy: 4:2:0 planes, alpha
	}
	return px * 8
}

// bytesPerPixel is the size of a pixel of the image type a color model decodes into.
func bytesPerPixel(m color.Model) int64 {
	switch m {
	case color.GrayModel:
		return 1
	case color.Gray16Model:
		return 2
	case color.RGBAModel, color.NRGBAModel:
		return 4
	}
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	return 8
}

// jpegLayout reads a JPEG's frame header: the samples per pixel over all components
// (4:2:0 gives 1.5, 4:4:4 gives 3), whether it is progressive, and the component count.
// An unreadable header counts as the worst case the decoder accepts.
func jpegLayout(f io.ReaderAt) (samples float64, progressive bool, components int) {
	const worst = 4
	var hdr [4]byte
	off := int64(2) // after SOI
	for range 1000 {
		if _, err := f.ReadAt(hdr[:2], off); err != nil || hdr[0] != 0xff {
			break
		}
		m := hdr[1]
		if m == 0xff { // fill byte
			off++
			continue
		}
		if m == 0x01 || m >= 0xd0 && m <= 0xd8 { // markers without a segment
			off += 2
			continue
		}
		if _, err := f.ReadAt(hdr[2:4], off+2); err != nil {
			break
		}
		n := int64(hdr[2])<<8 | int64(hdr[3])
		if m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc {
			seg := make([]byte, max(n-2, 0))
			if _, err := f.ReadAt(seg, off+4); err != nil || len(seg) < 6 {
				break
			}
			nf := int(seg[5])
			if nf < 1 || len(seg) < 6+3*nf {
				break
			}
			hmax, vmax := 1, 1
			for i := range nf {
				hv := seg[6+3*i+1]
				hmax, vmax = max(hmax, int(hv>>4)), max(vmax, int(hv&15))
			}
			for i := range nf {
				hv := seg[6+3*i+1]
				samples += float64(int(hv>>4)*int(hv&15)) / float64(hmax*vmax)
			}
			return samples, m != 0xc0 && m != 0xc1, nf
		}
		off += 2 + n
	}
	return worst, true, worst
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
