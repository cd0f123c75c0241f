// Package history serves Backpack's history endpoints from the read model
// (server/readmodel): public trades (recent and history), klines, 24-hour
// tickers and funding rates; the signed fill, order, funding, settlement and
// borrow-lend histories under /wapi/v1/history/; and Waterfall's extension
// GET /api/v1/insuranceFund (the fund's balance and every movement with its
// cause).
//
// Paths, parameters, JSON names and types are Backpack's (ccxt 4.5.84's
// backpack.js and Backpack's API reference). Every request first waits for
// the read model to hold what the engine has answered (readmodel.Model.Sync),
// so a client sees its own fills right after its order returns. Bad
// parameters get a 400 with Backpack's {"code","message"}; a read model still
// replaying the journal answers 503.
package history

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/server/auth"
	"github.com/waterfallrisk/waterfall/server/backpack"
	"github.com/waterfallrisk/waterfall/server/readmodel"
)

// Options configure New.
type Options struct {
	// Model is the read model the answers come from. Required.
	Model *readmodel.Model
	// Config is the engine's configuration. Required.
	Config *config.Config
	// Lookup resolves API keys (sequencer.AccountByKey). Required.
	Lookup auth.Lookup
	// Now is the wall clock: signature windows and, with the wall clock,
	// the end of ticker windows and klines (nil: time.Now).
	Now func() time.Time
	// EngineClock: the engine runs the manual clock, so "now" for tickers
	// and klines is engine time, not the wall clock.
	EngineClock bool
	// RateLimit is requests per second per API key (0: 1,000; negative:
	// no limit); this handler keeps its own count.
	RateLimit int
	// Auth, when set, verifies signed requests instead of a verifier of the
	// handler's own (shared with REST and WebSocket: see api.Options.Auth).
	Auth *auth.Verifier
	// SyncTimeout bounds the wait for the read model (0: 3 s).
	SyncTimeout time.Duration
}

// Handler serves the history endpoints; mount it on each of Paths.
type Handler struct {
	m           *readmodel.Model
	cat         *backpack.Catalog
	auth        *auth.Verifier
	now         func() time.Time
	engineClock bool
	timeout     time.Duration
	mux         *http.ServeMux
}

// Instructions are the instruction names the signed endpoints are signed
// with (ccxt's options.instructions), by method and path.
var Instructions = map[string]string{
	"GET /wapi/v1/history/fills":                "fillHistoryQueryAll",
	"GET /wapi/v1/history/orders":               "orderHistoryQueryAll",
	"GET /wapi/v1/history/funding":              "fundingHistoryQueryAll",
	"GET /wapi/v1/history/settlement":           "settlementHistoryQueryAll",
	"GET /wapi/v1/history/borrowLend":           "borrowHistoryQueryAll",
	"GET /wapi/v1/history/borrowLend/positions": "borrowPositionHistoryQueryAll",
}

// Paths are the paths the handler serves (GET only; another method is a
// 405 with Backpack's error body).
var Paths = []string{
	"/api/v1/trades", "/api/v1/trades/history", "/api/v1/klines", "/api/v1/ticker", "/api/v1/tickers",
	"/api/v1/fundingRates", "/api/v1/insuranceFund",
	"/wapi/v1/history/fills", "/wapi/v1/history/orders", "/wapi/v1/history/funding",
	"/wapi/v1/history/settlement", "/wapi/v1/history/borrowLend", "/wapi/v1/history/borrowLend/positions",
}

// New returns the handler.
func New(o Options) (*Handler, error) {
	if o.Model == nil || o.Config == nil || o.Lookup == nil {
		return nil, errors.New("history: Model, Config and Lookup are required")
	}
	cat, err := backpack.NewCatalog(o.Config)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	h := &Handler{m: o.Model, cat: cat, now: o.Now, engineClock: o.EngineClock, timeout: o.SyncTimeout, mux: http.NewServeMux()}
	if h.now == nil {
		h.now = time.Now
	}
	if h.timeout <= 0 {
		h.timeout = 3 * time.Second
	}
	h.auth = o.Auth
	if h.auth == nil {
		h.auth = auth.New(o.Lookup, auth.Options{Now: h.now, RateLimit: o.RateLimit})
	}
	public := map[string]publicFunc{
		"/api/v1/trades":         h.recentTrades,
		"/api/v1/trades/history": h.tradeHistory,
		"/api/v1/klines":         h.klines,
		"/api/v1/ticker":         h.ticker,
		"/api/v1/tickers":        h.tickers,
		"/api/v1/fundingRates":   h.fundingRates,
		"/api/v1/insuranceFund":  h.insuranceFund,
	}
	for path, fn := range public {
		h.mux.HandleFunc("GET "+path, h.public(fn))
	}
	private := map[string]privateFunc{
		"/wapi/v1/history/fills":                h.fills,
		"/wapi/v1/history/orders":               h.orders,
		"/wapi/v1/history/funding":              h.funding,
		"/wapi/v1/history/settlement":           h.settlements,
		"/wapi/v1/history/borrowLend":           h.borrowLend,
		"/wapi/v1/history/borrowLend/positions": h.borrowLendPositions,
	}
	for path, fn := range private {
		h.mux.HandleFunc("GET "+path, h.private(Instructions["GET "+path], fn))
	}
	for _, path := range Paths {
		h.mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			writeError(w, backpack.Errorf(http.StatusMethodNotAllowed, backpack.CodeInvalidClientRequest,
				"%s is not served for %s", r.Method, r.URL.Path))
		})
	}
	return h, nil
}

// ServeHTTP serves one request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// publicFunc answers an unsigned request; now is the end of ticker and
// kline windows (ms). It returns the value to send as JSON, or an error.
type publicFunc func(r *http.Request, now int64) (any, *backpack.Error)

// privateFunc answers a signed request of account acct.
type privateFunc func(r *http.Request, acct engine.AccountID) (any, *backpack.Error)

// public waits for the read model, then sends fn's answer.
func (h *Handler) public(fn publicFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		now, err := h.sync(r.Context())
		if err != nil {
			writeError(w, err)
			return
		}
		out, err := fn(r, now)
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, out)
	}
}

// private checks the signature, then answers as public does.
func (h *Handler) private(instruction string, fn privateFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		acct, err := h.auth.Verify(r, instruction, nil)
		if err != nil {
			writeError(w, err)
			return
		}
		h.public(func(r *http.Request, _ int64) (any, *backpack.Error) { return fn(r, acct) })(w, r)
	}
}

// sync waits for the read model (bounded by the timeout) and returns "now"
// for windows: engine time under the manual clock, the wall clock else.
func (h *Handler) sync(ctx context.Context) (int64, *backpack.Error) {
	ctx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	engineNow, err := h.m.Sync(ctx)
	if errors.Is(err, readmodel.ErrBehind) {
		return 0, backpack.Errorf(http.StatusServiceUnavailable, backpack.CodeServerError,
			"history is catching up with the journal (at engine sequence %d); try again shortly", h.m.Seq())
	}
	if err != nil {
		return 0, backpack.Errorf(http.StatusServiceUnavailable, backpack.CodeServerError, "history: %v", err)
	}
	if h.engineClock {
		return engineNow, nil
	}
	return h.now().UnixMilli(), nil
}

// dbError is a query failure.
func dbError(err error) *backpack.Error {
	return backpack.Errorf(http.StatusInternalServerError, backpack.CodeServerError, "history: %v", err)
}
