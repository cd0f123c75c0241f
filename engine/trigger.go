package engine

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// placeTrigger validates a trigger order and parks it: it holds no margin and
// no lock while it waits, and is validated in full when it fires.
func (e *Engine) placeTrigger(c *Command) *Error {
	if c.TriggerBy > TriggerByLast {
		return errorf(CodeInvalidOrder, "unknown trigger reference %d", c.TriggerBy)
	}
	if c.PostOnly || c.TimeInForce == FOK || c.QuoteQty != 0 {
		return errorf(CodeInvalidOrder, "a trigger order takes a quantity and no post-only or FOK")
	}
	a, err := e.user(c.Account)
	if err != nil {
		return err
	}
	m, err := e.market(c.Market)
	if err != nil {
		return err
	}
	if err := validateEnums(c); err != nil {
		return err
	}
	if c.ReduceOnly && !m.perp() {
		return errorf(CodeInvalidOrder, "reduce-only applies to perpetual markets")
	}
	if e.index[m.cfg.Base] == 0 {
		return errorf(CodeTradingPaused, "%s has no index price yet", m.cfg.Symbol)
	}
	if m.closed {
		return errorf(CodeTradingPaused, "%s is closed", m.cfg.Symbol)
	}
	if a.liquidating && !c.ReduceOnly && !closesHedge(c) {
		return errorf(CodeAccountLiquidating, "account %d is being liquidated: only reduce-only orders are accepted", c.Account)
	}
	var in intent
	in.m = m
	if err := e.positionSide(c, a, m, &in); err != nil {
		return err
	}
	if err := e.marginModeOf(c, a, m, &in); err != nil {
		return err
	}
	if err := e.sizeOrder(c, &in); err != nil {
		return err
	}
	if c.TriggerPrice <= 0 || c.Price < 0 || (c.Type == Limit) != (c.Price > 0) {
		return errorf(CodeInvalidPrice, "a trigger order needs a positive trigger price, and a price exactly when it is a limit order")
	}
	if !m.priceInRange(c.TriggerPrice) || !m.priceInRange(c.Price) {
		return errorf(CodeInvalidPrice, "price is out of range")
	}
	if q, qerr := m.quote(in.qty, max(c.Price, c.TriggerPrice)); qerr != nil || q > MaxAmount {
		return errorf(CodeInvalidQuantity, "order notional is out of range")
	}
	ref := e.allocOrder()
	o := &e.orders[ref]
	*o = order{
		live: true, id: e.nextOrderID, clientID: c.ClientID, account: c.Account, market: m.id,
		slot: in.hedge, side: c.Side, typ: c.Type, tif: c.TimeInForce, stp: c.STP,
		reduceOnly: c.ReduceOnly, price: c.Price, quantity: in.qty, prev: -1, next: -1,
		origin: OriginUser, createdTime: e.now,
		pending: true, trigger: c.TriggerPrice, triggerBy: c.TriggerBy, isolated: in.isolated,
	}
	o.above = m.tickPrice(c.TriggerPrice) > e.reference(m, c.TriggerBy)
	e.nextOrderID++
	m.triggers = append(m.triggers, ref)
	m.nearest.add(o, m.tickPrice(o.trigger))
	e.linkOrder(ref)
	ev := e.emitOrder(o, TriggerPlaced, StatusNew, OriginUser)
	ev.TriggerPrice = o.trigger
	e.checkTriggers(m)
	return nil
}

// reference returns the price a trigger watches, in fixed.Price: the mark,
// or the last trade (the mark until the market has traded).
func (e *Engine) reference(m *market, by TriggerBy) int64 {
	if by == TriggerByLast && m.lastPrice > 0 {
		return m.tickPrice(m.lastPrice)
	}
	return m.mark
}

