package db

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
)

// App is a mini-program of the deployment. Its AppSecret is opened from the table but
// kept in an unexported field: no view, JSON answer or log line built from an App can
// carry it by accident; Secret hands it to the WeChat client only.
type App struct {
	AppID       string
	Name        string
	Enabled     bool
	LinkUnionID bool // a login here takes over the binding the same unionid made in another app
	CreatedAt   time.Time
	UpdatedAt   time.Time

	secret string
}

// Secret is the app's AppSecret, for the WeChat client. Never show or log it.
func (a App) Secret() string { return a.secret }

// AppInput is a new app.
type AppInput struct {
	AppID, Name, Secret string
	Disabled            bool
	NoUnionIDLink       bool // link_unionid off
}

// Errors of the app commands, answered 400 with their own text.
var (
	ErrInvalidAppID     = errors.New("db: appid must be 1 to 32 characters of letters, digits, '_' or '-'")
	ErrInvalidAppName   = errors.New("db: app name must be at most 64 characters of text, without control characters")
	ErrInvalidAppSecret = errors.New("db: app secret must be 1 to 128 printable ASCII characters")
)

// ValidAppID reports whether s has the shape of an AppID this deployment accepts (WeChat's
// are "wx" and 16 hex digits).
func ValidAppID(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

func validAppSecret(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

func validAppName(s string) bool {
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > 64 {
		return false
	}
	for _, r := range s {
		if r < ' ' || r == 0x7f {
			return false
		}
	}
	return true
}

func appTarget(appid string) string { return "app:" + appid }

// appSet is the store's in-memory copy of the apps table, replaced whole on every reload.
type appSet struct {
	byID map[string]App
	list []App // by AppID
}

// appsState is what the store keeps of the apps: the loaded set, and who to tell.
type appsState struct {
	mu     sync.Mutex // one reload at a time
	cur    atomic.Pointer[appSet]
	hookMu sync.Mutex
	hooks  []func([]App)
}

// OnAppsLoaded registers fn to be called with every app (secrets included) each time the
// store reloads its list: at the first use, after a change made here, and when the
// revocations feed says another process changed an app. The simulator registers apps
// this way.
func (s *Store) OnAppsLoaded(fn func([]App)) {
	s.apps.hookMu.Lock()
	s.apps.hooks = append(s.apps.hooks, fn)
	s.apps.hookMu.Unlock()
}

func (s *Store) appHooks() []func([]App) {
	s.apps.hookMu.Lock()
	defer s.apps.hookMu.Unlock()
	return slices.Clone(s.apps.hooks)
}

// ReloadApps reads the apps table into memory (opening the secrets) and tells the
// OnAppsLoaded hooks.
func (s *Store) ReloadApps(ctx context.Context) error {
	s.apps.mu.Lock()
	defer s.apps.mu.Unlock()
	rows, err := s.rows(ctx, s.r, `SELECT appid, name, secret, enabled, link_unionid, created_at, updated_at FROM apps ORDER BY appid`)
	if err != nil {
		return wrap("load apps", err)
	}
	defer rows.Close()
	set := &appSet{byID: map[string]App{}}
	for rows.Next() {
		var a App
		var sealed string
		if err := rows.Scan(&a.AppID, &a.Name, &sealed, &a.Enabled, &a.LinkUnionID, msTime{&a.CreatedAt}, msTime{&a.UpdatedAt}); err != nil {
			return wrap("scan apps", err)
		}
		plain, err := s.keys.Open(sealed)
		if err != nil {
			// A secret sealed under a key no longer listed: the app cannot log anyone in.
			s.log.Error("app secret cannot be opened with the listed secret keys; the app is refused", "appid", a.AppID, "err", err)
			a.Enabled = false
		}
		a.secret = string(plain)
		set.byID[a.AppID] = a
		set.list = append(set.list, a)
	}
	if err := rows.Err(); err != nil {
		return wrap("load apps", err)
	}
	s.apps.cur.Store(set)
	for _, h := range s.appHooks() {
		h(append([]App(nil), set.list...))
	}
	return nil
}

// loadedApps returns the in-memory apps, loading them on first use.
func (s *Store) loadedApps(ctx context.Context) (*appSet, error) {
	if set := s.apps.cur.Load(); set != nil {
		return set, nil
	}
	if err := s.ReloadApps(ctx); err != nil {
		return nil, err
	}
	return s.apps.cur.Load(), nil
}

// AppByID returns app appid from memory (see ReloadApps); ErrNotFound if there is none.
// A change made by any process shows within the revocations feed's bound (1 s).
func (s *Store) AppByID(ctx context.Context, appid string) (App, error) {
	set, err := s.loadedApps(ctx)
	if err != nil {
		return App{}, err
	}
	a, ok := set.byID[appid]
	if !ok {
		return App{}, ErrNotFound
	}
	return a, nil
}

// Apps lists every app, by AppID, from memory.
func (s *Store) Apps(ctx context.Context) ([]App, error) {
	set, err := s.loadedApps(ctx)
	if err != nil {
		return nil, err
	}
	return append([]App(nil), set.list...), nil
}

// appChanged puts on the revocations feed, inside tx, that app appid changed: every
// follower reloads its apps when it reads the row.
func (s *Store) appChanged(ctx context.Context, tx *sqlx.Tx, now time.Time, appid string) error {
	_, err := s.exec(ctx, tx, `INSERT INTO revocations (session_id, appid, at) VALUES (0, ?, ?)`, appid, now.UnixMilli())
	return err
}

// appCommand runs one app change in a transaction with its feed row and audit event, then
// reloads this process's apps.
func (s *Store) appCommand(ctx context.Context, op, appid string, fn func(tx *sqlx.Tx, now time.Time) error) error {
	now := s.now()
	err := s.tx(ctx, op, func(tx *sqlx.Tx) error {
		if err := fn(tx, now); err != nil {
			return err
		}
		return s.appChanged(ctx, tx, now, appid)
	})
	if err != nil {
		return err
	}
	if err := s.ReloadApps(ctx); err != nil {
		s.log.Warn("apps changed but could not be reloaded; the feed will retry", "err", err)
		s.apps.cur.Store(nil)
	}
	return nil
}

// CreateApp adds an app, its secret sealed with the newest secret key, audited as
// "app.create". ErrConflict if the AppID exists.
func (s *Store) CreateApp(ctx context.Context, in AppInput, actor AuditActor) (App, error) {
	switch {
	case !ValidAppID(in.AppID):
		return App{}, ErrInvalidAppID
	case !validAppName(in.Name):
		return App{}, ErrInvalidAppName
	case !validAppSecret(in.Secret):
		return App{}, ErrInvalidAppSecret
	}
	sealed, err := s.keys.Seal([]byte(in.Secret))
	if err != nil {
		return App{}, wrap("create app", err)
	}
	err = s.appCommand(ctx, "create app "+in.AppID, in.AppID, func(tx *sqlx.Tx, now time.Time) error {
		if _, err := s.exec(ctx, tx, `INSERT INTO apps (appid, name, secret, enabled, link_unionid, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, in.AppID, in.Name, sealed, !in.Disabled, !in.NoUnionIDLink,
			now.UnixMilli(), now.UnixMilli()); err != nil {
			return err
		}
		return s.addAudit(ctx, tx, actor.event(now, "app.create", appTarget(in.AppID),
			fmt.Sprintf("name %q; enabled %t; unionid link %t", in.Name, !in.Disabled, !in.NoUnionIDLink)))
	})
	if err != nil {
		return App{}, err
	}
	return s.appRow(ctx, in.AppID)
}

// appRow reads one app from the database (not memory), without its secret.
func (s *Store) appRow(ctx context.Context, appid string) (App, error) {
	var a App
	err := s.row(ctx, s.w, `SELECT appid, name, enabled, link_unionid, created_at, updated_at FROM apps WHERE appid = ?`, appid).
		Scan(&a.AppID, &a.Name, &a.Enabled, &a.LinkUnionID, msTime{&a.CreatedAt}, msTime{&a.UpdatedAt})
	if err != nil {
		return App{}, wrap("app "+appid, err)
	}
	return a, nil
}

// SetAppEnabled enables or disables an app ("app.enable", "app.disable"). A disabled app's
// logins and checkBinds are refused; its live sessions run until they end.
func (s *Store) SetAppEnabled(ctx context.Context, appid string, enabled bool, actor AuditActor) error {
	action := "app.disable"
	if enabled {
		action = "app.enable"
	}
	return s.appUpdate(ctx, appid, action, "", actor, `enabled = ?`, enabled)
}

// SetAppLinkUnionID turns the unionid link of an app on or off ("app.link_unionid").
func (s *Store) SetAppLinkUnionID(ctx context.Context, appid string, on bool, actor AuditActor) error {
	return s.appUpdate(ctx, appid, "app.link_unionid", fmt.Sprintf("unionid link %t", on), actor, `link_unionid = ?`, on)
}

// SetAppName renames an app ("app.rename").
func (s *Store) SetAppName(ctx context.Context, appid, name string, actor AuditActor) error {
	if !validAppName(name) {
		return ErrInvalidAppName
	}
	return s.appUpdate(ctx, appid, "app.rename", fmt.Sprintf("name %q", name), actor, `name = ?`, name)
}

// SetAppSecret replaces an app's AppSecret (rotation, "app.secret"); the secret is sealed
// with the newest secret key and never written to the audit log.
func (s *Store) SetAppSecret(ctx context.Context, appid, secret string, actor AuditActor) error {
	if !validAppSecret(secret) {
		return ErrInvalidAppSecret
	}
	sealed, err := s.keys.Seal([]byte(secret))
	if err != nil {
		return wrap("app secret", err)
	}
	return s.appUpdate(ctx, appid, "app.secret", "secret replaced", actor, `secret = ?`, sealed)
}

// appUpdate runs one UPDATE of app appid with its audit event; ErrNotFound if there is no
// such app.
func (s *Store) appUpdate(ctx context.Context, appid, action, detail string, actor AuditActor, set string, args ...any) error {
	return s.appCommand(ctx, action+" "+appid, appid, func(tx *sqlx.Tx, now time.Time) error {
		res, err := s.exec(ctx, tx, `UPDATE apps SET `+set+`, updated_at = ? WHERE appid = ?`, append(args, now.UnixMilli(), appid)...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return s.addAudit(ctx, tx, actor.event(now, action, appTarget(appid), detail))
	})
}

// EnsureApp makes the app of the start-up settings exist: created when missing (enabled),
// its secret replaced when it differs (unless keepSecret, the simulator's case, where a
// running instance's secret must not change under it). Nothing is written, and no audit
// event recorded, when the app already matches. It returns the app as stored.
func (s *Store) EnsureApp(ctx context.Context, appid, secret string, keepSecret bool, actor AuditActor) (App, error) {
	if err := s.ReloadApps(ctx); err != nil {
		return App{}, err
	}
	a, err := s.AppByID(ctx, appid)
	switch {
	case errors.Is(err, ErrNotFound):
		_, err = s.CreateApp(ctx, AppInput{AppID: appid, Secret: secret, Name: "default"}, actor)
		if errors.Is(err, ErrConflict) { // another instance started at the same time
			err = s.ReloadApps(ctx)
		}
	case err != nil:
	case !keepSecret && a.secret != secret:
		err = s.SetAppSecret(ctx, appid, secret, actor)
	}
	if err != nil {
		return App{}, err
	}
	return s.AppByID(ctx, appid)
}
