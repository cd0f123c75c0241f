package engine

import (
	"github.com/waterfallrisk/waterfall/engine/book"
	"github.com/waterfallrisk/waterfall/engine/config"
)

// execute carries out a validated order: accept it, match it, then rest or
// expire what is left. Nothing here can refuse: validateOrder bounded every
// number, so the arithmetic below cannot overflow.
func (e *Engine) execute(c *Command, in *intent, origin Origin) {
	ref := e.allocOrder()
	o := &e.orders[ref]
	*o = order{
		live: true, id: e.nextOrderID, clientID: c.ClientID, account: in.account,
		market: in.m.id, side: c.Side, typ: c.Type, tif: c.TimeInForce, stp: c.STP,
		postOnly: c.PostOnly, reduceOnly: in.closing, price: c.Price, quantity: in.qty,
		prev: -1, next: -1, origin: origin, createdTime: e.now, slot: in.hedge, quoteQty: c.QuoteQty,
		isolated: in.isolated,
	}
	e.nextOrderID++
	e.launch(ref, in, origin)
}

// launch accepts an order record, matches it and finishes it.
func (e *Engine) launch(ref int32, in *intent, origin Origin) {
	e.emitOrder(&e.orders[ref], OrderAccepted, StatusNew, origin)
	res := e.match(ref, in)
	e.finish(ref, in, res, origin)
	if origin == OriginUser {
		e.checkTriggers(in.m) // the trade may have moved the last price
	}
}

// finish rests, cancels or expires what a matched order has left.
func (e *Engine) finish(ref int32, in *intent, res book.Result, origin Origin) {
	o := &e.orders[ref]
	left := o.quantity - o.executed
	switch {
	case in.taker.Quote > 0 && res.Filled > 0 && !res.StoppedBySTP && e.budgetSpent(in, res):
		// A quote order whose budget cannot buy another lot is filled: its
		// last fill, still in this command's events, carries the final
		// status and its quantity becomes what it bought.
		o.quantity = o.executed
		e.markLastFillFilled(o)
		e.freeOrderRef(ref)
	case left == 0:
		e.freeOrderRef(ref)
	case res.StoppedBySTP:
		e.emitOrder(o, OrderCancelled, StatusCancelled, origin)
		e.freeOrderRef(ref)
	case in.rests && !in.m.book.WouldCross(o.side, o.price):
		e.rest(ref, in)
	default:
		e.emitOrder(o, OrderExpired, StatusExpired, origin)
		e.freeOrderRef(ref)
	}
}

// budgetSpent reports whether a quote order's remaining budget cannot pay
// for one lot at the best price still within its limit; false when no such
// price is left (the book ran out first: the order expires).
func (e *Engine) budgetSpent(in *intent, res book.Result) bool {
	best, ok := in.m.book.BestAsk()
	within := ok && best <= in.taker.Limit
	if in.taker.Side == Ask {
		best, ok = in.m.book.BestBid()
		within = ok && best >= in.taker.Limit
	}
	return within && in.taker.Quote-res.QuoteFilled < best
}

// markLastFillFilled sets the status of the order's last orderFill event of
// this command to Filled and its quantity to what was executed.
func (e *Engine) markLastFillFilled(o *order) {
	for i := len(e.events) - 1; i >= 0; i-- {
		ev := &e.events[i]
		if ev.Kind == EvOrder && ev.OrderID == o.id && ev.OrderEvent == OrderFill {
			ev.Status, ev.Quantity = StatusFilled, o.executed
			return
		}
	}
}

// match runs the order against the book, unless it is fill-or-kill and the
// book cannot fill all of it, and applies every fill.
func (e *Engine) match(ref int32, in *intent) book.Result {
	if in.taker.Limit <= 0 {
		return book.Result{}
	}
	if e.orders[ref].tif == FOK && in.m.book.Fillable(&in.taker) < in.qty {
		return book.Result{}
	}
	fills, res := in.m.book.Match(&in.taker, e.fills[:0])
	for i := range fills {
		f := &fills[i]
		switch f.Kind {
		case book.STPCancel:
			e.emitOrder(&e.orders[f.MakerRef], OrderCancelled, StatusCancelled, OriginUser)
			e.unlinkOrder(f.MakerRef)
			continue
		case book.CapTrim:
			e.trimClosing(f)
			continue
		}
		e.applyFill(in.m, ref, f)
	}
	e.fills = fills[:0]
	if in.m.perp() && res.Filled > 0 {
		e.trimAfterMatch(in.m, ref, fills)
	}
	return res
}

