package auth

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/waterfallrisk/waterfall/server/backpack"
)

// TestSigningTextMatchesCcxt checks the server's reconstruction of the
// signed text against texts produced by ccxt 4.5.84's own code (backpack.js
// sign() and generateBatchPayload, encode.js urlencode, generic.js keysort,
// run under node with timestamp 1700000000000 and window 5000). Note that a
// batch body keeps each order's keys unsorted: only the signed text sorts.
func TestSigningTextMatchesCcxt(t *testing.T) {
	cases := []struct {
		name, method, query, body, instruction, want string
	}{
		{"createOrder", "POST", "",
			`{"clientId":42,"orderType":"Limit","postOnly":true,"price":"100000","quantity":"0.001","side":"Bid","symbol":"BTC_USDC_PERP"}`,
			"orderExecute",
			"instruction=orderExecute&clientId=42&orderType=Limit&postOnly=true&price=100000&quantity=0.001&side=Bid&symbol=BTC_USDC_PERP&timestamp=1700000000000&window=5000"},
		{"fetchOpenOrders", "GET", "symbol=BTC_USDC_PERP", "", "orderQueryAll",
			"instruction=orderQueryAll&symbol=BTC_USDC_PERP&timestamp=1700000000000&window=5000"},
		{"fetchPositions", "GET", "", "", "positionQuery",
			"instruction=positionQuery&timestamp=1700000000000&window=5000"},
		{"createOrders", "POST", "",
			`[{"symbol":"BTC_USDC_PERP","side":"Bid","orderType":"Limit","price":"1","quantity":"2"},{"symbol":"ETH_USDC_PERP","side":"Ask","orderType":"Market","quantity":"3","reduceOnly":true}]`,
			"orderExecute",
			"instruction=orderExecute&orderType=Limit&price=1&quantity=2&side=Bid&symbol=BTC_USDC_PERP&instruction=orderExecute&orderType=Market&quantity=3&reduceOnly=true&side=Ask&symbol=ETH_USDC_PERP&timestamp=1700000000000&window=5000"},
		{"cancelOrder", "DELETE", "", `{"orderId":"17","symbol":"BTC_USDC_PERP"}`, "orderCancel",
			"instruction=orderCancel&orderId=17&symbol=BTC_USDC_PERP&timestamp=1700000000000&window=5000"},
		{"encoded query", "GET", "orderId=17&symbol=SOL%2FUSDC%20x%21%2A", "", "orderQuery",
			"instruction=orderQuery&orderId=17&symbol=SOL%2FUSDC%20x%21%2A&timestamp=1700000000000&window=5000"},
		{"accountUpdate", "PATCH", "", `{"leverageLimit":"10","positionMode":"Hedge"}`, "accountUpdate",
			"instruction=accountUpdate&leverageLimit=10&positionMode=Hedge&timestamp=1700000000000&window=5000"},
		{"cancelAll without params", "DELETE", "", `{}`, "orderCancelAll",
			"instruction=orderCancelAll&timestamp=1700000000000&window=5000"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			texts, err := SigningTexts(c.method, c.query, []byte(c.body), c.instruction, 1700000000000, 5000)
			if err != nil {
				t.Fatal(err)
			}
			if texts[0] != c.want {
				t.Fatalf("signing text\n got %s\nwant %s", texts[0], c.want)
			}
		})
	}
}

// TestSigningTextOrderAndEncoding: an unsorted query or body is signed
// sorted; a value needing percent-encoding gives the ccxt (encoded) text
// first and the plain one second; null, numbers and booleans render as
// JavaScript's String() does.
func TestSigningTextOrderAndEncoding(t *testing.T) {
	texts, err := SigningTexts("GET", "symbol=A&limit=5", nil, "x", 1, 2)
	if err != nil || len(texts) != 1 || texts[0] != "instruction=x&limit=5&symbol=A&timestamp=1&window=2" {
		t.Fatalf("sorted query: %q %v", texts, err)
	}
	texts, err = SigningTexts("POST", "", []byte(`{"b":"a b","a":null,"c":1.50,"d":false}`), "x", 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"instruction=x&a=&b=a%20b&c=1.50&d=false&timestamp=1&window=2",
		"instruction=x&a=&b=a b&c=1.50&d=false&timestamp=1&window=2",
	}
	if len(texts) != 2 || texts[0] != want[0] || texts[1] != want[1] {
		t.Fatalf("texts %q, want %q", texts, want)
	}
}

