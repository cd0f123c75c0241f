package api

import (
	"encoding/json"
	"net/http"
	"testing"
)

// FuzzOrderRequest drives POST /api/v1/order with arbitrary bodies, signed
// correctly: the server never answers 5xx nor panics, every 4xx is a
// Backpack {"code","message"} and leaves the engine's state hash unchanged,
// and a 200 is an order object.
func FuzzOrderRequest(f *testing.F) {
	for _, seed := range []string{
		`{"symbol":"BTC_USDC_PERP","side":"Bid","orderType":"Limit","price":"99000","quantity":"0.01"}`,
		`{"symbol":"BTC_USDC_PERP","side":"Ask","orderType":"Limit","price":"101000","quantity":"0.01","postOnly":true,"clientId":7}`,
		`{"symbol":"ETH_USDC_PERP","side":"Bid","orderType":"Market","quantity":"0.5"}`,
		`{"symbol":"ETH_USDC_PERP","side":"Ask","orderType":"Market","quoteQuantity":"100"}`,
		`{"symbol":"SOL_USDC","side":"Bid","orderType":"Limit","price":150.001,"quantity":1,"timeInForce":"IOC"}`,
		`{"symbol":"BTC_USDC_PERP","side":"Ask","orderType":"Market","triggerPrice":"90000","triggerQuantity":"0.01","triggerBy":"LastPrice"}`,
		`{"symbol":"BTC_USDC_PERP","side":"Bid","orderType":"Limit","price":"99000","quantity":"0.01","reduceOnly":true,"selfTradePrevention":"RejectBoth"}`,
		`{"symbol":"BTC_USDC_PERP","side":"Bid","orderType":"Limit","price":"1e5","quantity":"1E-2","marginMode":"Isolated"}`,
		`{"symbol":"BTC_USDC_PERP","side":"Bid","orderType":"Limit","price":"99000","quantity":"0.01","positionSide":"Long"}`,
		`{"price":"-0","quantity":"00.0100","clientId":"4294967295"}`,
		`{"symbol":"BTC_USDC_PERP","price":9223372036854775807}`,
		`{}`, `[]`, `null`, `"x"`, `{"symbol":null}`, ``,
	} {
		f.Add([]byte(seed))
	}
	en := newEnv(f, Options{RateLimit: -1})
	alice := en.newUser(1, "100000")
	bob := en.newUser(2, "100000")
	obj(f, en.call(bob, "POST", "/api/v1/order", limit("BTC_USDC_PERP", "Ask", "100000", "0.05")))
	obj(f, en.call(bob, "POST", "/api/v1/order", limit("ETH_USDC_PERP", "Bid", "3990", "2")))
	f.Fuzz(func(t *testing.T, body []byte) {
		en.t = t
		before := en.seq.hash()
		w := en.rawOrder(alice, string(body))
		switch {
		case w.Code >= 500:
			t.Fatalf("5xx %d for %q: %s", w.Code, body, w.Body)
		case w.Code >= 400:
			var e map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e["code"] == nil || e["message"] == nil || len(e) != 2 {
				t.Fatalf("4xx body is not {code, message}: %s", w.Body)
			}
			if en.seq.hash() != before {
				t.Fatalf("a %d (%s) changed the state for %q", w.Code, w.Body, body)
			}
		case w.Code == http.StatusOK:
			var o map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &o); err != nil || o["id"] == nil || o["status"] == nil || o["code"] != nil {
				t.Fatalf("200 body is not an order: %s", w.Body)
			}
		default:
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
	})
}
