package engine

import (
	"testing"

	"github.com/waterfallrisk/waterfall/engine/fixed"
)

func stages(evs []Event) []LiquidationStage {
	var out []LiquidationStage
	for _, ev := range evs {
		if ev.Kind == EvLiquidation {
			out = append(out, ev.Stage)
		}
	}
	return out
}

// leveraged opens a long of lots BTC lots for `trader` against `mm`, after
// reducing the trader's collateral to equity (USDC units).
func leveraged(t *testing.T, equity, lots int64) (*Engine, AccountID, AccountID) {
	t.Helper()
	e, ids := newTestEngine(t, 2)
	trader, mm := ids[0], ids[1]
	perp, _ := e.Config().MarketBySymbol("BTC_USDC_PERP")
	usdc, _ := e.Config().AssetBySymbol("USDC")
	apply(t, e, Command{Kind: CmdWithdraw, Account: trader, Asset: usdc, Amount: 100_000_000_000 - equity})
	apply(t, e, Command{Kind: CmdPlaceOrder, Account: mm, Market: perp, Side: Ask, Type: Limit, Price: 1_000_000, Quantity: lots})
	apply(t, e, Command{Kind: CmdPlaceOrder, Account: trader, Market: perp, Side: Bid, Type: Market, Quantity: lots})
	return e, trader, mm
}

// Stage 1: a slow decline makes the account liquidatable; the book takes
// 10% slices until MMR < 100%, and the account keeps what is left. The
// position is 10 BTC, large enough that its square-root MMF (1.49%) exceeds
// the 1% liquidation fee, so each slice frees more maintenance than it costs:
// below about 450,000 USDC of notional the BTC MMF base (0.667%) is under the
// fee, and stage 1 closes the whole position (docs/policies.md).
func TestSlowDeclineLiquidatesOnTheBook(t *testing.T) {
	e, trader, mm := leveraged(t, 30_000_000_000, 100_000) // 10 BTC at 100,000 on 30,000 USDC
	perp, _ := e.Config().MarketBySymbol("BTC_USDC_PERP")
	btc, _ := e.Config().AssetBySymbol("BTC")
	// Bids just above the coming mark: the market maker buys the slices.
	apply(t, e, Command{Kind: CmdPlaceOrder, Account: mm, Market: perp, Side: Bid, Type: Limit, Price: 986_000, Quantity: 200_000})
	// At 98,500: equity 30,000 − 15,000 − 500 (fee) = 14,500 < maintenance
	// 985,000 × 0.00001496 × √985,000 = 14,626 (DESIGN.md §5's BTC MMF):
	// MMR ≥ 100%; ACMF = MMF/2 puts stage 2 below half of that.
	evs := apply(t, e, Command{Kind: CmdSetIndexPrice, Asset: btc, Amount: 98_500 * fixed.PriceScale})
	if got := stages(evs); len(got) == 0 || got[0] != StageBook {
		r := e.Margin(trader)
		t.Fatalf("no stage-1 liquidation at 98,500: stages %v, MMR %d", got, r.MMR())
	}
	for now := e.Now(); e.Liquidating(trader); {
		now += 1000
		apply(t, e, Command{Kind: CmdAdvanceTime, Amount: now})
	}
	var left int64
	for _, p := range e.Positions(trader) {
		left += p.NetQuantity
	}
	// One slice of 1 BTC restores health: 9 BTC at MMF 1.41% needs 12,490
	// against 14,500 + 100 (sold above the mark) − 986 (fee) = 13,614.
	if left != 90_000 {
		t.Fatalf("position after partial liquidation: %d lots, want 90000", left)
	}
	usdc, _ := e.Config().AssetBySymbol("USDC")
	if got := e.Balance(AccountInsurance, usdc); got != 986_000_000 {
		t.Fatalf("insurance fund %d, want the 1%% fee on 98,600: 986 USDC", got)
	}
}

