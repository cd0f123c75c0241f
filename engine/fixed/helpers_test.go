package fixed

import (
	"math"
	"math/big"

	"pgregory.net/rapid"
)

// The oracles of the property tests: math/big computes every result exactly,
// and the function under test must agree with it or fail with ErrOverflow
// exactly when the exact result does not fit.

// edges64 are the int64 values where overflow and sign handling live.
var edges64 = []int64{
	math.MinInt64, math.MinInt64 + 1, math.MinInt64 / 2, -1 << 32, -(1 << 31) - 1,
	-3_037_000_500, -2, -1, 0, 1, 2, 3_037_000_499, 3_037_000_500, 1 << 31, 1 << 32,
	math.MaxInt64 / 2, math.MaxInt64 - 1, math.MaxInt64,
}

// anyInt64 draws from the whole range, small values, edges, and magnitudes
// around √MaxInt64 whose products straddle the int64 range.
func anyInt64() *rapid.Generator[int64] {
	return rapid.OneOf(
		rapid.Int64(),
		rapid.Int64Range(-1000, 1000),
		rapid.Int64Range(-(1<<33), 1<<33),
		rapid.SampledFrom(edges64),
	)
}

// anyRounding draws Floor or Ceil.
func anyRounding() *rapid.Generator[Rounding] { return rapid.SampledFrom([]Rounding{Floor, Ceil}) }

func bi(v int64) *big.Int { return big.NewInt(v) }

func bigMul(a, b int64) *big.Int { return new(big.Int).Mul(bi(a), bi(b)) }

// divRound is n/d rounded toward −∞ (Floor) or +∞ (Ceil); d ≠ 0.
func divRound(n, d *big.Int, r Rounding) *big.Int {
	n, d = new(big.Int).Set(n), new(big.Int).Set(d)
	if d.Sign() < 0 {
		n.Neg(n)
		d.Neg(d)
	}
	if r == Ceil {
		q := new(big.Int).Div(n.Neg(n), d) // Euclidean division by d > 0 is the floor
		return q.Neg(q)
	}
	return new(big.Int).Div(n, d)
}

// two64 and two128 are 2⁶⁴ and 2¹²⁸.
var (
	two64  = new(big.Int).Lsh(big.NewInt(1), 64)
	two127 = new(big.Int).Lsh(big.NewInt(1), 127)
	two128 = new(big.Int).Lsh(big.NewInt(1), 128)
)

// toBig reads an Int128 as the two's complement value Hi·2⁶⁴ + Lo.
func toBig(x Int128) *big.Int {
	v := new(big.Int).Mul(bi(x.Hi), two64)
	return v.Add(v, new(big.Int).SetUint64(x.Lo))
}

// wrap128 reduces v to the signed 128-bit range, as two's complement does.
func wrap128(v *big.Int) *big.Int {
	m := new(big.Int).Mod(v, two128)
	if m.Cmp(two127) >= 0 {
		m.Sub(m, two128)
	}
	return m
}

// anyInt128 draws raw 128-bit patterns, exact products of int64 values, and
// the extremes.
func anyInt128() *rapid.Generator[Int128] {
	raw := rapid.Custom(func(t *rapid.T) Int128 {
		return Int128{Hi: anyInt64().Draw(t, "hi"), Lo: rapid.Uint64().Draw(t, "lo")}
	})
	product := rapid.Custom(func(t *rapid.T) Int128 {
		return Wide(anyInt64().Draw(t, "a"), anyInt64().Draw(t, "b"))
	})
	small := rapid.Custom(func(t *rapid.T) Int128 { return From64(anyInt64().Draw(t, "v")) })
	return rapid.OneOf(raw, product, small, rapid.SampledFrom([]Int128{
		{Hi: math.MinInt64}, {Hi: math.MaxInt64, Lo: math.MaxUint64}, {}, {Hi: -1, Lo: math.MaxUint64},
		{Lo: 1 << 63}, {Hi: -1, Lo: 1 << 63}, {Lo: 1<<63 - 1}, {Hi: -1, Lo: 1<<63 - 1},
	}))
}
