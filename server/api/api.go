// Package api serves Backpack Exchange's REST API (DESIGN.md §4) over the
// engine: the public market data and lending pools, and the ED25519-signed
// private endpoints for orders, positions, balances, account settings and
// borrowing and lending (lending.go), with Waterfall's
// extensions (hedge mode, isolated margin, estBankruptcyPrice, adlRank).
//
// Every bad request (malformed JSON, unknown symbols, numbers with too many
// decimals or out of range, oversized bodies, bad, expired or replayed
// signatures, unknown keys, requests over the rate limit) gets a 4xx with a
// Backpack {"code","message"} body and submits nothing. History endpoints,
// trades, klines and tickers are served elsewhere (the read models).
package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/server/auth"
	"github.com/waterfallrisk/waterfall/server/backpack"
)

// Sequencer is what the API needs of the goroutine that owns the engine
// (server/sequencer implements it).
type Sequencer interface {
	// Submit applies one command; it returns a copy of the events once the
	// command is durable, or the engine's *engine.Error (nothing journaled).
	Submit(ctx context.Context, c *engine.Command) ([]engine.Event, error)
	// Read runs fn on the engine's goroutine between commands; fn must not
	// keep e nor block.
	Read(ctx context.Context, fn func(e *engine.Engine)) error
	// AccountByKey returns the account an ED25519 public key is bound to.
	AccountByKey(apiKey []byte) (engine.AccountID, bool)
}

// Defaults of Options.
const (
	DefaultMaxBodyBytes = 1 << 20
	DefaultMaxBatch     = 20
	DefaultDepthLimit   = 1000
	MaxDepthLimit       = 5000
)

// Options configures a Handler. The zero value gives the defaults.
type Options struct {
	// Now is the wall clock: signature windows and /api/v1/time (never the
	// engine's clock, DESIGN.md §4). nil: time.Now.
	Now func() time.Time
	// RateLimit is requests per second per API key (0: 1,000; negative: no
	// limit).
	RateLimit int
	// Auth, when set, verifies the requests instead of a verifier of the
	// handler's own (Now and RateLimit are then its): the server shares one
	// among REST, history and WebSocket, so a key's rate limit and replay
	// cache span them all.
	Auth *auth.Verifier
	// MaxBodyBytes bounds a request body (0: 1 MiB); a larger one is a 413.
	MaxBodyBytes int64
	// MaxBatch bounds the orders of one POST /api/v1/orders (0: 20).
	MaxBatch int
	// Lending, when set, answers the borrow-lend positions'
	// cumulativeInterest (nil: "0").
	Lending LendingHistory
}

// Handler is the REST API as an http.Handler. It serves paths under
// /api/; mount it there (the WebSocket owns /).
type Handler struct {
	seq      Sequencer
	cat      *backpack.Catalog
	auth     *auth.Verifier
	now      func() time.Time
	maxBody  int64
	maxBatch int
	lending  LendingHistory
	mux      *http.ServeMux
}

// New returns the API over seq for the engine configuration cfg (the one the
// sequencer's engine runs; it must not change).
func New(seq Sequencer, cfg *config.Config, o Options) (*Handler, error) {
	cat, err := backpack.NewCatalog(cfg)
	if err != nil {
		return nil, fmt.Errorf("api: %w", err)
	}
	h := &Handler{seq: seq, cat: cat, now: o.Now, maxBody: o.MaxBodyBytes, maxBatch: o.MaxBatch, lending: o.Lending, mux: http.NewServeMux()}
	if h.now == nil {
		h.now = time.Now
	}
	if h.maxBody <= 0 {
		h.maxBody = DefaultMaxBodyBytes
	}
	if h.maxBatch <= 0 {
		h.maxBatch = DefaultMaxBatch
	}
	h.auth = o.Auth
	if h.auth == nil {
		h.auth = auth.New(seq.AccountByKey, auth.Options{Now: h.now, RateLimit: o.RateLimit})
	}
	h.routes()
	return h, nil
}

// ServeHTTP serves one request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// Instructions are the Backpack instruction names each signed endpoint is
// signed with (ccxt's options.instructions), by method and path.
var Instructions = map[string]string{
	"POST /api/v1/order":               "orderExecute",
	"GET /api/v1/order":                "orderQuery",
	"DELETE /api/v1/order":             "orderCancel",
	"POST /api/v1/orders":              "orderExecute",
	"GET /api/v1/orders":               "orderQueryAll",
	"DELETE /api/v1/orders":            "orderCancelAll",
	"GET /api/v1/position":             "positionQuery",
	"GET /api/v1/capital":              "balanceQuery",
	"GET /api/v1/capital/collateral":   "collateralQuery",
	"GET /api/v1/account":              "accountQuery",
	"PATCH /api/v1/account":            "accountUpdate",
	"POST /api/v1/position/margin":     "positionMarginAdjust", // extension
	"GET /api/v1/borrowLend/positions": "borrowLendPositionQuery",
	"POST /api/v1/borrowLend":          "borrowLendExecute",
}

func (h *Handler) routes() {
	public := map[string]http.HandlerFunc{
		"/api/v1/assets":             h.assets,
		"/api/v1/markets":            h.markets,
		"/api/v1/market":             h.market,
		"/api/v1/depth":              h.depth,
		"/api/v1/markPrices":         h.markPrices,
		"/api/v1/openInterest":       h.openInterest,
		"/api/v1/status":             h.status,
		"/api/v1/ping":               h.ping,
		"/api/v1/time":               h.time,
		"/api/v1/borrowLend/markets": h.borrowLendMarkets,
	}
	known := map[string]bool{}
	for path, fn := range public {
		h.mux.HandleFunc("GET "+path, fn)
		known[path] = true
	}
	// Orders: the body parsed once for the signature and the orders.
	for pattern, fn := range map[string]bodyFunc{
		"POST /api/v1/order":  h.executeOrder,
		"POST /api/v1/orders": h.executeOrders,
	} {
		h.mux.HandleFunc(pattern, h.privateBody(Instructions[pattern], fn))
		_, path, _ := strings.Cut(pattern, " ")
		known[path] = true
	}
	private := map[string]privateFunc{
		"GET /api/v1/order":                h.queryOrder,
		"DELETE /api/v1/order":             h.cancelOrder,
		"GET /api/v1/orders":               h.queryOrders,
		"DELETE /api/v1/orders":            h.cancelOrders,
		"GET /api/v1/position":             h.positions,
		"GET /api/v1/capital":              h.capital,
		"GET /api/v1/capital/collateral":   h.collateral,
		"GET /api/v1/account":              h.account,
		"PATCH /api/v1/account":            h.updateAccount,
		"POST /api/v1/position/margin":     h.adjustMargin,
		"GET /api/v1/borrowLend/positions": h.borrowLendPositions,
		"POST /api/v1/borrowLend":          h.executeBorrowLend,
	}
	for pattern, fn := range private {
		h.mux.HandleFunc(pattern, h.private(Instructions[pattern], fn))
		_, path, _ := strings.Cut(pattern, " ")
		known[path] = true
	}
	h.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		if known[r.URL.Path] {
			writeError(w, backpack.Errorf(http.StatusMethodNotAllowed, backpack.CodeInvalidClientRequest,
				"%s is not served for %s", r.Method, r.URL.Path))
			return
		}
		writeError(w, backpack.Errorf(http.StatusNotFound, backpack.CodeNotImplemented, "%s is not served", r.URL.Path))
	})
}
