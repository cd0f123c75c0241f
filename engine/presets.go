package engine

import (
	"github.com/waterfallrisk/waterfall/engine/book"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
	"github.com/waterfallrisk/waterfall/engine/liquidation"
	"github.com/waterfallrisk/waterfall/engine/risk"
)

// classicStep liquidates under the classic preset (docs/policies.md), in one
// step: for each position one reduce-only IOC for all of it, within the
// impact band and allowed past the bankruptcy price only as far as the
// insurance fund can cover; the fund pays any deficit; ADL closes what the
// book did not take; and whatever equity is left, the liquidation surplus,
// goes to the insurance fund. The account ends flat.
func (e *Engine) classicStep(id AccountID) {
	var buf [8]slotRef
	refs := e.crossPositions(id, buf[:0])
	for k, ref := range refs {
		if i := e.openSlot(ref); i >= 0 {
			fund := e.ledger.Balance(uint32(AccountInsurance), int(e.settle))
			e.bookLiquidate(id, i, 0, fund)
		}
		if r := e.marginOf(id, nil); r.NetEquity < 0 {
			e.coverDeficit(id, -r.NetEquity)
		}
		if i := e.openSlot(ref); i >= 0 {
			e.setStage(id, StageADL)
			e.adlPosition(id, i, e.deficitShare(id, i, refs[k+1:]))
		}
	}
	r := e.marginOf(id, nil)
	if surplus := min(r.NetEquity, e.ledger.Balance(uint32(id), int(e.settle))); surplus > 0 && len(refs) > 0 {
		_ = e.transfer(id, AccountInsurance, e.settle, surplus, SourceLiquidationSurplus, 0)
	}
	r = e.marginOf(id, nil)
	e.settledOrHealthy(id, &r)
}

// partialStep liquidates under the partial preset (formulas.md §6): a
// position whose notional exceeds the threshold is reduced in steps of the
// configured fraction (20%) with a cooldown (30 s) between an account's
// steps, a smaller one in one order; below the vault ratio (2/3) of
// maintenance, the backstop providers take over (the vault), then ADL.
func (e *Engine) partialStep(id AccountID, first bool) {
	r := e.marginOf(id, nil)
	if e.settledOrHealthy(id, &r) {
		return
	}
	lq := &e.cfg.Liquidation
	// Equity < ratio × maintenance, exactly: NetEquity × 1e12 < MM × ratio.
	if fixed.Cmp(r.NetEquity, fixed.RateScale, r.Maintenance, lq.PartialVaultRatio) < 0 {
		e.backstopStage(id)
		r = e.marginOf(id, nil)
		e.settledOrHealthy(id, &r)
		return
	}
	a := &e.accounts[id]
	if !first && e.now < a.cooldown {
		return
	}
	a.cooldown = e.now + lq.PartialCooldownMs
	var buf [8]slotRef
	for _, ref := range e.crossPositions(id, buf[:0]) {
		i := e.openSlot(ref)
		if i < 0 {
			continue
		}
		p := &a.positions[i]
		m := &e.markets[p.market]
		fraction := int64(0) // small positions go in one order
		if n, err := m.valueAt(abs(p.qty), m.mark, fixed.Ceil); err != nil || n > lq.PartialThreshold {
			fraction = lq.PartialStep
		}
		e.bookLiquidate(id, i, fraction, 0)
		if r = e.marginOf(id, nil); !r.Liquidatable() {
			e.endLiquidation(id)
			return
		}
	}
}

// ladderStep liquidates under the ladder preset (seed 002, formulas.md §2),
// one tier per step: hedge-mode longs and shorts of a market are first netted
// against each other at the mark; then each position is reduced to the cap of
// the next lower bracket by a resting reduce-only order priced slightly
// better than the last price (ladderPriceOffset), re-priced every tick and
// never beyond the bankruptcy price, while the owner's market is frozen; in
// the first bracket, still due, the whole position goes. Without a bracket
// table a step reduces by the configured fraction. Steps run every tick, no
// coin; the liquidation ends when the trigger no longer holds. An account
// below ACMF goes to stages 2 and 3 instead, as under backpack.
func (e *Engine) ladderStep(id AccountID) {
	e.netHedges(id)
	r := e.marginOf(id, nil)
	if a := &e.accounts[id]; !a.hasCrossPosition() && !a.hasBorrow() || !e.due(&r) {
		e.endLadder(id)
		return
	}
	if lq := &e.cfg.Liquidation; r.BelowAutoClose(lq.ACMFDivisor, lq.ACMFOffset) {
		// Too thin for resting orders at the last price (a gap leaves them
		// far from the mark): stages 2 and 3 take over, as under backpack.
		e.cancelLiquidationOrders(id)
		e.backstopStage(id)
		r = e.marginOf(id, nil)
		e.settledOrHealthy(id, &r)
		return
	}
	var buf [8]slotRef
	for _, ref := range e.crossPositions(id, buf[:0]) {
		if i := e.openSlot(ref); i >= 0 {
			e.ladderPosition(id, i)
		}
	}
}

