package api

import (
	"net/http"
	"testing"
)

// orderStrings, orderNumbers, orderBools are the order fields ccxt's
// parseOrder reads with their types; relatedOrderId and the stop-loss and
// take-profit fields are null.
var (
	orderStrings = []string{"id", "orderType", "symbol", "side", "status", "timeInForce", "selfTradePrevention",
		"executedQuantity", "executedQuoteQuantity"}
	orderNumbers = []string{"createdAt"}
	orderBools   = []string{"postOnly", "reduceOnly"}
	orderNulls   = []string{"relatedOrderId", "stopLossLimitPrice", "stopLossTriggerPrice", "takeProfitLimitPrice",
		"takeProfitTriggerPrice", "strategyId", "triggeredAt"}
)

func limit(symbol, side, price, qty string) map[string]any {
	return map[string]any{"symbol": symbol, "side": side, "orderType": "Limit", "price": price, "quantity": qty}
}

// TestOrderLifecycle walks one order through ccxt's calls: createOrder
// (post-only limit with a client id), fetchOpenOrders, fetchOpenOrder (by
// id and by client id), a partial fill, cancelOrder.
func TestOrderLifecycle(t *testing.T) {
	en := newEnv(t, Options{})
	alice, bob := en.newUser(1, "1000000"), en.newUser(2, "1000000")

	p := limit("BTC_USDC_PERP", "Bid", "99000", "0.01")
	p["clientId"], p["postOnly"] = 123456789, true
	o := obj(t, en.call(alice, "POST", "/api/v1/order", p))
	shape(t, o, append(orderStrings, "price", "quantity"), append(orderNumbers, "clientId"), orderBools, append(orderNulls, "triggerPrice", "quoteQuantity"))
	if o["status"] != "New" || o["price"] != "99000" || o["quantity"] != "0.01" || o["executedQuantity"] != "0" ||
		o["clientId"] != 123456789.0 || o["postOnly"] != true || o["side"] != "Bid" || o["orderType"] != "Limit" ||
		o["timeInForce"] != "GTC" || o["selfTradePrevention"] != "RejectTaker" || o["createdAt"] != float64(T0) {
		t.Fatalf("created order: %v", o)
	}
	id := o["id"].(string)

	open := list(t, en.call(alice, "GET", "/api/v1/orders", map[string]any{"symbol": "BTC_USDC_PERP"}))
	if len(open) != 1 || open[0]["id"] != id || open[0]["status"] != "New" || open[0]["marginMode"] != "Cross" {
		t.Fatalf("open orders: %v", open)
	}
	shape(t, open[0], orderStrings, append(orderNumbers, "clientId"), orderBools, orderNulls)
	if all := list(t, en.call(alice, "GET", "/api/v1/orders", map[string]any{})); len(all) != 1 {
		t.Fatalf("open orders of every market: %v", all)
	}
	one := obj(t, en.call(alice, "GET", "/api/v1/order", map[string]any{"symbol": "BTC_USDC_PERP", "orderId": id}))
	if one["id"] != id || one["price"] != "99000" {
		t.Fatalf("fetchOpenOrder: %v", one)
	}
	byClient := obj(t, en.call(alice, "GET", "/api/v1/order", map[string]any{"symbol": "BTC_USDC_PERP", "clientId": 123456789}))
	if byClient["id"] != id {
		t.Fatalf("by client id: %v", byClient)
	}
	// Another account cannot see it.
	apiError(t, en.call(bob, "GET", "/api/v1/order", map[string]any{"symbol": "BTC_USDC_PERP", "orderId": id}), http.StatusNotFound, "RESOURCE_NOT_FOUND")

	// Bob sells 0.004 at market: filled against alice's bid.
	fill := obj(t, en.call(bob, "POST", "/api/v1/order", map[string]any{"symbol": "BTC_USDC_PERP", "side": "Ask", "orderType": "Market", "quantity": "0.004"}))
	if fill["status"] != "Filled" || fill["executedQuantity"] != "0.004" || fill["executedQuoteQuantity"] != "396" || fill["price"] != nil {
		t.Fatalf("market order: %v", fill)
	}
	part := obj(t, en.call(alice, "GET", "/api/v1/order", map[string]any{"symbol": "BTC_USDC_PERP", "orderId": id}))
	if part["status"] != "PartiallyFilled" || part["executedQuantity"] != "0.004" || part["executedQuoteQuantity"] != "396" {
		t.Fatalf("partially filled: %v", part)
	}

	c := obj(t, en.call(alice, "DELETE", "/api/v1/order", map[string]any{"symbol": "BTC_USDC_PERP", "orderId": id}))
	if c["id"] != id || c["status"] != "Cancelled" || c["executedQuantity"] != "0.004" || c["clientId"] != 123456789.0 {
		t.Fatalf("cancelled: %v", c)
	}
	apiError(t, en.call(alice, "GET", "/api/v1/order", map[string]any{"symbol": "BTC_USDC_PERP", "orderId": id}), http.StatusNotFound, "RESOURCE_NOT_FOUND")
	apiError(t, en.call(alice, "DELETE", "/api/v1/order", map[string]any{"symbol": "BTC_USDC_PERP", "orderId": id}), http.StatusNotFound, "RESOURCE_NOT_FOUND")
}

