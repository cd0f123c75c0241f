package backpack

import (
	"encoding/json"
	"testing"

	"github.com/waterfallrisk/waterfall/engine"
)

// orderJSON renders o as the JSON a client reads.
func orderJSON(t *testing.T, o Order) map[string]any {
	t.Helper()
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// expect checks fields of an order object; nil wants null, absent wants the
// field left out.
func expect(t *testing.T, name string, m map[string]any, want map[string]any) {
	t.Helper()
	for k, w := range want {
		v, has := m[k]
		switch {
		case w == absent && has:
			t.Errorf("%s: %s = %#v, want it left out", name, k, v)
		case w != absent && (!has || v != w):
			t.Errorf("%s: %s = %#v (present %v), want %#v", name, k, v, has, w)
		}
	}
}

var absent = &struct{}{}

// TestOrderObjects: the order objects of an open order's view, of order
// update events and of an order history row (OrderState) show price, size,
// trigger and status as Backpack does.
func TestOrderObjects(t *testing.T) {
	c, btc, _ := catalog(t)
	limit := engine.OrderView{ID: 42, ClientID: 7, Market: btc, Side: engine.Bid, Type: engine.Limit,
		Price: 990_000, Quantity: 100, Executed: 40, ExecutedQt: 396_000_000, CreatedTime: 5}
	expect(t, "open limit", orderJSON(t, c.OrderFromView(&limit)), map[string]any{
		"id": "42", "clientId": 7.0, "price": "99000", "quantity": "0.01", "quoteQuantity": nil,
		"executedQuantity": "0.004", "executedQuoteQuantity": "396", "status": "New", "createdAt": 5.0,
		"triggerPrice": nil, "triggerQuantity": nil, "triggerBy": nil, "marginMode": "Cross", "positionSide": absent,
		"selfTradePrevention": "RejectTaker", "side": "Bid", "orderType": "Limit"})

	pending := limit
	pending.Pending, pending.TriggerPrice, pending.TriggerBy = true, 1_000_000, engine.TriggerByLast
	pending.PositionSide, pending.Isolated, pending.STP = engine.Short, true, engine.RejectBoth
	expect(t, "pending trigger", orderJSON(t, c.OrderFromView(&pending)), map[string]any{
		"status": StatusTriggerPending, "triggerPrice": "100000", "triggerBy": "LastPrice", "quantity": nil,
		"triggerQuantity": "0.01", "positionSide": "Short", "marginMode": "Isolated", "selfTradePrevention": "RejectBoth"})

	ev := engine.Event{OrderEvent: engine.TriggerPlaced, OrderID: 9, Market: btc, Type: engine.Market,
		Quantity: 100, TriggerPrice: 1_000_000, Time: 8}
	expect(t, "trigger placed", orderJSON(t, c.OrderFromEvent(&ev, engine.RejectMaker)), map[string]any{
		"status": StatusTriggerPending, "triggerPrice": "100000", "triggerQuantity": "0.01", "quantity": nil,
		"price": nil, "clientId": nil, "marginMode": absent, "selfTradePrevention": "RejectMaker", "createdAt": 8.0})
	ev.OrderEvent = engine.TriggerFailed
	expect(t, "trigger failed", orderJSON(t, c.OrderFromEvent(&ev, engine.RejectTaker)), map[string]any{
		"status": StatusTriggerFailed, "triggerPrice": nil, "triggerQuantity": nil, "quantity": "0.01"})

	quote := engine.Event{OrderEvent: engine.OrderAccepted, Market: btc, Type: engine.Market, QuoteQty: 5_000_000}
	expect(t, "quote order", orderJSON(t, c.OrderFromEvent(&quote, engine.RejectTaker)), map[string]any{
		"quoteQuantity": "5", "quantity": nil, "price": nil, "status": "New"})

	// A history row: a trigger order that fired keeps showing its trigger
	// price, with its quantity; one that failed shows triggerQuantity.
	row := OrderState{ID: 3, Market: btc, Type: engine.Limit, Price: 990_000, Quantity: 100, Status: "Filled",
		Trigger: true, TriggerPrice: 1_000_000}
	expect(t, "fired trigger", orderJSON(t, c.Order(&row)), map[string]any{
		"triggerPrice": "100000", "quantity": "0.01", "triggerQuantity": nil, "status": "Filled", "triggerBy": nil})
	row.Status, row.Waiting = StatusTriggerFailed, true
	expect(t, "failed trigger", orderJSON(t, c.Order(&row)), map[string]any{
		"triggerPrice": "100000", "quantity": nil, "triggerQuantity": "0.01"})
}

// TestOrderSize: the WebSocket's sizes leave out what an order does not
// have; the order objects always show a plain order's quantity.
func TestOrderSize(t *testing.T) {
	c, btc, _ := catalog(t)
	s := c.OrderSize(btc, engine.Market, 0, engine.MaxAmount, 5_000_000)
	if s.Price != nil || s.Quantity != nil || *s.QuoteQuantity != "5" {
		t.Errorf("open quote order: %v %v %v", s.Price, s.Quantity, s.QuoteQuantity)
	}
	s = c.OrderSize(btc, engine.Limit, 990_000, 0, 0)
	if *s.Price != "99000" || s.Quantity != nil || s.QuoteQuantity != nil {
		t.Errorf("limit order without lots: %v %v %v", s.Price, s.Quantity, s.QuoteQuantity)
	}
	if s = c.orderSize(btc, engine.Limit, 990_000, 0, 0); s.Quantity == nil || *s.Quantity != "0" {
		t.Errorf("the order object's quantity of a plain order: %v", s.Quantity)
	}
	if s = c.orderSize(btc, engine.Market, 0, 30, 5_000_000); *s.Quantity != "0.003" || *s.QuoteQuantity != "5" {
		t.Errorf("a filled quote order: %v %v", s.Quantity, s.QuoteQuantity)
	}
}

// TestPositionSides: a slot's hedge and its position side convert both
// ways; only hedge mode names a side.
func TestPositionSides(t *testing.T) {
	for h, s := range map[int8]engine.PositionSide{1: engine.Long, -1: engine.Short, 0: engine.NoSide} {
		if HedgeSide(h) != s || Hedge(s) != h {
			t.Errorf("hedge %d: side %v, back %d", h, HedgeSide(h), Hedge(s))
		}
	}
	if PositionSideName(engine.NoSide) != nil || *PositionSideName(engine.Long) != "Long" {
		t.Error("positionSide names")
	}
	if SystemOrderTypeName(engine.SystemNone) != nil || *SystemOrderTypeName(engine.SystemLiquidatePositionOnBook) != "LiquidatePositionOnBook" {
		t.Error("systemOrderType names")
	}
	if ClientID(0) != nil || *ClientID(7) != 7 {
		t.Error("clientId")
	}
}
