package engine

// offBookTrade settles a trade that never touches the book: a backstop
// takeover or an ADL close. Account a trades side (a long being closed
// sells) lots at price (ticks) with account b, which takes the other side;
// aHedge and bHedge pick their position slots. Each side gets a system
// order, reported as one orderFill with the origin's fillType and
// systemOrderType. Off-book trades never set the last price, the ticker or
// klines, and publish no public trade. A backstop fill pays the liquidation
// fee on the liquidated side; an ADL fill pays no fee on either side.
func (e *Engine) offBookTrade(m *market, a AccountID, aHedge int8, b AccountID, bHedge int8, side Side, lots, price int64, origin Origin) {
	q, err := m.quote(lots, price)
	if err != nil {
		return // a price validated against the mark cannot overflow here
	}
	tradeID := e.nextTradeID
	e.nextTradeID++
	e.offBookSide(m, a, aHedge, side, lots, price, q, tradeID, origin, true)
	e.offBookSide(m, b, bHedge, side.Opposite(), lots, price, q, tradeID, origin, false)
	e.trimClosingOrders(a, m.id)
	e.trimClosingOrders(b, m.id)
	e.ensureLocksCovered(a)
	e.ensureLocksCovered(b)
}

func (e *Engine) offBookSide(m *market, acct AccountID, hedge int8, side Side, lots, price, q int64, tradeID uint64, origin Origin, liquidated bool) {
	ref := e.allocOrder()
	o := &e.orders[ref]
	*o = order{
		live: true, id: e.nextOrderID, account: acct, market: m.id, slot: hedge, side: side,
		typ: Market, tif: IOC, price: price, quantity: lots, reduceOnly: liquidated,
		prev: -1, next: -1, origin: origin, createdTime: e.now,
	}
	e.nextOrderID++
	e.settlePerp(m, o, lots, q, 0, AccountFees, SourceTradingFees)
	var f int64
	if liquidated && origin == OriginBackstop {
		f = e.liquidationFee(o, m, q)
	}
	o.executed, o.executedQt = lots, q
	ev := e.emitOrder(o, OrderFill, StatusFilled, origin)
	ev.FillPrice, ev.FillQty, ev.TradeID = price, lots, tradeID
	ev.Fee, ev.FeeAsset = f, e.settle
	ev.FillType, ev.SystemType = fillTypeOf(origin)
	e.freeOrderRef(ref)
}
