package lending

import "github.com/waterfallrisk/waterfall/engine/fixed"

// Curve is a pool's two-slope interest-rate curve (formulas.md §1, the
// "Aave-style" kinked model): every field is a fixed.Rate, the rates per
// year. Each slope is the rate added across its segment, not a derivative:
//
//	u ≤ Optimal:  rate(u) = Base + SlopeBelow · u / Optimal
//	u > Optimal:  rate(u) = Base + SlopeBelow + SlopeAbove · (u − Optimal) / (1 − Optimal)
//
// so rate(Optimal) = Base + SlopeBelow and rate(1) = Base + SlopeBelow +
// SlopeAbove. The curve spans utilization 0..1 whatever MaxUtilization is:
// interest can carry utilization above the maximum, which caps only new
// borrows and redemptions.
//
// A valid curve (config.Validate checks it) has Base, SlopeBelow and
// SlopeAbove ≥ 0 and 0 < Optimal < MaxUtilization ≤ 1.
type Curve struct {
	Base       int64 // yearly rate at zero utilization
	SlopeBelow int64 // yearly rate added from 0 to Optimal
	Optimal    int64 // the kink, in (0, 1)
	SlopeAbove int64 // yearly rate added from Optimal to 1
	// MaxUtilization caps the utilization a borrow or a redemption may leave,
	// in (Optimal, 1].
	MaxUtilization int64
}

// Params are a pool's parameters: the curve and the two fractions that go
// with it (fixed.Rate).
type Params struct {
	Curve Curve
	// Fee is the house's share of the interest borrowers pay, in [0, 1]:
	// lenders receive the rest.
	Fee int64
	// Throttle is the utilization at or above which redemptions and new
	// borrows pause, in (0, 1].
	Throttle int64
}

// Rate evaluates the curve at utilization u (a fixed.Rate; values outside
// 0..1 are clamped to it), rounded up (Ceil): a borrow rate is a charge. The
// result is never below the exact rate at u, and at most one Rate unit
// (1e-12 a year) above it. Rate is non-decreasing in u. Errors:
// fixed.ErrOverflow for rates beyond an int64, fixed.ErrDivideByZero for an
// Optimal of 0 or 1.
func (c Curve) Rate(u int64) (int64, error) {
	u = fixed.Clamp(u, 0, fixed.RateScale)
	if u <= c.Optimal {
		below, err := fixed.MulDiv(c.SlopeBelow, u, c.Optimal, fixed.Ceil)
		if err != nil {
			return 0, err
		}
		return fixed.Add(c.Base, below)
	}
	above, err := fixed.MulDiv(c.SlopeAbove, u-c.Optimal, fixed.RateScale-c.Optimal, fixed.Ceil)
	if err != nil {
		return 0, err
	}
	kink, err := fixed.Add(c.Base, c.SlopeBelow)
	if err != nil {
		return 0, err
	}
	return fixed.Add(kink, above)
}

// Utilization returns borrowed / lent as a fixed.Rate rounded in direction r,
// at most 1: a pool whose borrowers owe at least what its lenders are owed
// (possible only while the house's share is lent out too, or with no lender
// left) counts as fully used. 0 when nothing is borrowed. ErrNegative for a
// negative amount.
func Utilization(borrowed, lent int64, r fixed.Rounding) (int64, error) {
	switch {
	case borrowed < 0 || lent < 0:
		return 0, ErrNegative
	case borrowed == 0:
		return 0, nil
	case borrowed >= lent:
		return fixed.RateScale, nil
	}
	return fixed.MulDiv(borrowed, fixed.RateScale, lent, r)
}

// BorrowRate is the yearly rate borrowers pay at these amounts: the curve at
// Utilization(borrowed, lent, Ceil), itself rounded up (Ceil) — never below
// the exact curve at the exact utilization.
func BorrowRate(c Curve, borrowed, lent int64) (int64, error) {
	u, err := Utilization(borrowed, lent, fixed.Ceil)
	if err != nil {
		return 0, err
	}
	return c.Rate(u)
}

// LendRate is the yearly rate lenders receive at these amounts (formulas.md
// §1): borrowRate × utilization × (1 − fee), with the utilization rounded
// down (Floor) and each product rounded down (Floor) — never above the exact
// value. It is the rate to show: the lend index itself grows by (1 − fee) of
// the interest actually charged each hour (Pool.AccrueHour), which is this
// rate at the exact, unrounded utilization.
func LendRate(c Curve, fee, borrowed, lent int64) (int64, error) {
	rb, err := BorrowRate(c, borrowed, lent)
	if err != nil {
		return 0, err
	}
	u, err := Utilization(borrowed, lent, fixed.Floor)
	if err != nil {
		return 0, err
	}
	gross, err := fixed.MulDiv(rb, u, fixed.RateScale, fixed.Floor)
	if err != nil {
		return 0, err
	}
	return fixed.MulDiv(gross, fixed.RateScale-fee, fixed.RateScale, fixed.Floor)
}
