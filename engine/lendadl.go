package engine

import (
	"cmp"
	"slices"
)

// A liquidating lender's claims (issue #5 point 5; docs/policies.md
// "Lend-side ADL").
//
// At every liquidation step, before its debts are settled, a liquidating
// account's claims are redeemed into its balance (ForceRedeem: no throttle
// or maximum utilization, only the pool's cash limits it), where they are
// collateral like any balance. What the cash cannot pay (the pool is lent
// out: 100% utilization) is closed against the pool's borrowers instead,
// ranked by net equity, largest first (ties: lowest id): only accounts with
// positive net equity that are not liquidating themselves take part. For
// each, q = min(claim left, its debt) units of the lender's claim and of the
// borrower's debt close against each other (no cash moves in the pool), and
// the borrower pays the lender q at the index in the settlement asset
// (rounded down): both keep their total value, only its composition
// changes. A claim worth less than one unit is forfeited.

// redeemClaims winds a liquidating account's lending down.
func (e *Engine) redeemClaims(id AccountID) {
	a := &e.accounts[id]
	for i := range e.pools {
		if a.lent[i] == 0 {
			continue
		}
		claim, _, err := e.lendPosition(id, i)
		if err != nil {
			continue
		}
		if claim == 0 {
			e.forfeitClaim(id, i)
			continue
		}
		if cash := min(claim, e.pools[i].p.Cash); cash > 0 {
			_ = e.redeemTo(id, i, cash, SourceLiquidationRepay, true)
		}
		if a.lent[i] > 0 && e.index[e.pools[i].asset] > 0 {
			e.lendAdl(id, i)
		}
	}
}

// adlBorrower is a borrower ranked for lend-side ADL.
type adlBorrower struct {
	id     AccountID
	equity int64
}

// lendAdl closes what is left of the lender's claim in pool i against the
// pool's ranked borrowers.
func (e *Engine) lendAdl(lender AccountID, i int) {
	var ranked []adlBorrower
	for _, b := range e.liq.borrowers {
		if b == lender || e.accounts[b].borrowed[i] == 0 || e.accounts[b].liquidating || e.accounts[b].system {
			continue
		}
		if r := e.marginOf(b, nil); r.NetEquity > 0 {
			ranked = append(ranked, adlBorrower{id: b, equity: r.NetEquity})
		}
	}
	slices.SortStableFunc(ranked, func(x, y adlBorrower) int { return cmp.Compare(y.equity, x.equity) })
	for _, b := range ranked {
		claim, _, err := e.lendPosition(lender, i)
		if err != nil || claim == 0 {
			break
		}
		_, debt, err := e.lendPosition(b.id, i)
		if err != nil {
			continue
		}
		e.closeLoans(lender, b.id, i, min(claim, debt))
	}
	if claim, _, err := e.lendPosition(lender, i); err == nil && claim == 0 && e.accounts[lender].lent[i] > 0 {
		e.forfeitClaim(lender, i)
	}
}

// closeLoans closes q units of the lender's claim against q units of the
// borrower's debt in pool i, and moves q at the index from the borrower to
// the lender in the settlement asset. Nothing changes if the pool refuses.
func (e *Engine) closeLoans(lender, borrower AccountID, i int, q int64) {
	pl := &e.pools[i]
	l, b := &e.accounts[lender], &e.accounts[borrower]
	value, err := e.assetValue(pl.asset, q)
	if err != nil || q <= 0 {
		return
	}
	// Repay then redeem on a copy: the cash the repayment brings in is what
	// the redemption takes out.
	p := pl.p
	repaid, err := p.Repay(b.borrowed[i], q)
	if err != nil {
		return
	}
	redeemed, err := p.ForceRedeem(l.lent[i], q)
	if err != nil {
		return
	}
	pl.p = p
	b.borrowed[i] -= repaid
	l.lent[i] -= redeemed
	e.emitBorrowLend(borrower, i, SourceLendAdl, q)
	e.emitBorrowLend(lender, i, SourceLendAdl, q)
	if value > 0 {
		_ = e.transfer(borrower, lender, e.settle, value, SourceLendAdl, 0)
	}
}
