package lending

import "github.com/waterfallrisk/waterfall/engine/fixed"

// WriteOff removes a defaulted borrower's whole debt (held borrow shares)
// from the pool with nothing repaid (issue #5 point 4): the lenders bear it,
// through a lower LendIndex. The debt's value in sub-units, held·BorrowIndex,
// is spread over every lend share: LendIndex falls by
//
//	drop = ⌈held·BorrowIndex / Lent⌉ (Ceil)
//
// so the claims fall by at least the debt; the rounding, Lent·drop −
// held·BorrowIndex sub-units, goes to Residue. It returns the debt written
// off (Debt(held), rounded up).
//
// When the drop would take LendIndex to 0 or below (the claims are worth no
// more than the debt), the pool is wiped instead: wiped is true, every lend
// share is worthless, Lent becomes 0 and LendIndex IndexScale again, and the
// house's share (Residue, then FeeAccrued) absorbs what the claims did not;
// the caller must then zero every account's lend shares in this pool. The
// identity holds either way. The pool is unchanged on any error.
func (p *Pool) WriteOff(held int64) (debt int64, wiped bool, err error) {
	if held <= 0 || held > p.Borrowed {
		return 0, false, ErrAmount
	}
	if debt, err = p.Debt(held); err != nil {
		return 0, false, err
	}
	owed := fixed.Wide(held, p.BorrowIndex)
	q := *p
	q.Borrowed -= held
	if p.Lent > 0 {
		drop, derr := owed.Div(p.Lent, fixed.Ceil)
		if derr != nil {
			return 0, false, derr
		}
		if drop < p.LendIndex {
			q.LendIndex -= drop
			q.Residue = q.Residue.Add(fixed.Wide(p.Lent, drop)).Sub(owed)
			return debt, false, p.commit(q)
		}
	}
	// Wiped: the house's share becomes the whole of what the pool holds,
	// cash and the debts left, Residue giving first.
	q.Lent, q.LendIndex = 0, IndexScale
	assets := fixed.Wide(q.Cash, IndexScale).Add(fixed.Wide(q.Borrowed, q.BorrowIndex))
	if q.Residue = assets.Sub(q.FeeAccrued); q.Residue.Sign() < 0 {
		q.FeeAccrued, q.Residue = assets, fixed.Int128{}
	}
	return debt, true, p.commit(q)
}

// Forfeit burns held lend shares whose claim is worth less than one
// smallest unit (Claim(held) = 0, as a write-off can leave them): they can
// never be redeemed, so the fraction they held, held·LendIndex sub-units,
// goes to Residue. ErrExceedsPosition when the claim is worth a unit or
// more (redeem it instead).
func (p *Pool) Forfeit(held int64) error {
	if held <= 0 || held > p.Lent {
		return ErrAmount
	}
	claim, err := p.Claim(held)
	if err != nil {
		return err
	}
	if claim > 0 {
		return ErrExceedsPosition
	}
	q := *p
	q.Lent -= held
	q.Residue = q.Residue.Add(fixed.Wide(held, p.LendIndex))
	return p.commit(q)
}
