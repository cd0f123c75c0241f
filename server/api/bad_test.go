package api

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/waterfallrisk/waterfall/server/auth"
)

// rawOrder sends a POST /api/v1/order whose body is exactly body, signed as
// ccxt signs a JSON object (the server rebuilds the text from the body).
func (en *env) rawOrder(u *user, body string) *httptest.ResponseRecorder {
	en.t.Helper()
	return en.raw(u, "POST", "/api/v1/order", body)
}

// raw signs an arbitrary body with the server's own reconstruction of the
// signed text (what a correct client signs), falling back to a signature
// over the body itself when the body cannot be parsed.
func (en *env) raw(u *user, method, path, body string) *httptest.ResponseRecorder {
	en.t.Helper()
	en.wall = en.wall.Add(time.Millisecond)
	ts := en.wall.UnixMilli()
	text := "instruction=" + Instructions[method+" "+path] + "&" + body + "&timestamp=" + strconv.FormatInt(ts, 10) + "&window=5000"
	if texts, err := auth.SigningTexts(method, "", []byte(body), Instructions[method+" "+path], ts, 5000); err == nil {
		text = texts[0]
	}
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.Header.Set("X-Timestamp", strconv.FormatInt(ts, 10))
	r.Header.Set("X-Window", "5000")
	r.Header.Set("X-API-Key", base64.StdEncoding.EncodeToString(u.priv.Public().(ed25519.PublicKey)))
	r.Header.Set("X-Signature", base64.StdEncoding.EncodeToString(ed25519.Sign(u.priv, []byte(text))))
	w := httptest.NewRecorder()
	en.h.ServeHTTP(w, r)
	return w
}

