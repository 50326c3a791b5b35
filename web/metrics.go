package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus metrics, on a registry of its own so that several servers
// (tests, or nodes in one process) do not collide.
type metrics struct {
	reg      *prometheus.Registry
	signins  *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		signins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "latchkey_signin_total",
			Help: "Sign-in attempts by result: success, bad_credentials, throttled, not_active, invalid, error.",
		}, []string{"method", "result"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "latchkey_http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by route pattern and status code.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route", "code"}),
	}
	m.reg.MustRegister(m.signins, m.duration, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

func (m *metrics) observe(route string, code int, d time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	m.duration.WithLabelValues(route, strconv.Itoa(code)).Observe(d.Seconds())
}

// cacheStats is what a store with an in-process read cache reports (sqlstore.DB.CacheStats).
type cacheStats interface {
	CacheStats() (hits, misses uint64, live bool)
}

// watchCache adds the store's read cache to the metrics: how many reads it answered, how
// many went to the database, and whether it is on (on PostgreSQL, while its listener is
// connected; a 0 that lasts means every request reads the database).
func (m *metrics) watchCache(c cacheStats) {
	hits := func() float64 { h, _, _ := c.CacheStats(); return float64(h) }
	misses := func() float64 { _, n, _ := c.CacheStats(); return float64(n) }
	live := func() float64 {
		if _, _, on := c.CacheStats(); on {
			return 1
		}
		return 0
	}
	m.reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "latchkey_store_cache_hits_total",
			Help: "Workspace and session reads answered by the in-process cache."}, hits),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "latchkey_store_cache_misses_total",
			Help: "Workspace and session reads that went to the database while the cache was on."}, misses),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "latchkey_store_cache_live",
			Help: "1 while the in-process cache is in use, 0 while it is off (PostgreSQL: its LISTEN connection is down)."}, live),
	)
}
