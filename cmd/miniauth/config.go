package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"miniauth/caller"
	"miniauth/db"
	"miniauth/password"
)

// Config is every setting of miniauth. Each has an environment variable and a flag; the
// flag wins.
type Config struct {
	Addr           string
	InternalAddr   string
	PublicURL      string
	DatabaseURL    string
	AppID          string
	Secret         string
	APIBase        string
	SecretKeys     string
	ServiceKeys    []string
	AccessTTL      time.Duration
	SessionIdle    time.Duration
	SessionMax     time.Duration
	TrustedProxies []netip.Prefix
	LoginRatePerIP int
	UserCacheSize  int // users and accounts kept in memory for token checks
	LogLevel       slog.Level
	WxsimPublic    bool
	WxsimNoUnionID []string // simulated apps not bound to the simulated Open Platform
	AuditRetention time.Duration
	CleanupEvery   time.Duration
	Ops            OpsConfig      // the on-call settings, parsed by parseOps
	APILanguage    string         // default language of API error messages (config_api.go)
	TimeZone       *time.Location // MINIAUTH_TIMEZONE; nil: the server's zone
	// AdminPassword is the first operator's password (MINIAUTH_ADMIN_PASSWORD, no flag:
	// passwords stay off command lines); empty means a random one, printed once.
	AdminPassword string

	// Several instances through a pooler (config_pool.go).
	PoolConfig
}

// Simulated reports whether miniauth runs against its built-in WeChat simulator.
func (c Config) Simulated() bool { return c.AppID == "" && c.Secret == "" }

// setting describes one configuration entry.
type setting struct {
	env, flag, def, help string
}

// defaultAddr is the public listener's default; the standalone simulator listens on
// defaultSimAddr unless --addr says otherwise.
const (
	defaultAddr    = ":8080"
	defaultSimAddr = "127.0.0.1:8090"
)

var settings = append(append(baseSettings, opsSettings...), apiLanguageSettings...)

var baseSettings = []setting{
	{"MINIAUTH_ADDR", "addr", defaultAddr, "public listener: /api, /admin, /static, avatars, probes"},
	{"MINIAUTH_INTERNAL_ADDR", "internal-addr", "127.0.0.1:8081", "internal listener: /metrics, /internal/*, pprof (off = none)"},
	{"MINIAUTH_PUBLIC_URL", "public-url", "", "scheme://host[:port] for absolute URLs, Secure cookies and Origin checks (default: from the request)"},
	{"MINIAUTH_DATABASE_URL", "database-url", "./data/miniauth.db", "postgres:// or postgresql:// for PostgreSQL; sqlite:PATH or a path for SQLite"},
	{"MINIAUTH_WECHAT_APPID", "wechat-appid", "", "the mini-program's AppID (unset together with the secret: simulator mode)"},
	{"MINIAUTH_WECHAT_SECRET", "wechat-secret", "", "the mini-program's AppSecret"},
	{"MINIAUTH_WECHAT_API_BASE", "wechat-api-base", "https://api.weixin.qq.com", "where the WeChat client sends its calls"},
	{"MINIAUTH_SECRET_KEYS", "secret-keys", "", "comma-separated base64 keys (>= 32 bytes), newest first (default with SQLite: generated into a 0600 file beside the database)"},
	{"MINIAUTH_SERVICE_KEYS", "service-keys", "", "comma-separated keys for /internal/introspect (unset: introspection off)"},
	{"MINIAUTH_ACCESS_TTL", "access-ttl", "2h", "life of an access token"},
	{"MINIAUTH_SESSION_IDLE", "session-idle", "720h", "a session ends this long after its last refresh"},
	{"MINIAUTH_SESSION_MAX", "session-max", "4320h", "a session ends this long after its login"},
	{"MINIAUTH_TRUSTED_PROXIES", "trusted-proxies", "", "comma-separated CIDRs whose X-Real-IP header is believed"},
	{"MINIAUTH_LOGIN_RATE_PER_IP", "login-rate-per-ip", "1200", "logins and checkBind calls per IP per minute (0 = off)"},
	{"MINIAUTH_USER_CACHE_SIZE", "user-cache-size", "50000", "users and accounts whose shown data token checks keep in memory (least recently used out)"},
	{"MINIAUTH_LOG_LEVEL", "log-level", "info", "debug, info, warn or error; logs are JSON on stderr"},
	{"MINIAUTH_WXSIM_PUBLIC", "wxsim-public", "0", "1: the built-in simulator answers non-loopback clients too"},
	{"MINIAUTH_WXSIM_NO_UNIONID", "wxsim-no-unionid", "", "comma-separated AppIDs the built-in simulator treats as not bound to its Open Platform (no unionid)"},
	{"MINIAUTH_AUDIT_RETENTION", "audit-retention", "0", "delete audit events older than this (0 = keep for ever)"},
	{"MINIAUTH_CLEANUP_INTERVAL", "cleanup-interval", "1h", "how often serve purges expired sessions, tickets and attempts"},
}