// TestBadOrderRequests: each bad order body is a 4xx {code, message} and
// changes nothing.
func TestBadOrderRequests(t *testing.T) {
	en := newEnv(t, Options{})
	alice := en.newUser(1, "1000")
	cases := []struct {
		name, body string
		status     int
		code       string
	}{
		{"malformed JSON", `{"symbol":"BTC_USDC_PERP",`, 400, "INVALID_CLIENT_REQUEST"},
		{"not an object", `[1]`, 400, "INVALID_CLIENT_REQUEST"},
		{"unknown field", `{"symbol":"BTC_USDC_PERP","side":"Bid","orderType":"Limit","price":"1","quantity":"1","colour":"red"}`, 400, "INVALID_CLIENT_REQUEST"},
		{"unknown symbol", `{"symbol":"DOGE_USDC_PERP","side":"Bid","orderType":"Limit","price":"1","quantity":"1"}`, 400, "INVALID_MARKET"},
		{"missing symbol", `{"side":"Bid","orderType":"Limit","price":"1","quantity":"1"}`, 400, "INVALID_MARKET"},
		{"bad side", `{"symbol":"BTC_USDC_PERP","side":"Buy","orderType":"Limit","price":"1","quantity":"1"}`, 400, "INVALID_CLIENT_REQUEST"},
		{"bad type", `{"symbol":"BTC_USDC_PERP","side":"Bid","orderType":"Stop","price":"1","quantity":"1"}`, 400, "INVALID_CLIENT_REQUEST"},
		{"bad time in force", `{"symbol":"BTC_USDC_PERP","side":"Bid","orderType":"Limit","price":"1","quantity":"1","timeInForce":"GTD"}`, 400, "INVALID_CLIENT_REQUEST"},
		{"too many price decimals", `{"symbol":"BTC_USDC_PERP","side":"Bid","orderType":"Limit","price":"99000.000000001","quantity":"0.01"}`, 400, "INVALID_CLIENT_REQUEST"},
		{"price between ticks", `{"symbol":"BTC_USDC_PERP","side":"Bid","orderType":"Limit","price":"99000.05","quantity":"0.01"}`, 400, "INVALID_PRICE"},
		{"too many quantity decimals", `{"symbol":"BTC_USDC_PERP","side":"Bid","orderType":"Limit","price":"99000","quantity":"0.000000001"}`, 400, "INVALID_CLIENT_REQUEST"},
		{"quantity between steps", `{"symbol":"BTC_USDC_PERP","side":"Bid","orderType":"Limit","price":"99000","quantity":"0.00015"}`, 400, "INVALID_QUANTITY"},
		{"negative quantity", `{"symbol":"BTC_USDC_PERP","side":"Bid","orderType":"Limit","price":"99000","quantity":"-0.01"}`, 400, "INVALID_CLIENT_REQUEST"},
		{"huge quantity", `{"symbol":"BTC_USDC_PERP","side":"Bid","orderType":"Limit","price":"99000","quantity":"1e30"}`, 400, "INVALID_CLIENT_REQUEST"},
		{"huge price, as a JSON number", `{"symbol":"BTC_USDC_PERP","side":"Bid","orderType":"Limit","price":123456789012345678901234567890,"quantity":"0.01"}`, 400, "INVALID_CLIENT_REQUEST"},
		{"quantity not a number", `{"symbol":"BTC_USDC_PERP","side":"Bid","orderType":"Limit","price":"99000","quantity":"lots"}`, 400, "INVALID_CLIENT_REQUEST"},
		{"quantity a boolean", `{"symbol":"BTC_USDC_PERP","side":"Bid","orderType":"Limit","price":"99000","quantity":true}`, 400, "INVALID_CLIENT_REQUEST"},
		{"client id negative", `{"symbol":"BTC_USDC_PERP","side":"Bid","orderType":"Limit","price":"99000","quantity":"0.01","clientId":-1}`, 400, "INVALID_CLIENT_REQUEST"},
		{"client id over 32 bits", `{"symbol":"BTC_USDC_PERP","side":"Bid","orderType":"Limit","price":"99000","quantity":"0.01","clientId":4294967296}`, 400, "INVALID_CLIENT_REQUEST"},
		{"trailing data", `{"symbol":"BTC_USDC_PERP","side":"Bid","orderType":"Limit","price":"99000","quantity":"0.01"} {}`, 400, "INVALID_CLIENT_REQUEST"},
		{"spot margin", `{"symbol":"BTC_USDC","side":"Bid","orderType":"Limit","price":"99000","quantity":"0.01","autoBorrow":true}`, 400, "NOT_IMPLEMENTED"},
		{"attached stop loss", `{"symbol":"BTC_USDC_PERP","side":"Bid","orderType":"Limit","price":"99000","quantity":"0.01","stopLossTriggerPrice":"90000"}`, 400, "NOT_IMPLEMENTED"},
		{"trigger quantity without trigger price", `{"symbol":"BTC_USDC_PERP","side":"Bid","orderType":"Market","triggerQuantity":"0.01"}`, 400, "INVALID_CLIENT_REQUEST"},
		// The engine's own refusals: 400 with its code, nothing journaled.
		{"insufficient margin", `{"symbol":"BTC_USDC_PERP","side":"Bid","orderType":"Limit","price":"99000","quantity":"10"}`, 400, "INSUFFICIENT_MARGIN"},
		{"limit without price", `{"symbol":"BTC_USDC_PERP","side":"Bid","orderType":"Limit","quantity":"0.01"}`, 400, "INVALID_PRICE"},
		{"market order with a price", `{"symbol":"BTC_USDC_PERP","side":"Bid","orderType":"Market","price":"99000","quantity":"0.01"}`, 400, "INVALID_ORDER"},
		{"below the minimum", `{"symbol":"BTC_USDC_PERP","side":"Bid","orderType":"Limit","price":"99000","quantity":"0"}`, 400, "INVALID_QUANTITY"},
		{"price far from the market", `{"symbol":"BTC_USDC_PERP","side":"Bid","orderType":"Limit","price":"1","quantity":"0.01"}`, 400, "INVALID_PRICE"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := en.seq.hash()
			apiError(t, en.rawOrder(alice, c.body), c.status, c.code)
			if en.seq.hash() != before {
				t.Fatal("a refused request changed the state")
			}
		})
	}
	// A JSON number is accepted where a decimal string is.
	if w := en.rawOrder(alice, `{"symbol":"BTC_USDC_PERP","side":"Bid","orderType":"Limit","price":99000.5,"quantity":0.001}`); w.Code != http.StatusOK {
		t.Fatalf("JSON numbers: %d %s", w.Code, w.Body)
	}
}

