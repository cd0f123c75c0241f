package engine

import (
	"cmp"
	"slices"

	"github.com/waterfallrisk/waterfall/engine/book"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// Borrow liquidation (issue #5 point 3; docs/policies.md "Borrow
// liquidation").
//
// Detection. An account that owes anything is on liq.borrowers (ascending,
// derived: kept on every borrow and repay, rebuilt from the shares after a
// snapshot). When an asset's index moves, every borrower that owes, lends,
// holds or trades (a position in a market on) that asset is evaluated in
// full and started if liquidatable; the sweep and each hourly interest
// accrual evaluate every borrower. A borrower with perpetual positions is
// also found by the position index (its entries are "always" ones, lending
// makes an account non-simple).
//
// Liquidation. At the start of every liquidation step, before any position
// is reduced, settleBorrows repays the account's debts, largest debt value
// at the index first (ties: pool order): from the free balance of the
// borrowed asset; then, for a debt left in another asset than the
// settlement asset, by buying the asset back on its spot book against the
// settlement asset (buyBack: one IOC system order, origin
// COLLATERAL_CONVERSION, the liquidation fee on the fill, priced at the
// impact band and never above the price at which the purchase would create
// bad debt), paid with free settlement balance that selling other
// collateral raises first (raiseSettlement, largest collateral value first,
// conversionFloor); for a settlement-asset debt, by selling collateral for
// it; then from the free balance again.

// trackBorrower keeps liq.borrowers up to date after id's borrow shares may
// have changed.
func (e *Engine) trackBorrower(id AccountID) {
	x := &e.liq
	i, found := slices.BinarySearch(x.borrowers, id)
	switch has := e.accounts[id].hasBorrow(); {
	case has && !found:
		x.borrowers = slices.Insert(x.borrowers, i, id)
	case !has && found:
		x.borrowers = slices.Delete(x.borrowers, i, i+1)
	}
}

// rebuildBorrowers lists every account that owes anything (after a restore).
func (e *Engine) rebuildBorrowers() {
	e.liq.borrowers = e.liq.borrowers[:0]
	for id := range e.accounts {
		if e.accounts[id].hasBorrow() {
			e.liq.borrowers = append(e.liq.borrowers, AccountID(id)) //nolint:gosec // account ids fit
		}
	}
}

// scanBorrowers starts the liquidation of every borrower, not liquidating,
// that asset's index move concerns (all: every borrower) and that is
// liquidatable: all are evaluated first, then started in ascending id, each
// checked once more just before its start.
func (e *Engine) scanBorrowers(asset config.AssetID, all bool) {
	x := &e.liq
	x.found = x.found[:0]
	for _, id := range x.borrowers {
		a := &e.accounts[id]
		if a.liquidating || a.system || (!all && !e.touches(id, asset)) {
			continue
		}
		if e.liquidatable(id) {
			x.found = append(x.found, id)
		}
	}
	for i, id := range x.found {
		if i > 0 && (e.accounts[id].liquidating || !e.liquidatable(id)) {
			continue
		}
		e.startLiquidation(id)
		x.enqueue(id, true, 0) // parks its cross entry, as detect does
	}
}

// touches reports whether an account owes, lends, holds or trades asset.
func (e *Engine) touches(id AccountID, asset config.AssetID) bool {
	a := &e.accounts[id]
	if e.ledger.Balance(uint32(id), int(asset)) != 0 || a.locked[asset] != 0 {
		return true
	}
	for i := range e.pools {
		if e.pools[i].asset == asset && (a.lent[i] != 0 || a.borrowed[i] != 0) {
			return true
		}
	}
	for _, p := range a.positions {
		if (p.qty != 0 || p.bids != 0 || p.asks != 0) && e.markets[p.market].cfg.Base == asset {
			return true
		}
	}
	return false
}

// debtRef is one debt of an account, for ordering.
type debtRef struct {
	pool  int
	value int64 // the debt's value at the index (settlement units)
}

// debtsOf lists the account's debts by value at the index, largest first
// (ties: pool order); a debt whose value overflows counts as the largest.
func (e *Engine) debtsOf(id AccountID, buf []debtRef) []debtRef {
	a := &e.accounts[id]
	for i := range e.pools {
		if a.borrowed[i] == 0 {
			continue
		}
		_, debt, err := e.lendPosition(id, i)
		v := debt
		if err == nil && e.pools[i].asset != e.settle {
			v, err = e.assetValue(e.pools[i].asset, debt)
		}
		if err != nil {
			v = MaxAmount
		}
		buf = append(buf, debtRef{pool: i, value: v})
	}
	slices.SortStableFunc(buf, func(x, y debtRef) int { return cmp.Compare(y.value, x.value) })
	return buf
}

// settleBorrows repays a liquidating account's debts as far as it can,
// largest debt value first (ties: pool order).
func (e *Engine) settleBorrows(id AccountID) {
	a := &e.accounts[id]
	if !a.hasBorrow() {
		return
	}
	var buf [8]debtRef
	for _, d := range e.debtsOf(id, buf[:0]) {
		e.repayFree(id, d.pool)
		if a.borrowed[d.pool] == 0 {
			continue
		}
		asset := e.pools[d.pool].asset
		if asset == e.settle {
			_, debt, err := e.lendPosition(id, d.pool)
			if err != nil {
				continue
			}
			e.raiseSettlement(id, debt, nil)
		} else {
			e.buyBack(id, d.pool)
		}
		e.repayFree(id, d.pool)
	}
}

// freeBalance is an account's balance of asset less what its orders lock.
func (e *Engine) freeBalance(id AccountID, asset config.AssetID) int64 {
	return e.ledger.Balance(uint32(id), int(asset)) - e.accounts[id].locked[asset]
}

// repayFree repays as much of the debt in pool i as the free balance of its
// asset covers.
func (e *Engine) repayFree(id AccountID, i int) {
	if e.accounts[id].borrowed[i] == 0 {
		return
	}
	_, debt, err := e.lendPosition(id, i)
	if err != nil {
		return
	}
	if amount := min(debt, e.freeBalance(id, e.pools[i].asset)); amount > 0 {
		_ = e.repayShares(id, i, amount, SourceLiquidationRepay)
	}
}

// raiseSettlement sells the account's collateral, largest value first (not
// in market skip, nil: none), until its free settlement balance reaches target.
func (e *Engine) raiseSettlement(id AccountID, target int64, skip *market) {
	var buf [16]collateral
	for _, c := range e.collateralOf(id, buf[:0]) {
		if skip != nil && c.market == skip.id {
			continue
		}
		short := target - e.freeBalance(id, e.settle)
		if short <= 0 {
			return
		}
		e.sellCollateral(id, &e.markets[c.market], short)
	}
}

// spotMarketOf returns the open spot market of asset against the settlement
// asset, or nil.
func (e *Engine) spotMarketOf(asset config.AssetID) *market {
	for i := range e.markets {
		if m := &e.markets[i]; !m.perp() && !m.closed && m.cfg.Base == asset && m.cfg.Quote == e.settle {
			return m
		}
	}
	return nil
}

// buyBack buys the asset of pool i on its spot book for what the account
// still owes beyond its free balance of it: one IOC system order at the
// impact band, lowered to buyCeiling, with a quote budget of what the free
// settlement balance pays with the fee, after selling other collateral for
// the cost at the limit with conversionCushion to spare.
func (e *Engine) buyBack(id AccountID, i int) {
	asset := e.pools[i].asset
	m := e.spotMarketOf(asset)
	if m == nil || e.index[asset] == 0 {
		return
	}
	_, debt, err := e.lendPosition(id, i)
	if err != nil {
		return
	}
	need := debt - max(e.freeBalance(id, asset), 0)
	if need <= 0 {
		return
	}
	limit, ok := e.takerLimit(m, Bid)
	if !ok {
		return
	}
	lots := max((need+m.cfg.StepSize-1)/m.cfg.StepSize, m.cfg.MinQty, 1)
	cost, err := m.quote(lots, limit)
	if err != nil {
		return
	}
	rate := fixed.RateScale + e.cfg.Liquidation.Fee + conversionCushion
	if withCushion, err := fixed.MulDiv(cost, rate, fixed.RateScale, fixed.Ceil); err == nil {
		e.raiseSettlement(id, withCushion, m)
	}
	// An account with nothing else to sell and no position may buy past
	// the no-bad-debt price as far as the insurance fund can pay for it:
	// the fund then covers the deficit (settledOrHealthy).
	extra := int64(0)
	var cbuf [16]collateral
	if !e.accounts[id].hasCrossPosition() && len(e.otherCollateral(id, m, cbuf[:0])) == 0 {
		extra = max(e.ledger.Balance(uint32(AccountInsurance), int(e.settle)), 0)
	}
	ceiling, ok := e.buyCeiling(id, m, lots, extra)
	if !ok {
		return
	}
	if limit = min(limit, ceiling); limit < 1 {
		return
	}
	best, ok := m.book.BestAsk()
	if !ok || best > limit {
		return // nothing to buy within the limit: no order
	}
	// At most what the free settlement balance pays: a quote budget (lots ×
	// ticks), so fills below the limit buy more. The fee comes after, capped
	// at the net equity left (conversionFee): it never takes what repays the
	// debt. In the insurance case, the fund advances what buying at the best
	// ask lacks; what the purchase leaves of the advance in equity goes back.
	free := e.freeBalance(id, e.settle)
	advance := int64(0)
	if atBest, err := m.quote(lots, best); extra > 0 && err == nil && atBest > free && atBest-max(free, 0) <= extra {
		advance = atBest - max(free, 0)
		_ = e.transfer(AccountInsurance, id, e.settle, advance, SourceInsurancePayout, m.id)
		free += advance
	}
	budget := free / m.lotTick
	if budget < best { // not one lot at the best ask
		e.returnAdvance(id, advance, m)
		return
	}
	c := Command{Kind: CmdPlaceOrder, Account: id, Market: m.id, Side: Bid, Type: Limit,
		TimeInForce: IOC, Price: limit, Quantity: lots}
	in := intent{m: m, account: id, qty: lots}
	in.taker = book.Taker{Owner: uint32(id), Side: Bid, Limit: limit, Qty: lots, Quote: budget, STP: RejectTaker}
	e.execute(&c, &in, OriginCollateralConversion)
	e.returnAdvance(id, advance, m)
}

// returnAdvance pays back to the insurance fund what is left of an advance
// in the account's net equity and free settlement balance.
func (e *Engine) returnAdvance(id AccountID, advance int64, m *market) {
	if advance <= 0 {
		return
	}
	if back := min(advance, max(e.marginOf(id, nil).NetEquity, 0), max(e.freeBalance(id, e.settle), 0)); back > 0 {
		_ = e.transfer(id, AccountInsurance, e.settle, back, SourceInsurancePayout, m.id)
	}
}

// buyCeiling is the highest limit (ticks) at which buying lots of m's base
// asset creates no bad debt: what the purchase costs must not exceed the
// value it adds to the account (the debt it will repay, in full at the
// index; the haircut value of any surplus) plus the net equity the account
// has; a bankrupt account's equity must not fall further, by more than
// extra (what the insurance fund will cover). ok is false when no price in
// range does (or on overflow). The mirror of conversionFloor.
func (e *Engine) buyCeiling(id AccountID, m *market, lots, extra int64) (int64, bool) {
	before := e.marginOf(id, nil).NetEquity
	with := e.marginOf(id, &whatIf{asset: m.cfg.Base, delta: -lots * m.cfg.StepSize}).NetEquity
	allow := with - min(before, 0) + extra // the most the purchase may cost
	if allow <= 0 {
		return 0, false
	}
	perTick, err := m.quote(lots, 1)
	if err != nil || perTick <= 0 {
		return 0, false
	}
	return allow / perTick, true
}

// otherCollateral lists the account's sellable collateral but m's base asset.
func (e *Engine) otherCollateral(id AccountID, m *market, buf []collateral) []collateral {
	buf = e.collateralOf(id, buf)
	return slices.DeleteFunc(buf, func(c collateral) bool { return c.market == m.id })
}
