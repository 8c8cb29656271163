package api

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"miniauth/buildinfo"
)

// Metrics are the Prometheus collectors of the API.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.HistogramVec
	logins   *prometheus.CounterVec
}

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
	}
	reg.MustRegister(m.requests, m.logins)
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
