package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
)

func TestAssets(t *testing.T) {
	en := newEnv(t, Options{})
	l := list(t, en.get("/api/v1/assets"))
	if len(l) != 4 || l[0]["symbol"] != "USDC" || l[1]["symbol"] != "BTC" {
		t.Fatalf("assets: %v", l)
	}
	for _, a := range l {
		shape(t, a, []string{"symbol", "displayName"}, nil, nil, []string{"coingeckoId"})
		if tokens, ok := a["tokens"].([]any); !ok || len(tokens) != 0 {
			t.Errorf("tokens %v, want []", a["tokens"])
		}
	}
}

// TestMarkets: the fields ccxt's parseMarket reads, with their types.
func TestMarkets(t *testing.T) {
	en := newEnv(t, Options{})
	l := list(t, en.get("/api/v1/markets"))
	if len(l) != 6 {
		t.Fatalf("%d markets, want 6", len(l))
	}
	bySymbol := map[string]map[string]any{}
	for _, m := range l {
		bySymbol[m["symbol"].(string)] = m
		shape(t, m, []string{"symbol", "baseSymbol", "quoteSymbol", "marketType", "orderBookState", "openInterestLimit"}, nil, nil, nil)
		if m["orderBookState"] != "Open" {
			t.Errorf("%s: orderBookState %v", m["symbol"], m["orderBookState"])
		}
	}
	btc := bySymbol["BTC_USDC_PERP"]
	shape(t, btc, []string{"fundingRateUpperBound", "fundingRateLowerBound"}, []string{"fundingInterval"}, nil, []string{"createdAt"})
	if btc["marketType"] != "PERP" || btc["baseSymbol"] != "BTC" || btc["quoteSymbol"] != "USDC" {
		t.Errorf("BTC_USDC_PERP: %v", btc)
	}
	if btc["fundingRateUpperBound"] != "100" || btc["fundingRateLowerBound"] != "-100" || btc["fundingInterval"] != 3600000.0 {
		t.Errorf("funding fields: %v %v %v", btc["fundingRateUpperBound"], btc["fundingRateLowerBound"], btc["fundingInterval"])
	}
	f := btc["filters"].(map[string]any)
	price, qty := f["price"].(map[string]any), f["quantity"].(map[string]any)
	if price["tickSize"] != "0.1" || price["minPrice"] != "0.1" || price["maxMultiplier"] != "1.25" || price["minImpactMultiplier"] != "0.97" {
		t.Errorf("price filter: %v", price)
	}
	if qty["stepSize"] != "0.0001" || qty["minQuantity"] != "0.0001" || qty["maxQuantity"] != nil {
		t.Errorf("quantity filter: %v", qty)
	}
	imf := btc["imfFunction"].(map[string]any)
	if imf["type"] != "sqrt" || imf["base"] != "0.01333333" || imf["factor"] != "0.00002494" {
		t.Errorf("imfFunction: %v", imf)
	}
	spot := bySymbol["SOL_USDC"]
	if spot["marketType"] != "SPOT" || spot["imfFunction"] != nil || spot["fundingInterval"] != nil {
		t.Errorf("SOL_USDC: %v", spot)
	}
	one := obj(t, en.get("/api/v1/market?symbol=ETH_USDC_PERP"))
	if one["symbol"] != "ETH_USDC_PERP" || one["filters"].(map[string]any)["price"].(map[string]any)["tickSize"] != "0.01" {
		t.Errorf("market: %v", one)
	}
	apiError(t, en.get("/api/v1/market?symbol=DOGE_USDC"), http.StatusBadRequest, "INVALID_MARKET")
	apiError(t, en.get("/api/v1/market"), http.StatusBadRequest, "INVALID_MARKET")
}