// databaseSettings are the flags of every command that opens the database: where it is,
// its keys, and the WeChat credentials (which decide whether PostgreSQL may use the
// simulator's key).
var databaseSettings = []string{"MINIAUTH_DATABASE_URL", "MINIAUTH_SECRET_KEYS", "MINIAUTH_WECHAT_APPID",
	"MINIAUTH_WECHAT_SECRET", "MINIAUTH_LOG_LEVEL"}

// commandSettings lists the settings each command other than serve (which has all) offers
// as flags; the others still come from the environment.
var commandSettings = map[string][]string{
	"migrate":  databaseSettings,
	"cleanup":  append([]string{"MINIAUTH_AUDIT_RETENTION"}, databaseSettings...),
	"backup":   databaseSettings,
	"account":  databaseSettings,
	"app":      databaseSettings,
	"operator": databaseSettings,
	"sample":   databaseSettings,
	"wxsim":    {"MINIAUTH_ADDR", "MINIAUTH_WECHAT_APPID", "MINIAUTH_WECHAT_SECRET", "MINIAUTH_WXSIM_PUBLIC", "MINIAUTH_LOG_LEVEL"},
	"version":  {},
}

// offers reports whether command cmd ("account create" counts as "account") has a flag
// for the setting env.
func offers(cmd, env string) bool {
	cmd, _, _ = strings.Cut(cmd, " ")
	list, ok := commandSettings[cmd]
	if !ok {
		return true
	}
	for _, e := range list {
		if e == env {
			return true
		}
	}
	return false
}

