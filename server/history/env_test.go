package history

import (
	"crypto/ed25519"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/internal/servertest"
	"github.com/waterfallrisk/waterfall/server/readmodel"
	"github.com/waterfallrisk/waterfall/server/sequencer"
)

// T0 is the wall clock's and the manual clock's start (ms).
const T0 = 1_753_000_000_000

func quiet() *slog.Logger { return servertest.Quiet() }

// env is a real sequencer (manual clock, journal in a temp dir), its read
// model and the history handler over them; Setup submits to the sequencer.
type env struct {
	servertest.Setup
	t    testing.TB
	dir  string
	seq  *sequencer.Sequencer
	cfg  *config.Config
	m    *readmodel.Model
	h    *Handler
	wall time.Time
}

type user struct {
	id   engine.AccountID
	priv ed25519.PrivateKey
}

func newEnv(t testing.TB) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir(), wall: time.UnixMilli(T0)}
	e.open()
	return e
}

func (e *env) store() sequencer.Dir { return servertest.Journal(e.dir) }

// open starts the sequencer, the model and the handler.
func (e *env) open() {
	e.t.Helper()
	q := servertest.Sequencer(e.t, e.dir, T0)
	e.seq, e.cfg = q, q.Config()
	e.Setup = servertest.Setup{T: e.t, Engine: q, Cfg: e.cfg}
	m, err := readmodel.Start(readmodel.Options{Path: filepath.Join(e.dir, readmodel.FileName), Sequencer: q,
		Journal: e.store(), Logger: quiet()})
	if err != nil {
		e.t.Fatal(err)
	}
	e.m = m
	e.t.Cleanup(func() { _ = m.Close() })
	e.h, err = New(Options{Model: m, Config: e.cfg, Lookup: q.AccountByKey, Now: func() time.Time { return e.wall },
		EngineClock: true, SyncTimeout: 30 * time.Second})
	if err != nil {
		e.t.Fatal(err)
	}
}

// restart closes everything and opens it again on the same directory.
func (e *env) restart() {
	e.t.Helper()
	if err := e.seq.Close(); err != nil {
		e.t.Fatal(err)
	}
	<-e.m.Done()
	e.open()
}

func (e *env) advance(ms int64) []engine.Event { e.t.Helper(); return e.Advance(ms) }

// user creates an account with the key of seed (servertest.Key) and, unless
// usdc is "", that much USDC.
func (e *env) user(seed byte, usdc string) *user {
	e.t.Helper()
	key := servertest.Key(seed)
	return &user{id: e.Account(key, usdc), priv: key}
}

func (e *env) index(sym, price string) []engine.Event { e.t.Helper(); return e.Index(sym, price) }

// order places a GTC limit order, or a market order when price is "".
func (e *env) order(u *user, sym string, side engine.Side, price, qty string) []engine.Event {
	e.t.Helper()
	return e.Order(u.id, sym, side, price, qty)
}

func (e *env) backstop(u *user, sym, capacity string) { e.t.Helper(); e.Backstop(u.id, sym, capacity) }

// get sends an unsigned request.
func (e *env) get(target string) *httptest.ResponseRecorder {
	return e.do(httptest.NewRequest(http.MethodGet, target, nil))
}

func (e *env) do(r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

// call sends a GET signed as ccxt's backpack sign() signs it.
func (e *env) call(u *user, path string, params map[string]any) *httptest.ResponseRecorder {
	e.t.Helper()
	e.wall = e.wall.Add(time.Millisecond)
	return e.do(e.signed(u, path, params, Instructions["GET "+path]))
}

func (e *env) signed(u *user, path string, params map[string]any, instruction string) *http.Request {
	return servertest.Sign(u.priv, instruction, http.MethodGet, path, params, e.wall.UnixMilli(), 5000).Request()
}

// Checks of Backpack's answers.
var (
	list     = servertest.List
	obj      = servertest.Object
	apiError = servertest.APIError
	shape    = servertest.Shape
)
