package engine

import "github.com/waterfallrisk/waterfall/engine/fixed"

// closeMarket is the operator closing a market (issue #3 point 11): every
// resting and trigger order in it is cancelled, every position is settled at
// the mark, and the market accepts no order and pays no funding afterwards.
//
// All positions settle at one price, the mark rounded down to a tick, so
// that their values sum to exactly zero (long open interest equals short)
// and the market's clearing account ends at zero. Each settlement is an
// orderFill of a system order with origin SETTLEMENT_AUTOCLOSE and
// systemOrderType OrderBookClosed; there are no fees and no public trade.
func (e *Engine) closeMarket(c *Command) *Error {
	m, err := e.market(c.Market)
	if err != nil {
		return err
	}
	switch {
	case m.closed:
		return errorf(CodePreconditionFailed, "%s is already closed", m.cfg.Symbol)
	case m.perp() && m.mark == 0 && len(m.holders) > 0:
		return errorf(CodeTradingPaused, "%s has no mark price to settle at", m.cfg.Symbol)
	}
	m.closed = true
	for id := range e.accounts {
		e.cancelAccountOrders(AccountID(id), m.id, OriginSettlement) //nolint:gosec // id < len(accounts)
	}
	price := m.markTicks(fixed.Floor)
	for len(m.holders) > 0 {
		h := m.holders[len(m.holders)-1]
		p := e.accounts[h.account].positions[h.slot]
		side := Ask
		if p.qty < 0 {
			side = Bid
		}
		e.settleAtClose(m, h.account, p.hedge, side, abs(p.qty), price)
	}
	ev := e.emit(EvMarketClosed)
	ev.Market, ev.Price = m.id, price
	return nil
}

// settleAtClose closes one position at price against the market's clearing
// account: a system order filled in full.
func (e *Engine) settleAtClose(m *market, acct AccountID, hedge int8, side Side, lots, price int64) {
	q, _ := m.quote(lots, price) // the position's value at a price in range
	e.offBookSide(m, acct, hedge, side, lots, price, q, e.nextTradeID, OriginSettlement, false)
	e.nextTradeID++
	e.ensureLocksCovered(acct)
}
