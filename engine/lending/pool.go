package lending

import (
	"fmt"

	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// Pool is one asset's lending pool: a plain value (no references), so the
// engine can copy, hash and snapshot it field by field. The zero value is not
// a pool: start from NewPool. Methods that change it either succeed or leave
// it unchanged.
type Pool struct {
	// Cash is what the pool holds, in smallest units: lent, not yet borrowed
	// out, plus the house's share until collected.
	Cash int64
	// Lent and Borrowed are the totals of the lenders' and the borrowers'
	// shares (smallest units at index 1.0). The engine keeps each account's
	// shares; their sums equal these.
	Lent, Borrowed int64
	// LendIndex and BorrowIndex (IndexScale = 1.0) turn shares into amounts;
	// they start at IndexScale. BorrowIndex never decreases; LendIndex
	// decreases only in WriteOff, and stays positive.
	LendIndex, BorrowIndex int64
	// FeeAccrued is the interest borrowers paid that was not credited to
	// lenders (the fee and the rounding of each hourly step), in sub-units
	// (1/IndexScale of a smallest unit).
	FeeAccrued fixed.Int128
	// Residue is the rounding of every conversion between amounts and
	// shares, in sub-units; always in the house's favour, so never negative.
	Residue fixed.Int128
}

// NewPool returns an empty pool, both indices at 1.0.
func NewPool() Pool {
	return Pool{LendIndex: IndexScale, BorrowIndex: IndexScale}
}

// Debt is what an account holding shares borrow shares owes now (Ceil).
func (p *Pool) Debt(shares int64) (int64, error) { return Debt(shares, p.BorrowIndex) }

// Claim is what an account holding shares lend shares is owed now (Floor).
func (p *Pool) Claim(shares int64) (int64, error) { return Claim(shares, p.LendIndex) }

// BorrowedAmount is the total borrowers owe, ⌈Borrowed × BorrowIndex /
// IndexScale⌉ (Ceil): Backpack's borrowedQuantity.
func (p *Pool) BorrowedAmount() (int64, error) { return p.Debt(p.Borrowed) }

// LentAmount is the total lenders are owed, ⌊Lent × LendIndex / IndexScale⌋
// (Floor): Backpack's lentQuantity.
func (p *Pool) LentAmount() (int64, error) { return p.Claim(p.Lent) }

// House is the house's share of the pool, FeeAccrued + Residue, in sub-units.
func (p *Pool) House() fixed.Int128 { return p.FeeAccrued.Add(p.Residue) }

// HouseAmount is House in smallest units, rounded down (Floor): what Collect
// may take out at most.
func (p *Pool) HouseAmount() (int64, error) { return p.House().Div(IndexScale, fixed.Floor) }

// amounts returns BorrowedAmount and LentAmount.
func (p *Pool) amounts() (borrowed, lent int64, err error) {
	if borrowed, err = p.BorrowedAmount(); err != nil {
		return 0, 0, err
	}
	lent, err = p.LentAmount()
	return borrowed, lent, err
}

// Utilization is BorrowedAmount / LentAmount rounded down (Floor), at most 1:
// the figure to show (decisions compare exactly, see Throttled).
func (p *Pool) Utilization() (int64, error) {
	borrowed, lent, err := p.amounts()
	if err != nil {
		return 0, err
	}
	return Utilization(borrowed, lent, fixed.Floor)
}

// Rates returns the yearly borrow and lend rates at the pool's amounts
// (BorrowRate and LendRate): the borrow rate is the one the next hourly step
// charges.
func (p *Pool) Rates(par Params) (borrow, lend int64, err error) {
	borrowed, lent, err := p.amounts()
	if err != nil {
		return 0, 0, err
	}
	if borrow, err = BorrowRate(par.Curve, borrowed, lent); err != nil {
		return 0, 0, err
	}
	lend, err = LendRate(par.Curve, par.Fee, borrowed, lent)
	return borrow, lend, err
}

// Throttled reports whether utilization is at or above par.Throttle:
// BorrowedAmount × 1 ≥ Throttle × LentAmount compared exactly, with the debt
// total rounded up and the claims rounded down, so the throttle never engages
// late. A pool with nothing borrowed is never throttled.
func (p *Pool) Throttled(par Params) (bool, error) {
	borrowed, lent, err := p.amounts()
	if err != nil {
		return false, err
	}
	return throttled(borrowed, lent, par.Throttle), nil
}

func throttled(borrowed, lent, threshold int64) bool {
	return borrowed > 0 && fixed.Cmp(borrowed, fixed.RateScale, threshold, lent) >= 0
}

// aboveMax reports whether borrowed / lent exceeds limit, exactly.
func aboveMax(borrowed, lent, limit int64) bool {
	return fixed.Cmp(borrowed, fixed.RateScale, limit, lent) > 0
}

// Lend adds amount (> 0) to the pool and returns the lend shares it mints,
// LendShares(amount, LendIndex) (Floor). The rounding, amount·IndexScale −
// shares·LendIndex sub-units (less than one share's worth), goes to Residue.
// Lending is never throttled. ErrDust when amount is worth less than one
// share.
func (p *Pool) Lend(amount int64) (int64, error) {
	if amount <= 0 {
		return 0, ErrAmount
	}
	shares, err := LendShares(amount, p.LendIndex)
	if err != nil {
		return 0, err
	}
	if shares == 0 {
		return 0, ErrDust
	}
	q := *p
	if q.Cash, err = fixed.Add(q.Cash, amount); err != nil {
		return 0, err
	}
	if q.Lent, err = fixed.Add(q.Lent, shares); err != nil {
		return 0, err
	}
	q.Residue = q.Residue.Add(fixed.Wide(amount, IndexScale)).Sub(fixed.Wide(shares, p.LendIndex))
	return shares, p.commit(q)
}

// Redeem pays amount (> 0) of the claim of an account holding held lend
// shares out of the pool and returns the shares it burns,
// RedeemShares(amount, LendIndex) (Ceil; all held shares when amount is the
// whole claim). The rounding, burnt·LendIndex − amount·IndexScale sub-units,
// goes to Residue. Refused: ErrExceedsPosition beyond Claim(held),
// ErrThrottled while Throttled, ErrInsufficientCash beyond Cash, and
// ErrMaxUtilization when the claims left would put utilization above
// MaxUtilization.
func (p *Pool) Redeem(par Params, held, amount int64) (int64, error) {
	return p.redeem(&par, held, amount)
}

// ForceRedeem is Redeem for the engine's own operations (a liquidating
// lender's lend redeemed as collateral): no throttle or maximum-utilization
// check; cash still limits it.
func (p *Pool) ForceRedeem(held, amount int64) (int64, error) {
	return p.redeem(nil, held, amount)
}

// payable checks what every payment out of the pool needs: not throttled
// (par nil: the engine's own, never throttled) and amount within Cash. It
// returns the pool's amounts before the payment.
func (p *Pool) payable(par *Params, amount int64) (borrowed, lent int64, err error) {
	if borrowed, lent, err = p.amounts(); err != nil {
		return 0, 0, err
	}
	if par != nil && throttled(borrowed, lent, par.Throttle) {
		return 0, 0, ErrThrottled
	}
	if amount > p.Cash {
		return 0, 0, ErrInsufficientCash
	}
	return borrowed, lent, nil
}

func (p *Pool) redeem(par *Params, held, amount int64) (int64, error) {
	if amount <= 0 || held <= 0 || held > p.Lent {
		return 0, ErrAmount
	}
	claim, err := p.Claim(held)
	if err != nil {
		return 0, err
	}
	if amount > claim {
		return 0, ErrExceedsPosition
	}
	borrowed, _, err := p.payable(par, amount)
	if err != nil {
		return 0, err
	}
	burnt, err := RedeemShares(amount, p.LendIndex) // ≤ held: amount ≤ held·LendIndex/IndexScale
	if err != nil {
		return 0, err
	}
	if amount == claim {
		// The whole claim burns every share, also below index 1.0 (after a
		// write-off), where a unit is worth more than a share.
		burnt = held
	}
	q := *p
	q.Cash -= amount
	q.Lent -= burnt
	if par != nil {
		lentAfter, err := q.LentAmount()
		if err != nil {
			return 0, err
		}
		if aboveMax(borrowed, lentAfter, par.Curve.MaxUtilization) {
			return 0, ErrMaxUtilization
		}
	}
	q.Residue = q.Residue.Add(fixed.Wide(burnt, p.LendIndex)).Sub(fixed.Wide(amount, IndexScale))
	return burnt, p.commit(q)
}

// Borrow pays amount (> 0) out of the pool to a borrower and returns the
// borrow shares it mints, BorrowShares(amount, BorrowIndex) (Ceil). The
// rounding, shares·BorrowIndex − amount·IndexScale sub-units, goes to Residue.
// Refused: ErrThrottled while Throttled, ErrInsufficientCash beyond Cash, and
// ErrMaxUtilization when the debts after the borrow (rounded up) would put
// utilization above MaxUtilization.
func (p *Pool) Borrow(par Params, amount int64) (int64, error) {
	return p.borrow(&par, amount)
}

// ForceBorrow is Borrow for the engine's own operations: no throttle or
// maximum-utilization check; cash still limits it.
func (p *Pool) ForceBorrow(amount int64) (int64, error) {
	return p.borrow(nil, amount)
}

func (p *Pool) borrow(par *Params, amount int64) (int64, error) {
	if amount <= 0 {
		return 0, ErrAmount
	}
	_, lent, err := p.payable(par, amount)
	if err != nil {
		return 0, err
	}
	shares, err := BorrowShares(amount, p.BorrowIndex)
	if err != nil {
		return 0, err
	}
	q := *p
	q.Cash -= amount
	if q.Borrowed, err = fixed.Add(q.Borrowed, shares); err != nil {
		return 0, err
	}
	if par != nil {
		borrowedAfter, err := q.BorrowedAmount()
		if err != nil {
			return 0, err
		}
		if aboveMax(borrowedAfter, lent, par.Curve.MaxUtilization) {
			return 0, ErrMaxUtilization
		}
	}
	q.Residue = q.Residue.Add(fixed.Wide(shares, p.BorrowIndex)).Sub(fixed.Wide(amount, IndexScale))
	return shares, p.commit(q)
}

// Repay takes amount (> 0) from an account holding held borrow shares into
// the pool and returns the shares it burns, RepayShares(amount, BorrowIndex)
// (Floor; all held shares when amount is the whole debt). The rounding,
// amount·IndexScale − burnt·BorrowIndex sub-units, goes to Residue. Repaying
// is never throttled. Refused: ErrExceedsPosition beyond Debt(held), ErrDust
// for a partial repay worth less than one share (it would burn none).
func (p *Pool) Repay(held, amount int64) (int64, error) {
	if amount <= 0 || held <= 0 || held > p.Borrowed {
		return 0, ErrAmount
	}
	debt, err := p.Debt(held)
	if err != nil {
		return 0, err
	}
	if amount > debt {
		return 0, ErrExceedsPosition
	}
	burnt, err := RepayShares(amount, p.BorrowIndex) // ≤ held: amount < held·BorrowIndex/IndexScale + 1
	if err != nil {
		return 0, err
	}
	if burnt == 0 {
		return 0, ErrDust
	}
	q := *p
	if q.Cash, err = fixed.Add(q.Cash, amount); err != nil {
		return 0, err
	}
	q.Borrowed -= burnt
	q.Residue = q.Residue.Add(fixed.Wide(amount, IndexScale)).Sub(fixed.Wide(burnt, p.BorrowIndex))
	return burnt, p.commit(q)
}

// Accrual describes one hourly step.
type Accrual struct {
	// BorrowRate is the yearly rate charged (BorrowRate at the amounts
	// before the step).
	BorrowRate int64
	// Charged is the interest borrowers were charged, Borrowed ×
	// (BorrowIndex' − BorrowIndex), and Credited what lenders were credited,
	// Lent × (LendIndex' − LendIndex), both in sub-units; the difference
	// went to FeeAccrued.
	Charged, Credited fixed.Int128
}

// AccrueHour runs one hourly step, at an engine-hour boundary:
//
//	rb  = BorrowRate(curve, BorrowedAmount, LentAmount)                      (yearly, Ceil)
//	ΔB  = ⌈BorrowIndex × rb / (HoursPerYear × 1e12)⌉                         (Ceil)
//	ΔL  = ⌊Borrowed × ⌊ΔB × (1 − fee)⌋ / Lent⌋                               (Floor; 0 with no lender)
//	BorrowIndex += ΔB;  LendIndex += ΔL
//	FeeAccrued  += Borrowed × ΔB − Lent × ΔL                                 (≥ fee × interest)
//
// so every debt grows by rb/8760 of itself (rounded up), and the lenders
// together receive (1 − fee) of the interest charged (rounded down): per
// unit, the lend rate borrowRate × utilization × (1 − fee) at the exact
// utilization. The step is atomic: on an error the pool is unchanged.
func (p *Pool) AccrueHour(par Params) (Accrual, error) {
	q := *p
	a, err := q.accrueHour(&par)
	if err != nil {
		return Accrual{}, err
	}
	return a, p.commit(q)
}

func (p *Pool) accrueHour(par *Params) (Accrual, error) {
	borrowed, lent, err := p.amounts()
	if err != nil {
		return Accrual{}, err
	}
	rb, err := BorrowRate(par.Curve, borrowed, lent)
	if err != nil {
		return Accrual{}, err
	}
	dB, err := fixed.MulDiv(p.BorrowIndex, rb, HoursPerYear*fixed.RateScale, fixed.Ceil)
	if err != nil {
		return Accrual{}, err
	}
	a := Accrual{BorrowRate: rb, Charged: fixed.Wide(p.Borrowed, dB)}
	var dL int64
	if p.Lent > 0 {
		keep, err := fixed.MulDiv(dB, fixed.RateScale-par.Fee, fixed.RateScale, fixed.Floor)
		if err != nil {
			return Accrual{}, err
		}
		if dL, err = fixed.Wide(p.Borrowed, keep).Div(p.Lent, fixed.Floor); err != nil {
			return Accrual{}, err
		}
	}
	a.Credited = fixed.Wide(p.Lent, dL)
	if p.BorrowIndex, err = fixed.Add(p.BorrowIndex, dB); err != nil {
		return Accrual{}, err
	}
	if p.LendIndex, err = fixed.Add(p.LendIndex, dL); err != nil {
		return Accrual{}, err
	}
	p.FeeAccrued = p.FeeAccrued.Add(a.Charged).Sub(a.Credited)
	return a, nil
}

// Accrue runs hours hourly steps (hours ≥ 0), each at the rate of the
// utilization it starts from. It is atomic: on an error the pool is
// unchanged.
func (p *Pool) Accrue(par Params, hours int64) error {
	if hours < 0 {
		return ErrAmount
	}
	q := *p
	for range hours {
		if _, err := q.accrueHour(&par); err != nil {
			return err
		}
	}
	return p.commit(q)
}

// Collect takes amount (> 0) of the house's share out of the pool's cash (to
// the engine's fee account), from FeeAccrued first, then Residue. Refused
// with ErrExceedsPosition beyond HouseAmount, ErrInsufficientCash beyond
// Cash.
func (p *Pool) Collect(amount int64) error {
	if amount <= 0 {
		return ErrAmount
	}
	take := fixed.Wide(amount, IndexScale)
	if take.Cmp(p.House()) > 0 {
		return ErrExceedsPosition
	}
	if amount > p.Cash {
		return ErrInsufficientCash
	}
	q := *p
	q.Cash -= amount
	if take.Cmp(q.FeeAccrued) <= 0 {
		q.FeeAccrued = q.FeeAccrued.Sub(take)
	} else {
		q.Residue = q.Residue.Sub(take.Sub(q.FeeAccrued))
		q.FeeAccrued = fixed.Int128{}
	}
	return p.commit(q)
}

// commit stores q after checking that its totals still convert to int64
// amounts (so every later call can compute them).
func (p *Pool) commit(q Pool) error {
	if _, _, err := q.amounts(); err != nil {
		return err
	}
	*p = q
	return nil
}

// Check verifies the pool's invariants: BorrowIndex at least IndexScale,
// LendIndex at least 1;
// Cash, Lent and Borrowed not negative; FeeAccrued and Residue not negative;
// and the conservation identity, exactly in sub-units:
//
//	Cash·IndexScale + Borrowed·BorrowIndex = Lent·LendIndex + FeeAccrued + Residue
//
// It returns an error wrapping ErrBroken naming the first broken rule.
func (p *Pool) Check() error {
	switch {
	case p.LendIndex < 1 || p.BorrowIndex < IndexScale:
		return fmt.Errorf("%w: indices lend %d, borrow %d below %d", ErrBroken, p.LendIndex, p.BorrowIndex, int64(IndexScale))
	case p.Cash < 0 || p.Lent < 0 || p.Borrowed < 0:
		return fmt.Errorf("%w: cash %d, lent %d, borrowed %d", ErrBroken, p.Cash, p.Lent, p.Borrowed)
	case p.FeeAccrued.Sign() < 0 || p.Residue.Sign() < 0:
		return fmt.Errorf("%w: negative fee or residue", ErrBroken)
	}
	assets := fixed.Wide(p.Cash, IndexScale).Add(fixed.Wide(p.Borrowed, p.BorrowIndex))
	liabilities := fixed.Wide(p.Lent, p.LendIndex).Add(p.House())
	if assets.Cmp(liabilities) != 0 {
		return fmt.Errorf("%w: cash·scale + borrowed·borrowIndex ≠ lent·lendIndex + fee + residue", ErrBroken)
	}
	return nil
}
