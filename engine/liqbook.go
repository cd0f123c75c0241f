package engine

import (
	"github.com/waterfallrisk/waterfall/engine/book"
	"github.com/waterfallrisk/waterfall/engine/liquidation"
)

// bookLiquidate sends one stage-1 order for position slot i of a liquidating
// account (DESIGN.md §5): a reduce-only IOC for the configured fraction of
// what remains (to the step; the whole remainder below the minimum), capped
// by what is left of the market's liquidation capacity this tick, priced at
// the impact band and never beyond the bankruptcy price, so a book fill never
// creates bad debt. Its fills are BookLiquidation fills with the
// LIQUIDATION_AUTOCLOSE origin; they pay the liquidation fee and never move
// the last price.
func (e *Engine) bookLiquidate(id AccountID, i int) {
	p := e.accounts[id].positions[i]
	m := &e.markets[p.market]
	lq := &e.cfg.Liquidation
	lots := liquidation.BookSlice(abs(p.qty), lq.Fraction, 1, m.cfg.MinQty)
	if capacity := m.cfg.LiquidationCapacity; capacity > 0 {
		lots = min(lots, max(capacity-m.liqUsed, 0)/m.lotNotional())
	}
	side := Ask
	if p.qty < 0 {
		side = Bid
	}
	limit, ok := e.takerLimit(m, side)
	if lots <= 0 || !ok {
		return
	}
	if bp, ok := e.bankruptcyTicks(id, i); ok {
		if side == Ask {
			limit = max(limit, bp)
		} else {
			limit = min(limit, bp)
		}
	}
	c := Command{Kind: CmdPlaceOrder, Account: id, Market: m.id, Side: side, Type: Limit,
		TimeInForce: IOC, ReduceOnly: true, Price: limit, Quantity: lots}
	in := intent{m: m, account: id, qty: lots, hedge: p.hedge, closing: true}
	in.taker = book.Taker{Owner: uint32(id), Side: side, Limit: limit, Qty: lots, STP: RejectTaker, Caps: e}
	e.execute(&c, &in, OriginLiquidation)
}

// liquidationFee charges the liquidation fee on a liquidation fill of
// notional q: the configured rate (1%), rounded up, but never more than the
// account's remaining net equity, so the fee never creates bad debt. It goes
// to the insurance fund.
func (e *Engine) liquidationFee(id AccountID, m *market, q int64) int64 {
	f := fee(q, e.cfg.Liquidation.Fee)
	if r := e.marginOf(id, nil); r.NetEquity < f {
		f = max(r.NetEquity, 0)
	}
	if f > 0 {
		_ = e.transfer(id, AccountInsurance, e.settle, f, SourceLiquidationFee, m.id)
		e.ensureLocksCovered(id)
	}
	return f
}

// coverDeficit has the insurance fund pay a bankrupt account's deficit, if
// it can pay all of it (DESIGN.md §5). It reports whether it did.
func (e *Engine) coverDeficit(id AccountID, deficit int64) bool {
	if deficit <= 0 {
		return true
	}
	if e.ledger.Balance(uint32(AccountInsurance), int(e.settle)) < deficit {
		return false
	}
	_ = e.transfer(AccountInsurance, id, e.settle, deficit, SourceInsurancePayout, 0)
	return true
}
