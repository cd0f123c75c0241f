package engine

import (
	"testing"

	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// apply runs a command and fails the test if it is refused or breaks an invariant.
func apply(t testing.TB, e *Engine, c Command) []Event {
	t.Helper()
	ev, err := e.Apply(&c)
	if err != nil {
		t.Fatalf("%v: %v", c.Kind, err)
	}
	if err := e.CheckInvariants(); err != nil {
		t.Fatalf("after %v: %v", c.Kind, err)
	}
	return ev
}

func TestTradeCycleConservesValue(t *testing.T) {
	e, ids := newTestEngine(t, 2)
	alice, bob := ids[0], ids[1]
	btc, _ := e.Config().AssetBySymbol("BTC")
	usdc, _ := e.Config().AssetBySymbol("USDC")
	perp, _ := e.Config().MarketBySymbol("BTC_USDC_PERP")
	// alice bids 1 BTC (10,000 lots) at 100,000 (1,000,000 ticks); bob sells into it.
	apply(t, e, Command{Kind: CmdPlaceOrder, Account: alice, Market: perp, Side: Bid, Type: Limit, Price: 1_000_000, Quantity: 10_000})
	apply(t, e, Command{Kind: CmdPlaceOrder, Account: bob, Market: perp, Side: Ask, Type: Market, Quantity: 10_000})
	if got := e.OpenInterest(perp); got != 10_000 {
		t.Fatalf("open interest %d, want 10000", got)
	}
	apply(t, e, Command{Kind: CmdSetIndexPrice, Asset: btc, Amount: 101_000 * fixed.PriceScale})
	apply(t, e, Command{Kind: CmdAdvanceTime, Amount: 1_700_000_000_000 + 3_600_000})
	// bob buys back from alice's offer at 101,000: alice realizes +1,000 USDC less fees.
	apply(t, e, Command{Kind: CmdPlaceOrder, Account: alice, Market: perp, Side: Ask, Type: Limit, Price: 1_010_000, Quantity: 10_000, ReduceOnly: true})
	apply(t, e, Command{Kind: CmdPlaceOrder, Account: bob, Market: perp, Side: Bid, Type: Market, Quantity: 10_000})
	if got := e.OpenInterest(perp); got != 0 {
		t.Fatalf("open interest %d, want 0", got)
	}
	for _, p := range e.Positions(alice) {
		if p.NetQuantity != 0 {
			t.Fatalf("alice still holds %d", p.NetQuantity)
		}
	}
	// Fees: alice maker 2 × 0.02%, bob taker 2 × 0.05%, on 100,000 and 101,000.
	fees := e.Balance(AccountFees, usdc)
	want := int64(20_000_000 + 20_200_000 + 50_000_000 + 50_500_000)
	if fees != want {
		t.Fatalf("fees %d, want %d", fees, want)
	}
}

// newTestEngine returns an engine on the default config at a fixed time with
// BTC at 100,000 and n funded accounts (100,000 USDC each).
func newTestEngine(t testing.TB, n int) (*Engine, []AccountID) {
	t.Helper()
	return newTestEngineWith(t, n, config.Default())
}

// newTestEngineWith is newTestEngine on a given configuration.
func newTestEngineWith(t testing.TB, n int, cfg *config.Config) (*Engine, []AccountID) {
	t.Helper()
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	btc, _ := cfg.AssetBySymbol("BTC")
	usdc, _ := cfg.AssetBySymbol("USDC")
	apply(t, e, Command{Kind: CmdAdvanceTime, Amount: 1_700_000_000_000})
	apply(t, e, Command{Kind: CmdSetIndexPrice, Asset: btc, Amount: 100_000 * fixed.PriceScale})
	ids := make([]AccountID, n)
	for i := range ids {
		ids[i] = e.FirstUser() + AccountID(i)
		apply(t, e, Command{Kind: CmdCreateAccount})
		apply(t, e, Command{Kind: CmdDeposit, Account: ids[i], Asset: usdc, Amount: 100_000_000_000})
	}
	return e, ids
}

// Seed 002: in hedge mode an account holds a long and a short in the same
// market side by side, and each side closes only itself.
func TestHedgeModeHoldsBothSides(t *testing.T) {
	e, ids := newTestEngine(t, 2)
	h, mm := ids[0], ids[1]
	perp, _ := e.Config().MarketBySymbol("BTC_USDC_PERP")
	apply(t, e, Command{Kind: CmdSetPositionMode, Account: h, PositionMode: Hedge})
	if _, err := e.Apply(&Command{Kind: CmdPlaceOrder, Account: h, Market: perp, Side: Bid, Type: Limit, Price: 1_000_000, Quantity: 100}); err == nil {
		t.Fatal("hedge-mode order without a position side accepted")
	}
	// The market maker quotes both sides; the hedger buys long and sells short.
	apply(t, e, Command{Kind: CmdPlaceOrder, Account: mm, Market: perp, Side: Ask, Type: Limit, Price: 1_000_010, Quantity: 500})
	apply(t, e, Command{Kind: CmdPlaceOrder, Account: mm, Market: perp, Side: Bid, Type: Limit, Price: 999_990, Quantity: 500})
	apply(t, e, Command{Kind: CmdPlaceOrder, Account: h, Market: perp, Side: Bid, Type: Market, Quantity: 200, PositionSide: Long})
	apply(t, e, Command{Kind: CmdPlaceOrder, Account: h, Market: perp, Side: Ask, Type: Market, Quantity: 150, PositionSide: Short})
	got := map[int8]int64{}
	for _, p := range e.Positions(h) {
		got[p.Hedge] = p.NetQuantity
	}
	if got[1] != 200 || got[-1] != -150 {
		t.Fatalf("hedge slots = %v, want long 200 and short -150", got)
	}
	// Long OI: the hedger's 200. Short OI: the hedger's 150 plus the market
	// maker's 200 sold less the 150 it bought back, 50. Both are 200.
	if oi := e.OpenInterest(perp); oi != 200 {
		t.Fatalf("open interest %d, want 200", oi)
	}
	// Selling on the long side closes the long only, capped at its size.
	apply(t, e, Command{Kind: CmdPlaceOrder, Account: h, Market: perp, Side: Ask, Type: Market, Quantity: 999, PositionSide: Long})
	for _, p := range e.Positions(h) {
		if p.Hedge == 1 && p.NetQuantity != 0 || p.Hedge == -1 && p.NetQuantity != -150 {
			t.Fatalf("after closing the long: %+v", p)
		}
	}
}