// parseConfig reads settings from getenv and then from args; it returns the remaining
// arguments. Only the settings the command name uses are flags. With -h/--help it writes
// the usage to out and returns flag.ErrHelp.
func parseConfig(name string, args []string, getenv func(string) string, out io.Writer, extra func(*flag.FlagSet)) (Config, []string, error) {
	fs := flag.NewFlagSet("miniauth "+name, flag.ContinueOnError)
	fs.SetOutput(out)
	vals := make(map[string]*string, len(settings))
	for _, s := range settings {
		def := s.def
		if v, ok := lookup(getenv, s.env); ok {
			def = v
		}
		if offers(name, s.env) {
			vals[s.env] = fs.String(s.flag, def, fmt.Sprintf("%s [%s]", s.help, s.env))
		} else {
			vals[s.env] = &def
		}
	}
	if extra != nil {
		extra(fs)
	}
	fs.Usage = func() { usage(out, name, fs) }
	if err := fs.Parse(args); err != nil {
		return Config{}, nil, err
	}
	get := func(env string) string { return strings.TrimSpace(*vals[env]) }

	var c Config
	var errs []error
	c.AdminPassword = getenv("MINIAUTH_ADMIN_PASSWORD")
	if c.AdminPassword != "" && name == "serve" {
		if err := password.CheckNew(c.AdminPassword); err != nil {
			errs = append(errs, fmt.Errorf("MINIAUTH_ADMIN_PASSWORD: %v (the rule of `miniauth operator create`)", err))
		}
	}
	c.Addr = get("MINIAUTH_ADDR")
	c.InternalAddr = get("MINIAUTH_INTERNAL_ADDR")
	if c.InternalAddr == "off" {
		c.InternalAddr = ""
	}
	c.PublicURL = strings.TrimRight(get("MINIAUTH_PUBLIC_URL"), "/")
	if c.PublicURL != "" && !strings.HasPrefix(c.PublicURL, "https://") && !strings.HasPrefix(c.PublicURL, "http://") {
		errs = append(errs, fmt.Errorf("MINIAUTH_PUBLIC_URL must start with https:// or http://, got %q", c.PublicURL))
	}
	c.DatabaseURL = get("MINIAUTH_DATABASE_URL")
	if offers(name, "MINIAUTH_DATABASE_URL") {
		if err := db.CheckURL(c.DatabaseURL); err != nil {
			errs = append(errs, fmt.Errorf("MINIAUTH_DATABASE_URL: %w", err))
		}
	}
	// Several instances through a pooler (config_pool.go).
	pool, poolErrs := parsePoolConfig(get, c.DatabaseURL)
	c.PoolConfig, errs = pool, append(errs, poolErrs...)
	c.AppID = get("MINIAUTH_WECHAT_APPID")
	c.Secret = get("MINIAUTH_WECHAT_SECRET")
	if (c.AppID == "") != (c.Secret == "") {
		errs = append(errs, errors.New("set both MINIAUTH_WECHAT_APPID and MINIAUTH_WECHAT_SECRET, or neither (simulator mode)"))
	}
	c.APIBase = strings.TrimRight(get("MINIAUTH_WECHAT_API_BASE"), "/")
	c.SecretKeys = get("MINIAUTH_SECRET_KEYS")
	for _, k := range strings.Split(get("MINIAUTH_SERVICE_KEYS"), ",") {
		if k = strings.TrimSpace(k); k != "" {
			if len(k) < 16 {
				errs = append(errs, errors.New("each MINIAUTH_SERVICE_KEYS entry must be at least 16 characters"))
			}
			c.ServiceKeys = append(c.ServiceKeys, k)
		}
	}
	dur := func(env string, dst *time.Duration, allowZero bool) {
		d, err := time.ParseDuration(get(env))
		if get(env) == "0" {
			d, err = 0, nil
		}
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("%s: %q is not a duration like 2h or 30m", env, get(env)))
		case d < 0 || d == 0 && !allowZero:
			errs = append(errs, fmt.Errorf("%s must be positive", env))
		}
		*dst = d
	}
	dur("MINIAUTH_ACCESS_TTL", &c.AccessTTL, false)
	dur("MINIAUTH_SESSION_IDLE", &c.SessionIdle, false)
	dur("MINIAUTH_SESSION_MAX", &c.SessionMax, false)
	dur("MINIAUTH_AUDIT_RETENTION", &c.AuditRetention, true)
	dur("MINIAUTH_CLEANUP_INTERVAL", &c.CleanupEvery, false)
	if c.AccessTTL > c.SessionMax {
		errs = append(errs, errors.New("MINIAUTH_ACCESS_TTL must not exceed MINIAUTH_SESSION_MAX"))
	}
	var err error
	if c.TrustedProxies, err = caller.ParseCIDRs(get("MINIAUTH_TRUSTED_PROXIES")); err != nil {
		errs = append(errs, fmt.Errorf("MINIAUTH_TRUSTED_PROXIES: %v", err))
	}
	if c.LoginRatePerIP, err = strconv.Atoi(get("MINIAUTH_LOGIN_RATE_PER_IP")); err != nil || c.LoginRatePerIP < 0 {
		errs = append(errs, fmt.Errorf("MINIAUTH_LOGIN_RATE_PER_IP must be a whole number >= 0, got %q", get("MINIAUTH_LOGIN_RATE_PER_IP")))
	}
	if c.UserCacheSize, err = strconv.Atoi(get("MINIAUTH_USER_CACHE_SIZE")); err != nil || c.UserCacheSize < 1 {
		errs = append(errs, fmt.Errorf("MINIAUTH_USER_CACHE_SIZE must be a whole number >= 1, got %q", get("MINIAUTH_USER_CACHE_SIZE")))
	}
	if err := c.LogLevel.UnmarshalText([]byte(get("MINIAUTH_LOG_LEVEL"))); err != nil {
		errs = append(errs, fmt.Errorf("MINIAUTH_LOG_LEVEL must be debug, info, warn or error, got %q", get("MINIAUTH_LOG_LEVEL")))
	}
	switch get("MINIAUTH_WXSIM_PUBLIC") {
	case "1", "true", "yes":
		c.WxsimPublic = true
	case "", "0", "false", "no":
	default:
		errs = append(errs, fmt.Errorf("MINIAUTH_WXSIM_PUBLIC must be 0 or 1, got %q", get("MINIAUTH_WXSIM_PUBLIC")))
	}
	for _, id := range strings.Split(get("MINIAUTH_WXSIM_NO_UNIONID"), ",") {
		if id = strings.TrimSpace(id); id == "" {
			continue
		}
		if !db.ValidAppID(id) {
			errs = append(errs, fmt.Errorf("MINIAUTH_WXSIM_NO_UNIONID: %q is not an AppID", id))
		}
		c.WxsimNoUnionID = append(c.WxsimNoUnionID, id)
	}
	errs = append(errs, parseOps(&c.Ops, get)...)
	errs = append(errs, parseAPILanguage(&c.APILanguage, get)...)
	if loc, err := parseTimeZone(get); err != nil {
		errs = append(errs, err)
	} else {
		c.TimeZone = loc
	}
	if err := errors.Join(errs...); err != nil {
		return Config{}, nil, err
	}
	return c, fs.Args(), nil
}

