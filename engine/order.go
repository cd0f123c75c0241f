package engine

import (
	"github.com/waterfallrisk/waterfall/engine/book"
	"github.com/waterfallrisk/waterfall/engine/config"
)

// order is the engine's record of an open order; the book holds its price,
// side and remaining quantity and finds it by order.id.
type order struct {
	live        bool
	id          uint64
	clientID    uint32
	account     AccountID
	market      config.MarketID
	slot        int8 // hedge side of the position slot it belongs to (0 one-way)
	isolated    bool // trades an isolated-margin position
	side        Side
	typ         OrderType
	tif         TimeInForce
	stp         SelfTradePrevention
	postOnly    bool
	reduceOnly  bool
	price       int64 // ticks
	quantity    int64 // lots ordered
	executed    int64 // lots filled
	executedQt  int64 // settlement units filled
	locked      int64 // spot: balance reserved for the rest of the order
	prev, next  int32 // the account's open-order list
	origin      Origin
	createdTime int64
	quoteQty    int64 // market order by quote: the budget, settlement units

	// A pending trigger order: not on the book, in its market's trigger list.
	pending   bool
	trigger   int64 // ticks
	triggerBy TriggerBy
	above     bool // fires when the reference price rises to trigger (else falls to it)
}

// allocOrder takes a free slab entry.
func (e *Engine) allocOrder() int32 {
	if i := e.freeOrder; i >= 0 {
		e.freeOrder = e.orders[i].next
		return i
	}
	e.orders = append(e.orders, order{})
	return int32(len(e.orders) - 1) //nolint:gosec // bounded by memory
}

func (e *Engine) freeOrderRef(i int32) {
	e.orders[i] = order{next: e.freeOrder}
	e.freeOrder = i
}

// linkOrder adds an open order to its account's list and exposure.
func (e *Engine) linkOrder(ref int32) {
	o := &e.orders[ref]
	a := &e.accounts[o.account]
	o.prev, o.next = -1, a.orderHead
	if a.orderHead >= 0 {
		e.orders[a.orderHead].prev = ref
	}
	a.orderHead = ref
	a.openOrders++
	if !o.pending {
		e.addResting(o, o.quantity-o.executed)
	}
}

// unlinkOrder removes an open order from its account and frees it.
func (e *Engine) unlinkOrder(ref int32) {
	e.detachOrder(ref)
	e.freeOrderRef(ref)
}

// detachOrder removes an open order from its account's list, exposure and
// locks, keeping its record (a moved order comes back under the same id).
func (e *Engine) detachOrder(ref int32) {
	o := &e.orders[ref]
	a := &e.accounts[o.account]
	if o.prev >= 0 {
		e.orders[o.prev].next = o.next
	} else {
		a.orderHead = o.next
	}
	if o.next >= 0 {
		e.orders[o.next].prev = o.prev
	}
	a.openOrders--
	if o.pending {
		e.markets[o.market].dropTrigger(ref)
		return
	}
	e.addResting(o, -(o.quantity - o.executed))
	a.locked[e.lockAsset(o)] -= o.locked
	o.locked = 0
}

// addResting adds lots to the order's slot's resting bids or asks.
func (e *Engine) addResting(o *order, lots int64) {
	if !e.markets[o.market].perp() {
		return
	}
	i := e.slotFor(o)
	p := &e.accounts[o.account].positions[i]
	if o.side == Bid {
		p.bids += lots
	} else {
		p.asks += lots
	}
	e.releaseSlot(o.account, i)
}

// findOrder resolves an order of an account by id, or by client id when id is
// 0 (the most recent open order with that client id).
func (e *Engine) findOrder(acct AccountID, m config.MarketID, id uint64, clientID uint32) (int32, *Error) {
	if id != 0 {
		mk, err := e.market(m)
		if err != nil {
			return -1, err
		}
		ref := int32(-1)
		if bo, ok := mk.book.Get(id); ok {
			ref = bo.Ref
		} else {
			ref = e.findTrigger(mk, id)
		}
		if ref < 0 || e.orders[ref].account != acct {
			return -1, errorf(CodeResourceNotFound, "order %d is not open", id)
		}
		return ref, nil
	}
	for ref := e.accounts[acct].orderHead; ref >= 0; ref = e.orders[ref].next {
		o := &e.orders[ref]
		if o.clientID == clientID && o.market == m {
			return ref, nil
		}
	}
	return -1, errorf(CodeResourceNotFound, "no open order with client id %d", clientID)
}

