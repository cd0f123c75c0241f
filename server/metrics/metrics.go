// Package metrics exposes Waterfall's server metrics to Prometheus
// (GET /metrics): commands accepted and refused by kind, journal fsync
// latency and group-commit size, sequencer batch size and queue depth,
// engine and journal sequences, liquidations by stage, the insurance fund's
// balance and the WebSocket clients.
//
// Every metric lives in the Metrics' own registry, except WSClients, the one
// package-level gauge, which the WebSocket server moves and every registry
// made by New exposes.
//
// Sources: per-command and per-fsync measurements come from the sequencer's
// Observer hook (on its goroutine, a few atomic adds each); queue depth,
// sequences, subscribers and snapshots are read from Sequencer.Stats when
// scraped; liquidations and the insurance balance from engine events through
// a lossy subscription (Run). If that subscription falls behind it is
// dropped and renewed: the insurance balance is then read afresh, and the
// liquidation counters miss the events in between (a warning is logged).
package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/server/sequencer"
)

// Namespace prefixes every metric name.
const Namespace = "waterfall"

// WSClients is the number of connected WebSocket clients: the WebSocket
// server calls Inc when a client connects and Dec when it leaves. Every
// registry made by New exposes it as waterfall_websocket_clients.
var WSClients = prometheus.NewGauge(prometheus.GaugeOpts{
	Namespace: Namespace, Name: "websocket_clients",
	Help: "WebSocket clients connected.",
})

// Sequencer is what the metrics read from the goroutine that owns the engine
// (*sequencer.Sequencer implements it).
type Sequencer interface {
	Stats() sequencer.Stats
	Subscribe(ctx context.Context, o sequencer.SubscribeOptions) (*sequencer.Subscription, error)
	Read(ctx context.Context, fn func(e *engine.Engine)) error
	Config() *config.Config
}

// Metrics is a registry of the server's metrics. It implements
// sequencer.Observer: install it with Sequencer.SetObserver.
type Metrics struct {
	seq Sequencer
	log *slog.Logger
	reg *prometheus.Registry

	// commands[accepted][kind]: kinds past engine.CmdKinds share the last.
	commands     [2][engine.CmdKinds + 1]prometheus.Counter
	fsync        prometheus.Histogram
	groupCommit  prometheus.Histogram
	batch        prometheus.Histogram
	liquidations [engine.StageADL + 1]prometheus.Counter
	insurance    prometheus.Gauge

	settle config.AssetID
	scale  float64 // settlement units per whole unit

	buffer  int    // Run's subscription buffer (EventBuffer)
	onBatch func() // tests: called by Run before each batch
}

