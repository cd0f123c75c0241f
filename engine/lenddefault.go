package engine

import "github.com/waterfallrisk/waterfall/engine/fixed"

// Borrower default (issue #5 point 4; docs/policies.md "Borrower default").
//
// A liquidating borrower with no cross position and nothing left to sell
// that still owes after settleBorrows, and is bankrupt (net equity ≤ 0) or
// owes an asset with no spot market to buy it back on, has gone bankrupt
// without the borrowed asset: each remaining debt, largest value first, is written off the pool
// (lending.Pool.WriteOff: the lenders' claims fall by it) and the lenders
// are made whole in the settlement asset at the index at that moment, each
// for the value of what its claim lost (rounded down): first from the
// borrower's free settlement balance (its converted collateral), then from
// the insurance fund. If the two cannot pay it all, each lender gets the
// same fraction of its loss (rounded down) and bears the rest: the pool's
// lenders, the borrower's direct counterparties, are the only ones who share
// it; nothing is socialized beyond them.

// lenderLoss is one lender's part of a write-off.
type lenderLoss struct {
	id    AccountID
	lost  int64 // asset units its claim fell by
	value int64 // lost at the index, settlement units (Floor)
}

// defaultBorrows writes off every debt the account still has, largest value
// at the index first (ties: pool order).
func (e *Engine) defaultBorrows(id AccountID) {
	var buf [8]debtRef
	for _, d := range e.debtsOf(id, buf[:0]) {
		e.defaultDebt(id, d.pool)
	}
}

// defaultDebt writes off the account's debt in pool i and compensates the
// pool's lenders. A write-off the pool refuses (overflow) leaves the debt.
func (e *Engine) defaultDebt(id AccountID, i int) {
	pl := &e.pools[i]
	before := e.claimsIn(i)
	q := pl.p
	debt, wiped, err := q.WriteOff(e.accounts[id].borrowed[i])
	if err != nil {
		return
	}
	pl.p = q
	e.accounts[id].borrowed[i] = 0
	if wiped {
		for k := range before {
			e.accounts[before[k].id].lent[i] = 0
		}
	}
	e.emitBorrowLend(id, i, SourceDefault, debt)
	total := int64(0)
	for k := range before {
		l := &before[k]
		after, _, _ := e.lendPosition(l.id, i)
		l.lost = l.lost - after // before[k].lost held the claim before
		if after == 0 && e.accounts[l.id].lent[i] > 0 {
			e.forfeitClaim(l.id, i)
		}
		if l.lost > 0 && l.id != id { // a borrower lending in its own pool is not paid by itself
			l.value, _ = e.assetValue(pl.asset, l.lost)
			total += l.value
		}
	}
	e.compensateLenders(id, i, before, total)
}

// claimsIn lists every account lending in pool i with its claim now (in
// lenderLoss.lost, for defaultDebt to subtract the claim after from).
func (e *Engine) claimsIn(i int) []lenderLoss {
	var out []lenderLoss
	for id := range e.accounts {
		if e.accounts[id].lent[i] > 0 {
			claim, _, _ := e.lendPosition(AccountID(id), i)               //nolint:gosec // account ids fit
			out = append(out, lenderLoss{id: AccountID(id), lost: claim}) //nolint:gosec // account ids fit
		}
	}
	return out
}

// forfeitClaim drops lend shares a write-off left worth less than one unit.
func (e *Engine) forfeitClaim(id AccountID, i int) {
	pl := &e.pools[i]
	q := pl.p
	if q.Forfeit(e.accounts[id].lent[i]) == nil {
		pl.p = q
		e.accounts[id].lent[i] = 0
	}
}

// compensateLenders pays each lender's loss value, from the borrower's free
// settlement balance first, then the insurance fund; pro rata (rounded down)
// when together they hold less than total. Every lender whose claim fell
// gets an EvBorrowLend (SourceDefault) for the loss.
func (e *Engine) compensateLenders(borrower AccountID, i int, losses []lenderLoss, total int64) {
	fromBorrower := min(max(e.freeBalance(borrower, e.settle), 0), total)
	fromFund := min(max(e.ledger.Balance(uint32(AccountInsurance), int(e.settle)), 0), total-fromBorrower)
	paid := fromBorrower + fromFund
	for k := range losses {
		l := &losses[k]
		if l.lost <= 0 {
			continue
		}
		e.emitBorrowLend(l.id, i, SourceDefault, l.lost)
		pay := l.value
		if paid < total {
			pay, _ = fixed.MulDiv(l.value, paid, total, fixed.Floor)
		}
		b := min(pay, fromBorrower)
		if b > 0 {
			_ = e.transfer(borrower, l.id, e.settle, b, SourceDefaultCompensation, 0)
			fromBorrower -= b
		}
		if f := pay - b; f > 0 {
			_ = e.transfer(AccountInsurance, l.id, e.settle, f, SourceDefaultCompensation, 0)
		}
	}
}

// canBuyBack reports whether every asset the account owes, but the
// settlement asset, has an open spot market to buy it back on.
func (e *Engine) canBuyBack(id AccountID) bool {
	a := &e.accounts[id]
	for i := range e.pools {
		if a.borrowed[i] != 0 && e.pools[i].asset != e.settle && e.spotMarketOf(e.pools[i].asset) == nil {
			return false
		}
	}
	return true
}
