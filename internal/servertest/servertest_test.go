package servertest

import (
	"context"
	"crypto/ed25519"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/fixed"
	"github.com/waterfallrisk/waterfall/server/auth"
)

// TestURLEncode: ccxt's urlencode(keysort(params)), RFC 3986 (!'()* and
// spaces escaped, -_.~ kept), values as JavaScript shows them.
func TestURLEncode(t *testing.T) {
	got := URLEncode(map[string]any{"b": "x y!'()*", "a": true, "c": nil, "d": int64(-5), "e": uint32(7), "f": "-_.~é"})
	want := "a=true&b=x%20y%21%27%28%29%2A&c=&d=-5&e=7&f=-_.~%C3%A9"
	if got != want {
		t.Fatalf("%s, want %s", got, want)
	}
}

// TestSignVerifies: what Sign builds, the server's verifier accepts (an
// object, a GET query, an empty GET, a batch); a wrong instruction or an
// altered query is refused.
func TestSignVerifies(t *testing.T) {
	key := Key(3)
	const ts = 1_700_000_000_000
	v := auth.New(func(k []byte) (engine.AccountID, bool) {
		return 9, string(k) == string(key.Public().(ed25519.PublicKey))
	}, auth.Options{Now: func() time.Time { return time.UnixMilli(ts) }})
	order := map[string]any{"symbol": "BTC_USDC_PERP", "side": "Bid", "quantity": "0.01", "clientId": uint32(5)}
	cases := []struct {
		instruction, method, path string
		params                    any
	}{
		{"orderExecute", http.MethodPost, "/api/v1/order", order},
		{"orderQueryAll", http.MethodGet, "/api/v1/orders", map[string]any{"symbol": "BTC_USDC_PERP"}},
		{"positionQuery", http.MethodGet, "/api/v1/position", map[string]any{}},
		{"orderExecute", http.MethodPost, "/api/v1/orders", []map[string]any{order, order}},
	}
	for i, c := range cases {
		s := Sign(key, c.instruction, c.method, c.path, c.params, ts+int64(i), 5000)
		r := s.Request()
		body, _ := io.ReadAll(r.Body)
		if id, err := v.Verify(r, c.instruction, body); err != nil || id != 9 {
			t.Errorf("%s %s: %v", c.method, c.path, err)
		}
		if _, err := v.Verify(s.Request(), "orderCancel", body); err == nil {
			t.Errorf("%s %s: verified under another instruction", c.method, c.path)
		}
	}
	s := Sign(key, "orderQueryAll", http.MethodGet, "/api/v1/orders", map[string]any{"symbol": "BTC_USDC_PERP"}, ts+10, 5000)
	s.Target = "/api/v1/orders?symbol=ETH_USDC_PERP"
	if _, err := v.Verify(s.Request(), "orderQueryAll", nil); err == nil {
		t.Error("an altered query verified")
	}
}

// TestSetup: on a real sequencer, Setup's commands do what they say: the
// index price, an account bound to its key and funded, decimal prices and
// quantities in ticks and lots, a resting order, the manual clock.
func TestSetup(t *testing.T) {
	const t0 = 1_700_000_000_000
	q := Sequencer(t, t.TempDir(), t0)
	s := Setup{T: t, Engine: q, Cfg: q.Config()}
	s.Index("BTC", "100000")
	key := Key(7)
	a := s.Account(key, "2500.5")
	if id, ok := q.AccountByKey(key.Public().(ed25519.PublicKey)); !ok || id != a {
		t.Fatalf("key bound to %d %v, want %d", id, ok, a)
	}
	perp := s.Market("BTC_USDC_PERP")
	if s.Ticks(perp, "99000.5") != 990_005 || s.Lots(perp, "0.0123") != 123 {
		t.Fatalf("99000.5 is %d ticks, 0.0123 is %d lots", s.Ticks(perp, "99000.5"), s.Lots(perp, "0.0123"))
	}
	s.Order(a, "BTC_USDC_PERP", engine.Bid, "99000", "0.01")
	s.Advance(1500)
	var index, now int64
	var orders int
	var usdc []engine.CollateralView
	if err := q.Read(context.Background(), func(e *engine.Engine) {
		index, now, orders, usdc = e.Index(s.Asset("BTC")), e.Now(), e.OpenOrders(a), e.Collateral(a)
	}); err != nil {
		t.Fatal(err)
	}
	if index != 100_000*fixed.PriceScale || now != t0+1500 || orders != 1 {
		t.Fatalf("index %d, now %d, %d open orders", index, now, orders)
	}
	if len(usdc) != 1 || usdc[0].Asset != s.Asset("USDC") || usdc[0].Balance != 2_500_500_000 {
		t.Fatalf("collateral %+v, want 2500.5 USDC", usdc)
	}
}