// TestBadRequests: everything but the order body: size, signatures, keys,
// rate limits, queries, paths.
func TestBadRequests(t *testing.T) {
	en := newEnv(t, Options{RateLimit: 50})
	alice := en.newUser(1, "1000")
	stranger := &user{priv: ed25519.NewKeyFromSeed(bytes.Repeat([]byte{9}, 32))}
	order := limit("BTC_USDC_PERP", "Bid", "99000", "0.001")
	check := func(name string, w *httptest.ResponseRecorder, status int, code string) {
		t.Helper()
		before := en.seq.hash()
		t.Run(name, func(t *testing.T) { apiError(t, w, status, code) })
		if en.seq.hash() != before {
			t.Fatalf("%s changed the state", name)
		}
	}
	before := en.seq.hash()

	big := `{"symbol":"BTC_USDC_PERP","pad":"` + strings.Repeat("x", DefaultMaxBodyBytes) + `"}`
	check("oversized body", en.raw(alice, "POST", "/api/v1/order", big), http.StatusRequestEntityTooLarge, "INVALID_CLIENT_REQUEST")

	r := en.signed(alice, "POST", "/api/v1/order", order, en.wall.UnixMilli(), 5000)
	r.Header.Set("X-Signature", base64.StdEncoding.EncodeToString(make([]byte, 64)))
	check("wrong signature", serve(en, r), http.StatusUnauthorized, "INVALID_SIGNATURE")

	r = en.signed(alice, "POST", "/api/v1/order", order, en.wall.UnixMilli()-6000, 5000)
	check("expired", serve(en, r), http.StatusUnauthorized, "UNAUTHORIZED")

	r = en.signed(alice, "POST", "/api/v1/order", order, en.wall.UnixMilli()+60_000, 5000)
	check("future", serve(en, r), http.StatusUnauthorized, "UNAUTHORIZED")

	check("unknown key", en.call(stranger, "POST", "/api/v1/order", order), http.StatusUnauthorized, "UNAUTHORIZED")

	r = httptest.NewRequest("GET", "/api/v1/position", nil)
	check("unsigned private request", serve(en, r), http.StatusUnauthorized, "UNAUTHORIZED")

	// A body signed for another endpoint's instruction.
	r = en.signed(alice, "DELETE", "/api/v1/order", map[string]any{"symbol": "BTC_USDC_PERP", "orderId": "1"}, en.wall.UnixMilli(), 5000)
	r.Method = "POST"
	check("instruction of another endpoint", serve(en, r), http.StatusUnauthorized, "INVALID_SIGNATURE")

	check("GET order without symbol", en.call(alice, "GET", "/api/v1/order", map[string]any{"orderId": "1"}), http.StatusBadRequest, "INVALID_MARKET")
	check("GET order without id", en.call(alice, "GET", "/api/v1/order", map[string]any{"symbol": "BTC_USDC_PERP"}), http.StatusBadRequest, "INVALID_CLIENT_REQUEST")
	check("GET order with a bad id", en.call(alice, "GET", "/api/v1/order", map[string]any{"symbol": "BTC_USDC_PERP", "orderId": "x"}), http.StatusBadRequest, "INVALID_CLIENT_REQUEST")
	check("cancel without id", en.call(alice, "DELETE", "/api/v1/order", map[string]any{"symbol": "BTC_USDC_PERP"}), http.StatusBadRequest, "INVALID_CLIENT_REQUEST")
	check("cancel unknown symbol", en.call(alice, "DELETE", "/api/v1/orders", map[string]any{"symbol": "X"}), http.StatusBadRequest, "INVALID_MARKET")
	check("orders of unknown symbol", en.call(alice, "GET", "/api/v1/orders", map[string]any{"symbol": "X"}), http.StatusBadRequest, "INVALID_MARKET")
	check("positions of unknown symbol", en.call(alice, "GET", "/api/v1/position", map[string]any{"symbol": "X"}), http.StatusBadRequest, "INVALID_MARKET")
	check("unknown path", en.get("/api/v1/nothing"), http.StatusNotFound, "NOT_IMPLEMENTED")
	check("wrong method", serve(en, httptest.NewRequest("PUT", "/api/v1/order", nil)), http.StatusMethodNotAllowed, "INVALID_CLIENT_REQUEST")

	// The rate limit: 50 a second per key, then 429 until the clock moves.
	en.wall = en.wall.Add(10 * time.Second) // a full bucket
	ts := en.wall.UnixMilli()
	var last *httptest.ResponseRecorder
	for i := range 51 {
		last = serve(en, en.signed(alice, "GET", "/api/v1/orders", map[string]any{"i": i}, ts, 5000))
		if i < 50 && last.Code != http.StatusOK {
			t.Fatalf("request %d under the limit: %d %s", i, last.Code, last.Body)
		}
	}
	check("over the rate limit", last, http.StatusTooManyRequests, "TOO_MANY_REQUESTS")

	if en.seq.hash() != before {
		t.Fatal("bad requests changed the state")
	}
	// And the server keeps serving.
	en.wall = en.wall.Add(10 * time.Second)
	obj(t, en.call(alice, "POST", "/api/v1/order", order))
}

func serve(en *env, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	en.h.ServeHTTP(w, r)
	return w
}
