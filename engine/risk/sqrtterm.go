package risk

import "github.com/waterfallrisk/waterfall/engine/fixed"

// root is √n for a notional n in whole settlement units, held exactly as an
// integer: s = ⌈√(notional·10^k)⌉ = ⌈√n · 10^m⌉ with k = 2m − decimals and
// m = ⌊(18 + decimals)/2⌋, so s carries m ≥ 9 decimals of √n (12 for USDC)
// and notional·10^k stays within SqrtProduct's 126 bits. For n ≥ 1 the
// relative error of s is below 10^-m ≤ 1e-9, and s is never below √n·10^m.
type root struct {
	s     int64 // ⌈√n · 10^m⌉
	scale int64 // 10^m
}

// sqrtUnits takes the root of a notional in the settlement asset's smallest
// units (≥ 0, the caller checks) with decimals in 0..18.
func sqrtUnits(notional int64, decimals int) (root, error) {
	m := (18 + decimals) / 2
	s, err := fixed.SqrtProduct(notional, fixed.Pow10(2*m-decimals), fixed.Ceil)
	return root{s: s, scale: fixed.Pow10(m)}, err
}

// times returns factor·√n as a fixed.Rate, rounded up: the size term of
// margin functions (factor·√n) and haircut functions (penalty·√n). With the
// exact value x,
//
//	x ≤ result < x + 1 + factor·10^-m   (Rate units)
//
// so it overstates x by less than two Rate units for any factor below 10^m
// (below 1 for USDC, below 0.001 for any settlement asset). factor·√n beyond
// an int64 is fixed.ErrOverflow.
func (r root) times(factor int64) (int64, error) {
	if factor == 0 || r.s == 0 {
		return 0, nil
	}
	return fixed.MulDiv(factor, r.s, r.scale, fixed.Ceil)
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
