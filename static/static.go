// Package static holds the operator console's stylesheet and scripts, embedded into the
// binary so the console works offline and needs no CDN.
//
// The web layer serves FS under Prefix (for example with Fiber's filesystem middleware
// over http.FS(static.FS)). Pages link assets through URL, which appends a content hash as
// a "v" query parameter: a response for a request carrying "v" may be cached for a year
// as immutable, since a changed file gets a new URL.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"path"
	"sync"
)

// FS holds the assets under their paths relative to Prefix: "css/app.css",
// "js/htmx.min.js", "js/app.js", "img/favicon.svg", and the mini-program SDK
// "sdk/miniauth.js" (served at /static/sdk/miniauth.js for the Integrate page).
//
//go:embed css/*.css js/*.js img/*.svg sdk/miniauth.js
var FS embed.FS

// Prefix is the URL path under which FS is served.
const Prefix = "/static/"

// versions maps each embedded file to the first 12 hex digits of its SHA-256. The files
// never change while the process runs, so the map is built once on first use.
var versions = sync.OnceValue(func() map[string]string {
	v := map[string]string{}
	_ = fs.WalkDir(FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := FS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		v[p] = hex.EncodeToString(sum[:])[:12]
		return nil
	})
	return v
})

// URL returns the cache-busting URL of the asset at name (relative to Prefix, e.g.
// "css/app.css"): Prefix + name + "?v=" + a content hash. A name that is not embedded
// gets no version, so a typo shows up as a 404 rather than a panic.
func URL(name string) string {
	name = path.Clean(name)
	if v, ok := versions()[name]; ok {
		return Prefix + name + "?v=" + v
	}
	return Prefix + name
}
