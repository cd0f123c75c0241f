package engine

import (
	"testing"

	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// Seed 003: an isolated position risks only its own margin. The trader holds
// an isolated 1 BTC long beside a cross ETH long; a BTC crash liquidates the
// BTC position inside its margin and leaves the ETH position and the rest of
// the account alone.
func TestIsolatedBesideCross(t *testing.T) {
	e, ids := newTestEngine(t, 2)
	trader, mm := ids[0], ids[1]
	cfg := e.Config()
	btcPerp, _ := cfg.MarketBySymbol("BTC_USDC_PERP")
	ethPerp, _ := cfg.MarketBySymbol("ETH_USDC_PERP")
	btc, _ := cfg.AssetBySymbol("BTC")
	eth, _ := cfg.AssetBySymbol("ETH")
	usdc, _ := cfg.AssetBySymbol("USDC")
	apply(t, e, Command{Kind: CmdSetIndexPrice, Asset: eth, Amount: 4_000 * fixed.PriceScale})
	apply(t, e, Command{Kind: CmdPlaceOrder, Account: mm, Market: btcPerp, Side: Ask, Type: Limit, Price: 1_000_000, Quantity: 10_000})
	apply(t, e, Command{Kind: CmdPlaceOrder, Account: mm, Market: ethPerp, Side: Ask, Type: Limit, Price: 400_000, Quantity: 5_000})
	apply(t, e, Command{Kind: CmdPlaceOrder, Account: trader, Market: btcPerp, Side: Bid, Type: Market, Quantity: 10_000, MarginMode: Isolated})
	apply(t, e, Command{Kind: CmdPlaceOrder, Account: trader, Market: ethPerp, Side: Bid, Type: Market, Quantity: 5_000})
	// The isolated margin is the initial margin at the mark: 100,000 ×
	// 0.01333333 (BTC IMF base, DESIGN.md §5) = 1,333.333.
	var iso PositionView
	for _, p := range e.Positions(trader) {
		if p.Market == btcPerp {
			iso = p
		}
	}
	if !iso.Isolated || iso.Margin != 1_333_333_000 {
		t.Fatalf("isolated position %+v: want margin 1,333.333 USDC", iso)
	}
	before := e.Balance(trader, usdc)
	// BTC falls 2%: 1 BTC loses 2,000 > its 1,333.333 margin, while the cross
	// account (~98,600 USDC) could carry it many times over.
	apply(t, e, Command{Kind: CmdPlaceOrder, Account: mm, Market: btcPerp, Side: Bid, Type: Limit, Price: 980_000, Quantity: 10_000})
	evs := apply(t, e, Command{Kind: CmdSetIndexPrice, Asset: btc, Amount: 98_000 * fixed.PriceScale})
	if got := stages(evs); len(got) == 0 {
		t.Fatal("the isolated position was not liquidated")
	}
	if e.Liquidating(trader) {
		t.Fatal("the cross account was put in liquidation")
	}
	for _, p := range e.Positions(trader) {
		switch p.Market {
		case btcPerp:
			if p.NetQuantity != 0 {
				t.Fatalf("isolated BTC position left: %d lots", p.NetQuantity)
			}
		case ethPerp:
			if p.NetQuantity != 5_000 {
				t.Fatalf("cross ETH position touched: %d lots", p.NetQuantity)
			}
		}
	}
	// The account lost at most the isolated margin: the book fill stopped at
	// the bankruptcy price and the fee came out of the margin.
	if loss := before - e.Balance(trader, usdc); loss > iso.Margin || loss <= 0 {
		t.Fatalf("account lost %d, want (0, %d]: the isolated margin", loss, iso.Margin)
	}
}

// CmdAdjustMargin (DESIGN.md §4: POST /api/v1/position/margin) moves margin
// into an isolated position from cross, and out of it down to its initial
// margin, never below; a cross position has none to move.
func TestAdjustIsolatedMargin(t *testing.T) {
	e, ids := newTestEngine(t, 2)
	trader, mm := ids[0], ids[1]
	cfg := e.Config()
	perp, _ := cfg.MarketBySymbol("BTC_USDC_PERP")
	eth, _ := cfg.MarketBySymbol("ETH_USDC_PERP")
	ethAsset, _ := cfg.AssetBySymbol("ETH")
	apply(t, e, Command{Kind: CmdSetIndexPrice, Asset: ethAsset, Amount: 4_000 * fixed.PriceScale})
	apply(t, e, Command{Kind: CmdPlaceOrder, Account: mm, Market: perp, Side: Ask, Type: Limit, Price: 1_000_000, Quantity: 10_000})
	apply(t, e, Command{Kind: CmdPlaceOrder, Account: trader, Market: perp, Side: Bid, Type: Market, Quantity: 10_000, MarginMode: Isolated})
	margin := func() int64 {
		for _, p := range e.Positions(trader) {
			if p.Market == perp {
				return p.Margin
			}
		}
		return -1
	}
	// Initial margin at the mark: 100,000 × 0.01333333 = 1,333.333 USDC.
	const im = 1_333_333_000
	if got := margin(); got != im {
		t.Fatalf("margin %d, want %d", got, im)
	}
	apply(t, e, Command{Kind: CmdAdjustMargin, Account: trader, Market: perp, Amount: 5_000_000_000})
	if got := margin(); got != im+5_000_000_000 {
		t.Fatalf("after adding 5,000: margin %d", got)
	}
	apply(t, e, Command{Kind: CmdAdjustMargin, Account: trader, Market: perp, Amount: -5_000_000_000})
	for _, c := range []Command{
		{Kind: CmdAdjustMargin, Account: trader, Market: perp, Amount: -1},                // below the initial margin
		{Kind: CmdAdjustMargin, Account: trader, Market: perp, Amount: 1_000_000_000_000}, // more than cross can spare
		{Kind: CmdAdjustMargin, Account: trader, Market: eth, Amount: 1_000_000},          // no isolated ETH position
		{Kind: CmdAdjustMargin, Account: trader, Market: perp, Amount: 0},
	} {
		before := e.StateHash()
		if _, err := e.Apply(&c); err == nil {
			t.Fatalf("%+v accepted", c)
		}
		if e.StateHash() != before {
			t.Fatalf("refused %+v changed the state", c)
		}
	}
	if got := margin(); got != im {
		t.Fatalf("margin %d after refusals, want %d", got, im)
	}
}
