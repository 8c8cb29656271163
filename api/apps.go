package api

import (
	"context"
	"crypto/sha256"
	"errors"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"miniauth/db"
)

// Apps finds the WeChat client that speaks for an AppID of the deployment.
type Apps interface {
	// Default is the AppID of a request that names none.
	Default() string
	// WeChat returns the client of appid: db.ErrNotFound for an AppID the deployment does
	// not have, ErrAppDisabled for a disabled app.
	WeChat(ctx context.Context, appid string) (WeChat, error)
}

// ErrAppDisabled is an app an operator disabled: its code exchanges are refused.
var ErrAppDisabled = errors.New("api: app disabled")

// oneApp is a deployment of one mini-program: the handler's own client.
type oneApp struct{ wx WeChat }

func (o oneApp) Default() string { return o.wx.AppID() }

func (o oneApp) WeChat(_ context.Context, appid string) (WeChat, error) {
	if appid != o.wx.AppID() {
		return nil, db.ErrNotFound
	}
	return o.wx, nil
}

// StoreApps serves the apps table (db.Store.AppByID, in memory and kept current by the
// revocations feed) with one WeChat client per app, built by build from its AppID and
// AppSecret and kept while the secret stays the same, so each app's access token is
// cached and refreshed on its own.
type StoreApps struct {
	store *db.Store
	def   string
	build func(appid, secret string) WeChat

	mu      sync.Mutex
	clients map[string]storeClient
}

type storeClient struct {
	secret [32]byte // SHA-256 of the secret the client was built with
	wx     WeChat
}

// NewStoreApps serves the store's apps, defaultApp for requests naming none.
func NewStoreApps(store *db.Store, defaultApp string, build func(appid, secret string) WeChat) *StoreApps {
	return &StoreApps{store: store, def: defaultApp, build: build, clients: map[string]storeClient{}}
}

// Default is the AppID of a request that names none.
func (a *StoreApps) Default() string { return a.def }

// WeChat returns the client of an enabled app.
func (a *StoreApps) WeChat(ctx context.Context, appid string) (WeChat, error) {
	app, err := a.store.AppByID(ctx, appid)
	if err != nil {
		return nil, err
	}
	if !app.Enabled {
		return nil, ErrAppDisabled
	}
	sum := sha256.Sum256([]byte(app.Secret()))
	a.mu.Lock()
	defer a.mu.Unlock()
	if c, ok := a.clients[appid]; ok && c.secret == sum {
		return c.wx, nil
	}
	wx := a.build(appid, app.Secret())
	a.clients[appid] = storeClient{secret: sum, wx: wx}
	return wx, nil
}

// servicewechatPrefix starts the Referer WeChat sets on a mini-program's requests:
// https://servicewechat.com/{appid}/{version}/page-frame.html.
const servicewechatPrefix = "https://servicewechat.com/"

// refererAppID reads the AppID from a mini-program's Referer; "" when it is not one.
func refererAppID(ref string) string {
	rest, ok := strings.CutPrefix(ref, servicewechatPrefix)
	if !ok {
		return ""
	}
	appid, _, ok := strings.Cut(rest, "/")
	if !ok {
		return ""
	}
	return appid
}

// shownAppID quotes an AppID taken from a request for an error message, cut short.
func shownAppID(s string) string {
	if len(s) > 40 {
		s = s[:40]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		s += "…"
	}
	return s
}

// requestApp chooses the app of a code exchange: the appid field (named, from the JSON
// body or form, or the query), else the Referer WeChat sets on mini-program requests, else
// the default app. An AppID that is malformed, unknown or disabled is a 400 naming it,
// before anything else happens.
func (h *Handler) requestApp(c *fiber.Ctx, named string) (WeChat, error) {
	appid := strings.TrimSpace(named)
	if appid == "" {
		appid = strings.TrimSpace(c.Query("appid"))
	}
	if appid == "" {
		appid = refererAppID(c.Get(fiber.HeaderReferer))
	}
	if appid == "" {
		appid = h.apps.Default()
	}
	if !db.ValidAppID(appid) {
		return nil, badRequest("appid %q is not an AppID", shownAppID(appid))
	}
	wx, err := h.apps.WeChat(c.UserContext(), appid)
	switch {
	case errors.Is(err, db.ErrNotFound):
		return nil, badRequest("unknown appid %q: no such mini-program in this deployment", appid)
	case errors.Is(err, ErrAppDisabled):
		return nil, badRequest("appid %q is disabled in this deployment", appid)
	case err != nil:
		return nil, storeUnavailable(err)
	}
	return wx, nil
}

// sessionApp is the client of a session's app (phone numbers). A disabled or removed app
// is a 400 naming it.
func (h *Handler) sessionApp(ctx context.Context, appid string) (WeChat, error) {
	wx, err := h.apps.WeChat(ctx, appid)
	switch {
	case errors.Is(err, db.ErrNotFound):
		return nil, badRequest("unknown appid %q: no such mini-program in this deployment", appid)
	case errors.Is(err, ErrAppDisabled):
		return nil, badRequest("appid %q is disabled in this deployment", appid)
	case err != nil:
		return nil, storeUnavailable(err)
	}
	return wx, nil
}
