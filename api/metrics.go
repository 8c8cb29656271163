package api

import (
	"errors"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"miniauth/buildinfo"
	"miniauth/db"
	"miniauth/password"
)

// Metrics are the Prometheus collectors of the API, and of what it shares with the
// console (the password hasher, the throttles, the store). docs/alerting.md says which of
// them to page on; docs/grafana-dashboard.json shows them.
type Metrics struct {
	reg        *prometheus.Registry
	requests   *prometheus.HistogramVec
	logins     *prometheus.CounterVec
	binds      *prometheus.CounterVec
	throttled  *prometheus.CounterVec
	busy       *prometheus.CounterVec
	wxCalls    *prometheus.CounterVec
	wxErrcodes *prometheus.CounterVec
	wxLatency  *prometheus.HistogramVec
}

// Throttle kinds: which limit refused a request (miniauth_throttled_total{kind}).
const (
	ThrottleLoginIP        = "login_ip_rate"           // per-IP rate on login, checkBind and bind
	ThrottleBindTicketDead = "bind_ticket_dead"        // bind with a ticket that is dead, used, expired or unknown
	ThrottleBindKeyWait    = "bind_key_wait"           // bind while its username/IP/WeChat user key must wait
	ThrottleBindBackstop   = "bind_hourly_backstop"    // bind past the hourly backstop of its username
	ThrottlePhoneRate      = "phone_rate"              // getPhoneNumber calls per user per minute
	ThrottleConsoleUser    = "console_signin_username" // console sign-in past its username's limit
	ThrottleConsoleIP      = "console_signin_ip"       // console sign-in past its IP's limit
)

// Busy reasons (miniauth_server_busy_total{what}): a bounded queue was full.
const (
	BusyPassword    = "password"     // the password hasher's queue
	BusyImageDecode = "image_decode" // the avatar decode queue
)

// NewMetrics registers the API's collectors (and the Go runtime's) on reg; nil makes a new
// registry.
func NewMetrics(reg *prometheus.Registry) *Metrics {
	if reg == nil {
		reg = prometheus.NewRegistry()
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	m := &Metrics{
		reg: reg,
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "miniauth_api_request_duration_seconds",
			Help:    "Time to answer mini-program API requests, by route and status.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route", "status"}),
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "miniauth_logins_total",
			Help: "Code exchanges (login and checkBind) by outcome: ok (a session started), not_bound (checkBind handed out a bind ticket), disabled, wechat_error, store_error.",
		}, []string{"outcome"}),
		binds: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "miniauth_binds_total",
			Help: "Bind calls by outcome: ok, or the error code answered (invalid_credentials, invalid_ticket, rate_limited, account_disabled, conflict, server_busy, ...).",
		}, []string{"outcome"}),
		throttled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "miniauth_throttled_total",
			Help: "Requests refused by a limit, by kind: login_ip_rate, bind_ticket_dead, bind_key_wait, bind_hourly_backstop (told apart from bind_key_wait only while its wait exceeds the longest key wait, 15 min), phone_rate, console_signin_username, console_signin_ip.",
		}, []string{"kind"}),
		busy: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "miniauth_server_busy_total",
			Help: "Requests answered 503 server_busy because a bounded queue was full, by queue: password, image_decode.",
		}, []string{"what"}),
		wxCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "miniauth_wechat_requests_total",
			Help: "HTTP requests sent to WeChat (each try), by API and outcome: ok, errcode (WeChat answered an error), transport_error (no answer), bad_answer (not the expected JSON).",
		}, []string{"api", "outcome"}),
		wxErrcodes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "miniauth_wechat_errcodes_total",
			Help: "WeChat answers with a non-zero errcode, by API and errcode.",
		}, []string{"api", "errcode"}),
		wxLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "miniauth_wechat_request_duration_seconds",
			Help:    "Time WeChat took to answer (or to fail), per try, by API.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2, 5, 10},
		}, []string{"api"}),
	}
	reg.MustRegister(m.requests, m.logins, m.binds, m.throttled, m.busy, m.wxCalls, m.wxErrcodes, m.wxLatency)
	// Every series an alert or a panel rates exists from the start, at 0: rate() over a
	// series that appears only with its first event misses that event.
	for _, k := range []string{ThrottleLoginIP, ThrottleBindTicketDead, ThrottleBindKeyWait, ThrottleBindBackstop, ThrottlePhoneRate, ThrottleConsoleUser, ThrottleConsoleIP} {
		m.throttled.WithLabelValues(k)
	}
	for _, w := range []string{BusyPassword, BusyImageDecode} {
		m.busy.WithLabelValues(w)
	}
	for _, o := range []string{"ok", "not_bound", "disabled", "wechat_error", "store_error"} {
		m.logins.WithLabelValues(o)
	}
	for _, o := range []string{"ok", "invalid_credentials", "invalid_ticket", "rate_limited", "server_busy"} {
		m.binds.WithLabelValues(o)
	}
	for _, api := range []string{"jscode2session", "getuserphonenumber", "stable_token", "checksession"} {
		m.wxLatency.WithLabelValues(api)
		for _, o := range []string{"ok", "errcode", "transport_error", "bad_answer"} {
			m.wxCalls.WithLabelValues(api, o)
		}
	}
	build := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "miniauth_build_info",
		Help: "Always 1; the labels say which miniauth is running.",
	}, []string{"version", "revision", "goversion"})
	bi := buildinfo.Read()
	build.WithLabelValues(bi.Version, bi.Revision, bi.GoVersion).Set(1)
	reg.MustRegister(build)
	return m
}

