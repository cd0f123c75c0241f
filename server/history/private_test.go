package history

import (
	"crypto/ed25519"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/server/readmodel"
)

// accounts of the liquidation scenario.
type accounts struct {
	mm, trader         *user // BTC: liquidated on the book (stage 1)
	makerE, bustE, bpE *user // ETH: backstopped (stage 2)
	makerS, bustS      *user // SOL: ADL'd (stage 3)
}

// liquidations runs one liquidation of each stage (see
// server/readmodel's scenario for the numbers).
func liquidations(e *env) *accounts {
	e.t.Helper()
	e.advance(1000)
	a := &accounts{mm: e.user(1, "1000000"), trader: e.user(2, "35000"), makerE: e.user(3, "1000000"),
		bustE: e.user(4, "1000"), bpE: e.user(5, "1000000"), makerS: e.user(6, "1000000"), bustS: e.user(7, "100")}
	e.index("BTC", "100000")
	e.index("ETH", "4000")
	e.index("SOL", "150")
	e.order(a.mm, "BTC_USDC_PERP", engine.Ask, "100000", "10")
	e.order(a.trader, "BTC_USDC_PERP", engine.Bid, "", "10")
	e.order(a.mm, "BTC_USDC_PERP", engine.Bid, "97000", "20")
	e.index("BTC", "97900")
	book := false
	for i := 0; i < 120 && !book; i++ {
		for _, ev := range e.advance(1000) {
			book = book || ev.Kind == engine.EvOrder && ev.FillType == engine.FillBookLiquidation && ev.OrderEvent == engine.OrderFill
		}
	}
	if !book {
		e.t.Fatal("no book liquidation in 120 s")
	}
	e.order(a.makerE, "ETH_USDC_PERP", engine.Ask, "4000", "10")
	e.order(a.bustE, "ETH_USDC_PERP", engine.Bid, "", "10")
	e.backstop(a.bpE, "ETH_USDC_PERP", "1000000")
	e.index("ETH", "3920")
	e.order(a.makerS, "SOL_USDC_PERP", engine.Ask, "150", "30")
	e.order(a.bustS, "SOL_USDC_PERP", engine.Bid, "", "30")
	e.index("SOL", "140")
	return a
}

// systemTypes returns the systemOrderType of each fill (null as "").
func systemTypes(t *testing.T, fills []map[string]any) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, f := range fills {
		s, _ := f["systemOrderType"].(string)
		out[s]++
	}
	return out
}

