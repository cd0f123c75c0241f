package backpack

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
)

func catalog(t *testing.T) (*Catalog, config.MarketID, config.MarketID) {
	t.Helper()
	c, err := NewCatalog(config.Default())
	if err != nil {
		t.Fatal(err)
	}
	btc, e1 := c.Market("BTC_USDC_PERP")
	sol, e2 := c.Market("SOL_USDC")
	if e1 != nil || e2 != nil {
		t.Fatal(e1, e2)
	}
	return c, btc, sol
}

// TestDecimalJSON: a decimal is a string or a number, kept as sent; null
// leaves it unset; anything else is refused.
func TestDecimalJSON(t *testing.T) {
	for in, want := range map[string]Decimal{
		`"0.001"`: Dec("0.001"), `0.001`: Dec("0.001"), `1e-3`: Dec("1e-3"), `-5`: Dec("-5"), `null`: {},
	} {
		var d Decimal
		if err := json.Unmarshal([]byte(in), &d); err != nil || d != want {
			t.Errorf("%s: %+v %v, want %+v", in, d, err, want)
		}
	}
	for _, in := range []string{`true`, `{}`, `[]`, `"`} {
		var d Decimal
		if err := json.Unmarshal([]byte(in), &d); err == nil {
			t.Errorf("%s accepted as %+v", in, d)
		}
	}
	var u Uint32
	for in, want := range map[string]uint32{`7`: 7, `"7"`: 7, `4294967295`: 1<<32 - 1} {
		if err := json.Unmarshal([]byte(in), &u); err != nil || u.Value != want || !u.Set {
			t.Errorf("clientId %s: %+v %v", in, u, err)
		}
	}
	for _, in := range []string{`-1`, `4294967296`, `1.5`, `"x"`, `true`} {
		if err := json.Unmarshal([]byte(in), &u); err == nil {
			t.Errorf("clientId %s accepted", in)
		}
	}
}

// TestParseExact: prices and quantities convert to ticks and lots exactly,
// or are refused with the right code; nothing is rounded.
func TestParseExact(t *testing.T) {
	c, btc, sol := catalog(t)
	cases := []struct {
		text  string
		qty   bool
		m     config.MarketID
		want  int64
		code  string
		field string
	}{
		{"100000", false, btc, 1_000_000, "", "price"},
		{"100000.1", false, btc, 1_000_001, "", "price"},
		{"1e5", false, btc, 1_000_000, "", "price"},
		{"100000.10000000", false, btc, 1_000_001, "", "price"},
		{"100000.05", false, btc, 0, CodeInvalidPrice, "price"},
		{"100000.000000001", false, btc, 0, CodeInvalidClientRequest, "price"},
		{"-1", false, btc, 0, CodeInvalidClientRequest, "price"},
		{"99999999999999999999", false, btc, 0, CodeInvalidClientRequest, "price"},
		{"abc", false, btc, 0, CodeInvalidClientRequest, "price"},
		{"0.0001", true, btc, 1, "", "quantity"},
		{"1.2345", true, btc, 12_345, "", "quantity"},
		{"0.00015", true, btc, 0, CodeInvalidQuantity, "quantity"},
		{"0.000000001", true, btc, 0, CodeInvalidClientRequest, "quantity"},
		{"2.5", true, sol, 250, "", "quantity"},
		{"0.000000001", true, sol, 0, CodeInvalidQuantity, "quantity"},
	}
	for _, k := range cases {
		var got int64
		var err *Error
		if k.qty {
			got, err = c.ParseQuantity(k.m, k.field, Dec(k.text))
		} else {
			got, err = c.ParsePrice(k.m, k.field, Dec(k.text))
		}
		switch {
		case k.code == "" && (err != nil || got != k.want):
			t.Errorf("%s: %d %v, want %d", k.text, got, err, k.want)
		case k.code != "" && (err == nil || err.Code != k.code || err.Status != http.StatusBadRequest):
			t.Errorf("%s: %d %v, want a 400 %s", k.text, got, err, k.code)
		}
	}
	if v, err := c.ParsePrice(btc, "price", Decimal{}); v != 0 || err != nil {
		t.Errorf("unset price: %d %v", v, err)
	}
}

// TestFormat: prices from ticks, quantities from lots, amounts from units,
// exact and trimmed, even beyond int64 products.
func TestFormat(t *testing.T) {
	c, btc, sol := catalog(t)
	if got := c.Price(btc, 1_000_001); got != "100000.1" {
		t.Errorf("price %s", got)
	}
	if got := c.Quantity(btc, 12_345); got != "1.2345" {
		t.Errorf("quantity %s", got)
	}
	if got := c.Quantity(sol, -250); got != "-2.5" {
		t.Errorf("negative quantity %s", got)
	}
	if got := c.Settle(-1_500_000); got != "-1.5" {
		t.Errorf("amount %s", got)
	}
	// 2^62 ticks × 0.1: beyond int64 as a fixed.Price, still exact.
	if got := c.Price(btc, 1<<62); got != "461168601842738790.4" {
		t.Errorf("huge price %s", got)
	}
	if got := Rate(6_666_670_000); got != "0.00666667" {
		t.Errorf("rate %s", got)
	}
	if got := BasisPoints(-10_000_000_000); got != "-100" {
		t.Errorf("bps %s", got)
	}
	if got := Timestamp(1_753_633_140_092); got != "2025-07-27T16:19:00.092" {
		t.Errorf("timestamp %s", got)
	}
	seen := map[string]bool{}
	for _, a := range []engine.AccountID{7, 8} {
		for m := range config.MarketID(3) {
			for _, h := range []int8{-1, 0, 1} {
				id := PositionID(a, m, h)
				if seen[id] {
					t.Fatalf("position id %s repeats", id)
				}
				seen[id] = true
			}
		}
	}
}

func TestFromEngine(t *testing.T) {
	if e := FromEngine(&engine.Error{Code: engine.CodeInsufficientMargin, Message: "m"}); e.Status != 400 || e.Code != "INSUFFICIENT_MARGIN" {
		t.Errorf("%+v", e)
	}
	if e := FromEngine(&engine.Error{Code: engine.CodeResourceNotFound, Message: "m"}); e.Status != 404 {
		t.Errorf("%+v", e)
	}
	if e := FromEngine(http.ErrServerClosed); e.Status != 503 || e.Code != CodeServerError {
		t.Errorf("%+v", e)
	}
	b, _ := json.Marshal(BadRequest("x %d", 1))
	if string(b) != `{"code":"INVALID_CLIENT_REQUEST","message":"x 1"}` {
		t.Errorf("error body %s", b)
	}
}
