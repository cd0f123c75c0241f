package engine

import (
	"errors"
	"testing"

	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// Closing a market settles every position at the mark rounded down to a tick
// (DESIGN.md §4: SETTLEMENT_AUTOCLOSE, OrderBookClosed), cancels its orders,
// leaves its clearing account at zero and refuses orders afterwards.
func TestCloseMarketSettlesEveryPosition(t *testing.T) {
	e, ids := newTestEngine(t, 3)
	perp, _ := e.Config().MarketBySymbol("BTC_USDC_PERP")
	btc, _ := e.Config().AssetBySymbol("BTC")
	usdc, _ := e.Config().AssetBySymbol("USDC")
	apply(t, e, Command{Kind: CmdPlaceOrder, Account: ids[0], Market: perp, Side: Ask, Type: Limit, Price: 1_000_000, Quantity: 300})
	apply(t, e, Command{Kind: CmdPlaceOrder, Account: ids[1], Market: perp, Side: Bid, Type: Market, Quantity: 200})
	apply(t, e, Command{Kind: CmdPlaceOrder, Account: ids[2], Market: perp, Side: Bid, Type: Market, Quantity: 100})
	apply(t, e, Command{Kind: CmdPlaceOrder, Account: ids[2], Market: perp, Side: Bid, Type: Limit, Price: 990_000, Quantity: 50})
	apply(t, e, Command{Kind: CmdSetIndexPrice, Asset: btc, Amount: 101_234_56 * fixed.PriceScale / 100})
	evs := apply(t, e, Command{Kind: CmdCloseMarket, Market: perp})
	settled := 0
	for _, ev := range evs {
		if ev.Kind == EvOrder && ev.OrderEvent == OrderFill {
			settled++
			if ev.Origin != OriginSettlement || ev.SystemType != SystemOrderBookClosed || ev.FillPrice != 1_012_345 {
				t.Fatalf("settlement fill %+v: want SETTLEMENT_AUTOCLOSE at 101,234.5 (the mark 101,234.56 rounded down)", ev)
			}
		}
	}
	if settled != 3 || e.OpenInterest(perp) != 0 || e.OpenOrders(ids[2]) != 0 {
		t.Fatalf("settled %d positions, open interest %d, open orders %d", settled, e.OpenInterest(perp), e.OpenOrders(ids[2]))
	}
	if got := e.Balance(e.Clearing(perp), usdc); got != 0 {
		t.Fatalf("clearing account holds %d after the close", got)
	}
	_, err := e.Apply(&Command{Kind: CmdPlaceOrder, Account: ids[1], Market: perp, Side: Bid, Type: Limit, Price: 1_000_000, Quantity: 1})
	if !errors.Is(err, &Error{Code: CodeTradingPaused}) {
		t.Fatalf("order on a closed market: %v", err)
	}
}