func TestFillsByTypeAfterLiquidations(t *testing.T) {
	e := newEnv(t)
	a := liquidations(e)

	all := list(t, e.call(a.trader, "/wapi/v1/history/fills", nil))
	if st := systemTypes(t, all); st[""] != 1 || st["LiquidatePositionOnBook"] == 0 || len(st) != 2 {
		t.Fatalf("trader's fills: %v", st)
	}
	f := all[0] // newest first: a liquidation fill
	shape(t, f, []string{"fee", "feeSymbol", "orderId", "price", "quantity", "side", "symbol", "systemOrderType", "timestamp"},
		[]string{"tradeId"}, []string{"isMaker"}, []string{"clientId"})
	if f["side"] != "Ask" || f["price"] != "97000" || f["feeSymbol"] != "USDC" || f["symbol"] != "BTC_USDC_PERP" ||
		!strings.HasPrefix(f["timestamp"].(string), "2025-07-20T08:2") {
		t.Fatalf("liquidation fill %v", f)
	}
	book := list(t, e.call(a.trader, "/wapi/v1/history/fills", map[string]any{"fillType": "BookLiquidation"}))
	if st := systemTypes(t, book); len(st) != 1 || st["LiquidatePositionOnBook"] != len(all)-1 {
		t.Fatalf("BookLiquidation filter: %v", st)
	}
	users := list(t, e.call(a.trader, "/wapi/v1/history/fills", map[string]any{"fillType": "User"}))
	if st := systemTypes(t, users); len(st) != 1 || st[""] != 1 {
		t.Fatalf("User filter: %v", st)
	}
	if l := list(t, e.call(a.trader, "/wapi/v1/history/fills", map[string]any{"fillType": "Adl"})); len(l) != 0 {
		t.Fatalf("trader has ADL fills: %v", l)
	}
	if l := list(t, e.call(a.trader, "/wapi/v1/history/fills", map[string]any{"symbol": "ETH_USDC_PERP"})); len(l) != 0 {
		t.Fatalf("trader has ETH fills: %v", l)
	}
	if l := list(t, e.call(a.trader, "/wapi/v1/history/fills", map[string]any{"marketType": "SPOT"})); len(l) != 0 {
		t.Fatalf("trader has spot fills: %v", l)
	}
	asc := list(t, e.call(a.trader, "/wapi/v1/history/fills", map[string]any{"sortDirection": "Asc", "limit": 1}))
	if len(asc) != 1 || asc[0]["systemOrderType"] != nil {
		t.Fatalf("oldest fill: %v", asc)
	}

	for _, c := range []struct {
		u        *user
		fillType string
		system   string
	}{
		{a.bustE, "Backstop", "LiquidatePositionOnBackstop"},
		{a.bpE, "Backstop", "LiquidatePositionOnBackstop"},
		{a.bustS, "Adl", "LiquidatePositionOnAdl"},
		{a.makerS, "Adl", "LiquidatePositionOnAdl"},
	} {
		l := list(t, e.call(c.u, "/wapi/v1/history/fills", map[string]any{"fillType": c.fillType}))
		if st := systemTypes(t, l); len(st) != 1 || st[c.system] == 0 {
			t.Fatalf("account %d, fillType %s: %v", c.u.id, c.fillType, st)
		}
		if l2 := list(t, e.call(c.u, "/wapi/v1/history/fills", map[string]any{"fillType": "AllLiquidation"})); len(l2) != len(l) {
			t.Fatalf("account %d: AllLiquidation %d fills, %s %d", c.u.id, len(l2), c.fillType, len(l))
		}
	}
	if l := list(t, e.call(a.bustE, "/wapi/v1/history/fills", map[string]any{"fillType": "Liquidation"})); len(l) == 0 {
		t.Fatal("Liquidation does not select backstop fills")
	}
	if l := list(t, e.call(a.bustS, "/wapi/v1/history/fills", map[string]any{"fillType": "Liquidation"})); len(l) != 0 {
		t.Fatalf("Liquidation selects ADL fills: %v", l)
	}

	// Backstop and ADL fills are no public trade and no kline; the book
	// liquidation's trade is public but moves no kline or ticker.
	start := strconv.FormatInt(T0/1000-3600, 10)
	for _, sym := range []string{"ETH_USDC_PERP", "SOL_USDC_PERP"} {
		if l := list(t, e.get("/api/v1/trades?symbol="+sym)); len(l) != 1 {
			t.Fatalf("%s trades: %v", sym, l)
		}
		if l := list(t, e.get("/api/v1/klines?symbol="+sym+"&interval=1h&startTime="+start)); len(l) != 1 || l[0]["trades"] != "1" {
			t.Fatalf("%s klines: %v", sym, l)
		}
	}
	if l := list(t, e.get("/api/v1/trades?symbol=BTC_USDC_PERP")); len(l) != len(all) {
		t.Fatalf("BTC trades: %d, the trader has %d book fills", len(l), len(all))
	}
	if tk := obj(t, e.get("/api/v1/ticker?symbol=BTC_USDC_PERP")); tk["trades"] != "1" || tk["lastPrice"] != "100000" || tk["low"] != "100000" {
		t.Fatalf("BTC ticker counts liquidation trades: %v", tk)
	}
	if l := list(t, e.get("/api/v1/klines?symbol=BTC_USDC_PERP&interval=1d&startTime="+start)); len(l) != 1 || l[0]["trades"] != "1" || l[0]["low"] != "100000" {
		t.Fatalf("BTC klines count liquidation trades: %v", l)
	}

	// Orders, settlements, the insurance fund.
	orders := list(t, e.call(a.trader, "/wapi/v1/history/orders", nil))
	if len(orders) < 2 || orders[0]["systemOrderType"] != "LiquidatePositionOnBook" || orders[len(orders)-1]["systemOrderType"] != nil {
		t.Fatalf("trader's orders: %v", orders)
	}
	shape(t, orders[0], []string{"createdAt", "executedQuantity", "executedQuoteQuantity", "id", "orderType", "price",
		"quantity", "selfTradePrevention", "side", "status", "symbol", "timeInForce"}, nil,
		[]string{"postOnly", "reduceOnly"}, []string{"clientId", "quoteQuantity", "triggerPrice", "expiryReason"})
	if orders[0]["status"] != "Filled" || orders[0]["reduceOnly"] != true || orders[0]["timeInForce"] != "IOC" {
		t.Fatalf("liquidation order %v", orders[0])
	}
	fees := list(t, e.call(a.trader, "/wapi/v1/history/settlement", map[string]any{"source": "LiquidationFee"}))
	if len(fees) == 0 {
		t.Fatal("no liquidation fee in the settlement history")
	}
	shape(t, fees[0], []string{"quantity", "source", "timestamp", "symbol"}, []string{"userId"}, nil, []string{"subaccountId"})
	if fees[0]["source"] != "LiquidationFee" || !strings.HasPrefix(fees[0]["quantity"].(string), "-") {
		t.Fatalf("liquidation fee %v", fees[0])
	}
	settle := list(t, e.call(a.trader, "/wapi/v1/history/settlement", map[string]any{"limit": 1000}))
	seen := map[string]bool{}
	for _, s := range settle {
		seen[s["source"].(string)] = true
	}
	if !seen["RealizePnl"] || !seen["TradingFees"] || !seen["LiquidationFee"] || seen["Deposit"] {
		t.Fatalf("trader's settlement sources: %v", seen)
	}
	// bustE's 1% fee (392) is capped at its equity after the takeover (180):
	// one fee, nothing left for the backstop fund.
	if l := list(t, e.call(a.bustE, "/wapi/v1/history/settlement", map[string]any{"source": "LiquidationFee,BackstopLiquidation,CulledRealizePnl"})); len(l) != 1 ||
		l[0]["quantity"] != "-180" {
		t.Fatalf("bustE's liquidation fee: %v", l)
	}
	fund := obj(t, e.get("/api/v1/insuranceFund"))
	hist := fund["history"].([]any)
	if fund["symbol"] != "USDC" || fund["balance"] == "0" || len(hist) == 0 {
		t.Fatalf("insurance fund %v", fund)
	}
	mv := hist[0].(map[string]any)
	shape(t, mv, []string{"timestamp", "symbol", "amount", "balance", "source"}, []string{"sequence", "time", "counterparty"}, nil, nil)
	if mv["balance"] != fund["balance"] {
		t.Fatalf("newest movement's balance %v, fund %v", mv["balance"], fund["balance"])
	}
	causes := map[string]bool{}
	for _, x := range hist {
		m := x.(map[string]any)
		causes[m["source"].(string)] = true
		if m["source"] == "LiquidationFee" && m["market"] == nil {
			t.Fatalf("a liquidation fee without its market: %v", m)
		}
	}
	if !causes["LiquidationFee"] {
		t.Fatalf("insurance causes %v", causes)
	}

	// Funding: an hour later the provider's ETH long has paid.
	e.advance(3_600_000)
	pays := list(t, e.call(a.bpE, "/wapi/v1/history/funding", map[string]any{"symbol": "ETH_USDC_PERP"}))
	if len(pays) != 1 {
		t.Fatalf("provider's funding: %v", pays)
	}
	shape(t, pays[0], []string{"symbol", "quantity", "intervalEndTimestamp", "fundingRate"}, []string{"userId"}, nil, []string{"subaccountId"})
	if pays[0]["fundingRate"] == "0" || pays[0]["quantity"] == "0" || pays[0]["symbol"] != "ETH_USDC_PERP" {
		t.Fatalf("funding payment %v", pays[0])
	}
	if l := list(t, e.call(a.bpE, "/wapi/v1/history/borrowLend", nil)); len(l) != 0 {
		t.Fatalf("borrowLend history %v", l)
	}
}