// TestMarketOrderWithoutLiquidity: accepted with 200, ends Expired with
// nothing filled (DESIGN.md §4); IOC alike.
func TestMarketOrderWithoutLiquidity(t *testing.T) {
	en := newEnv(t, Options{})
	alice := en.newUser(1, "1000000")
	o := obj(t, en.call(alice, "POST", "/api/v1/order", map[string]any{"symbol": "SOL_USDC_PERP", "side": "Bid", "orderType": "Market", "quantity": "1"}))
	if o["status"] != "Expired" || o["executedQuantity"] != "0" {
		t.Fatalf("market order on an empty book: %v", o)
	}
	p := limit("SOL_USDC_PERP", "Ask", "150", "1")
	p["timeInForce"] = "IOC"
	if o := obj(t, en.call(alice, "POST", "/api/v1/order", p)); o["status"] != "Expired" || o["timeInForce"] != "IOC" {
		t.Fatalf("IOC on an empty book: %v", o)
	}
}

// TestQuoteOrderAndReduceOnly: a market buy by cost (ccxt's
// createMarketBuyOrderWithCost sends quoteQuantity) and a reduce-only close.
func TestQuoteOrderAndReduceOnly(t *testing.T) {
	en := newEnv(t, Options{})
	alice, bob := en.newUser(1, "1000000"), en.newUser(2, "1000000")
	obj(t, en.call(bob, "POST", "/api/v1/order", limit("ETH_USDC_PERP", "Ask", "4000", "2")))
	o := obj(t, en.call(alice, "POST", "/api/v1/order", map[string]any{"symbol": "ETH_USDC_PERP", "side": "Bid", "orderType": "Market", "quoteQuantity": "4000"}))
	if o["status"] != "Filled" || o["executedQuantity"] != "1" || o["quoteQuantity"] != "4000" || o["quantity"] != "1" {
		t.Fatalf("market order by quote: %v", o)
	}
	// Reduce-only larger than the position is capped to it.
	obj(t, en.call(bob, "POST", "/api/v1/order", limit("ETH_USDC_PERP", "Bid", "3990", "5")))
	r := map[string]any{"symbol": "ETH_USDC_PERP", "side": "Ask", "orderType": "Market", "quantity": "3", "reduceOnly": true}
	o = obj(t, en.call(alice, "POST", "/api/v1/order", r))
	if o["executedQuantity"] != "1" || o["reduceOnly"] != true {
		t.Fatalf("reduce-only: %v", o)
	}
	// Now flat: a reduce-only order is refused by the engine.
	apiError(t, en.call(alice, "POST", "/api/v1/order", r), http.StatusBadRequest, "INVALID_ORDER")
}

// TestTriggerOrder: ccxt sends triggerPrice and triggerQuantity; the order
// waits as TriggerPending and is listed as such.
func TestTriggerOrder(t *testing.T) {
	en := newEnv(t, Options{})
	alice := en.newUser(1, "1000000")
	p := map[string]any{"symbol": "BTC_USDC_PERP", "side": "Ask", "orderType": "Market", "triggerPrice": "90000", "triggerQuantity": "0.01"}
	o := obj(t, en.call(alice, "POST", "/api/v1/order", p))
	if o["status"] != "TriggerPending" || o["triggerPrice"] != "90000" || o["triggerQuantity"] != "0.01" || o["quantity"] != nil {
		t.Fatalf("trigger order: %v", o)
	}
	l := list(t, en.call(alice, "GET", "/api/v1/orders", map[string]any{}))
	if len(l) != 1 || l[0]["status"] != "TriggerPending" || l[0]["triggerBy"] != "MarkPrice" || l[0]["triggerQuantity"] != "0.01" {
		t.Fatalf("listed trigger order: %v", l)
	}
	a := obj(t, en.call(alice, "GET", "/api/v1/account", map[string]any{}))
	if a["triggerOrders"] != 1.0 || a["limitOrders"] != 0.0 {
		t.Fatalf("account order counts: %v", a)
	}
}