// New registers the metrics of seq in a new registry, together with the Go
// runtime and process collectors and WSClients. log receives the warnings
// of Run (nil: slog.Default()).
func New(seq Sequencer, log *slog.Logger) (*Metrics, error) {
	if log == nil {
		log = slog.Default()
	}
	m := &Metrics{seq: seq, log: log, reg: prometheus.NewRegistry(), scale: 1, buffer: EventBuffer}
	cfg := seq.Config()
	if a, ok := cfg.AssetBySymbol(cfg.SettlementAsset); ok {
		m.settle = a
		for range cfg.Assets[a].Decimals {
			m.scale *= 10
		}
	}

	cmds := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Name: "commands_total",
		Help: "Engine commands by kind: result=accepted (journaled; clock advances included) or refused (nothing journaled).",
	}, []string{"kind", "result"})
	for k := range m.commands[0] {
		kind := engine.CommandKind(k).String()
		if k == int(engine.CmdKinds) {
			kind = "unknown"
		}
		m.commands[0][k] = cmds.WithLabelValues(kind, "refused")
		m.commands[1][k] = cmds.WithLabelValues(kind, "accepted")
	}
	m.fsync = prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: Namespace, Name: "journal_fsync_seconds",
		Help:    "Duration of one journal group commit: the batch's write and its fsync.",
		Buckets: prometheus.ExponentialBuckets(50e-6, 2, 16), // 50 µs .. 1.6 s
	})
	m.groupCommit = prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: Namespace, Name: "journal_group_commit_records",
		Help:    "Journal records made durable by one fsync.",
		Buckets: prometheus.ExponentialBuckets(1, 2, 14), // 1 .. 8192
	})
	m.batch = prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: Namespace, Name: "sequencer_batch_requests",
		Help:    "Requests (Submit, SubmitBatch, Read, ...) answered by one sequencer batch.",
		Buckets: prometheus.ExponentialBuckets(1, 2, 14),
	})
	liq := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Name: "liquidations_total",
		Help: "Liquidation stage transitions from engine events: stage=Book, Backstop, ADL entered, or None (the liquidation ended).",
	}, []string{"stage"})
	for s := range m.liquidations {
		m.liquidations[s] = liq.WithLabelValues(engine.LiquidationStage(s).String())
	}
	m.insurance = prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: Namespace, Name: "insurance_fund_balance",
		Help:        "The insurance fund's balance in the settlement asset (whole units).",
		ConstLabels: prometheus.Labels{"asset": cfg.SettlementAsset},
	})

	stat := func(name, help string, typ prometheus.ValueType, f func(*sequencer.Stats) float64) prometheus.Collector {
		return &statCollector{seq: seq, desc: prometheus.NewDesc(Namespace+"_"+name, help, nil, nil), typ: typ, f: f}
	}
	cs := []prometheus.Collector{
		cmds, m.fsync, m.groupCommit, m.batch, liq, m.insurance, WSClients,
		stat("sequencer_queue_depth", "Requests waiting for the sequencer.", prometheus.GaugeValue,
			func(s *sequencer.Stats) float64 { return float64(s.QueueDepth) }),
		stat("engine_sequence", "Engine sequence after the last durable batch.", prometheus.GaugeValue,
			func(s *sequencer.Stats) float64 { return float64(s.Seq) }),
		stat("journal_sequence", "Journal record sequence after the last durable batch.", prometheus.GaugeValue,
			func(s *sequencer.Stats) float64 { return float64(s.JournalSeq) }),
		stat("sequencer_subscribers", "Live event subscriptions.", prometheus.GaugeValue,
			func(s *sequencer.Stats) float64 { return float64(s.Subscribers) }),
		stat("sequencer_subscribers_dropped_total", "Lossy subscribers dropped for falling behind.", prometheus.CounterValue,
			func(s *sequencer.Stats) float64 { return float64(s.Dropped) }),
		stat("journal_snapshots_total", "Snapshots written.", prometheus.CounterValue,
			func(s *sequencer.Stats) float64 { return float64(s.Snapshots) }),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	}
	for _, c := range cs {
		if err := m.reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Registry returns the registry (to add collectors, or to gather in tests).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog: slog.NewLogLogger(m.log.Handler(), slog.LevelWarn),
	})
}

// Command implements sequencer.Observer.
func (m *Metrics) Command(kind engine.CommandKind, accepted bool) {
	k := min(kind, engine.CmdKinds)
	a := 0
	if accepted {
		a = 1
	}
	m.commands[a][k].Inc()
}

// Synced implements sequencer.Observer.
func (m *Metrics) Synced(d time.Duration, records uint64) {
	m.fsync.Observe(d.Seconds())
	m.groupCommit.Observe(float64(records))
}

// Batch implements sequencer.Observer.
func (m *Metrics) Batch(requests int) { m.batch.Observe(float64(requests)) }

// statCollector exposes one field of Sequencer.Stats, read when scraped.
type statCollector struct {
	seq  Sequencer
	desc *prometheus.Desc
	typ  prometheus.ValueType
	f    func(*sequencer.Stats) float64
}

func (c *statCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *statCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.seq.Stats()
	ch <- prometheus.MustNewConstMetric(c.desc, c.typ, c.f(&s))
}