func TestPrivateBadRequests(t *testing.T) {
	e := newEnv(t)
	u := e.user(1, "")
	for _, c := range []struct {
		path   string
		params map[string]any
		code   string
	}{
		{"/wapi/v1/history/fills", map[string]any{"fillType": "Everything"}, "INVALID_CLIENT_REQUEST"},
		{"/wapi/v1/history/fills", map[string]any{"symbol": "NOPE"}, "INVALID_MARKET"},
		{"/wapi/v1/history/fills", map[string]any{"marketType": "FUTURES"}, "INVALID_CLIENT_REQUEST"},
		{"/wapi/v1/history/fills", map[string]any{"orderId": "x"}, "INVALID_CLIENT_REQUEST"},
		{"/wapi/v1/history/fills", map[string]any{"from": "yesterday"}, "INVALID_CLIENT_REQUEST"},
		{"/wapi/v1/history/orders", map[string]any{"limit": 5000}, "INVALID_CLIENT_REQUEST"},
		{"/wapi/v1/history/settlement", map[string]any{"source": "Deposit"}, "INVALID_CLIENT_REQUEST"},
		{"/wapi/v1/history/funding", map[string]any{"sortDirection": "asc"}, "INVALID_CLIENT_REQUEST"},
		{"/wapi/v1/history/borrowLend", map[string]any{"type": "Both"}, "INVALID_CLIENT_REQUEST"},
		{"/wapi/v1/history/borrowLend", map[string]any{"sources": "Manual,Magic"}, "INVALID_CLIENT_REQUEST"},
		{"/wapi/v1/history/borrowLend", map[string]any{"symbol": "BTC_USDC"}, "INVALID_ASSET"},
		{"/wapi/v1/history/borrowLend/positions", map[string]any{"side": "Long"}, "INVALID_CLIENT_REQUEST"},
		{"/wapi/v1/history/borrowLend/positions", map[string]any{"state": "open"}, "INVALID_CLIENT_REQUEST"},
		{"/wapi/v1/history/borrowLend/positions", map[string]any{"limit": 0}, "INVALID_CLIENT_REQUEST"},
	} {
		apiError(t, e.call(u, c.path, c.params), http.StatusBadRequest, c.code)
	}
	// Unsigned, signed for another instruction, unknown key.
	apiError(t, e.get("/wapi/v1/history/fills"), http.StatusUnauthorized, "UNAUTHORIZED")
	e.wall = e.wall.Add(1)
	apiError(t, e.do(e.signed(u, "/wapi/v1/history/fills", nil, "orderHistoryQueryAll")), http.StatusUnauthorized, "INVALID_SIGNATURE")
	stranger := &user{priv: ed25519.NewKeyFromSeed(make([]byte, 32))}
	apiError(t, e.call(stranger, "/wapi/v1/history/fills", nil), http.StatusUnauthorized, "UNAUTHORIZED")
}