// netHedges closes, in each market, the smaller of a hedge-mode account's
// cross long and short against the larger, at the mark rounded down to a
// tick: risk the account does not bear, removed off the book and without a
// fee. Both sides report a BookLiquidation fill of the same trade, reduce-only,
// with no public trade (the ladder's first step, and stage 3's before ADL).
func (e *Engine) netHedges(id AccountID) {
	var buf [8]slotRef
	for _, ref := range e.crossPositions(id, buf[:0]) {
		if ref.hedge != 1 {
			continue
		}
		i, j := e.openSlot(ref), e.openSlot(slotRef{id, ref.market, -1})
		if i < 0 || j < 0 || e.accounts[id].positions[j].isolated {
			continue
		}
		a := &e.accounts[id]
		m := &e.markets[ref.market]
		lots := min(a.positions[i].qty, -a.positions[j].qty)
		price := m.markTicks(fixed.Floor)
		q, err := m.quote(lots, price)
		if err != nil {
			continue // a mark inside the band cannot overflow here
		}
		tradeID := e.nextTradeID
		e.nextTradeID++
		e.offBookSide(m, id, 1, Ask, lots, price, q, tradeID, OriginLiquidation, true)
		e.offBookSide(m, id, -1, Bid, lots, price, q, tradeID, OriginLiquidation, true)
		e.trimClosingOrders(id, m.id)
		e.ensureLocksCovered(id)
	}
}

// ladderPosition runs one step for slot i: re-price the resting reduction
// order if one rests, else place the next one.
func (e *Engine) ladderPosition(id AccountID, i int) {
	p := e.accounts[id].positions[i]
	m := &e.markets[p.market]
	side := Ask
	if p.qty < 0 {
		side = Bid
	}
	lots := e.ladderLots(id, m, &p)
	if ref := e.liquidationOrder(id, m.id); ref >= 0 {
		lots = e.orders[ref].quantity - e.orders[ref].executed
		e.cancelResting(ref, OrderCancelled, OriginLiquidation) // re-priced below
	}
	if lots <= 0 {
		return
	}
	price := e.ladderPrice(m, side)
	if bp, ok := e.bankruptcyTicks(id, i, 0); ok {
		if side == Ask {
			price = max(price, bp)
		} else {
			price = min(price, bp)
		}
	}
	c := Command{Kind: CmdPlaceOrder, Account: id, Market: m.id, Side: side, Type: Limit,
		TimeInForce: GTC, ReduceOnly: true, Price: price, Quantity: lots}
	in := intent{m: m, account: id, qty: lots, hedge: p.hedge, closing: true, rests: true}
	in.taker = book.Taker{Owner: uint32(id), Side: side, Limit: price, Qty: lots, STP: RejectTaker, Caps: e}
	e.accounts[id].frozen = true
	e.execute(&c, &in, OriginLiquidation)
}

// ladderLots is how much a step reduces: down to the cap of the next lower
// bracket; all of it in the first bracket; the configured fraction without a
// bracket table.
func (e *Engine) ladderLots(id AccountID, m *market, p *position) int64 {
	rl := &m.cfg.RiskLimits
	if rl.Count == 0 {
		return liquidation.BookSlice(abs(p.qty), e.cfg.Liquidation.Fraction, 1, m.cfg.MinQty)
	}
	n, err := m.valueAt(abs(p.qty), m.mark, fixed.Ceil)
	if err != nil {
		return abs(p.qty)
	}
	tier := risk.Tier(rl, n)
	if tier <= 0 {
		return abs(p.qty)
	}
	keep := rl.Brackets[tier-1].NotionalCap / m.lotNotional()
	return max(abs(p.qty)-keep, 1)
}

// ladderPrice is slightly better than the last price for the other side: a
// sell at last × (1 − offset), rounded down to a tick; a buy at last × (1 +
// offset), rounded up. Before any trade, the mark stands in for the last.
func (e *Engine) ladderPrice(m *market, side Side) int64 {
	last := m.tickPrice(m.lastPrice)
	if m.lastPrice == 0 {
		last = m.mark
	}
	off := e.cfg.Liquidation.LadderPriceOffset
	if side == Ask {
		p, _ := fixed.MulDiv(last, fixed.RateScale-off, fixed.RateScale, fixed.Floor)
		return max(1, m.priceTicks(p, fixed.Floor))
	}
	p, _ := fixed.MulDiv(last, fixed.RateScale+off, fixed.RateScale, fixed.Ceil)
	return max(1, m.priceTicks(p, fixed.Ceil))
}

// liquidationOrder returns the account's resting liquidation order in a
// market, or -1.
func (e *Engine) liquidationOrder(id AccountID, mid config.MarketID) int32 {
	for ref := e.accounts[id].orderHead; ref >= 0; ref = e.orders[ref].next {
		if o := &e.orders[ref]; o.market == mid && o.origin == OriginLiquidation {
			return ref
		}
	}
	return -1
}

// endLadder ends a ladder liquidation (endLiquidation cancels the resting
// orders and unfreezes the market), the insurance fund covering any deficit
// once no cross position is left.
func (e *Engine) endLadder(id AccountID) {
	r := e.marginOf(id, nil)
	if r.NetEquity < 0 && !e.accounts[id].hasCrossPosition() {
		e.coverDeficit(id, -r.NetEquity)
	}
	e.endLiquidation(id)
}