// TestSigningTextRefusesBadBodies: malformed JSON, nested values and bodies
// that are neither an object nor an array of objects are 400s.
func TestSigningTextRefusesBadBodies(t *testing.T) {
	for _, body := range []string{`{`, `{"a":{"b":1}}`, `{"a":[1]}`, `"str"`, `[1,2]`, `{"a":1}x`} {
		_, err := SigningTexts("POST", "", []byte(body), "x", 1, 2)
		if err == nil || err.Status != http.StatusBadRequest {
			t.Errorf("body %s: got %v, want a 400", body, err)
		}
	}
	if _, err := SigningTexts("GET", "a=%zz", nil, "x", 1, 2); err == nil {
		t.Error("a malformed query escape was accepted")
	}
}

func TestRFC3986(t *testing.T) {
	// encodeURIComponent plus !'()*, uppercase hex, UTF-8 bytes.
	if got, want := rfc3986("aZ09-_.~ !'()*/é"), "aZ09-_.~%20%21%27%28%29%2A%2F%C3%A9"; got != want {
		t.Fatalf("rfc3986: %s, want %s", got, want)
	}
}

// TestSigningTextBatchCases: batches as ccxt's generateBatchPayload signs
// them (each order sorted, joined by `&instruction=…&`), an empty batch
// (the timestamp and window alone), a null order, duplicate keys (the last
// value), and a nested value that a later duplicate replaces.
func TestSigningTextBatchCases(t *testing.T) {
	cases := []struct{ body, want string }{
		{`[{"symbol":"A","side":"Bid"},{"side":"Ask","clientId":7,"symbol":"B"}]`,
			"instruction=x&side=Bid&symbol=A&instruction=x&clientId=7&side=Ask&symbol=B&timestamp=1&window=2"},
		{`[]`, "timestamp=1&window=2"},
		{`[null,{}]`, "instruction=x&&instruction=x&&timestamp=1&window=2"},
		{`{"b":1,"a":2,"b":3}`, "instruction=x&a=2&b=3&timestamp=1&window=2"},
		{`{"a":{"n":1},"a":"ok"}`, "instruction=x&a=ok&timestamp=1&window=2"},
		{`null`, "instruction=x&timestamp=1&window=2"},
		{" \n", "instruction=x&timestamp=1&window=2"},
		{`{"a\u0062":"\u00e9"}`, "instruction=x&ab=%C3%A9&timestamp=1&window=2"},
	}
	for _, c := range cases {
		texts, err := SigningTexts("POST", "", []byte(c.body), "x", 1, 2)
		if err != nil || texts[0] != c.want {
			t.Errorf("%s: %q %v, want %s", c.body, texts, err, c.want)
		}
	}
	if _, err := SigningTexts("POST", "", []byte(`{"a":"ok","a":[1]}`), "x", 1, 2); err == nil {
		t.Error("a nested last value was accepted")
	}
}

