package backpack

import (
	"net/http"
	"strconv"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
)

// Order is Backpack's order object (POST/GET/DELETE /api/v1/order, the
// lists of /api/v1/orders). ccxt's parseOrder reads id, clientId,
// createdAt, symbol, orderType, timeInForce, side, quantity or
// triggerQuantity, price, executedQuoteQuantity, status, triggerPrice,
// executedQuantity, reduceOnly, postOnly and the stop-loss / take-profit
// prices. positionSide and marginMode are Waterfall's extensions.
type Order struct {
	ClientID               *uint32 `json:"clientId"`
	CreatedAt              int64   `json:"createdAt"`
	ExecutedQuantity       string  `json:"executedQuantity"`
	ExecutedQuoteQuantity  string  `json:"executedQuoteQuantity"`
	ID                     string  `json:"id"`
	OrderType              string  `json:"orderType"`
	PostOnly               bool    `json:"postOnly"`
	Price                  *string `json:"price"`
	Quantity               *string `json:"quantity"`
	QuoteQuantity          *string `json:"quoteQuantity"`
	ReduceOnly             bool    `json:"reduceOnly"`
	RelatedOrderID         *string `json:"relatedOrderId"`
	SelfTradePrevention    string  `json:"selfTradePrevention"`
	Side                   string  `json:"side"`
	Status                 string  `json:"status"`
	StopLossLimitPrice     *string `json:"stopLossLimitPrice"`
	StopLossTriggerBy      *string `json:"stopLossTriggerBy"`
	StopLossTriggerPrice   *string `json:"stopLossTriggerPrice"`
	StrategyID             *string `json:"strategyId"`
	Symbol                 string  `json:"symbol"`
	TakeProfitLimitPrice   *string `json:"takeProfitLimitPrice"`
	TakeProfitTriggerBy    *string `json:"takeProfitTriggerBy"`
	TakeProfitTriggerPrice *string `json:"takeProfitTriggerPrice"`
	TimeInForce            string  `json:"timeInForce"`
	TriggerBy              *string `json:"triggerBy"`
	TriggerPrice           *string `json:"triggerPrice"`
	TriggerQuantity        *string `json:"triggerQuantity"`
	TriggeredAt            *int64  `json:"triggeredAt"`
	// Extensions.
	PositionSide *string `json:"positionSide,omitempty"`
	MarginMode   *string `json:"marginMode,omitempty"`
}

func ptr[T any](v T) *T { return &v }

// OrderFromView renders an open order.
func (c *Catalog) OrderFromView(v *engine.OrderView) Order {
	o := Order{
		CreatedAt: v.CreatedTime, ID: strconv.FormatUint(v.ID, 10),
		ExecutedQuantity: c.Quantity(v.Market, v.Executed), ExecutedQuoteQuantity: c.Quote(v.Market, v.ExecutedQt),
		OrderType: v.Type.String(), PostOnly: v.PostOnly, ReduceOnly: v.ReduceOnly,
		SelfTradePrevention: STPName(v.STP), Side: SideName(v.Side), Status: v.Status.String(),
		Symbol: c.MarketSymbol(v.Market), TimeInForce: v.TimeInForce.String(),
		MarginMode: ptr(MarginModeName(v.Isolated)),
	}
	if v.ClientID != 0 {
		o.ClientID = ptr(v.ClientID)
	}
	c.orderPrices(&o, v.Market, v.Type, v.Price, v.Quantity, v.QuoteQty)
	if v.Pending {
		o.Status = StatusTriggerPending
		o.TriggerPrice = ptr(c.Price(v.Market, v.TriggerPrice))
		o.TriggerBy = ptr(v.TriggerBy.String())
		o.TriggerQuantity, o.Quantity = o.Quantity, nil
	}
	if v.PositionSide != engine.NoSide {
		o.PositionSide = ptr(v.PositionSide.String())
	}
	return o
}

// orderPrices sets price (limit orders) and quantity or quote quantity.
func (c *Catalog) orderPrices(o *Order, m config.MarketID, t engine.OrderType, price, qty, quote int64) {
	if t == engine.Limit || price > 0 {
		o.Price = ptr(c.Price(m, price))
	}
	if quote > 0 {
		o.QuoteQuantity = ptr(c.Quote(m, quote))
		if qty > 0 && qty < engine.MaxAmount {
			o.Quantity = ptr(c.Quantity(m, qty))
		}
		return
	}
	o.Quantity = ptr(c.Quantity(m, qty))
}

// OrderFromEvent renders an order as an order-update event left it; stp is
// the order's self-trade prevention, which events do not carry (the request's
// for a new order; the open order's for a cancelled one).
func (c *Catalog) OrderFromEvent(ev *engine.Event, stp engine.SelfTradePrevention) Order {
	o := Order{
		CreatedAt: ev.Time, ID: strconv.FormatUint(ev.OrderID, 10),
		ExecutedQuantity: c.Quantity(ev.Market, ev.Executed), ExecutedQuoteQuantity: c.Quote(ev.Market, ev.ExecutedQt),
		OrderType: ev.Type.String(), PostOnly: ev.PostOnly, ReduceOnly: ev.ReduceOnly,
		SelfTradePrevention: STPName(stp), Side: SideName(ev.Side), Status: ev.Status.String(),
		Symbol: c.MarketSymbol(ev.Market), TimeInForce: ev.TimeInForce.String(),
	}
	if ev.ClientID != 0 {
		o.ClientID = ptr(ev.ClientID)
	}
	c.orderPrices(&o, ev.Market, ev.Type, ev.Price, ev.Quantity, ev.QuoteQty)
	switch ev.OrderEvent {
	case engine.TriggerPlaced:
		o.Status = StatusTriggerPending
		o.TriggerPrice = ptr(c.Price(ev.Market, ev.TriggerPrice))
		o.TriggerQuantity, o.Quantity = o.Quantity, nil
	case engine.TriggerFailed:
		o.Status = StatusTriggerFailed
	}
	if ev.PositionSide != engine.NoSide {
		o.PositionSide = ptr(ev.PositionSide.String())
	}
	return o
}