// Registry is where other parts of the program register their collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Throttled counts a request a limit refused; kind is one of the Throttle constants.
func (m *Metrics) Throttled(kind string) { m.throttled.WithLabelValues(kind).Inc() }

// Busy counts a server_busy answer; what is one of the Busy constants.
func (m *Metrics) Busy(what string) { m.busy.WithLabelValues(what).Inc() }

// ObserveWeChat implements wechat.Observer.
func (m *Metrics) ObserveWeChat(api string, took time.Duration, outcome string, errcode int) {
	m.wxLatency.WithLabelValues(api).Observe(took.Seconds())
	m.wxCalls.WithLabelValues(api, outcome).Inc()
	if outcome == "errcode" {
		m.wxErrcodes.WithLabelValues(api, strconv.Itoa(errcode)).Inc()
	}
}

// Observe registers the gauges read from the store, the password hasher and the avatar
// decode gate at each scrape. A second call (a registry shared by two handlers) keeps the
// first.
func (m *Metrics) Observe(store *db.Store, hasher *password.Hasher, decodes *DecodeGate) {
	var cs []prometheus.Collector
	if hasher != nil {
		cs = append(cs, loadGauges("miniauth_password_hashes", "password hashes (bind, console sign-in, account changes)", hasher.Load)...)
	}
	if decodes != nil {
		cs = append(cs, loadGauges("miniauth_avatar_decodes", "avatar image decodes", decodes.Load)...)
	}
	if store != nil {
		cs = append(cs,
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "miniauth_token_cache_entries",
				Help: "Token hashes held in the token cache (negative entries included).",
			}, func() float64 { return float64(store.CacheStats().Entries) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "miniauth_token_cache_hits_total",
				Help: "Token checks answered from the token cache.",
			}, func() float64 { return float64(store.CacheStats().Hits) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "miniauth_token_cache_misses_total",
				Help: "Token checks that read the database.",
			}, func() float64 { return float64(store.CacheStats().Misses) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "miniauth_revocation_feed_last_id",
				Help: "The newest revocations feed id applied to this process's token cache.",
			}, func() float64 { return float64(store.FeedStatus().LastID) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "miniauth_revocation_feed_lag_seconds",
				Help: "Seconds since this process last read the revocations feed to its end (normally under 1): a revocation made on another instance may be honoured here that late. -1 before the first read.",
			}, func() float64 {
				at := store.FeedStatus().ReadAt
				if at.IsZero() {
					return -1
				}
				return max(0, time.Since(at).Seconds())
			}),
		)
		cs = append(cs, prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "miniauth_login_batches_total",
			Help: "Login batches run on PostgreSQL, one statement and one commit each (0 on SQLite).",
		}, func() float64 { return float64(store.LoginBatchStats().Batches) }))
		for outcome, read := range map[string]func(db.LoginBatchStats) int64{
			"done":     func(b db.LoginBatchStats) int64 { return b.Done },
			"declined": func(b db.LoginBatchStats) int64 { return b.Declined },
			"rerun":    func(b db.LoginBatchStats) int64 { return b.Rerun },
		} {
			cs = append(cs, prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name:        "miniauth_login_batch_logins_total",
				Help:        "Logins that went to a PostgreSQL login batch, by outcome: done by the batch statement; declined, left to a transaction (blocked, erased, a unionid to link, ...); rerun alone after the server refused their batch.",
				ConstLabels: prometheus.Labels{"outcome": outcome},
			}, func() float64 { return float64(read(store.LoginBatchStats())) }))
		}
		for name, sqlDB := range store.DBs() {
			cs = append(cs, collectors.NewDBStatsCollector(sqlDB, name))
		}
	}
	for _, c := range cs {
		if err := m.reg.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if !errors.As(err, &are) {
				panic(err)
			}
		}
	}
}

// loadGauges are the running and waiting gauges of a bounded queue.
func loadGauges(name, what string, load func() (int, int)) []prometheus.Collector {
	return []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name + "_running", Help: "Running " + what + "."},
			func() float64 { r, _ := load(); return float64(r) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name + "_waiting", Help: "Queued " + what + " waiting for a slot; a full queue answers 503 server_busy."},
			func() float64 { _, w := load(); return float64(w) }),
	}
}

func (m *Metrics) middleware(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	status := c.Response().StatusCode()
	if err != nil {
		status = AsError(err).Status
	}
	m.requests.WithLabelValues(c.Route().Path, strconv.Itoa(status)).Observe(time.Since(start).Seconds())
	return err
}

func (m *Metrics) handler() fiber.Handler {
	return adaptor.HTTPHandler(promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
}
