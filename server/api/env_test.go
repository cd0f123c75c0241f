package api

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// fakeSeq implements Sequencer over a real engine behind a mutex: what the
// sequencer does, without the journal.
type fakeSeq struct {
	mu      sync.Mutex
	e       *engine.Engine
	keys    map[string]engine.AccountID
	submits int
}

func (f *fakeSeq) Submit(_ context.Context, c *engine.Command) ([]engine.Event, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.submits++
	events, err := f.e.Apply(c)
	if err != nil {
		return nil, err
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

func (f *fakeSeq) hash() [32]byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.e.StateHash()
}

// T0 is the wall and engine time the tests start at (ms).
const T0 = 1_700_000_000_000

// env is an API over a fake sequencer with a settable wall clock and two
// funded users, with index prices set: BTC 100,000, ETH 4,000, SOL 150.
type env struct {
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
func (en *env) apply(c engine.Command) []engine.Event {
	en.t.Helper()
	events, err := en.seq.Submit(context.Background(), &c)
	if err != nil {
		en.t.Fatalf("setup command %v: %v", c.Kind, err)
	}
	return events
}

func (en *env) asset(sym string) config.AssetID {
	a, ok := en.cfg.AssetBySymbol(sym)
	if !ok {
		en.t.Fatalf("no asset %s", sym)
	}
	return a
}

func (en *env) market(sym string) config.MarketID {
	m, ok := en.cfg.MarketBySymbol(sym)
	if !ok {
		en.t.Fatalf("no market %s", sym)
	}
	return m
}

func (en *env) index(sym, price string) {
	en.t.Helper()
	p, err := fixed.ParseDecimal(price, fixed.PriceDecimals)
	if err != nil {
		en.t.Fatal(err)
	}
	en.apply(engine.Command{Kind: engine.CmdSetIndexPrice, Asset: en.asset(sym), Amount: p})
}

// advance moves the wall clock and the engine time by ms.
func (en *env) advance(ms int64) {
	en.wall = en.wall.Add(time.Duration(ms) * time.Millisecond)
	var now int64
	_ = en.seq.Read(context.Background(), func(e *engine.Engine) { now = e.Now() })
	en.apply(engine.Command{Kind: engine.CmdAdvanceTime, Amount: now + ms})
}

// newUser creates an account with a key (seed from n) and deposits USDC.
func (en *env) newUser(n byte, usdc string) *user {
	en.t.Helper()
	events := en.apply(engine.Command{Kind: engine.CmdCreateAccount})
	u := &user{id: events[0].Account, priv: ed25519.NewKeyFromSeed(bytes.Repeat([]byte{n}, 32))}
	en.seq.mu.Lock()
	en.seq.keys[string(u.priv.Public().(ed25519.PublicKey))] = u.id
	en.seq.mu.Unlock()
	if usdc != "" {
		amt, err := fixed.ParseDecimal(usdc, 6)
		if err != nil {
			en.t.Fatal(err)
		}
		en.apply(engine.Command{Kind: engine.CmdDeposit, Account: u.id, Asset: en.asset("USDC"), Amount: amt})
	}
	return u
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
	tail := "timestamp=" + strconv.FormatInt(ts, 10) + "&window=" + strconv.FormatInt(window, 10)
	var payload, target string
	var body []byte
	switch p := params.(type) {
	case []map[string]any: // generateBatchPayload
		for i, o := range p {
			payload += "instruction=" + instruction + "&" + ccxtURLEncode(o) + "&"
			if i == len(p)-1 {
				payload += tail
			}
		}
		body, _ = json.Marshal(p)
	case map[string]any:
		q := ccxtURLEncode(p)
		if q != "" {
			q += "&"
		}
		payload = "instruction=" + instruction + "&" + q + tail
		if method != http.MethodGet {
			body, _ = json.Marshal(p) // keys sorted, as keysort then JSON.stringify
		}
		target = path
		if method == http.MethodGet && len(p) > 0 {
			target += "?" + ccxtURLEncode(p)
		}
	default:
		en.t.Fatalf("params %T", params)
	}
	if target == "" {
		target = path
	}
	r := httptest.NewRequest(method, target, bytes.NewReader(body))
	r.Header.Set("X-Timestamp", strconv.FormatInt(ts, 10))
	r.Header.Set("X-Window", strconv.FormatInt(window, 10))
	r.Header.Set("X-API-Key", base64.StdEncoding.EncodeToString(u.priv.Public().(ed25519.PublicKey)))
	r.Header.Set("X-Signature", base64.StdEncoding.EncodeToString(ed25519.Sign(u.priv, []byte(payload))))
	r.Header.Set("X-Broker-Id", "1400")
	if method != http.MethodGet {
		r.Header.Set("Content-Type", "application/json")
	}
	return r
}

// ccxtURLEncode is ccxt's urlencode(keysort(params)): keys sorted, key=value
// joined by &, both RFC 3986 encoded; values as JavaScript's String().
func ccxtURLEncode(p map[string]any) string {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		var v string
		switch x := p[k].(type) {
		case nil:
		case string:
			v = x
		case bool:
			v = strconv.FormatBool(x)
		case int:
			v = strconv.Itoa(x)
		case int64:
			v = strconv.FormatInt(x, 10)
		case uint32:
			v = strconv.FormatUint(uint64(x), 10)
		default:
			panic("unsupported param type")
		}
		parts = append(parts, encodeComponent(k)+"="+encodeComponent(v))
	}
	return strings.Join(parts, "&")
}

// encodeComponent is encodeURIComponent with !'()* escaped (ccxt's rfc3986).
func encodeComponent(s string) string {
	var sb strings.Builder
	for _, c := range []byte(s) {
		if strings.IndexByte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~", c) >= 0 {
			sb.WriteByte(c)
		} else {
			sb.WriteString("%" + strings.ToUpper(strconv.FormatInt(int64(c)+0x100, 16)[1:]))
		}
	}
	return sb.String()
}