func (e *Engine) cancelOrder(c *Command) *Error {
	if _, err := e.user(c.Account); err != nil {
		return err
	}
	if c.OrderID == 0 && c.ClientID == 0 {
		return errorf(CodeInvalidClientRequest, "an order id or a client id is required")
	}
	ref, err := e.findOrder(c.Account, c.Market, c.OrderID, c.ClientID)
	if err != nil {
		return err
	}
	if e.orders[ref].origin != OriginUser {
		return errorf(CodeAccountLiquidating, "order %d belongs to the liquidation engine", e.orders[ref].id)
	}
	e.cancelResting(ref, OrderCancelled, OriginUser)
	return nil
}

// cancelAll cancels every open order of the account in c.Market, or in every
// market when c.Market is AllMarkets.
func (e *Engine) cancelAll(c *Command) *Error {
	if _, err := e.user(c.Account); err != nil {
		return err
	}
	if c.Market != AllMarkets {
		if _, err := e.market(c.Market); err != nil {
			return err
		}
	}
	e.cancelUserOrders(c.Account, c.Market)
	return nil
}

// AllMarkets in Command.Market makes CmdCancelAll cancel in every market.
const AllMarkets config.MarketID = 0xFFFF

// cancelUserOrders cancels the account's own open orders in market m (or all
// markets), leaving those the liquidation engine placed.
func (e *Engine) cancelUserOrders(acct AccountID, m config.MarketID) {
	ref := e.accounts[acct].orderHead
	for ref >= 0 {
		next := e.orders[ref].next
		if o := &e.orders[ref]; o.origin == OriginUser && (m == AllMarkets || o.market == m) {
			e.cancelResting(ref, OrderCancelled, OriginUser)
		}
		ref = next
	}
}

// cancelAccountOrders cancels the account's open orders in market m (or all
// markets), oldest last: the list is newest first, which is also the order
// the events come out in, deterministically.
func (e *Engine) cancelAccountOrders(acct AccountID, m config.MarketID, origin Origin) {
	ref := e.accounts[acct].orderHead
	for ref >= 0 {
		next := e.orders[ref].next
		if m == AllMarkets || e.orders[ref].market == m {
			e.cancelResting(ref, OrderCancelled, origin)
		}
		ref = next
	}
}

// cancelResting removes an open order from the book and reports it.
func (e *Engine) cancelResting(ref int32, why OrderEvent, origin Origin) {
	o := &e.orders[ref]
	e.markets[o.market].book.Cancel(o.id)
	status := StatusCancelled
	if why == OrderExpired {
		status = StatusExpired
	}
	e.emitOrder(o, why, status, origin)
	e.unlinkOrder(ref)
}

// emitOrder reports an order update.
func (e *Engine) emitOrder(o *order, what OrderEvent, status OrderStatus, origin Origin) *Event {
	ev := e.emit(EvOrder)
	ev.Account, ev.Market = o.account, o.market
	ev.OrderEvent, ev.Origin, ev.Status = what, origin, status
	ev.OrderID, ev.ClientID = o.id, o.clientID
	ev.Side, ev.Type, ev.TimeInForce = o.side, o.typ, o.tif
	ev.Price, ev.Quantity = o.price, o.quantity
	if o.quoteQty > 0 {
		// A quote order has no lot quantity until it ends (Backpack: null);
		// its final fill reports what it bought (markLastFillFilled).
		ev.QuoteQty, ev.Quantity = o.quoteQty, 0
		if status == StatusFilled {
			ev.Quantity = o.executed
		}
	}
	ev.Executed, ev.ExecutedQt = o.executed, o.executedQt
	ev.ReduceOnly, ev.PostOnly = o.reduceOnly, o.postOnly
	ev.PositionSide = sideOfSlot(o.slot)
	return ev
}

// bookOrder returns the book's view of an order record.
func (o *order) bookOrder(ref int32) book.Order {
	return book.Order{ID: o.id, Owner: uint32(o.account), Ref: ref, Side: o.side, Price: o.price,
		Qty: o.quantity - o.executed, Capped: o.reduceOnly}
}
