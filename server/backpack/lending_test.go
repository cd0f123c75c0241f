package backpack

import (
	"slices"
	"testing"

	"github.com/waterfallrisk/waterfall/engine"
)

// TestBorrowLendMoveOf: every engine source of a lending movement has a
// Backpack source and eventType; the closing sources read the side the
// position was on; an unknown source degrades to Reconciliation with its
// direction read from the positions.
func TestBorrowLendMoveOf(t *testing.T) {
	for _, c := range []struct {
		src       engine.Source
		net, prev int64
		want      BorrowLendMove
	}{
		{engine.SourceLend, 5, 0, BorrowLendMove{"Manual", EventLend, true}},
		{engine.SourceRedeem, 0, 5, BorrowLendMove{"Manual", EventLendRedeem, false}},
		{engine.SourceBorrow, -5, 0, BorrowLendMove{"Manual", EventBorrow, false}},
		{engine.SourceRepay, -1, -5, BorrowLendMove{"Manual", EventBorrowRepay, true}},
		{engine.SourceAutoBorrow, -5, 0, BorrowLendMove{"AutoBorrowRepay", EventBorrow, false}},
		{engine.SourceSpotMargin, -5, 0, BorrowLendMove{"SpotMargin", EventBorrow, false}},
		{engine.SourceAutoRepay, 0, -5, BorrowLendMove{"AutoBorrowRepay", EventBorrowRepay, true}},
		{engine.SourceAutoLend, 5, 0, BorrowLendMove{"AutoLend", EventLend, true}},
		{engine.SourceAutoRedeem, 1, 5, BorrowLendMove{"AutoLend", EventLendRedeem, false}},
		{engine.SourceLiquidationRepay, -1, -5, BorrowLendMove{"Liquidation", EventBorrowRepay, true}},
		{engine.SourceLiquidationRepay, 0, -5, BorrowLendMove{"Liquidation", EventBorrowRepay, true}},
		{engine.SourceLiquidationRepay, 0, 5, BorrowLendMove{"Liquidation", EventLendRedeem, false}},
		{engine.SourceDefault, 0, -5, BorrowLendMove{"Liquidation", EventBorrowRepay, true}},
		{engine.SourceDefault, 2, 5, BorrowLendMove{"AdlProvider", EventLendRedeem, false}},
		{engine.SourceLendAdl, 0, -5, BorrowLendMove{"AdlProvider", EventBorrowRepay, true}},
		{engine.SourceLendAdl, 0, 5, BorrowLendMove{"LiquidationAdl", EventLendRedeem, false}},
		{engine.Source(250), 7, 5, BorrowLendMove{"Reconciliation", EventLend, true}},
		{engine.Source(250), -3, -5, BorrowLendMove{"Reconciliation", EventBorrowRepay, true}},
		{engine.Source(250), 3, 5, BorrowLendMove{"Reconciliation", EventLendRedeem, false}},
		{engine.Source(250), -7, 0, BorrowLendMove{"Reconciliation", EventBorrow, false}},
	} {
		if got := BorrowLendMoveOf(c.src, c.net, c.prev); got != c.want {
			t.Errorf("source %d, net %d after %d: %+v, want %+v", c.src, c.net, c.prev, got, c.want)
		}
	}
	// Every name the table gives is one of Backpack's.
	for s, k := range borrowLendSources {
		for _, name := range []string{k.debt, k.claim} {
			if name != "" && !slices.Contains(BorrowLendSourceNames, name) {
				t.Errorf("source %v maps to %q, not a Backpack source", s, name)
			}
		}
	}
}
