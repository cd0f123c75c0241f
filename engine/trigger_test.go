package engine

import (
	"testing"

	"github.com/waterfallrisk/waterfall/engine/fixed"
)

func kinds(evs []Event, k EventKind, what OrderEvent) int {
	n := 0
	for _, ev := range evs {
		if ev.Kind == k && (k != EvOrder || ev.OrderEvent == what) {
			n++
		}
	}
	return n
}

// A stop-loss on the mark waits off the book, holds no exposure, and becomes
// a market order when the mark falls to its trigger price.
func TestStopLossFiresOnMark(t *testing.T) {
	e, ids := newTestEngine(t, 2)
	trader, mm := ids[0], ids[1]
	perp, _ := e.Config().MarketBySymbol("BTC_USDC_PERP")
	btc, _ := e.Config().AssetBySymbol("BTC")
	apply(t, e, Command{Kind: CmdPlaceOrder, Account: mm, Market: perp, Side: Ask, Type: Limit, Price: 1_000_000, Quantity: 100})
	apply(t, e, Command{Kind: CmdPlaceOrder, Account: trader, Market: perp, Side: Bid, Type: Market, Quantity: 100})
	// Stop-loss: sell 100 lots at market when the mark reaches 95,000.
	evs := apply(t, e, Command{Kind: CmdPlaceOrder, Account: trader, Market: perp, Side: Ask, Type: Market,
		Quantity: 100, ReduceOnly: true, TriggerPrice: 950_000, TriggerBy: TriggerByMark})
	if kinds(evs, EvOrder, TriggerPlaced) != 1 || e.OpenOrders(trader) != 1 {
		t.Fatalf("trigger not parked: %d open orders", e.OpenOrders(trader))
	}
	apply(t, e, Command{Kind: CmdPlaceOrder, Account: mm, Market: perp, Side: Bid, Type: Limit, Price: 950_000, Quantity: 100})
	evs = apply(t, e, Command{Kind: CmdSetIndexPrice, Asset: btc, Amount: 96_000 * fixed.PriceScale})
	if kinds(evs, EvOrder, OrderAccepted) != 0 {
		t.Fatal("stop fired above its trigger")
	}
	evs = apply(t, e, Command{Kind: CmdSetIndexPrice, Asset: btc, Amount: 95_000 * fixed.PriceScale})
	if kinds(evs, EvOrder, OrderAccepted) != 1 || kinds(evs, EvOrder, OrderFill) != 2 {
		t.Fatalf("stop did not fire and fill: %d accepted, %d fills",
			kinds(evs, EvOrder, OrderAccepted), kinds(evs, EvOrder, OrderFill))
	}
	for _, p := range e.Positions(trader) {
		if p.NetQuantity != 0 {
			t.Fatalf("trader still holds %d lots", p.NetQuantity)
		}
	}
}

// A trigger whose order is invalid when it fires (reduce-only with nothing to
// reduce) ends with triggerFailed and leaves nothing open.
func TestTriggerFailsWhenInvalidAtFiring(t *testing.T) {
	e, ids := newTestEngine(t, 1)
	perp, _ := e.Config().MarketBySymbol("BTC_USDC_PERP")
	btc, _ := e.Config().AssetBySymbol("BTC")
	apply(t, e, Command{Kind: CmdPlaceOrder, Account: ids[0], Market: perp, Side: Ask, Type: Market,
		Quantity: 100, ReduceOnly: true, TriggerPrice: 1_050_000})
	evs := apply(t, e, Command{Kind: CmdSetIndexPrice, Asset: btc, Amount: 105_000 * fixed.PriceScale})
	if kinds(evs, EvOrder, TriggerFailed) != 1 || e.OpenOrders(ids[0]) != 0 {
		t.Fatalf("want one triggerFailed and no open order, got %d / %d", kinds(evs, EvOrder, TriggerFailed), e.OpenOrders(ids[0]))
	}
}

// A pending trigger can be cancelled by id like any open order.
func TestCancelTrigger(t *testing.T) {
	e, ids := newTestEngine(t, 1)
	perp, _ := e.Config().MarketBySymbol("BTC_USDC_PERP")
	apply(t, e, Command{Kind: CmdPlaceOrder, Account: ids[0], Market: perp, Side: Bid, Type: Limit,
		Price: 1_010_000, Quantity: 100, TriggerPrice: 1_010_000, TriggerBy: TriggerByLast})
	evs := apply(t, e, Command{Kind: CmdCancelOrder, Account: ids[0], Market: perp, OrderID: 1})
	if kinds(evs, EvOrder, OrderCancelled) != 1 || e.OpenOrders(ids[0]) != 0 {
		t.Fatal("trigger not cancelled")
	}
}

// A fired trigger that closes a hedge-mode position rests as a closing order:
// when the position it closes is gone, the order goes too, and it can never
// open the other side (found by TestPropertyRandomCommands).
func TestFiredHedgeCloseIsCapped(t *testing.T) {
	e, ids := newTestEngine(t, 2)
	trader, mm := ids[0], ids[1]
	perp, _ := e.Config().MarketBySymbol("BTC_USDC_PERP")
	btc, _ := e.Config().AssetBySymbol("BTC")
	apply(t, e, Command{Kind: CmdSetPositionMode, Account: trader, PositionMode: Hedge})
	apply(t, e, Command{Kind: CmdPlaceOrder, Account: mm, Market: perp, Side: Bid, Type: Limit, Price: 1_000_000, Quantity: 100})
	apply(t, e, Command{Kind: CmdPlaceOrder, Account: trader, Market: perp, Side: Ask, Type: Market, Quantity: 100, PositionSide: Short})
	// Buy back the short at 98,000 once the mark reaches 101,000: it rests.
	apply(t, e, Command{Kind: CmdPlaceOrder, Account: trader, Market: perp, Side: Bid, Type: Limit, Price: 980_000,
		Quantity: 100, PositionSide: Short, TriggerPrice: 1_010_000, TriggerBy: TriggerByMark})
	apply(t, e, Command{Kind: CmdSetIndexPrice, Asset: btc, Amount: 101_000 * fixed.PriceScale})
	if e.OpenOrders(trader) != 1 {
		t.Fatalf("fired trigger not resting: %d open orders", e.OpenOrders(trader))
	}
	// The short is closed by another order; the resting close must go.
	apply(t, e, Command{Kind: CmdPlaceOrder, Account: mm, Market: perp, Side: Ask, Type: Limit, Price: 1_010_000, Quantity: 100})
	apply(t, e, Command{Kind: CmdPlaceOrder, Account: trader, Market: perp, Side: Bid, Type: Market, Quantity: 100, PositionSide: Short})
	if n := e.OpenOrders(trader); n != 0 {
		t.Fatalf("closing order outlived its position: %d open orders", n)
	}
}
