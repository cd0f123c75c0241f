package api

import (
	"net/http"
	"testing"
)

// TestOrderBodiesParsedOnce: the order endpoints decode the body the
// signature was checked over (privateBody): a batch's malformed order is
// reported before another's bad market (the whole array is decoded before
// any order is converted), an array is not an order, an object is not a
// batch, and a body padded with non-JSON spaces is refused although its
// signed text is well defined. Nothing is submitted.
func TestOrderBodiesParsedOnce(t *testing.T) {
	en := newEnv(t, Options{})
	alice := en.newUser(1, "1000000")
	before := en.seq.hash()
	order := `{"symbol":"BTC_USDC_PERP","side":"Bid","orderType":"Limit","price":"99000","quantity":"0.01"}`
	cases := []struct {
		name, path, body string
		code             string
	}{
		{"malformed order after a bad market", "/api/v1/orders",
			`[{"symbol":"NOPE","side":"Bid","orderType":"Limit","price":"1","quantity":"1"},{"symbol":"BTC_USDC_PERP","colour":"red"}]`,
			"INVALID_CLIENT_REQUEST"},
		{"bad market before a good order", "/api/v1/orders", `[{"symbol":"NOPE"},` + order + `]`, "INVALID_MARKET"},
		{"array as an order", "/api/v1/order", `[` + order + `]`, "INVALID_CLIENT_REQUEST"},
		{"object as a batch", "/api/v1/orders", order, "INVALID_CLIENT_REQUEST"},
		{"padded order", "/api/v1/order", "\v" + order, "INVALID_CLIENT_REQUEST"},
		{"padded batch", "/api/v1/orders", "[" + order + "]\u00a0", "INVALID_CLIENT_REQUEST"},
		{"nested value", "/api/v1/order", `{"symbol":{"a":1}}`, "INVALID_CLIENT_REQUEST"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			apiError(t, en.raw(alice, "POST", c.path, c.body), http.StatusBadRequest, c.code)
		})
	}
	if en.seq.hash() != before {
		t.Fatal("a refused request changed the state")
	}
	// The same bodies, well formed, go through: case-folded keys and a
	// null that leaves a value as it was, as encoding/json decodes them.
	o := obj(t, en.raw(alice, "POST", "/api/v1/order",
		`{"SYMBOL":"BTC_USDC_PERP","side":"Bid","side":null,"orderType":"Limit","price":99000,"quantity":"0.01","clientId":"5"}`))
	if o["symbol"] != "BTC_USDC_PERP" || o["side"] != "Bid" || o["clientId"] != 5.0 {
		t.Fatalf("order: %v", o)
	}
	l := list(t, en.raw(alice, "POST", "/api/v1/orders", "[ "+order+" , "+order+" ]"))
	if len(l) != 2 || l[1]["status"] != "New" {
		t.Fatalf("batch: %v", l)
	}
}