// answers collects the bodies of a set of requests.
func answers(t *testing.T, e *env, a *accounts) []string {
	t.Helper()
	start := strconv.FormatInt(T0/1000-3600, 10)
	var out []string
	for _, target := range []string{"/api/v1/trades?symbol=BTC_USDC_PERP", "/api/v1/klines?symbol=BTC_USDC_PERP&interval=1m&startTime=" + start,
		"/api/v1/fundingRates?symbol=ETH_USDC_PERP", "/api/v1/insuranceFund"} {
		w := e.get(target)
		if w.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", target, w.Code, w.Body)
		}
		out = append(out, w.Body.String())
	}
	for _, u := range []*user{a.trader, a.bustE, a.bpE, a.bustS, a.makerS} {
		for _, path := range []string{"/wapi/v1/history/fills", "/wapi/v1/history/orders", "/wapi/v1/history/settlement", "/wapi/v1/history/funding"} {
			w := e.call(u, path, map[string]any{"limit": 1000})
			if w.Code != http.StatusOK {
				t.Fatalf("%s: %d %s", path, w.Code, w.Body)
			}
			out = append(out, w.Body.String())
		}
	}
	return out
}

// The answers are the same after the database is deleted (rebuilt from the
// journal at the restart), and after a restart with a model that fell
// behind while the engine went on.
func TestSameAnswersAfterRebuildAndCatchUp(t *testing.T) {
	e := newEnv(t)
	a := liquidations(e)
	e.advance(2 * 3_600_000)
	want := answers(t, e, a)

	if err := e.seq.Close(); err != nil {
		t.Fatal(err)
	}
	<-e.m.Done()
	path := filepath.Join(e.dir, readmodel.FileName)
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		_ = os.Remove(p)
	}
	e.open()
	got := answers(t, e, a)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("answer %d after the rebuild:\n%s\nwant:\n%s", i, got[i], want[i])
		}
	}

	// Behind: the model stops, the engine goes on, everything restarts.
	if err := e.m.Close(); err != nil {
		t.Fatal(err)
	}
	e.order(a.mm, "BTC_USDC_PERP", engine.Ask, "98000", "1")
	e.order(a.makerE, "BTC_USDC_PERP", engine.Bid, "", "1")
	e.advance(3_600_000)
	e.restart()
	got = answers(t, e, a)
	if got[0] == want[0] {
		t.Fatal("the trade made while the model was stopped is missing")
	}
	fills := list(t, e.call(a.makerE, "/wapi/v1/history/fills", map[string]any{"symbol": "BTC_USDC_PERP"}))
	if len(fills) != 1 || fills[0]["price"] != "98000" {
		t.Fatalf("makerE's BTC fill made while the model was stopped: %v", fills)
	}
}
