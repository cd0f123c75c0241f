package engine

import (
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
