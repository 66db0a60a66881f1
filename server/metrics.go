package main

import (
	"context"
	"database/sql"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"numberd/internal/reqinfo"
	"numberd/models"
	"numberd/service"
)

// metrics is numberd's Prometheus instrumentation. Every label is bounded:
// routes are mux patterns (never raw paths with numbers or ids), methods a
// fixed list, GraphQL operation names at most maxOperationNames distinct
// values (later names are counted as "other"), so a client cannot blow up
// the series count.
type metrics struct {
	reg         *prometheus.Registry
	requests    *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	inflight    prometheus.Gauge
	gqlOps      *prometheus.CounterVec
	gqlDuration *prometheus.HistogramVec
	panics      prometheus.Counter

	opMu    sync.Mutex
	opNames map[string]bool
}

const maxOperationNames = 200

// numbersTTL is how long the numbers-per-state gauge trusts its last count.
const numbersTTL = 15 * time.Second

func newMetrics(svc *service.Service, db *sql.DB) *metrics {
	m := &metrics{reg: prometheus.NewRegistry(), opNames: map[string]bool{}}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "numberd_http_requests_total",
		Help: "HTTP requests served, by method, route pattern and status code.",
	}, []string{"method", "route", "code"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "numberd_http_request_duration_seconds",
		Help:    "HTTP request latency, by method and route pattern.",
		Buckets: prometheus.DefBuckets,
	}, []string{"method", "route"})
	m.inflight = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "numberd_http_requests_in_flight",
		Help: "HTTP requests being served.",
	})
	m.gqlOps = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "numberd_graphql_operations_total",
		Help: "GraphQL operations, by operation name, type and result (ok, error).",
	}, []string{"operation", "type", "result"})
	m.gqlDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "numberd_graphql_operation_duration_seconds",
		Help:    "GraphQL operation latency (the whole HTTP request), by operation name and type.",
		Buckets: prometheus.DefBuckets,
	}, []string{"operation", "type"})
	m.panics = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "numberd_panics_recovered_total",
		Help: "Handler panics recovered into a 500 answer.",
	})
	m.reg.MustRegister(m.requests, m.duration, m.inflight, m.gqlOps, m.gqlDuration, m.panics)
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(db, "numberd"),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "numberd_tx_retries_total",
			Help: "Use cases run again after a retryable transaction error (deadlock, lost connection).",
		}, func() float64 { return float64(svc.Retries.Load()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name:        "numberd_build_info",
			Help:        "numberd's version (always 1).",
			ConstLabels: prometheus.Labels{"version": version},
		}, func() float64 { return 1 }),
		&numbersCollector{svc: svc},
	)
	return m
}

// handler serves /metrics.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

var knownMethods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true,
}

// observe records one finished request.
func (m *metrics) observe(method, route string, status int, d time.Duration, s reqinfo.Snapshot) {
	if !knownMethods[method] {
		method = "OTHER"
	}
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(method, route).Observe(d.Seconds())
	if s.Panicked {
		m.panics.Inc()
	}
	if route == "/graphql" && method != http.MethodOptions {
		op, typ := m.operationLabel(s.Operation), s.OperationType
		if typ == "" {
			typ = "none"
		}
		result := "ok"
		if s.GraphQLErrors > 0 || status >= 400 {
			result = "error"
		}
		m.gqlOps.WithLabelValues(op, typ, result).Inc()
		m.gqlDuration.WithLabelValues(op, typ).Observe(d.Seconds())
	}
}

// operationLabel bounds the operation names used as label values.
func (m *metrics) operationLabel(name string) string {
	if name == "" {
		return "(none)"
	}
	if len(name) > 64 {
		return "other"
	}
	m.opMu.Lock()
	defer m.opMu.Unlock()
	if m.opNames[name] {
		return name
	}
	if len(m.opNames) >= maxOperationNames {
		return "other"
	}
	m.opNames[name] = true
	return name
}

// numbersCollector exposes numberd_numbers{state}: the inventory per state
// over the whole database. The count is one GROUP BY, cached numbersTTL, so
// scrapes from several Prometheus servers (or several instances scraped
// together) cost at most one query per instance per TTL. When the database
// does not answer within 2 s the last known values are kept (and the error
// counted), so a scrape never hangs on a dead database.
type numbersCollector struct {
	svc *service.Service

	mu      sync.Mutex
	at      time.Time
	counts  map[models.State]int64
	errors  float64
	updated time.Time
}

var (
	numbersDesc = prometheus.NewDesc("numberd_numbers", "Numbers in the database, by state (cached for 15 s).", []string{"state"}, nil)
	numbersErrs = prometheus.NewDesc("numberd_numbers_count_errors_total", "Failed refreshes of numberd_numbers.", nil, nil)
	numbersAge  = prometheus.NewDesc("numberd_numbers_count_timestamp_seconds", "When numberd_numbers was last counted (Unix time).", nil, nil)
)

func (c *numbersCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- numbersDesc
	ch <- numbersErrs
	ch <- numbersAge
}

func (c *numbersCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Since(c.at) > numbersTTL {
		c.at = time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		counts, err := c.svc.CountNumbersByState(ctx)
		cancel()
		if err != nil {
			c.errors++
		} else {
			c.counts, c.updated = counts, time.Now()
		}
	}
	if c.counts != nil {
		for _, s := range models.AllStates {
			if s == models.StateDeleted {
				continue // never stored
			}
			ch <- prometheus.MustNewConstMetric(numbersDesc, prometheus.GaugeValue, float64(c.counts[s]), string(s))
		}
		ch <- prometheus.MustNewConstMetric(numbersAge, prometheus.GaugeValue, float64(c.updated.UnixNano())/1e9)
	}
	ch <- prometheus.MustNewConstMetric(numbersErrs, prometheus.CounterValue, c.errors)
}
