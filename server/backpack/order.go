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

// OrderState is an order as the order objects show it, whichever record
// holds it: an open order's view, an order update event, a row of the order
// history.
type OrderState struct {
	ID          uint64
	ClientID    uint32 // 0: none
	CreatedAt   int64  // ms
	Market      config.MarketID
	Side        engine.Side
	Type        engine.OrderType
	TimeInForce engine.TimeInForce
	STP         engine.SelfTradePrevention
	PostOnly    bool
	ReduceOnly  bool
	Price       int64 // ticks
	Quantity    int64 // lots (a quote order: 0 or engine.MaxAmount until known)
	QuoteQty    int64 // a market order by quote: its budget
	Executed    int64 // lots
	ExecutedQt  int64 // settlement units
	// Status is Backpack's status, TriggerPending and TriggerFailed included.
	Status string
	// Trigger shows TriggerPrice (ticks); Waiting, a trigger order still off
	// the book, shows its quantity as triggerQuantity instead of quantity.
	Trigger      bool
	TriggerPrice int64
	Waiting      bool
	PositionSide engine.PositionSide
}

// Order renders s. triggerBy and marginMode, which only an open order's
// view knows, are left out.
func (c *Catalog) Order(s *OrderState) Order {
	m := s.Market
	size := c.orderSize(m, s.Type, s.Price, s.Quantity, s.QuoteQty)
	o := Order{
		ClientID: ClientID(s.ClientID), CreatedAt: s.CreatedAt,
		ExecutedQuantity: c.Quantity(m, s.Executed), ExecutedQuoteQuantity: c.Quote(m, s.ExecutedQt),
		ID: strconv.FormatUint(s.ID, 10), OrderType: s.Type.String(), PostOnly: s.PostOnly,
		Price: size.Price, Quantity: size.Quantity, QuoteQuantity: size.QuoteQuantity, ReduceOnly: s.ReduceOnly,
		SelfTradePrevention: STPName(s.STP), Side: SideName(s.Side), Status: s.Status,
		Symbol: c.MarketSymbol(m), TimeInForce: s.TimeInForce.String(), PositionSide: PositionSideName(s.PositionSide),
	}
	if s.Trigger {
		o.TriggerPrice = ptr(c.Price(m, s.TriggerPrice))
	}
	if s.Waiting {
		o.TriggerQuantity, o.Quantity = o.Quantity, nil
	}
	return o
}

// OrderFromView renders an open order.
func (c *Catalog) OrderFromView(v *engine.OrderView) Order {
	status := v.Status.String()
	if v.Pending {
		status = StatusTriggerPending
	}
	o := c.Order(&OrderState{ID: v.ID, ClientID: v.ClientID, CreatedAt: v.CreatedTime, Market: v.Market,
		Side: v.Side, Type: v.Type, TimeInForce: v.TimeInForce, STP: v.STP, PostOnly: v.PostOnly,
		ReduceOnly: v.ReduceOnly, Price: v.Price, Quantity: v.Quantity, QuoteQty: v.QuoteQty, Executed: v.Executed,
		ExecutedQt: v.ExecutedQt, Status: status, Trigger: v.Pending, TriggerPrice: v.TriggerPrice, Waiting: v.Pending,
		PositionSide: v.PositionSide})
	if v.Pending {
		o.TriggerBy = ptr(v.TriggerBy.String())
	}
	o.MarginMode = ptr(MarginModeName(v.Isolated))
	return o
}

// OrderFromEvent renders an order as an order-update event left it; stp is
// the order's self-trade prevention, which events do not carry (the request's
// for a new order; the open order's for a cancelled one).
func (c *Catalog) OrderFromEvent(ev *engine.Event, stp engine.SelfTradePrevention) Order {
	placed := ev.OrderEvent == engine.TriggerPlaced
	return c.Order(&OrderState{ID: ev.OrderID, ClientID: ev.ClientID, CreatedAt: ev.Time, Market: ev.Market,
		Side: ev.Side, Type: ev.Type, TimeInForce: ev.TimeInForce, STP: stp, PostOnly: ev.PostOnly,
		ReduceOnly: ev.ReduceOnly, Price: ev.Price, Quantity: ev.Quantity, QuoteQty: ev.QuoteQty, Executed: ev.Executed,
		ExecutedQt: ev.ExecutedQt, Status: EventStatus(ev), Trigger: placed, TriggerPrice: ev.TriggerPrice, Waiting: placed,
		PositionSide: ev.PositionSide})
}

// EventStatus is the status an order update event leaves its order in:
// TriggerPending after TriggerPlaced, TriggerFailed after TriggerFailed, the
// engine's status else.
func EventStatus(ev *engine.Event) string {
	switch ev.OrderEvent {
	case engine.TriggerPlaced:
		return StatusTriggerPending
	case engine.TriggerFailed:
		return StatusTriggerFailed
	}
	return ev.Status.String()
}

// OrderSize is an order's limit price and size as Backpack shows them; nil
// where the order has none.
type OrderSize struct {
	Price         *string // a limit order's, or any positive price
	Quantity      *string // lots, when a count: 0 < quantity < engine.MaxAmount
	QuoteQuantity *string // a market order by quote: its budget
}

// OrderSize renders the price and size of an order of type t in market m.
// A quote order's lots stay nil until its end reports them (an open one
// carries 0 or engine.MaxAmount, its cap).
func (c *Catalog) OrderSize(m config.MarketID, t engine.OrderType, price, qty, quote int64) OrderSize {
	var s OrderSize
	if t == engine.Limit || price > 0 {
		s.Price = ptr(c.Price(m, price))
	}
	if qty > 0 && qty < engine.MaxAmount {
		s.Quantity = ptr(c.Quantity(m, qty))
	}
	if quote > 0 {
		s.QuoteQuantity = ptr(c.Quote(m, quote))
	}
	return s
}

// orderSize is OrderSize as the order objects show it: an order without a
// quote budget always has a quantity (ccxt reads it as the amount).
func (c *Catalog) orderSize(m config.MarketID, t engine.OrderType, price, qty, quote int64) OrderSize {
	s := c.OrderSize(m, t, price, qty, quote)
	if quote <= 0 && s.Quantity == nil {
		s.Quantity = ptr(c.Quantity(m, qty))
	}
	return s
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
