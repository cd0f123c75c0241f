package engine

import (
	"github.com/waterfallrisk/waterfall/engine/config"
	"slices"

	"github.com/waterfallrisk/waterfall/engine/fixed"
	"github.com/waterfallrisk/waterfall/engine/risk"
)

// LiquidationStage is where an account is in the waterfall (DESIGN.md §5).
type LiquidationStage uint8

const (
	StageNone     LiquidationStage = iota // not liquidating
	StageBook                             // stage 1: reduce-only IOC orders on the book
	StageBackstop                         // stage 2: backstop liquidity providers take the rest
	StageADL                              // stage 3: auto-deleveraging at the bankruptcy price
)

func (s LiquidationStage) String() string {
	return [...]string{"None", "Book", "Backstop", "ADL"}[s]
}

// startLiquidation marks an account liquidating, cancels all its open orders
// with the liquidation origin and takes the first step at once (DESIGN.md
// §5: "in that engine step").
func (e *Engine) startLiquidation(id AccountID) {
	a := &e.accounts[id]
	if a.liquidating {
		return
	}
	a.liquidating = true
	i, _ := slices.BinarySearch(e.liquidating, id)
	e.liquidating = slices.Insert(e.liquidating, i, id)
	if e.nextLiqTick == 0 { // the loop was idle: a fresh tick, fresh capacity
		e.nextLiqTick = e.now + e.cfg.Liquidation.TickMs
		for i := range e.markets {
			e.markets[i].liqUsed = 0
		}
	}
	e.cancelAccountOrders(id, AllMarkets, OriginLiquidation)
	e.setStage(id, StageBook)
	e.liquidationStep(id, true)
}

// setStage records and reports an account's stage.
func (e *Engine) setStage(id AccountID, s LiquidationStage) {
	a := &e.accounts[id]
	a.stage = s
	r := e.marginOf(id, nil)
	ev := e.emit(EvLiquidation)
	ev.Account, ev.Stage, ev.Value = id, s, r.MMR()
}

// endLiquidation clears the liquidating flag: the trigger no longer holds,
// or nothing is left to liquidate. Liquidation orders still resting (the
// ladder's) are cancelled and the owner's markets unfrozen.
func (e *Engine) endLiquidation(id AccountID) {
	e.cancelLiquidationOrders(id)
	e.convertCollateral(id)
	a := &e.accounts[id]
	a.liquidating = false
	if i, ok := slices.BinarySearch(e.liquidating, id); ok {
		e.liquidating = slices.Delete(e.liquidating, i, i+1)
	}
	e.setStage(id, StageNone)
}

// cancelLiquidationOrders cancels the liquidation orders still resting for
// an account (the ladder's) and unfreezes its markets.
func (e *Engine) cancelLiquidationOrders(id AccountID) {
	for ref := e.accounts[id].orderHead; ref >= 0; {
		next := e.orders[ref].next
		if e.orders[ref].origin == OriginLiquidation {
			e.cancelResting(ref, OrderCancelled, OriginLiquidation)
		}
		ref = next
	}
	e.accounts[id].frozen = false
}

// liquidationTick runs one tick of the loop: each liquidating account, in
// ascending id order, takes a step. The per-market capacity resets first.
func (e *Engine) liquidationTick() {
	for i := range e.markets {
		e.markets[i].liqUsed = 0
	}
	e.ticking = append(e.ticking[:0], e.liquidating...) // steps may end liquidations
	for _, id := range e.ticking {
		if e.accounts[id].liquidating {
			e.liquidationStep(id, false)
		}
	}
	if len(e.liquidating) == 0 {
		e.nextLiqTick = 0
	} else {
		e.nextLiqTick += e.cfg.Liquidation.TickMs
	}
}

// liquidationStep is one step of an account's liquidation under the
// configured preset, after repaying its borrows (borrowliq.go) and
// converting collateral to repay a settlement debt (collateral.go). Under the backpack preset: healthy again → end; MF < ACMF → backstop (stage 2, then
// ADL for what it cannot place); otherwise, with probability p (always on
// the first step), a stage-1 book order per position until MMR < 100%.
func (e *Engine) liquidationStep(id AccountID, first bool) {
	e.redeemClaims(id)  // lendadl.go
	e.settleBorrows(id) // borrowliq.go
	e.convertCollateral(id)
	switch e.cfg.Liquidation.Policy {
	case config.PolicyClassic:
		e.classicStep(id)
	case config.PolicyPartial:
		e.partialStep(id, first)
	case config.PolicyLadder:
		e.ladderStep(id)
	default:
		e.backpackStep(id, first)
	}
}

