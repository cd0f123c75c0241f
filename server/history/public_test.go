package history

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/server/readmodel"
)

// Before any trade a market answers empty trades and klines and a ticker of
// zeros; after three trades the shapes and numbers are Backpack's.
func TestTradesKlinesTickers(t *testing.T) {
	e := newEnv(t)
	e.advance(1000)
	mm, taker := e.user(1, "1000000"), e.user(2, "1000000")
	e.index("BTC", "100000")
	start := strconv.FormatInt(T0/1000-3600, 10)

	if l := list(t, e.get("/api/v1/trades?symbol=BTC_USDC_PERP")); len(l) != 0 {
		t.Fatalf("trades before any: %v", l)
	}
	if l := list(t, e.get("/api/v1/klines?symbol=BTC_USDC_PERP&interval=1m&startTime="+start)); len(l) != 0 {
		t.Fatalf("klines before any trade: %v", l)
	}
	zero := obj(t, e.get("/api/v1/ticker?symbol=BTC_USDC_PERP"))
	for _, k := range []string{"firstPrice", "lastPrice", "priceChange", "priceChangePercent", "high", "low", "volume", "quoteVolume", "trades"} {
		if zero[k] != "0" {
			t.Fatalf("ticker of a market that never traded: %s = %v", k, zero[k])
		}
	}
	if tk := list(t, e.get("/api/v1/tickers")); len(tk) != len(e.cfg.Markets) {
		t.Fatalf("%d tickers for %d markets", len(tk), len(e.cfg.Markets))
	}

	e.order(mm, "BTC_USDC_PERP", engine.Ask, "100000", "1")
	e.order(taker, "BTC_USDC_PERP", engine.Bid, "", "0.5")
	e.order(mm, "BTC_USDC_PERP", engine.Ask, "100100", "1")
	e.order(taker, "BTC_USDC_PERP", engine.Bid, "", "1")

	trades := list(t, e.get("/api/v1/trades?symbol=BTC_USDC_PERP"))
	if len(trades) != 3 {
		t.Fatalf("trades: %v", trades)
	}
	for i, tr := range trades {
		shape(t, tr, []string{"price", "quantity", "quoteQuantity"}, []string{"id", "timestamp"}, []string{"isBuyerMaker"}, nil)
		if tr["isBuyerMaker"] != false || tr["timestamp"].(float64) < T0 {
			t.Fatalf("trade %v", tr)
		}
		if i > 0 && tr["id"].(float64) <= trades[i-1]["id"].(float64) {
			t.Fatalf("trades not oldest first: %v", trades)
		}
	}
	if tr := trades[0]; tr["price"] != "100000" || tr["quantity"] != "0.5" || tr["quoteQuantity"] != "50000" {
		t.Fatalf("first trade %v", tr)
	}
	if l := list(t, e.get("/api/v1/trades?symbol=BTC_USDC_PERP&limit=2")); len(l) != 2 || l[1]["id"] != trades[2]["id"] {
		t.Fatalf("limit 2: %v", l)
	}
	if l := list(t, e.get("/api/v1/trades/history?symbol=BTC_USDC_PERP&limit=1&offset=1")); len(l) != 1 || l[0]["id"] != trades[1]["id"] {
		t.Fatalf("history offset 1: %v", l)
	}

	ks := list(t, e.get("/api/v1/klines?symbol=BTC_USDC_PERP&interval=1m&startTime="+start))
	if len(ks) != 1 {
		t.Fatalf("klines: %v", ks)
	}
	k := ks[0]
	shape(t, k, []string{"start", "end", "open", "high", "low", "close", "volume", "quoteVolume", "trades"}, nil, nil, nil)
	if k["open"] != "100000" || k["high"] != "100100" || k["low"] != "100000" || k["close"] != "100100" ||
		k["volume"] != "1.5" || k["quoteVolume"] != "150050" || k["trades"] != "3" ||
		k["start"] != "2025-07-20 08:26:00" || k["end"] != "2025-07-20 08:27:00" {
		t.Fatalf("kline %v", k)
	}
	if l := list(t, e.get("/api/v1/klines?symbol=BTC_USDC_PERP&interval=1month&startTime="+start)); len(l) != 1 ||
		l[0]["start"] != "2025-07-01 00:00:00" || l[0]["trades"] != "3" {
		t.Fatalf("monthly klines: %v", l)
	}
	later := strconv.FormatInt(T0/1000+60, 10)
	if l := list(t, e.get("/api/v1/klines?symbol=BTC_USDC_PERP&interval=1m&startTime="+later)); len(l) != 0 {
		t.Fatalf("klines after the trades: %v", l)
	}

	tk := obj(t, e.get("/api/v1/ticker?symbol=BTC_USDC_PERP"))
	want := map[string]any{"symbol": "BTC_USDC_PERP", "firstPrice": "100000", "lastPrice": "100100", "priceChange": "100",
		"priceChangePercent": "0.001", "high": "100100", "low": "100000", "volume": "1.5", "quoteVolume": "150050", "trades": "3"}
	for k, v := range want {
		if tk[k] != v {
			t.Fatalf("ticker %s = %v, want %v (%v)", k, tk[k], v, tk)
		}
	}

	// A day later the 24-hour window is empty; the last price stays. Funding
	// intervals closed every hour on the way.
	e.advance(25 * 3_600_000)
	tk = obj(t, e.get("/api/v1/ticker?symbol=BTC_USDC_PERP"))
	if tk["trades"] != "0" || tk["volume"] != "0" || tk["lastPrice"] != "100100" || tk["firstPrice"] != "100100" || tk["priceChange"] != "0" {
		t.Fatalf("ticker a day later: %v", tk)
	}
	if tk := obj(t, e.get("/api/v1/ticker?symbol=BTC_USDC_PERP&interval=1w")); tk["trades"] != "3" {
		t.Fatalf("weekly ticker: %v", tk)
	}
	rates := list(t, e.get("/api/v1/fundingRates?symbol=BTC_USDC_PERP"))
	if len(rates) < 25 {
		t.Fatalf("%d funding rates after 25 hours", len(rates))
	}
	shape(t, rates[0], []string{"fundingRate", "intervalEndTimestamp", "symbol"}, nil, nil, nil)
	if rates[0]["intervalEndTimestamp"].(string) <= rates[1]["intervalEndTimestamp"].(string) {
		t.Fatalf("funding rates not newest first: %v", rates[:2])
	}
	if l := list(t, e.get("/api/v1/fundingRates?symbol=BTC_USDC_PERP&limit=2&sortDirection=Asc")); len(l) != 2 ||
		l[0]["intervalEndTimestamp"].(string) >= l[1]["intervalEndTimestamp"].(string) {
		t.Fatalf("funding rates ascending: %v", l)
	}
	if l := list(t, e.get("/api/v1/fundingRates?symbol=BTC_USDC")); len(l) != 0 {
		t.Fatalf("a spot market's funding rates: %v", l)
	}
}

