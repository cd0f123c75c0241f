// Package admin serves the operator API (DESIGN.md §4): every path under
// /admin/v1/, JSON in and out, behind "Authorization: Bearer <token>".
//
// Prices and quantities are decimal strings (JSON numbers accepted too);
// accountId and advanceMs are JSON integers; stateHash is lowercase hex.
// Every bad request gets a 4xx with Backpack's {"code","message"} and submits
// nothing: requests are checked in full before the first command is sent. A
// request the engine refuses journals nothing either (with the wall clock the
// clock advance that precedes a batch is journaled, see package sequencer).
package admin

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/server/backpack"
)

// Prefix is where the operator API is mounted.
const Prefix = "/admin/v1/"

// Sequencer is what the operator API needs of the goroutine that owns the
// engine (server/sequencer implements it).
type Sequencer interface {
	Submit(ctx context.Context, c *engine.Command) ([]engine.Event, error)
	Read(ctx context.Context, fn func(e *engine.Engine)) error
	CreateAccount(ctx context.Context, label string, apiKey []byte) (engine.AccountID, error)
	// AdvanceClock moves the manual clock (sequencer.ErrWallClock
	// otherwise).
	AdvanceClock(ctx context.Context, ms int64) ([]engine.Event, error)
}

// InsuranceHistory is the insurance fund's history: every balance movement of
// engine.AccountInsurance (EvBalance events), oldest first. The server
// passes its SQLite read model (readmodel.Model, rebuilt from the journal);
// InsuranceLog keeps it in memory (tests).
type InsuranceHistory interface {
	InsuranceHistory(ctx context.Context) ([]engine.Event, error)
}

// Options configure New.
type Options struct {
	// Token is the operator token (required, non-empty).
	Token string
	// Sequencer runs the commands. Required.
	Sequencer Sequencer
	// Config is the configuration the sequencer's engine runs. Required.
	Config *config.Config
	// History feeds GET /admin/v1/insurance (nil: an empty history).
	History InsuranceHistory
	// MaxBodyBytes bounds a request body (0: 64 KiB).
	MaxBodyBytes int64
}

// Handler is the operator API.
type Handler struct {
	token   []byte
	seq     Sequencer
	cat     *backpack.Catalog
	cfg     *config.Config
	history InsuranceHistory
	maxBody int64
	routes  map[string]route
}

type route struct {
	method string
	fn     func(w http.ResponseWriter, r *http.Request) *backpack.Error
}

// New returns the operator API handler; mount it at Prefix.
func New(o Options) (*Handler, error) {
	if o.Token == "" || o.Sequencer == nil || o.Config == nil {
		return nil, errors.New("admin: Token, Sequencer and Config are required")
	}
	cat, err := backpack.NewCatalog(o.Config)
	if err != nil {
		return nil, err
	}
	h := &Handler{token: []byte(o.Token), seq: o.Sequencer, cat: cat, cfg: o.Config, history: o.History, maxBody: o.MaxBodyBytes}
	if h.maxBody <= 0 {
		h.maxBody = 64 << 10
	}
	h.routes = map[string]route{
		"accounts":      {http.MethodPost, h.accounts},
		"deposits":      {http.MethodPost, h.deposits},
		"withdrawals":   {http.MethodPost, h.withdrawals},
		"prices":        {http.MethodPost, h.prices},
		"clock":         {http.MethodPost, h.clock},
		"backstop":      {http.MethodPost, h.backstop},
		"insurance":     {http.MethodGet, h.insurance},
		"liquidations":  {http.MethodGet, h.liquidations},
		"state":         {http.MethodGet, h.state},
		"invariants":    {http.MethodGet, h.invariants},
		"markets/close": {http.MethodPost, h.closeMarket},
	}
	return h, nil
}

// ServeHTTP checks the token, then routes.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !h.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="waterfall-admin"`)
		writeError(w, backpack.Errorf(http.StatusUnauthorized, backpack.CodeUnauthorized,
			"the operator API needs the header Authorization: Bearer <token>"))
		return
	}
	name, ok := strings.CutPrefix(r.URL.Path, Prefix)
	rt, found := h.routes[strings.TrimSuffix(name, "/")]
	if !ok || !found {
		writeError(w, backpack.Errorf(http.StatusNotFound, backpack.CodeResourceNotFound, "no operator endpoint %s", r.URL.Path))
		return
	}
	if r.Method != rt.method {
		w.Header().Set("Allow", rt.method)
		writeError(w, backpack.Errorf(http.StatusMethodNotAllowed, backpack.CodeInvalidClientRequest,
			"%s takes %s, not %s", r.URL.Path, rt.method, r.Method))
		return
	}
	if err := rt.fn(w, r); err != nil {
		writeError(w, err)
	}
}

func (h *Handler) authorized(r *http.Request) bool {
	auth := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(auth, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), h.token) == 1
}
