package engine

// moveOrder re-prices an open limit order (and optionally changes its
// quantity), keeping its id. It loses time priority. If the new price
// crosses the book the order first trades as a taker, within the bands, and
// rests what is left; a post-only order that would cross is refused instead.
// Command: Account, Market, OrderID (or ClientID), Price, Quantity (0: keep).
func (e *Engine) moveOrder(c *Command) *Error {
	if _, err := e.user(c.Account); err != nil {
		return err
	}
	m, err := e.market(c.Market)
	if err != nil {
		return err
	}
	ref, err := e.findOrder(c.Account, c.Market, c.OrderID, c.ClientID)
	if err != nil {
		return err
	}
	o := e.orders[ref] // a copy: nothing changes before validation passes
	if o.origin != OriginUser {
		return errorf(CodeAccountLiquidating, "order %d belongs to the liquidation engine", o.id)
	}
	left := o.quantity - o.executed
	qty := left
	if c.Quantity != 0 {
		qty = c.Quantity
	}
	place := Command{
		Kind: CmdPlaceOrder, Account: o.account, Market: o.market, Side: o.side, Type: Limit,
		TimeInForce: GTC, STP: o.stp, PostOnly: o.postOnly, ReduceOnly: o.reduceOnly,
		Price: c.Price, Quantity: qty, ClientID: o.clientID, PositionSide: sideOfSlot(o.slot),
		MarginMode: marginModeOf(o.isolated),
	}
	in, err := e.validateMove(&place, ref, left)
	if err != nil {
		return err
	}
	m.book.Cancel(o.id)
	e.detachOrder(ref)
	mo := &e.orders[ref]
	mo.price, mo.quantity = c.Price, mo.executed+in.qty
	e.emitOrder(mo, OrderModified, statusOf(mo), mo.origin)
	res := e.match(ref, &in)
	e.finish(ref, &in, res, mo.origin)
	e.checkTriggers(m)
	return nil
}

// validateMove validates the re-placed order as if the old one were gone:
// the checks net out its resting lots and its spot lock.
func (e *Engine) validateMove(place *Command, ref int32, left int64) (intent, *Error) {
	if e.orders[ref].typ != Limit {
		return intent{}, errorf(CodeInvalidOrder, "only limit orders can be moved")
	}
	if e.orders[ref].pending {
		// Off the book, it has no place to move; re-placing it here would
		// put it on the book still marked pending and drop its trigger.
		return intent{}, errorf(CodeInvalidOrder, "a pending trigger order cannot be moved: cancel it and place it again")
	}
	return e.validateOrderReplacing(place, &e.orders[ref], left)
}

// marginModeOf is the margin mode of an isolated flag.
func marginModeOf(isolated bool) MarginMode {
	if isolated {
		return Isolated
	}
	return Cross
}

// sideOfSlot is the position side of a slot key.
func sideOfSlot(hedge int8) PositionSide {
	switch hedge {
	case 1:
		return Long
	case -1:
		return Short
	}
	return NoSide
}

func statusOf(o *order) OrderStatus {
	if o.executed > 0 {
		return StatusPartiallyFilled
	}
	return StatusNew
}