func TestPublicBadRequests(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		target string
		code   string
	}{
		{"/api/v1/trades", "INVALID_MARKET"},
		{"/api/v1/trades?symbol=NOPE", "INVALID_MARKET"},
		{"/api/v1/trades?symbol=BTC_USDC_PERP&limit=0", "INVALID_CLIENT_REQUEST"},
		{"/api/v1/trades?symbol=BTC_USDC_PERP&limit=1001", "INVALID_CLIENT_REQUEST"},
		{"/api/v1/trades?symbol=BTC_USDC_PERP&limit=ten", "INVALID_CLIENT_REQUEST"},
		{"/api/v1/trades/history?symbol=BTC_USDC_PERP&offset=-1", "INVALID_CLIENT_REQUEST"},
		{"/api/v1/klines?symbol=BTC_USDC_PERP&interval=1m", "INVALID_CLIENT_REQUEST"},
		{"/api/v1/klines?symbol=BTC_USDC_PERP&interval=2m&startTime=0", "INVALID_CLIENT_REQUEST"},
		{"/api/v1/klines?symbol=BTC_USDC_PERP&interval=1m&startTime=x", "INVALID_CLIENT_REQUEST"},
		{"/api/v1/klines?symbol=BTC_USDC_PERP&interval=1m&startTime=99999999999999999999", "INVALID_CLIENT_REQUEST"},
		{"/api/v1/klines?symbol=BTC_USDC_PERP&interval=1m&startTime=0&priceType=Mark", "INVALID_CLIENT_REQUEST"},
		{"/api/v1/ticker", "INVALID_MARKET"},
		{"/api/v1/ticker?symbol=BTC_USDC_PERP&interval=1h", "INVALID_CLIENT_REQUEST"},
		{"/api/v1/tickers?interval=5d", "INVALID_CLIENT_REQUEST"},
		{"/api/v1/fundingRates", "INVALID_MARKET"},
		{"/api/v1/fundingRates?symbol=BTC_USDC_PERP&limit=10001", "INVALID_CLIENT_REQUEST"},
		{"/api/v1/fundingRates?symbol=BTC_USDC_PERP&sortDirection=up", "INVALID_CLIENT_REQUEST"},
		{"/api/v1/insuranceFund?limit=-3", "INVALID_CLIENT_REQUEST"},
		{"/api/v1/insuranceFund?from=10&to=5", "INVALID_CLIENT_REQUEST"},
	} {
		apiError(t, e.get(c.target), http.StatusBadRequest, c.code)
	}
	apiError(t, e.do(httptest.NewRequest(http.MethodPost, "/api/v1/trades?symbol=BTC_USDC_PERP", nil)), http.StatusMethodNotAllowed, "")
	apiError(t, e.do(httptest.NewRequest(http.MethodDelete, "/wapi/v1/history/fills", nil)), http.StatusMethodNotAllowed, "")
}