// TestBatchOrders: createOrders; an engine refusal of one order is reported
// in its place, a bad order refuses the whole batch before anything runs.
func TestBatchOrders(t *testing.T) {
	en := newEnv(t, Options{})
	alice := en.newUser(1, "1000000")
	batch := []map[string]any{
		limit("BTC_USDC_PERP", "Bid", "99000", "0.01"),
		limit("ETH_USDC_PERP", "Ask", "4100", "0.5"),
		{"symbol": "BTC_USDC_PERP", "side": "Bid", "orderType": "Limit", "price": "99000", "quantity": "0.01", "reduceOnly": true},
	}
	l := list(t, en.call(alice, "POST", "/api/v1/orders", batch))
	if len(l) != 3 || l[0]["status"] != "New" || l[1]["symbol"] != "ETH_USDC_PERP" || l[1]["price"] != "4100" {
		t.Fatalf("batch: %v", l)
	}
	if l[2]["code"] != "INVALID_ORDER" || l[2]["message"] == "" {
		t.Fatalf("refused item: %v", l[2])
	}
	if open := list(t, en.call(alice, "GET", "/api/v1/orders", map[string]any{})); len(open) != 2 {
		t.Fatalf("open after the batch: %v", open)
	}
	before := en.seq.hash()
	bad := []map[string]any{limit("BTC_USDC_PERP", "Bid", "99000", "0.01"), limit("NOPE", "Bid", "1", "1")}
	apiError(t, en.call(alice, "POST", "/api/v1/orders", bad), http.StatusBadRequest, "INVALID_MARKET")
	big := make([]map[string]any, 21)
	for i := range big {
		big[i] = limit("BTC_USDC_PERP", "Bid", "99000", "0.01")
	}
	apiError(t, en.call(alice, "POST", "/api/v1/orders", big), http.StatusBadRequest, "INVALID_CLIENT_REQUEST")
	apiError(t, en.call(alice, "POST", "/api/v1/orders", []map[string]any{}), http.StatusUnauthorized, "") // ccxt signs an empty batch as ""
	apiError(t, en.call(alice, "POST", "/api/v1/orders", map[string]any{"symbol": "BTC_USDC_PERP"}), http.StatusBadRequest, "INVALID_CLIENT_REQUEST")
	if en.seq.hash() != before {
		t.Fatal("a refused batch changed the state")
	}
}

// TestCancelAll: cancelAllOrders lists the cancelled orders.
func TestCancelAll(t *testing.T) {
	en := newEnv(t, Options{})
	alice := en.newUser(1, "1000000")
	for _, price := range []string{"99000", "98000"} {
		obj(t, en.call(alice, "POST", "/api/v1/order", limit("BTC_USDC_PERP", "Bid", price, "0.01")))
	}
	obj(t, en.call(alice, "POST", "/api/v1/order", limit("ETH_USDC_PERP", "Bid", "3900", "1")))
	l := list(t, en.call(alice, "DELETE", "/api/v1/orders", map[string]any{"symbol": "BTC_USDC_PERP"}))
	if len(l) != 2 || l[0]["status"] != "Cancelled" || l[1]["status"] != "Cancelled" || l[0]["symbol"] != "BTC_USDC_PERP" {
		t.Fatalf("cancel all: %v", l)
	}
	shape(t, l[0], append(orderStrings, "price", "quantity"), orderNumbers, orderBools, orderNulls)
	if open := list(t, en.call(alice, "GET", "/api/v1/orders", map[string]any{})); len(open) != 1 || open[0]["symbol"] != "ETH_USDC_PERP" {
		t.Fatalf("left open: %v", open)
	}
	if l := list(t, en.call(alice, "DELETE", "/api/v1/orders", map[string]any{})); len(l) != 1 {
		t.Fatalf("cancel every market: %v", l)
	}
	if l := list(t, en.call(alice, "DELETE", "/api/v1/orders", map[string]any{"symbol": "BTC_USDC_PERP"})); len(l) != 0 {
		t.Fatalf("nothing left to cancel: %v", l)
	}
}

// TestGetIsNeverAReplay: the same signed GET twice is served twice; the same
// signed POST twice is refused the second time and changes nothing.
func TestGetIsNeverAReplay(t *testing.T) {
	en := newEnv(t, Options{})
	alice := en.newUser(1, "1000000")
	ts := en.wall.UnixMilli()
	for range 2 {
		r := en.signed(alice, "GET", "/api/v1/orders", map[string]any{}, ts, 5000)
		w := newRecorder()
		en.h.ServeHTTP(w, r)
		list(t, w)
	}
	post := func() *recorder {
		r := en.signed(alice, "POST", "/api/v1/order", limit("BTC_USDC_PERP", "Bid", "99000", "0.01"), ts, 5000)
		w := newRecorder()
		en.h.ServeHTTP(w, r)
		return w
	}
	obj(t, post())
	before := en.seq.hash()
	apiError(t, post(), http.StatusUnauthorized, "UNAUTHORIZED")
	if en.seq.hash() != before {
		t.Fatal("a replay changed the state")
	}
}