// signingSeeds are bodies for FuzzSigningTexts.
var signingSeeds = []string{
	`{"clientId":42,"orderType":"Limit","postOnly":true,"price":"100000","quantity":"0.001","side":"Bid","symbol":"BTC_USDC_PERP"}`,
	`[{"symbol":"BTC_USDC_PERP","side":"Bid","orderType":"Limit","price":"1","quantity":"2"},{"symbol":"ETH_USDC_PERP","side":"Ask","orderType":"Market","quantity":"3","reduceOnly":true}]`,
	`{"b":"a b","a":null,"c":1.50,"d":false}`, `{}`, `[]`, `null`, ``, ` `, "\v{}", "{}\u00a0", `[null]`, `[{}]`,
	`{`, `{"a":{"b":1}}`, `{"a":[1]}`, `"str"`, `[1,2]`, `{"a":1}x`, `{"a":1,"a":2}`, `{"A":1,"a":2,"_":3,"~":4}`,
	`{"a":{"b":1},"a":1}`, `{"a":1,"a":{"b":1}}`, `{"\u00e9":"\ud83d\ude00","é":"x"}`, "{\"k\":\"\xff\"}",
	`{"k":"!'()*/?#[]@$&+,;= %"}`, `{"k":-0.0e+5}`, `[{"a":1},{"b":[]}]`, `{"k":"\"\\\/\b\f\n\r\t"}`,
}

// FuzzSigningTexts checks the one-pass builder against the map-based
// reconstruction it replaced (signing_ref_test.go): the same texts, or both
// refuse the body with a 400.
func FuzzSigningTexts(f *testing.F) {
	for _, s := range signingSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, gerr := SigningTexts("POST", "", body, "orderExecute", 1700000000000, 5000)
		want, werr := refSigningTexts("POST", "", body, "orderExecute", 1700000000000, 5000)
		switch {
		case (gerr == nil) != (werr == nil):
			t.Fatalf("%q: error %v, reference error %v", body, gerr, werr)
		case gerr != nil && gerr.Status != werr.Status:
			t.Fatalf("%q: status %d, reference %d", body, gerr.Status, werr.Status)
		case gerr == nil && !slices.Equal(got, want):
			t.Fatalf("%q:\n got %q\nwant %q", body, got, want)
		}
	})
}

// TestSigningTextsMatchReference runs FuzzSigningTexts' seeds and the
// ccxt cases through both implementations, GET queries included.
func TestSigningTextsMatchReference(t *testing.T) {
	for _, s := range signingSeeds {
		got, gerr := SigningTexts("POST", "", []byte(s), "x", 1, 2)
		want, werr := refSigningTexts("POST", "", []byte(s), "x", 1, 2)
		if (gerr == nil) != (werr == nil) || !slices.Equal(got, want) {
			t.Errorf("%q: %q %v, reference %q %v", s, got, gerr, want, werr)
		}
	}
	for _, q := range []string{"", "symbol=A&limit=5", "a=%20&b=%zz", "b=2&a=1&a=0", "x=y%2Fz&&k"} {
		got, gerr := SigningTexts("GET", q, nil, "x", 1, 2)
		want, werr := refSigningTexts("GET", q, nil, "x", 1, 2)
		if (gerr == nil) != (werr == nil) || !slices.Equal(got, want) {
			t.Errorf("query %q: %q %v, reference %q %v", q, got, gerr, want, werr)
		}
	}
}

// BenchmarkSigningTexts: the signed text of a batch of 20 orders.
func BenchmarkSigningTexts(b *testing.B) {
	body := []byte("[" + strings.TrimSuffix(strings.Repeat(`{"clientId":17,"orderType":"Limit","price":"100000.5","quantity":"0.0003","selfTradePrevention":"RejectMaker","side":"Bid","symbol":"BTC_USDC_PERP"},`, 20), ",") + "]")
	var body1 backpack.Body
	var tx texts
	b.ReportAllocs()
	for b.Loop() {
		if err := body1.Parse(body); err != nil {
			b.Fatal(err)
		}
		if err := tx.build(&body1, "orderExecute", 1700000000000, 5000); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSigningTextsReference: the same with the map-based code the
// builder replaced, for comparison.
func BenchmarkSigningTextsReference(b *testing.B) {
	body := []byte("[" + strings.TrimSuffix(strings.Repeat(`{"clientId":17,"orderType":"Limit","price":"100000.5","quantity":"0.0003","selfTradePrevention":"RejectMaker","side":"Bid","symbol":"BTC_USDC_PERP"},`, 20), ",") + "]")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := refSigningTexts("POST", "", body, "orderExecute", 1700000000000, 5000); err != nil {
			b.Fatal(err)
		}
	}
}
