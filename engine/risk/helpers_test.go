package risk

import (
	"math"
	"math/big"

	"github.com/waterfallrisk/waterfall/engine/config"
)

// Built-in market parameters, DESIGN.md §5 (BTC's also in formulas.md §1:
// IMF base 1/75, factor 0.00002494; MMF base 1/150, factor 0.00001496), as
// fixed.Rate values (1e-12).
var (
	btcIMF = config.MarginFunction{Kind: config.MarginSqrt, Base: 13_333_330_000, Factor: 24_940_000} // 0.01333333, 0.00002494
	btcMMF = config.MarginFunction{Kind: config.MarginSqrt, Base: 6_666_670_000, Factor: 14_960_000}  // 0.00666667, 0.00001496
	ethIMF = config.MarginFunction{Kind: config.MarginSqrt, Base: 20_000_000_000, Factor: 93_500_000} // 0.02, 0.0000935
	ethMMF = config.MarginFunction{Kind: config.MarginSqrt, Base: 12_500_000_000, Factor: 56_100_000} // 0.0125, 0.0000561
	solIMF = config.MarginFunction{Kind: config.MarginSqrt, Base: 20_000_000_000, Factor: 127_500_000}
	solMMF = config.MarginFunction{Kind: config.MarginSqrt, Base: 12_500_000_000, Factor: 76_500_000}
)

const usdcDecimals = 6 // DESIGN.md §5: USDC has 6 decimals

// usdc converts whole USDC to smallest units.
func usdc(whole int64) int64 { return whole * 1_000_000 }

// rate is a fraction num/den as a fixed.Rate, for readable literals.
func rate(num, den int64) int64 { return num * 1_000_000_000_000 / den }

var (
	rateScale = big.NewInt(1_000_000_000_000)
	maxInt64  = big.NewInt(math.MaxInt64)
	minInt64  = big.NewInt(math.MinInt64)
)

func bi(v int64) *big.Int { return big.NewInt(v) }

func pow10(n int) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil) }

func sq(v *big.Int) *big.Int { return new(big.Int).Mul(v, v) }

func mul(a, b *big.Int) *big.Int { return new(big.Int).Mul(a, b) }

// floorRat and ceilRat round a rational toward −∞ and +∞.
func floorRat(r *big.Rat) *big.Int {
	q := new(big.Int).Div(r.Num(), r.Denom()) // Euclidean, denominator > 0: the floor
	return q
}

func ceilRat(r *big.Rat) *big.Int {
	q := floorRat(new(big.Rat).Neg(r))
	return q.Neg(q)
}

// saturate clamps v to the int64 range.
func saturate(v *big.Int) int64 {
	switch {
	case v.Cmp(maxInt64) > 0:
		return math.MaxInt64
	case v.Cmp(minInt64) < 0:
		return math.MinInt64
	}
	return v.Int64()
}

func ratOf(num, den int64) *big.Rat { return new(big.Rat).SetFrac(bi(num), bi(den)) }

func maxRat(a, b *big.Rat) *big.Rat {
	if a.Cmp(b) >= 0 {
		return a
	}
	return b
}