// gate is a journal whose reads wait until it is opened.
type gate struct {
	j    readmodel.Journal
	open chan struct{}
}

func (g *gate) Read(from uint64, fn func(seq uint64, payload []byte) error) error {
	<-g.open
	return g.j.Read(from, fn)
}

// A read model still replaying the journal answers 503 with Backpack's
// error body, then answers once caught up.
func TestCatchingUpAnswers503(t *testing.T) {
	e := newEnv(t)
	mm, taker := e.user(1, "1000000"), e.user(2, "1000000")
	e.index("BTC", "100000")
	e.order(mm, "BTC_USDC_PERP", engine.Ask, "100000", "1")
	e.order(taker, "BTC_USDC_PERP", engine.Bid, "", "1")
	if err := e.m.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(e.dir, readmodel.FileName)
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		_ = os.Remove(p)
	}
	g := &gate{j: e.store(), open: make(chan struct{})}
	var once sync.Once
	release := func() { once.Do(func() { close(g.open) }) }
	m, err := readmodel.Start(readmodel.Options{Path: path, Sequencer: e.seq, Journal: g, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	defer release() // before Close: the replay waits on the gate
	h, err := New(Options{Model: m, Config: e.cfg, Lookup: e.seq.AccountByKey, Now: func() time.Time { return e.wall },
		EngineClock: true, SyncTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	e.h = h
	apiError(t, e.get("/api/v1/trades?symbol=BTC_USDC_PERP"), http.StatusServiceUnavailable, "SERVER_ERROR")
	apiError(t, e.call(taker, "/wapi/v1/history/fills", nil), http.StatusServiceUnavailable, "SERVER_ERROR")
	release()
	h.timeout = time.Minute
	if l := list(t, e.get("/api/v1/trades?symbol=BTC_USDC_PERP")); len(l) != 1 {
		t.Fatalf("trades once caught up: %v", l)
	}
}
