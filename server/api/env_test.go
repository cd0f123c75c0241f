package api

import (
	"context"
	"crypto/ed25519"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/internal/servertest"
)

// fakeSeq implements Sequencer over a real engine behind a mutex: what the
// sequencer does, without the journal.
type fakeSeq struct {
	mu      sync.Mutex
	e       *engine.Engine
	keys    map[string]engine.AccountID
	submits int
	lending []engine.Event // every EvBorrowLend, for fakeLending
}

func (f *fakeSeq) Submit(_ context.Context, c *engine.Command) ([]engine.Event, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.submits++
	events, err := f.e.Apply(c)
	if err != nil {
		return nil, err
	}
	for i := range events {
		if events[i].Kind == engine.EvBorrowLend {
			f.lending = append(f.lending, events[i])
		}
	}
	return slices.Clone(events), nil
}

func (f *fakeSeq) Read(_ context.Context, fn func(e *engine.Engine)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f.e)
	return nil
}

func (f *fakeSeq) AccountByKey(k []byte) (engine.AccountID, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id, ok := f.keys[string(k)]
	return id, ok
}

// CreateAccount creates an account and binds apiKey to it.
func (f *fakeSeq) CreateAccount(ctx context.Context, _ string, apiKey []byte) (engine.AccountID, error) {
	events, err := f.Submit(ctx, &engine.Command{Kind: engine.CmdCreateAccount})
	if err != nil {
		return 0, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.keys[string(apiKey)] = events[0].Account
	return events[0].Account, nil
}

func (f *fakeSeq) hash() [32]byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.e.StateHash()
}

// T0 is the wall and engine time the tests start at (ms).
const T0 = 1_700_000_000_000

// env is an API over a fake sequencer with a settable wall clock and two
// funded users, with index prices set: BTC 100,000, ETH 4,000, SOL 150.
// Setup submits to the fake sequencer.
type env struct {
	servertest.Setup
	t    testing.TB
	seq  *fakeSeq
	h    *Handler
	cfg  *config.Config
	wall time.Time
}

type user struct {
	id   engine.AccountID
	priv ed25519.PrivateKey
}

func newEnv(t testing.TB, o Options) *env {
	t.Helper()
	cfg := config.Default()
	e, err := engine.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	en := &env{t: t, seq: &fakeSeq{e: e, keys: map[string]engine.AccountID{}}, cfg: cfg, wall: time.UnixMilli(T0)}
	en.Setup = servertest.Setup{T: t, Engine: en.seq, Cfg: cfg}
	o.Now = func() time.Time { return en.wall }
	if en.h, err = New(en.seq, cfg, o); err != nil {
		t.Fatal(err)
	}
	en.apply(engine.Command{Kind: engine.CmdAdvanceTime, Amount: T0})
	en.index("BTC", "100000")
	en.index("ETH", "4000")
	en.index("SOL", "150")
	return en
}

// apply runs a setup command, which must be accepted.
func (en *env) apply(c engine.Command) []engine.Event { en.t.Helper(); return en.Submit(c) }

func (en *env) asset(sym string) config.AssetID { en.t.Helper(); return en.Asset(sym) }

func (en *env) index(sym, price string) { en.t.Helper(); en.Index(sym, price) }

// advance moves the wall clock and the engine time by ms.
func (en *env) advance(ms int64) {
	en.wall = en.wall.Add(time.Duration(ms) * time.Millisecond)
	var now int64
	_ = en.seq.Read(context.Background(), func(e *engine.Engine) { now = e.Now() })
	en.apply(engine.Command{Kind: engine.CmdAdvanceTime, Amount: now + ms})
}

// newUser creates an account with the key of seed n (servertest.Key) and,
// unless usdc is "", that much USDC.
func (en *env) newUser(n byte, usdc string) *user {
	en.t.Helper()
	key := servertest.Key(n)
	return &user{id: en.Account(key, usdc), priv: key}
}

// get sends an unsigned GET.
func (en *env) get(target string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, target, nil)
	w := httptest.NewRecorder()
	en.h.ServeHTTP(w, r)
	return w
}

// call sends a request signed exactly as ccxt's backpack sign() signs it;
// params is a map (an object) or a []map[string]any (a batch). The wall
// clock moves 1 ms first, as a client's timestamps move.
func (en *env) call(u *user, method, path string, params any) *httptest.ResponseRecorder {
	en.t.Helper()
	en.wall = en.wall.Add(time.Millisecond)
	r := en.signed(u, method, path, params, en.wall.UnixMilli(), 5000)
	w := httptest.NewRecorder()
	en.h.ServeHTTP(w, r)
	return w
}

// signed builds the request as ccxt's sign() does (backpack.js 4.5.84).
func (en *env) signed(u *user, method, path string, params any, ts, window int64) *http.Request {
	en.t.Helper()
	instruction := Instructions[method+" "+path]
	if instruction == "" {
		en.t.Fatalf("no instruction for %s %s", method, path)
	}
	return servertest.Sign(u.priv, instruction, method, path, params, ts, window).Request()
}

// Checks of Backpack's answers.
var (
	obj      = servertest.Object
	list     = servertest.List
	apiError = servertest.APIError
	shape    = servertest.Shape
)

type recorder = httptest.ResponseRecorder

func newRecorder() *recorder { return httptest.NewRecorder() }
