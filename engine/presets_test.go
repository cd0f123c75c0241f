package engine

import (
	"errors"
	"testing"

	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// The presets differ as docs/policies.md says, on the same account and the
// same drop (TestSlowDeclineLiquidatesOnTheBook's numbers: 10 BTC long on
// 30,000 USDC, BTC to 98,500, bids at 98,600):
//   - backpack: one 10% slice restores health, 9 BTC stay;
//   - partial: the position is over the 100,000 USDC threshold, so 20% go
//     in one step, 8 BTC stay (its cooldown then holds further steps);
//   - classic: the whole position goes at once and the remaining equity,
//     the liquidation surplus, goes to the insurance fund: nothing stays.
func TestPresetsDifferAsDocumented(t *testing.T) {
	for _, tc := range []struct {
		policy config.LiquidationPolicy
		left   int64 // lots the trader keeps
		equity bool  // whether the trader keeps equity
	}{
		{config.PolicyBackpack, 90_000, true},
		{config.PolicyPartial, 80_000, true},
		{config.PolicyClassic, 0, false},
	} {
		cfg := config.Default()
		cfg.Liquidation.Policy = tc.policy
		e, ids := newTestEngineWith(t, 2, cfg)
		trader, mm := ids[0], ids[1]
		perp, _ := cfg.MarketBySymbol("BTC_USDC_PERP")
		btc, _ := cfg.AssetBySymbol("BTC")
		usdc, _ := cfg.AssetBySymbol("USDC")
		apply(t, e, Command{Kind: CmdWithdraw, Account: trader, Asset: usdc, Amount: 70_000_000_000})
		apply(t, e, Command{Kind: CmdPlaceOrder, Account: mm, Market: perp, Side: Ask, Type: Limit, Price: 1_000_000, Quantity: 100_000})
		apply(t, e, Command{Kind: CmdPlaceOrder, Account: trader, Market: perp, Side: Bid, Type: Market, Quantity: 100_000})
		apply(t, e, Command{Kind: CmdPlaceOrder, Account: mm, Market: perp, Side: Bid, Type: Limit, Price: 986_000, Quantity: 200_000})
		apply(t, e, Command{Kind: CmdSetIndexPrice, Asset: btc, Amount: 98_500 * fixed.PriceScale})
		var left int64
		for _, p := range e.Positions(trader) {
			left += p.NetQuantity
		}
		r := e.Margin(trader)
		if left != tc.left || (r.NetEquity > 0) != tc.equity {
			t.Errorf("%v: %d lots and equity %d left, want %d lots and equity %v", tc.policy, left, r.NetEquity, tc.left, tc.equity)
		}
		if tc.policy == config.PolicyClassic && e.Balance(AccountInsurance, usdc) <= 9_860_000_000 {
			t.Errorf("classic: the insurance fund holds %d, want the 1%% fee on 986,000 plus the surplus", e.Balance(AccountInsurance, usdc))
		}
	}
}

// Seed 002's ladder on formulas.md §2's bracket table (config/testdata/
// brackets.yaml): a 20 BTC long at 100,000 (2,000,000 notional: the third
// tier, 900,000–3,000,000 at 1%) breaks; the first step nets nothing
// (one-way), freezes the market for the owner and rests a reduce-only sell
// down to the second tier's cap, priced 0.1% under the last price (100,000):
// at 99,900, so the bid at 99,950 takes it at once.
func TestLadderReducesOneTierPerStep(t *testing.T) {
	cfg, err := config.LoadFile("config/testdata/brackets.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Liquidation.Policy = config.PolicyLadder
	e, ids := newTestEngineWith(t, 2, cfg)
	whale, mm := ids[0], ids[1]
	perp, _ := cfg.MarketBySymbol("BTC_USDC_PERP")
	btc, _ := cfg.AssetBySymbol("BTC")
	usdc, _ := cfg.AssetBySymbol("USDC")
	apply(t, e, Command{Kind: CmdDeposit, Account: mm, Asset: usdc, Amount: 900_000_000_000})
	apply(t, e, Command{Kind: CmdWithdraw, Account: whale, Asset: usdc, Amount: 50_000_000_000}) // 50,000 left
	apply(t, e, Command{Kind: CmdPlaceOrder, Account: mm, Market: perp, Side: Ask, Type: Limit, Price: 1_000_000, Quantity: 200_000})
	apply(t, e, Command{Kind: CmdPlaceOrder, Account: whale, Market: perp, Side: Bid, Type: Market, Quantity: 200_000})
	apply(t, e, Command{Kind: CmdPlaceOrder, Account: mm, Market: perp, Side: Bid, Type: Limit, Price: 999_500, Quantity: 400_000})
	// At 98,300: equity 50,000 − 34,000 − 1,000 (fee) = 15,000 ≤ maintenance
	// 1,966,000 × 1% − 4,650 (cum) = 15,010.
	apply(t, e, Command{Kind: CmdSetIndexPrice, Asset: btc, Amount: 98_300 * fixed.PriceScale})
	var left int64
	for _, p := range e.Positions(whale) {
		left += p.NetQuantity
	}
	// Kept: 900,000 ÷ 9.83 (one lot at the mark, 98,300) = 91,556 lots.
	if left != 91_556 {
		t.Fatalf("after one ladder step the whale holds %d lots, want 91556 (the second tier's cap)", left)
	}
	// The ladder re-evaluates at the next tick; until then the owner cannot
	// trade the market, not even reduce-only.
	if !e.Liquidating(whale) {
		t.Fatal("the ladder ended within its step")
	}
	order := Command{Kind: CmdPlaceOrder, Account: whale, Market: perp, Side: Ask, Type: Market, Quantity: 1, ReduceOnly: true}
	if _, err := e.Apply(&order); !errors.Is(err, &Error{Code: CodeAccountLiquidating}) {
		t.Fatalf("a frozen account's order: %v, want ACCOUNT_LIQUIDATING", err)
	}
	// At the tick it is no longer due: 91,556 lots (900,000 notional, the
	// second tier: 0.5%, cum 150) need 4,350 + the 1% closing fee 9,000 =
	// 13,350, while the sale at 99,950, above the 98,300 mark, left about
	// 22,000 of equity. The ladder ends and the market thaws.
	apply(t, e, Command{Kind: CmdAdvanceTime, Amount: e.Now() + cfg.Liquidation.TickMs})
	if e.Liquidating(whale) {
		r := e.Margin(whale)
		t.Fatalf("the ladder did not end: equity %d, maintenance %d", r.NetEquity, r.Maintenance)
	}
	apply(t, e, order)
}