func TestDepth(t *testing.T) {
	en := newEnv(t, Options{})
	alice := en.newUser(1, "1000000")
	for _, o := range []map[string]any{
		{"symbol": "BTC_USDC_PERP", "side": "Bid", "orderType": "Limit", "price": "99000", "quantity": "0.01"},
		{"symbol": "BTC_USDC_PERP", "side": "Bid", "orderType": "Limit", "price": "99500.5", "quantity": "0.02"},
		{"symbol": "BTC_USDC_PERP", "side": "Ask", "orderType": "Limit", "price": "101000", "quantity": "0.03"},
		{"symbol": "BTC_USDC_PERP", "side": "Ask", "orderType": "Limit", "price": "100500", "quantity": "0.0001"},
	} {
		obj(t, en.call(alice, "POST", "/api/v1/order", o))
	}
	w := en.get("/api/v1/depth?symbol=BTC_USDC_PERP")
	var d struct {
		Asks, Bids   [][2]string
		LastUpdateID string `json:"lastUpdateId"`
		Timestamp    int64  `json:"timestamp"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &d); err != nil || w.Code != http.StatusOK {
		t.Fatalf("depth: %d %s", w.Code, w.Body)
	}
	wantBids := [][2]string{{"99000", "0.01"}, {"99500.5", "0.02"}}   // ascending, as Backpack
	wantAsks := [][2]string{{"100500", "0.0001"}, {"101000", "0.03"}} // ascending
	if !equal(d.Bids, wantBids) || !equal(d.Asks, wantAsks) {
		t.Errorf("bids %v asks %v", d.Bids, d.Asks)
	}
	if _, err := strconv.ParseUint(d.LastUpdateID, 10, 64); err != nil || d.Timestamp != T0*1000 {
		t.Errorf("lastUpdateId %q timestamp %d (want engine time in µs %d)", d.LastUpdateID, d.Timestamp, int64(T0*1000))
	}
	m := obj(t, en.get("/api/v1/depth?symbol=BTC_USDC_PERP&limit=1"))
	if len(m["bids"].([]any)) != 1 || len(m["asks"].([]any)) != 1 {
		t.Errorf("limit=1: %v", m)
	}
	apiError(t, en.get("/api/v1/depth?symbol=BTC_USDC_PERP&limit=0"), http.StatusBadRequest, "INVALID_CLIENT_REQUEST")
	apiError(t, en.get("/api/v1/depth?symbol=NOPE"), http.StatusBadRequest, "INVALID_MARKET")
	// An empty book answers empty arrays, never 404.
	e := obj(t, en.get("/api/v1/depth?symbol=SOL_USDC"))
	if len(e["bids"].([]any)) != 0 || len(e["asks"].([]any)) != 0 {
		t.Errorf("empty book: %v", e)
	}
}

func equal(a, b [][2]string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestMarkPricesAndFunding: fetchFundingRate reads markPrices[0]; the
// funding rate list shows the last settled interval once one has settled.
func TestMarkPricesAndFunding(t *testing.T) {
	en := newEnv(t, Options{})
	l := list(t, en.get("/api/v1/markPrices"))
	if len(l) != 3 {
		t.Fatalf("%d mark prices, want the 3 perpetuals", len(l))
	}
	l = list(t, en.get("/api/v1/markPrices?symbol=BTC_USDC_PERP"))
	mp := l[0]
	shape(t, mp, []string{"fundingRate", "indexPrice", "markPrice", "symbol"}, []string{"nextFundingTimestamp"}, nil, nil)
	if mp["markPrice"] != "100000" || mp["indexPrice"] != "100000" || mp["symbol"] != "BTC_USDC_PERP" {
		t.Errorf("mark price: %v", mp)
	}
	next := int64(mp["nextFundingTimestamp"].(float64))
	if next <= T0 || next > T0+3600_000 || next%3600_000 != 0 {
		t.Errorf("nextFundingTimestamp %d: want the next whole hour after %d", next, int64(T0))
	}
	// GET /api/v1/fundingRates (the history) is server/history's.
	en.advance(next - T0) // the interval ends: funding settles at the interest rate
	mp = list(t, en.get("/api/v1/markPrices?symbol=BTC_USDC_PERP"))[0]
	if mp["fundingRate"] == "0" || int64(mp["nextFundingTimestamp"].(float64)) != next+3600_000 {
		t.Errorf("mark price after an interval: %v", mp)
	}
}

func TestOpenInterest(t *testing.T) {
	en := newEnv(t, Options{})
	alice, bob := en.newUser(1, "1000000"), en.newUser(2, "1000000")
	obj(t, en.call(alice, "POST", "/api/v1/order", map[string]any{"symbol": "ETH_USDC_PERP", "side": "Bid", "orderType": "Limit", "price": "4000", "quantity": "1.5"}))
	obj(t, en.call(bob, "POST", "/api/v1/order", map[string]any{"symbol": "ETH_USDC_PERP", "side": "Ask", "orderType": "Market", "quantity": "1.5"}))
	l := list(t, en.get("/api/v1/openInterest?symbol=ETH_USDC_PERP"))
	if len(l) != 1 || l[0]["openInterest"] != "1.5" || l[0]["symbol"] != "ETH_USDC_PERP" {
		t.Fatalf("open interest: %v", l)
	}
	shape(t, l[0], []string{"openInterest", "symbol"}, []string{"timestamp"}, nil, nil)
	if all := list(t, en.get("/api/v1/openInterest")); len(all) != 3 {
		t.Errorf("all open interest: %v", all)
	}
}

func TestSystemEndpoints(t *testing.T) {
	en := newEnv(t, Options{})
	s := obj(t, en.get("/api/v1/status"))
	if s["status"] != "Ok" || s["message"] != nil {
		t.Errorf("status: %v", s)
	}
	if w := en.get("/api/v1/ping"); w.Code != http.StatusOK || w.Body.String() != "pong" {
		t.Errorf("ping: %d %q", w.Code, w.Body)
	}
	en.advance(1234) // the wall clock, not the engine's, answers
	if w := en.get("/api/v1/time"); w.Code != http.StatusOK || w.Body.String() != strconv.FormatInt(T0+1234, 10) {
		t.Errorf("time: %d %q", w.Code, w.Body)
	}
	if l := list(t, en.get("/api/v1/borrowLend/markets")); len(l) != 4 {
		t.Errorf("borrowLend/markets: %v, want the 4 built-in pools", l)
	}
	apiError(t, en.get("/api/v1/klines-nope"), http.StatusNotFound, "")
	r := en.get("/api/v1/status")
	if ct := r.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("content type %q", ct)
	}
}
