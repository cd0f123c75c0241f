package risk

import (
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// Fraction evaluates a position's initial or maintenance margin function
// (Backpack's imfFunction / mmfFunction, {"type":"sqrt"}):
//
//	fraction = max(base, f.Factor · √n),  base = max(f.Base, userBase)
//
// with n = notional / 10^settlementDecimals the position's notional in whole
// settlement units. notional is in the settlement asset's smallest units and
// must not be negative (pass |netExposureNotional|). userBase is a floor the
// account adds, as a fixed.Rate (0 for none): for the IMF of an account with a
// user leverage limit, 1/userMaxLeverage.
//
// The result is a fixed.Rate rounded up (Ceil): it is a requirement. The
// square root is exact in integers (see root): the result is never below the
// true fraction and, for factors below 0.001, less than two Rate units
// (2e-12) above it. Fraction is non-decreasing in notional.
//
// Errors: ErrNegativeNotional, ErrDecimals, ErrUnknownKind, and
// fixed.ErrOverflow when f.Factor·√n exceeds an int64 Rate.
func Fraction(f config.MarginFunction, notional int64, settlementDecimals int, userBase int64) (int64, error) {
	if err := checkInputs(notional, settlementDecimals); err != nil {
		return 0, err
	}
	if f.Factor == 0 {
		return evaluate(f, root{}, userBase) // no size term: skip the root
	}
	r, err := sqrtUnits(notional, settlementDecimals)
	if err != nil {
		return 0, err
	}
	return evaluate(f, r, userBase)
}

// Fractions evaluates a position's IMF and MMF with one square root, as
// Fraction(imf, notional, settlementDecimals, userBase) and
// Fraction(mmf, notional, settlementDecimals, 0) would: userBase raises the
// initial fraction only.
func Fractions(imf, mmf config.MarginFunction, notional int64, settlementDecimals int, userBase int64) (initial, maintenance int64, err error) {
	if err := checkInputs(notional, settlementDecimals); err != nil {
		return 0, 0, err
	}
	r, err := sqrtUnits(notional, settlementDecimals)
	if err != nil {
		return 0, 0, err
	}
	if initial, err = evaluate(imf, r, userBase); err != nil {
		return 0, 0, err
	}
	if maintenance, err = evaluate(mmf, r, 0); err != nil {
		return 0, 0, err
	}
	return initial, maintenance, nil
}

// evaluate is max(f.Base, userBase, ⌈f.Factor·√n⌉) for the root of n.
func evaluate(f config.MarginFunction, r root, userBase int64) (int64, error) {
	if f.Kind != config.MarginSqrt {
		return 0, ErrUnknownKind
	}
	size, err := r.times(f.Factor)
	if err != nil {
		return 0, err
	}
	return max(f.Base, userBase, size), nil
}

// Requirement returns the margin a position of the given notional needs at the
// given fraction: notional · fraction / 1e12, in the settlement asset's
// smallest units, rounded up (Ceil, toward +∞). fixed.ErrOverflow when it does
// not fit an int64.
func Requirement(notional, fraction int64) (int64, error) {
	return fixed.MulDiv(notional, fraction, fixed.RateScale, fixed.Ceil)
}