// backpackStep is one step under the default preset (docs/policies.md).
func (e *Engine) backpackStep(id AccountID, first bool) {
	r := e.marginOf(id, nil)
	if e.settledOrHealthy(id, &r) {
		return
	}
	lq := &e.cfg.Liquidation
	if r.BelowAutoClose(lq.ACMFDivisor, lq.ACMFOffset) {
		e.backstopStage(id)
		r = e.marginOf(id, nil)
		e.settledOrHealthy(id, &r)
		return
	}
	if !first && !e.coin(lq.Probability) {
		return
	}
	var buf [8]slotRef
	for _, ref := range e.crossPositions(id, buf[:0]) {
		i := e.openSlot(ref)
		if i < 0 {
			continue
		}
		e.bookLiquidate(id, i, lq.Fraction, 0)
		if r = e.marginOf(id, nil); !r.Liquidatable() {
			e.endLiquidation(id)
			return
		}
	}
}

// crossPositions lists an account's cross positions by market and side, so a
// caller can act on each while closes move the slots: it looks each up again
// (e.slot) before acting, and one that closed meanwhile is simply gone.
func (e *Engine) crossPositions(id AccountID, buf []slotRef) []slotRef {
	for _, p := range e.accounts[id].positions {
		if p.qty != 0 && !p.isolated {
			buf = append(buf, slotRef{id, p.market, p.hedge})
		}
	}
	return buf
}

// openSlot returns the current slot of a listed position if it still holds
// a quantity, else -1.
func (e *Engine) openSlot(r slotRef) int {
	i := e.slot(r.account, r.market, r.hedge, false)
	if i < 0 || e.accounts[r.account].positions[i].qty == 0 {
		return -1
	}
	return i
}

// settledOrHealthy ends the liquidation when MMR < 100%, or when the account
// holds no cross position and owes nothing any more (a deficit left then is
// paid by the insurance fund if it can). An account with a debt left, no
// cross position and nothing left to sell defaults (lenddefault.go) once it
// is bankrupt, or at once if a borrowed asset has no spot market to buy it
// back on; otherwise it stays (borrowliq.go), selling collateral or buying
// back as liquidity allows. It reports whether the liquidation ended.
func (e *Engine) settledOrHealthy(id AccountID, r *risk.Account) bool {
	a := &e.accounts[id]
	if !a.hasCrossPosition() && a.hasBorrow() {
		if !r.Liquidatable() {
			e.endLiquidation(id)
			return true
		}
		var buf [16]collateral
		if len(e.collateralOf(id, buf[:0])) > 0 || (r.NetEquity > 0 && e.canBuyBack(id)) {
			return false // settleBorrows sells or buys back at the next step
		}
		e.defaultBorrows(id)
		if a.hasBorrow() {
			return false // a write-off the pool refused: retried each step
		}
		*r = e.marginOf(id, nil)
	}
	if !a.hasCrossPosition() {
		if r.NetEquity < 0 {
			e.coverDeficit(id, -r.NetEquity)
		}
		e.endLiquidation(id)
		return true
	}
	if !r.Liquidatable() {
		e.endLiquidation(id)
		return true
	}
	return false
}

// coin draws from the seeded generator: true with probability p (fixed.Rate).
func (e *Engine) coin(p int64) bool {
	if p >= fixed.RateScale {
		return true
	}
	return int64(e.rng.Uint64()%uint64(fixed.RateScale)) < p //nolint:gosec // RateScale < 2^63
}

// bankruptcyTicks returns the bankruptcy price of an account's position slot
// i, everything else held at the mark (risk.BankruptcyPrice), rounded against
// the trader, with cushion added to its equity (0: the true bankruptcy
// price); ok=false when the position has none in range.
func (e *Engine) bankruptcyTicks(id AccountID, i int, cushion int64) (int64, bool) {
	p := &e.accounts[id].positions[i]
	m := &e.markets[p.market]
	value, err := m.valueAt(p.qty, m.mark, fixed.Floor)
	if err != nil {
		return 0, false
	}
	other := p.margin - p.cost // isolated: the position's own margin
	if !p.isolated {
		r := e.marginOf(id, nil)
		other = r.NetEquity - value
	}
	other += cushion
	t, ok, err := risk.BankruptcyPrice(risk.PriceInputs{
		Qty: p.qty, OtherEquity: other,
		NotionalNum: m.cfg.NotionalNum, NotionalDen: m.cfg.NotionalDen, TickSize: m.cfg.TickSize,
	})
	return t, ok && err == nil
}

// markTicks returns the mark rounded to a tick in direction r.
func (m *market) markTicks(r fixed.Rounding) int64 { return max(1, m.priceTicks(m.mark, r)) }

// lotNotional returns the settlement notional of one lot at the mark (Ceil).
func (m *market) lotNotional() int64 {
	v, _ := m.valueAt(1, m.mark, fixed.Ceil)
	return max(v, 1)
}
