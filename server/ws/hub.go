package ws

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/server/auth"
	"github.com/waterfallrisk/waterfall/server/backpack"
	"github.com/waterfallrisk/waterfall/server/sequencer"
)

// Sequencer is what the WebSocket needs of the goroutine that owns the
// engine (server/sequencer implements it).
type Sequencer interface {
	// Subscribe registers a feed of durable batches (the hub's is lossy).
	Subscribe(ctx context.Context, o sequencer.SubscribeOptions) (*sequencer.Subscription, error)
	// Read runs fn on the engine's goroutine between commands.
	Read(ctx context.Context, fn func(e *engine.Engine)) error
	// AccountByKey returns the account an ED25519 public key is bound to.
	AccountByKey(apiKey []byte) (engine.AccountID, bool)
}

// Defaults of Options.
const (
	DefaultQueueBytes      = 1 << 20
	DefaultFeedBuffer      = 16384
	DefaultTickerInterval  = time.Second
	DefaultDepthHeartbeat  = 250 * time.Millisecond
	DefaultPingInterval    = 60 * time.Second
	DefaultPongTimeout     = 120 * time.Second
	DefaultWriteTimeout    = 10 * time.Second
	DefaultMaxStreams      = 256
	DefaultMaxMessageBytes = 64 << 10
)

// Options configure a Hub. The zero value gives the defaults.
type Options struct {
	// Now is the wall clock: signature windows and the E (event time) of
	// every message. nil: time.Now.
	Now func() time.Time
	// RateLimit is signed subscriptions per second per API key (0: auth's
	// default, 1,000; negative: no limit).
	RateLimit int
	// Auth, when set, verifies signed subscriptions instead of a verifier of
	// the hub's own (shared with REST: see api.Options.Auth).
	Auth *auth.Verifier
	// QueueBytes bounds the messages waiting for one client, in bytes; a
	// client that lets more pile up is disconnected (a slow consumer).
	QueueBytes int
	// FeedBuffer is how many batches may wait for the hub on its
	// subscription to the sequencer before the sequencer drops it (then
	// every client is disconnected and the hub starts over).
	FeedBuffer int
	// TickerInterval: ticker (24-hour statistics) and markPrice messages
	// are pushed for every subscribed market at this period, as Backpack
	// pushes its ticker every second. markPrice is also pushed at once when
	// the mark, the index or the funding rate changes.
	TickerInterval time.Duration
	// DepthHeartbeat: a market whose book did not change for this long
	// gets an empty depth message (a, b empty) advancing U..u to the engine
	// sequence, when the sequence moved (negative: never).
	DepthHeartbeat time.Duration
	// PingInterval and PongTimeout: the server pings every client at this
	// period and closes a connection whose pong does not come in time
	// (Backpack: 60 s, 120 s).
	PingInterval, PongTimeout time.Duration
	// WriteTimeout: a connection being closed (slow, shut down, no pong)
	// whose close handshake has not finished after this long is cut.
	WriteTimeout time.Duration
	// MaxStreams bounds the subscriptions of one connection.
	MaxStreams int
	// MaxMessageBytes bounds a client message.
	MaxMessageBytes int64
	// Logger (nil: slog.Default()).
	Logger *slog.Logger
	// Clients, if set, counts the connections open: Inc when a client
	// connects, Dec when it leaves (a Prometheus gauge fits).
	Clients Gauge
}

// Gauge is a counter that goes up and down.
type Gauge interface {
	Inc()
	Dec()
}

