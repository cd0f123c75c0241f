package engine

import (
	"github.com/waterfallrisk/waterfall/engine/book"
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
		postOnly: c.PostOnly, reduceOnly: c.ReduceOnly, price: c.Price, quantity: in.qty,
		prev: -1, next: -1, origin: origin, createdTime: e.now, slot: in.hedge,
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
	case left == 0 || (in.taker.Quote > 0 && res.Filled > 0 && !res.StoppedBySTP):
		o.quantity = o.executed // a quote order is done once its budget is spent
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
		if f.Kind == book.STPCancel {
			e.emitOrder(&e.orders[f.MakerRef], OrderCancelled, StatusCancelled, OriginUser)
			e.unlinkOrder(f.MakerRef)
			continue
		}
		e.applyFill(in.m, ref, f)
	}
	e.fills = fills[:0]
	return res
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