// OrderRequest is the body of POST /api/v1/order and one item of POST
// /api/v1/orders. Numbers may be decimal strings or JSON numbers; each is
// read exactly (never rounded). A trigger order gives triggerPrice with
// triggerQuantity (ccxt's form) or quantity.
type OrderRequest struct {
	Symbol              string  `json:"symbol"`
	Side                string  `json:"side"`
	OrderType           string  `json:"orderType"`
	Price               Decimal `json:"price"`
	Quantity            Decimal `json:"quantity"`
	QuoteQuantity       Decimal `json:"quoteQuantity"`
	TimeInForce         string  `json:"timeInForce"`
	PostOnly            bool    `json:"postOnly"`
	ReduceOnly          bool    `json:"reduceOnly"`
	ClientID            Uint32  `json:"clientId"`
	SelfTradePrevention string  `json:"selfTradePrevention"`
	TriggerPrice        Decimal `json:"triggerPrice"`
	TriggerQuantity     Decimal `json:"triggerQuantity"`
	TriggerBy           string  `json:"triggerBy"`
	// Extensions (DESIGN.md §4).
	PositionSide string `json:"positionSide"`
	MarginMode   string `json:"marginMode"`
	// Backpack fields Waterfall does not serve: accepted only when false
	// or absent (spot margin and attached take-profit / stop-loss orders).
	AutoLend               bool    `json:"autoLend"`
	AutoLendRedeem         bool    `json:"autoLendRedeem"`
	AutoBorrow             bool    `json:"autoBorrow"`
	AutoBorrowRepay        bool    `json:"autoBorrowRepay"`
	TakeProfitTriggerPrice Decimal `json:"takeProfitTriggerPrice"`
	TakeProfitLimitPrice   Decimal `json:"takeProfitLimitPrice"`
	TakeProfitTriggerBy    string  `json:"takeProfitTriggerBy"`
	StopLossTriggerPrice   Decimal `json:"stopLossTriggerPrice"`
	StopLossLimitPrice     Decimal `json:"stopLossLimitPrice"`
	StopLossTriggerBy      string  `json:"stopLossTriggerBy"`
}

// Command converts the request into the engine command for account acct.
// Everything that can be checked without the engine's state is checked here
// (a 400 naming the field); the engine checks the rest when it applies it.
func (c *Catalog) Command(r *OrderRequest, acct engine.AccountID) (engine.Command, *Error) {
	cmd := engine.Command{Kind: engine.CmdPlaceOrder, Account: acct}
	var err *Error
	if cmd.Market, err = c.Market(r.Symbol); err != nil {
		return cmd, err
	}
	if r.AutoLend || r.AutoLendRedeem || r.AutoBorrow || r.AutoBorrowRepay {
		return cmd, Errorf(http.StatusBadRequest, CodeNotImplemented, "spot margin (autoLend, autoBorrow) is not served")
	}
	if r.TakeProfitTriggerPrice.Set || r.TakeProfitLimitPrice.Set || r.StopLossTriggerPrice.Set ||
		r.StopLossLimitPrice.Set || r.TakeProfitTriggerBy != "" || r.StopLossTriggerBy != "" {
		return cmd, Errorf(http.StatusBadRequest, CodeNotImplemented, "attached take-profit and stop-loss orders are not served; place trigger orders")
	}
	if cmd.Side, err = ParseSide(r.Side); err != nil {
		return cmd, err
	}
	if cmd.Type, err = ParseOrderType(r.OrderType); err != nil {
		return cmd, err
	}
	if cmd.TimeInForce, err = ParseTimeInForce(r.TimeInForce); err != nil {
		return cmd, err
	}
	if cmd.STP, err = ParseSTP(r.SelfTradePrevention); err != nil {
		return cmd, err
	}
	if cmd.PositionSide, err = ParsePositionSide(r.PositionSide); err != nil {
		return cmd, err
	}
	if cmd.MarginMode, err = ParseMarginMode(r.MarginMode); err != nil {
		return cmd, err
	}
	if cmd.TriggerBy, err = ParseTriggerBy(r.TriggerBy); err != nil {
		return cmd, err
	}
	cmd.PostOnly, cmd.ReduceOnly = r.PostOnly, r.ReduceOnly
	cmd.ClientID = r.ClientID.Value
	if cmd.Price, err = c.ParsePrice(cmd.Market, "price", r.Price); err != nil {
		return cmd, err
	}
	qty := r.Quantity
	if r.TriggerQuantity.Set {
		if !r.TriggerPrice.Set || r.Quantity.Set {
			return cmd, BadRequest("triggerQuantity goes with triggerPrice, instead of quantity")
		}
		qty = r.TriggerQuantity
	}
	if cmd.Quantity, err = c.ParseQuantity(cmd.Market, "quantity", qty); err != nil {
		return cmd, err
	}
	if cmd.QuoteQty, err = c.ParseQuote(cmd.Market, "quoteQuantity", r.QuoteQuantity); err != nil {
		return cmd, err
	}
	if cmd.TriggerPrice, err = c.ParsePrice(cmd.Market, "triggerPrice", r.TriggerPrice); err != nil {
		return cmd, err
	}
	if r.TriggerPrice.Set && cmd.TriggerPrice == 0 {
		return cmd, Errorf(http.StatusBadRequest, CodeInvalidPrice, "triggerPrice must be positive")
	}
	return cmd, nil
}