func lookup(getenv func(string) string, key string) (string, bool) {
	v := getenv(key)
	return v, v != ""
}

// commandArgs is what each command takes besides its flags, for its usage line.
var commandArgs = map[string]string{
	"backup":           "NEW-FILE",
	"account create":   "USERNAME --name NAME --password-stdin",
	"account import":   "FILE.csv",
	"account passwd":   "USERNAME --password-stdin",
	"account disable":  "USERNAME",
	"account enable":   "USERNAME",
	"account unlock":   "USERNAME",
	"app create":       "APPID --name NAME --secret-stdin",
	"app list":         "",
	"app disable":      "APPID",
	"app enable":       "APPID",
	"app secret":       "APPID --secret-stdin",
	"app link":         "APPID on|off",
	"operator create":  "NAME --role admin|viewer --password-stdin",
	"operator passwd":  "NAME --password-stdin",
	"operator disable": "NAME",
}

func usage(out io.Writer, name string, fs *flag.FlagSet) {
	if name != "serve" {
		fmt.Fprintf(out, "Usage: miniauth %s [flags]\n\n", strings.TrimSpace(name+" "+commandArgs[name]))
		if !hasFlags(fs) {
			fmt.Fprintf(out, "\"%s\" has no flags.\n", name)
			return
		}
		fmt.Fprintf(out, "Each flag can also be set by the environment variable shown in brackets.\n\nFlags of \"%s\":\n", name)
		fs.PrintDefaults()
		return
	}
	fmt.Fprintf(out, `Usage: miniauth [command] [flags]

Commands (miniauth COMMAND --help shows a command's own flags):
  serve      run the server (default)
  migrate    apply database migrations and exit
  cleanup    purge expired sessions, tickets and attempts, and old audit events, then exit
  backup     backup NEW-FILE: a consistent copy of the SQLite database, also while it serves
  wxsim      run the WeChat simulator alone (--addr, default 127.0.0.1:8090)
  bench      measure throughput against a bare Fiber handler (see docs/performance.md);
             bench --console: console page times at --users/--sessions sample rows
  account    platform accounts: create USERNAME --name NAME --password-stdin | import FILE.csv |
             passwd USERNAME --password-stdin | disable USERNAME | enable USERNAME | unlock USERNAME
  app        mini-programs: create APPID --name NAME --secret-stdin | list | disable APPID |
             enable APPID | secret APPID --secret-stdin | link APPID on|off
  operator   console operators: create NAME --role admin|viewer --password-stdin |
             passwd NAME --password-stdin | disable NAME
  sample     add made-up users and live sessions: --users N --sessions N
  version    print the version and the VCS revision it was built from

Output goes to standard output; logs (JSON) go to standard error.
Every flag can also be set by the environment variable shown in brackets.

Flags of "%s":
`, name)
	fs.PrintDefaults()
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}