// checkTriggers fires every trigger order of the market whose reference price
// has reached its trigger, oldest order id first, until none is due: a fired
// order can trade and move the last price, which may make others due.
func (e *Engine) checkTriggers(m *market) {
	if e.firing || len(m.triggers) == 0 {
		return // the loop below already runs, or nothing waits
	}
	if !m.nearest.ok {
		e.boundTriggers(m)
	}
	if !e.anyDue(m) {
		if checkInvariants {
			for _, ref := range m.triggers {
				if e.triggerDue(m, &e.orders[ref]) {
					panic(fmt.Sprintf("trigger order %d is due outside its market's bounds %+v", e.orders[ref].id, m.nearest))
				}
			}
		}
		return
	}
	e.firing = true
	defer func() { e.firing = false }()
	var due []int32
	for {
		due = due[:0]
		for _, ref := range m.triggers {
			if e.triggerDue(m, &e.orders[ref]) {
				due = append(due, ref)
			}
		}
		if len(due) == 0 {
			return
		}
		slices.SortFunc(due, func(a, b int32) int { return cmp.Compare(e.orders[a].id, e.orders[b].id) })
		for _, ref := range due {
			if e.orders[ref].pending {
				e.fireTrigger(ref)
			}
		}
	}
}

func (e *Engine) triggerDue(m *market, o *order) bool {
	ref := e.reference(m, o.triggerBy)
	p := m.tickPrice(o.trigger)
	if o.above {
		return ref >= p
	}
	return ref <= p
}

// fireTrigger turns a due trigger order into a live order under the same id:
// validated in full now (margin, reduce-only, bands), then matched and rested
// like any order; if validation refuses it, it ends with triggerFailed.
func (e *Engine) fireTrigger(ref int32) {
	o := e.orders[ref]
	c := Command{
		Kind: CmdPlaceOrder, Account: o.account, Market: o.market, Side: o.side, Type: o.typ,
		TimeInForce: o.tif, STP: o.stp, ReduceOnly: o.reduceOnly, Price: o.price,
		Quantity: o.quantity, ClientID: o.clientID, PositionSide: sideOfSlot(o.slot),
		MarginMode: marginModeOf(o.isolated),
	}
	e.detachOrder(ref)
	live := &e.orders[ref]
	live.pending = false
	in, err := e.validateOrder(&c)
	if err != nil {
		ev := e.emitOrder(live, TriggerFailed, StatusCancelled, o.origin)
		ev.TriggerPrice = o.trigger
		e.freeOrderRef(ref)
		return
	}
	live.quantity = in.qty
	live.reduceOnly = in.closing // a hedge close is capped like reduce-only
	e.launch(ref, &in, o.origin)
}

// findTrigger returns the slab ref of a pending trigger order, or -1.
func (e *Engine) findTrigger(m *market, id uint64) int32 {
	for _, ref := range m.triggers {
		if e.orders[ref].id == id {
			return ref
		}
	}
	return -1
}

// dropTrigger removes a ref from the market's trigger list, keeping the
// others in order.
func (m *market) dropTrigger(ref int32) {
	if i := slices.Index(m.triggers, ref); i >= 0 {
		m.triggers = slices.Delete(m.triggers, i, i+1)
		m.nearest.ok = false // recomputed at the next check
	}
}

// triggerBounds keeps, per reference price (TriggerBy), the lowest trigger
// price of the orders that fire at or above it and the highest of those
// that fire at or below it (ticks): while the reference lies strictly
// between them, no trigger is due and checkTriggers returns at once instead
// of looking at every order. Derived from the market's triggers; not ok
// until computed (after a removal, or a restore).
type triggerBounds struct {
	ok       bool
	minAbove [2]int64
	maxBelow [2]int64
}

// add widens the bounds for a newly parked order triggering at p ticks.
func (b *triggerBounds) add(o *order, p int64) {
	if !b.ok {
		return // recomputed in full when next needed
	}
	if o.above {
		b.minAbove[o.triggerBy] = min(b.minAbove[o.triggerBy], p)
	} else {
		b.maxBelow[o.triggerBy] = max(b.maxBelow[o.triggerBy], p)
	}
}

// boundTriggers recomputes the market's trigger bounds.
func (e *Engine) boundTriggers(m *market) {
	b := &m.nearest
	b.ok = true
	b.minAbove = [2]int64{math.MaxInt64, math.MaxInt64}
	b.maxBelow = [2]int64{math.MinInt64, math.MinInt64}
	for _, ref := range m.triggers {
		o := &e.orders[ref]
		b.add(o, m.tickPrice(o.trigger))
	}
}

// anyDue reports whether a reference price has reached one of the bounds.
func (e *Engine) anyDue(m *market) bool {
	for by := TriggerByMark; by <= TriggerByLast; by++ {
		ref := e.reference(m, by)
		if ref >= m.nearest.minAbove[by] || ref <= m.nearest.maxBelow[by] {
			return true
		}
	}
	return false
}