// Stage 2: a gap through ACMF hands the position to the backstop provider
// at the mark; stage 3: with no provider and an empty fund, ADL closes it at
// the bankruptcy price against the profitable short.
func TestGapThroughAutoCloseGoesToBackstopThenADL(t *testing.T) {
	for _, withBackstop := range []bool{true, false} {
		e, trader, mm := leveraged(t, 2_000_000_000, 10_000)
		perp, _ := e.Config().MarketBySymbol("BTC_USDC_PERP")
		btc, _ := e.Config().AssetBySymbol("BTC")
		blp := e.FirstUser() + 2
		apply(t, e, Command{Kind: CmdCreateAccount})
		usdc, _ := e.Config().AssetBySymbol("USDC")
		apply(t, e, Command{Kind: CmdDeposit, Account: blp, Asset: usdc, Amount: 1_000_000_000_000})
		if withBackstop {
			apply(t, e, Command{Kind: CmdRegisterBackstop, Account: blp, Market: perp, Amount: 10_000_000_000_000})
		}
		evs := apply(t, e, Command{Kind: CmdSetIndexPrice, Asset: btc, Amount: 98_300 * fixed.PriceScale})
		want := StageBackstop
		if !withBackstop {
			want = StageADL
		}
		found := false
		for _, s := range stages(evs) {
			found = found || s == want
		}
		if !found || e.Liquidating(trader) {
			t.Fatalf("backstop=%v: stages %v, still liquidating %v", withBackstop, stages(evs), e.Liquidating(trader))
		}
		holder := blp
		if !withBackstop {
			holder = mm
		}
		var taken int64
		for _, p := range e.Positions(holder) {
			taken += p.NetQuantity
		}
		if withBackstop && taken != 10_000 || !withBackstop && taken != 0 {
			t.Fatalf("backstop=%v: %d lots with the counterparty", withBackstop, taken)
		}
		if r := e.Margin(trader); r.NetEquity < 0 {
			t.Fatalf("negative equity %d left behind", r.NetEquity)
		}
	}
}

// The ADL indicator lights positions by quintile of the ADL ranking
// (formulas.md §5): the more profitable and leveraged short is first in line.
func TestADLIndicatorRanksProfitAndLeverage(t *testing.T) {
	e, ids := newTestEngine(t, 3)
	perp, _ := e.Config().MarketBySymbol("BTC_USDC_PERP")
	btc, _ := e.Config().AssetBySymbol("BTC")
	usdc, _ := e.Config().AssetBySymbol("USDC")
	// ids[1] shorts 10x the notional of ids[2] on the same equity: both profit
	// 2% when the price falls, ids[1] at ten times the effective leverage.
	apply(t, e, Command{Kind: CmdWithdraw, Account: ids[1], Asset: usdc, Amount: 90_000_000_000})
	apply(t, e, Command{Kind: CmdWithdraw, Account: ids[2], Asset: usdc, Amount: 90_000_000_000})
	apply(t, e, Command{Kind: CmdPlaceOrder, Account: ids[0], Market: perp, Side: Bid, Type: Limit, Price: 1_000_000, Quantity: 11_000})
	apply(t, e, Command{Kind: CmdPlaceOrder, Account: ids[1], Market: perp, Side: Ask, Type: Market, Quantity: 10_000})
	apply(t, e, Command{Kind: CmdPlaceOrder, Account: ids[2], Market: perp, Side: Ask, Type: Market, Quantity: 1_000})
	apply(t, e, Command{Kind: CmdSetIndexPrice, Asset: btc, Amount: 99_900 * fixed.PriceScale})
	lights := map[AccountID]int{}
	for _, l := range e.ADLIndicators(perp) {
		lights[l.Account] = l.Lights
	}
	if lights[ids[1]] != 5 || lights[ids[2]] >= lights[ids[1]] {
		t.Fatalf("lights %v: want the 10x short at 5, ahead of the 1x short", lights)
	}
}