func (o *Options) fill() {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.QueueBytes <= 0 {
		o.QueueBytes = DefaultQueueBytes
	}
	if o.FeedBuffer <= 0 {
		o.FeedBuffer = DefaultFeedBuffer
	}
	def(&o.TickerInterval, DefaultTickerInterval)
	def(&o.DepthHeartbeat, DefaultDepthHeartbeat)
	def(&o.PingInterval, DefaultPingInterval)
	def(&o.PongTimeout, DefaultPongTimeout)
	def(&o.WriteTimeout, DefaultWriteTimeout)
	if o.MaxStreams <= 0 {
		o.MaxStreams = DefaultMaxStreams
	}
	if o.MaxMessageBytes <= 0 {
		o.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

// Hub serves Backpack's WebSocket API: it feeds on one lossy subscription
// to the sequencer, turns events into stream messages and fans them out to
// the connections subscribed. It is an http.Handler for the root path.
type Hub struct {
	seq  Sequencer
	cfg  *config.Config
	cat  *backpack.Catalog
	r    renderer
	auth *auth.Verifier
	o    Options
	reg  *registry

	mu     sync.Mutex
	conns  map[*conn]struct{}
	closed bool

	quit    chan struct{}
	done    chan struct{}
	stats   counters
	lastSeq atomic.Uint64

	f *feed // the run goroutine's
}

type counters struct {
	sent, slow, resyncs atomic.Uint64
}

// Stats are the hub's counters, for metrics.
type Stats struct {
	Clients       int    // connections open
	Subscriptions int    // (stream, connection) pairs
	Sent          uint64 // messages written to clients
	SlowDropped   uint64 // clients disconnected for falling behind
	Resyncs       uint64 // times the hub itself fell behind the sequencer and started over
	Seq           uint64 // engine sequence of the last batch the hub processed
}

// New subscribes to seq, loads the state the streams start from (books,
// prices) and starts the hub. cfg is the configuration seq's engine runs.
func New(seq Sequencer, cfg *config.Config, o Options) (*Hub, error) {
	o.fill()
	cat, err := backpack.NewCatalog(cfg)
	if err != nil {
		return nil, fmt.Errorf("ws: %w", err)
	}
	h := &Hub{seq: seq, cfg: cfg, cat: cat, r: renderer{cat: cat, cfg: cfg}, o: o, reg: newRegistry(),
		conns: map[*conn]struct{}{}, quit: make(chan struct{}), done: make(chan struct{})}
	h.auth = o.Auth
	if h.auth == nil {
		h.auth = auth.New(seq.AccountByKey, auth.Options{Now: o.Now, RateLimit: o.RateLimit})
	}
	if h.f, err = h.startFeed(); err != nil {
		return nil, err
	}
	go h.run()
	return h, nil
}

// Close disconnects every client (close code 1001, going away) and stops
// the hub. Safe to call more than once.
func (h *Hub) Close() error {
	h.mu.Lock()
	if !h.closed {
		h.closed = true
		close(h.quit)
	}
	h.mu.Unlock()
	<-h.done
	return nil
}

// Done is closed when the hub has stopped (Close, or the sequencer
// stopped).
func (h *Hub) Done() <-chan struct{} { return h.done }

// Stats returns the hub's counters.
func (h *Hub) Stats() Stats {
	h.mu.Lock()
	n := len(h.conns)
	h.mu.Unlock()
	return Stats{Clients: n, Subscriptions: h.reg.size(), Sent: h.stats.sent.Load(),
		SlowDropped: h.stats.slow.Load(), Resyncs: h.stats.resyncs.Load(), Seq: h.lastSeq.Load()}
}

// killAll disconnects every client.
func (h *Hub) killAll(code websocket.StatusCode, reason string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.conns {
		c.kill(code, reason, false)
	}
}

// ServeHTTP upgrades a WebSocket handshake on the root path and serves the
// connection until it ends. Any other request (another path, or a plain
// HTTP request) is answered with Backpack's JSON 404.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" || !isUpgrade(r) {
		writeError(w, backpack.Errorf(http.StatusNotFound, backpack.CodeResourceNotFound, "no endpoint %s %s", r.Method, r.URL.Path))
		return
	}
	h.mu.Lock()
	closed := h.closed
	h.mu.Unlock()
	if closed {
		writeError(w, backpack.Errorf(http.StatusServiceUnavailable, backpack.CodeServerError, "the server is shutting down"))
		return
	}
	// Signed subscriptions authenticate, not cookies: any origin may connect.
	wc, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return // Accept answered the bad handshake
	}
	c := newConn(h, wc)
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		_ = wc.Close(websocket.StatusGoingAway, "server shutting down")
		return
	}
	h.conns[c] = struct{}{}
	h.mu.Unlock()
	if h.o.Clients != nil {
		h.o.Clients.Inc()
	}
	defer func() {
		h.mu.Lock()
		delete(h.conns, c)
		h.mu.Unlock()
		if h.o.Clients != nil {
			h.o.Clients.Dec()
		}
	}()
	c.serve(context.WithoutCancel(r.Context()))
}

func isUpgrade(r *http.Request) bool {
	return headerHas(r.Header, "Connection", "upgrade") && headerHas(r.Header, "Upgrade", "websocket")
}

func headerHas(h http.Header, key, token string) bool {
	for _, v := range h.Values(key) {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// writeError sends Backpack's {"code","message"} with the error's status.
func writeError(w http.ResponseWriter, e *backpack.Error) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(e.Status)
	_, _ = w.Write(append(marshal(e), '\n'))
}

// sendPositions sends a new account.positionUpdate subscriber the account's
// open positions (in t's market, or all), as Backpack does on subscription:
// one message each, without an event type.
func (h *Hub) sendPositions(ctx context.Context, c *conn, t topic) {
	var risks []engine.PositionRisk
	var marks []int64
	var engineMs int64
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	err := h.seq.Read(ctx, func(e *engine.Engine) {
		risks, engineMs = e.PositionRisks(t.account), e.Now()
		for i := range risks {
			marks = append(marks, e.Mark(risks[i].Market))
		}
	})
	if err != nil {
		return
	}
	name := streamName(h.cfg, t)
	now := h.o.Now().UnixMicro()
	for i := range risks {
		if t.market != allMarkets && int32(risks[i].Market) != t.market {
			continue
		}
		c.send(envelope(name, h.r.positionSnapshot(t.account, &risks[i], marks[i], engineMs, now)))
	}
}

// errStopped: the sequencer ended the hub's subscription for good.
var errStopped = errors.New("ws: the sequencer stopped")