// obj decodes a JSON object response with status 200.
func obj(t testing.TB, w *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	var m map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
		t.Fatalf("not a JSON object: %v: %s", err, w.Body)
	}
	if _, has := m["code"]; has {
		t.Fatalf("a 200 with a code field (ccxt would raise): %s", w.Body)
	}
	return m
}

// list decodes a JSON array response with status 200.
func list(t testing.TB, w *httptest.ResponseRecorder) []map[string]any {
	t.Helper()
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	var l []map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &l); err != nil {
		t.Fatalf("not a JSON array of objects: %v: %s", err, w.Body)
	}
	return l
}

// apiError checks a Backpack error response: the status, and a body of
// exactly {"code","message"} with the code.
func apiError(t testing.TB, w *httptest.ResponseRecorder, status int, code string) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d: %s", w.Code, status, w.Body)
	}
	var m map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
		t.Fatalf("error body is not JSON: %s", w.Body)
	}
	c, ok1 := m["code"].(string)
	msg, ok2 := m["message"].(string)
	if !ok1 || !ok2 || len(m) != 2 || msg == "" {
		t.Fatalf("error body is not {code, message}: %s", w.Body)
	}
	if code != "" && c != code {
		t.Fatalf("code %s, want %s: %s", c, code, w.Body)
	}
}

// shape checks the JSON types of fields: s strings, n numbers, b booleans,
// z null.
func shape(t testing.TB, m map[string]any, s, n, b, z []string) {
	t.Helper()
	check := func(keys []string, want string, ok func(any) bool) {
		for _, k := range keys {
			v, has := m[k]
			if !has || !ok(v) {
				t.Errorf("field %s = %#v, want %s", k, v, want)
			}
		}
	}
	check(s, "a string", func(v any) bool { _, ok := v.(string); return ok })
	check(n, "a number", func(v any) bool { _, ok := v.(float64); return ok })
	check(b, "a boolean", func(v any) bool { _, ok := v.(bool); return ok })
	check(z, "null", func(v any) bool { return v == nil })
}

type recorder = httptest.ResponseRecorder

func newRecorder() *recorder { return httptest.NewRecorder() }
