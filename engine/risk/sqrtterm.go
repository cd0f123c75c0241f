package risk

import "github.com/waterfallrisk/waterfall/engine/fixed"

// factorSqrt returns factor·√(notional / 10^decimals) as a fixed.Rate, rounded
// up: the size term shared by margin functions (factor·√n) and haircut
// functions (penalty·√n), n the notional in whole settlement units.
//
// The square root is taken exactly in integers on notional·10^k, with
// k = 2m − decimals and m = ⌊(18 + decimals)/2⌋, so that
// √(notional·10^k) = √n · 10^m carries m ≥ 9 decimals of √n (12 for USDC).
// With s = ⌈√(notional·10^k)⌉ and the result ⌈factor·s / 10^m⌉:
//
//	exact ≤ result < exact + 1 + factor·10^-m   (in Rate units)
//
// so for n ≥ 1 the square root's relative error is below 10^-m ≤ 1e-9, and
// the result overstates the exact term by less than two Rate units for any
// factor below 1 with 6 or more settlement decimals. notional ≥ 0 and
// decimals in 0..18 are the caller's to check; factor·√n beyond an int64 is
// fixed.ErrOverflow.
func factorSqrt(factor, notional int64, decimals int) (int64, error) {
	if factor == 0 || notional == 0 {
		return 0, nil
	}
	m := (18 + decimals) / 2
	s, err := fixed.SqrtProduct(notional, fixed.Pow10(2*m-decimals), fixed.Ceil)
	if err != nil {
		return 0, err
	}
	return fixed.MulDiv(factor, s, fixed.Pow10(m), fixed.Ceil)
}

// checkInputs validates the arguments every size-dependent function shares.
func checkInputs(notional int64, decimals int) error {
	if notional < 0 {
		return ErrNegativeNotional
	}
	if decimals < 0 || decimals > 18 {
		return ErrDecimals
	}
	return nil
}
