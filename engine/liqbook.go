package engine

import (
	"github.com/waterfallrisk/waterfall/engine/book"
	"github.com/waterfallrisk/waterfall/engine/fixed"
	"github.com/waterfallrisk/waterfall/engine/liquidation"
)

// bookLiquidate sends one stage-1 order for position slot i of a liquidating
// account (DESIGN.md §5): a reduce-only IOC for fraction of what remains
// (to the step; the whole remainder below the minimum; all of it when
// fraction is 0), capped by what is left of the market's liquidation
// capacity this tick, priced at the impact band and never beyond the
// bankruptcy price, so a book fill never creates bad debt. A cushion moves
// that limit: the price at which equity plus cushion reaches zero (the
// classic preset lets the insurance fund absorb fills up to its balance). Its fills are BookLiquidation fills with the
// LIQUIDATION_AUTOCLOSE origin; they pay the liquidation fee and never move
// the last price.
func (e *Engine) bookLiquidate(id AccountID, i int, fraction, cushion int64) {
	p := e.accounts[id].positions[i]
	m := &e.markets[p.market]
	lots := abs(p.qty)
	if fraction > 0 {
		lots = liquidation.BookSlice(lots, fraction, 1, m.cfg.MinQty)
	}
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
	if bp, ok := e.bankruptcyTicks(id, i, cushion); ok {
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
// account's remaining net equity (an isolated position's own equity), so the
// fee never creates bad debt. It goes to the insurance fund.
func (e *Engine) liquidationFee(o *order, m *market, q int64) int64 {
	id := o.account
	f := min(fee(q, e.cfg.Liquidation.Fee), max(e.marginOf(id, nil).NetEquity, 0))
	if f > 0 {
		_ = e.transfer(id, AccountInsurance, e.settle, f, SourceLiquidationFee, m.id)
		e.ensureLocksCovered(id)
	}
	return f
}

// isolatedLiquidationFee is the liquidation fee of a fill of lots for q
// closing an isolated position: the configured rate, capped at the
// position's own equity after the fill (its equity at the mark, plus what
// the fill price gains or loses against the mark).
func (e *Engine) isolatedLiquidationFee(o *order, m *market, lots, q int64) int64 {
	i := e.slot(o.account, m.id, o.slot, false)
	if i < 0 {
		return 0
	}
	equity := e.isolatedOf(o.account, i).NetEquity
	atMark, err := m.valueAt(lots, m.mark, fixed.Floor)
	if err != nil {
		return 0
	}
	if o.side == Ask { // a long sells at q what is worth atMark
		equity += q - atMark
	} else {
		equity += atMark - q
	}
	return min(fee(q, e.cfg.Liquidation.Fee), max(equity, 0))
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