// trimAfterMatch trims the closing orders of every account whose position
// this match changed, once all its fills are settled.
func (e *Engine) trimAfterMatch(m *market, takerRef int32, fills []book.Fill) {
	e.trimClosingOrders(e.orders[takerRef].account, m.id)
	for i := range fills {
		if fills[i].Kind == book.Trade && (i == 0 || fills[i-1].MakerOwner != fills[i].MakerOwner) {
			e.trimClosingOrders(AccountID(fills[i].MakerOwner), m.id)
		}
	}
}

// trimClosingOrders keeps every resting closing order of an account in a
// market within the position it closes: an order larger than what is left
// is cut to it, one with nothing left to close is cancelled. (Several
// closing orders may each cover the whole position; Cap keeps them from
// over-closing together when they trade.)
func (e *Engine) trimClosingOrders(acct AccountID, mid config.MarketID) {
	for ref := e.accounts[acct].orderHead; ref >= 0; {
		o := &e.orders[ref]
		next := o.next
		if o.market == mid && o.reduceOnly && !o.pending {
			if excess := o.quantity - o.executed - e.Cap(ref, nil); excess > 0 {
				e.trimResting(ref, excess)
			}
		}
		ref = next
	}
}

// trimResting removes lots from a resting order: cancelled when none are
// left, modified otherwise.
func (e *Engine) trimResting(ref int32, lots int64) {
	o := &e.orders[ref]
	left := o.quantity - o.executed - lots
	if left == 0 {
		e.cancelResting(ref, OrderCancelled, o.origin)
		return
	}
	e.markets[o.market].book.Reduce(o.id, left)
	e.addResting(o, -lots)
	o.quantity -= lots
	e.emitOrder(o, OrderModified, statusOf(o), o.origin)
}

// Cap implements book.Capper: a resting closing order (reduce-only, or a
// hedge-mode close) may trade only what is left of the position it closes,
// counting the fills of the current match (sofar) that the engine settles
// after the book returns. That is what keeps a closing order from ever
// opening the other side, however the position shrank since it rested.
func (e *Engine) Cap(ref int32, sofar []book.Fill) int64 {
	o := &e.orders[ref]
	var pos int64
	if i := e.slot(o.account, o.market, o.slot, false); i >= 0 {
		pos = e.accounts[o.account].positions[i].qty
	}
	for i := range sofar {
		f := &sofar[i]
		if f.Kind != book.Trade || AccountID(f.MakerOwner) != o.account || e.orders[f.MakerRef].slot != o.slot {
			continue
		}
		if o.side == Ask { // every maker of this match is on the same side
			pos -= f.Qty
		} else {
			pos += f.Qty
		}
	}
	if o.side == Ask {
		return max(pos, 0)
	}
	return max(-pos, 0)
}

// trimClosing applies a CapTrim: the closing order lost f.Qty lots it could
// no longer use; it is cancelled if nothing is left, else modified.
func (e *Engine) trimClosing(f *book.Fill) {
	o := &e.orders[f.MakerRef]
	e.addResting(o, -f.Qty)
	o.quantity -= f.Qty
	if f.MakerLeft == 0 {
		e.emitOrder(o, OrderCancelled, StatusCancelled, o.origin)
		e.unlinkOrder(f.MakerRef)
		return
	}
	e.emitOrder(o, OrderModified, statusOf(o), o.origin)
}

// rest puts the remainder of an order on the book. If the book refuses it
// (a price level whose total would overflow, or a full book) the remainder
// expires instead: nothing is ever half-rested.
func (e *Engine) rest(ref int32, in *intent) {
	o := &e.orders[ref]
	if err := in.m.book.Rest(o.bookOrder(ref)); err != nil {
		e.emitOrder(o, OrderExpired, StatusExpired, o.origin)
		e.freeOrderRef(ref)
		return
	}
	if !in.m.perp() {
		o.locked = in.m.spotLock(o.side, o.price, o.quantity-o.executed)
		e.accounts[o.account].locked[e.lockAsset(o)] += o.locked
	}
	e.linkOrder(ref)
}
