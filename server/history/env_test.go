package history

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
	"github.com/waterfallrisk/waterfall/journal"
	"github.com/waterfallrisk/waterfall/journal/record"
	"github.com/waterfallrisk/waterfall/server/readmodel"
	"github.com/waterfallrisk/waterfall/server/sequencer"
)

// T0 is the wall clock's and the manual clock's start (ms).
const T0 = 1_753_000_000_000

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// env is a real sequencer (manual clock, journal in a temp dir), its read
// model and the history handler over them.
type env struct {
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

func (e *env) store() sequencer.Dir {
	return sequencer.Dir{Path: record.JournalPath(e.dir), Options: journal.Options{NoSync: true}}
}

// open starts the sequencer, the model and the handler.
func (e *env) open() {
	e.t.Helper()
	q, err := sequencer.Open(sequencer.Options{Store: e.store(), Clock: sequencer.ClockManual,
		Now: func() time.Time { return time.UnixMilli(T0) }, Logger: quiet(), SnapshotEvery: -1})
	if err != nil {
		e.t.Fatal(err)
	}
	e.seq, e.cfg = q, q.Config()
	e.t.Cleanup(func() { _ = q.Close() })
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

func (e *env) submit(c engine.Command) []engine.Event {
	e.t.Helper()
	evs, err := e.seq.Submit(context.Background(), &c)
	if err != nil {
		e.t.Fatalf("%v: %v", c.Kind, err)
	}
	return evs
}

func (e *env) advance(ms int64) []engine.Event {
	e.t.Helper()
	evs, err := e.seq.AdvanceClock(context.Background(), ms)
	if err != nil {
		e.t.Fatal(err)
	}
	return evs
}

func (e *env) user(seed byte, usdc string) *user {
	e.t.Helper()
	seedBytes := make([]byte, 32)
	seedBytes[0] = seed
	priv := ed25519.NewKeyFromSeed(seedBytes)
	id, err := e.seq.CreateAccount(context.Background(), "", priv.Public().(ed25519.PublicKey))
	if err != nil {
		e.t.Fatal(err)
	}
	u := &user{id: id, priv: priv}
	if usdc != "" {
		v, err := fixed.ParseDecimal(usdc, 6)
		if err != nil {
			e.t.Fatal(err)
		}
		usd, _ := e.cfg.AssetBySymbol("USDC")
		e.submit(engine.Command{Kind: engine.CmdDeposit, Account: id, Asset: usd, Amount: v})
	}
	return u
}

func (e *env) market(sym string) config.MarketID {
	m, ok := e.cfg.MarketBySymbol(sym)
	if !ok {
		e.t.Fatalf("no market %s", sym)
	}
	return m
}

func (e *env) index(sym, price string) []engine.Event {
	e.t.Helper()
	p, err := fixed.ParseDecimal(price, fixed.PriceDecimals)
	if err != nil {
		e.t.Fatal(err)
	}
	a, _ := e.cfg.AssetBySymbol(sym)
	return e.submit(engine.Command{Kind: engine.CmdSetIndexPrice, Asset: a, Amount: p})
}

// order places a GTC limit order, or a market order when price is "".
func (e *env) order(u *user, sym string, side engine.Side, price, qty string) []engine.Event {
	e.t.Helper()
	m := e.market(sym)
	mk := &e.cfg.Markets[m]
	q, err := fixed.ParseDecimal(qty, e.cfg.Assets[mk.Base].Decimals)
	if err != nil {
		e.t.Fatal(err)
	}
	c := engine.Command{Kind: engine.CmdPlaceOrder, Account: u.id, Market: m, Side: side, Type: engine.Market,
		Quantity: q / mk.StepSize}
	if price != "" {
		p, err := fixed.ParseDecimal(price, fixed.PriceDecimals)
		if err != nil {
			e.t.Fatal(err)
		}
		c.Type, c.Price = engine.Limit, p/mk.TickSize
	}
	return e.submit(c)
}

func (e *env) backstop(u *user, sym, capacity string) {
	e.t.Helper()
	v, err := fixed.ParseDecimal(capacity, 6)
	if err != nil {
		e.t.Fatal(err)
	}
	e.submit(engine.Command{Kind: engine.CmdRegisterBackstop, Account: u.id, Market: e.market(sym), Amount: v})
}

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
	ts := e.wall.UnixMilli()
	q := ccxtURLEncode(params)
	payload := "instruction=" + instruction + "&"
	if q != "" {
		payload += q + "&"
	}
	payload += "timestamp=" + strconv.FormatInt(ts, 10) + "&window=5000"
	target := path
	if q != "" {
		target += "?" + q
	}
	r := httptest.NewRequest(http.MethodGet, target, nil)
	r.Header.Set("X-Timestamp", strconv.FormatInt(ts, 10))
	r.Header.Set("X-Window", "5000")
	r.Header.Set("X-API-Key", base64.StdEncoding.EncodeToString(u.priv.Public().(ed25519.PublicKey)))
	r.Header.Set("X-Signature", base64.StdEncoding.EncodeToString(ed25519.Sign(u.priv, []byte(payload))))
	return r
}

// ccxtURLEncode is ccxt's urlencode(keysort(params)).
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
		case string:
			v = x
		case int:
			v = strconv.Itoa(x)
		case int64:
			v = strconv.FormatInt(x, 10)
		default:
			panic("unsupported param type")
		}
		parts = append(parts, encodeComponent(k)+"="+encodeComponent(v))
	}
	return strings.Join(parts, "&")
}

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

// list decodes a 200 JSON array of objects.
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

// obj decodes a 200 JSON object.
func obj(t testing.TB, w *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	var m map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
		t.Fatalf("not a JSON object: %v: %s", err, w.Body)
	}
	return m
}

// apiError checks a Backpack error: the status and a body of exactly
// {"code","message"} with the code.
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
				t.Errorf("field %s = %#v, want %s (in %v)", k, v, want, m)
			}
		}
	}
	check(s, "a string", func(v any) bool { _, ok := v.(string); return ok })
	check(n, "a number", func(v any) bool { _, ok := v.(float64); return ok })
	check(b, "a boolean", func(v any) bool { _, ok := v.(bool); return ok })
	check(z, "null", func(v any) bool { return v == nil })
}
