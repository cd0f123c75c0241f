package fixed

import (
	"math"
	"math/big"
	"math/bits"
	"testing"

	"pgregory.net/rapid"
)

// fataler is what testing.T and rapid.T share.
type fataler interface {
	Helper()
	Fatalf(format string, args ...any)
}

// checkFloorSqrt fails unless s² ≤ x < (s+1)².
func checkFloorSqrt(t fataler, x *big.Int, s uint64) {
	t.Helper()
	bs := new(big.Int).SetUint64(s)
	lo := new(big.Int).Mul(bs, bs)
	bs.Add(bs, big.NewInt(1))
	hi := new(big.Int).Mul(bs, bs)
	if lo.Cmp(x) > 0 || x.Cmp(hi) >= 0 {
		t.Fatalf("√%v: got %d, not the floor", x, s)
	}
}

func u128(hi, lo uint64) *big.Int {
	v := new(big.Int).Lsh(new(big.Int).SetUint64(hi), 64)
	return v.Add(v, new(big.Int).SetUint64(lo))
}

// anyUint64 draws the whole range and the extremes, where Newton's iteration
// once divided by a value not above hi (fixed: Sqrt128 with hi ≥ 2⁶⁴−2).
func anyUint64() *rapid.Generator[uint64] {
	return rapid.OneOf(rapid.Uint64(), rapid.Uint64Range(0, 1000), rapid.SampledFrom([]uint64{
		0, 1, 2, 3, 1 << 32, 1<<32 - 1, 1 << 62, 1 << 63, math.MaxUint64 - 2, math.MaxUint64 - 1, math.MaxUint64,
	}))
}

func TestSqrt128IsFloor(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		hi, lo := anyUint64().Draw(t, "hi"), anyUint64().Draw(t, "lo")
		checkFloorSqrt(t, u128(hi, lo), Sqrt128(hi, lo))
	})
}

// TestSqrt128AroundSquares checks s² − 1, s² and s² + 2s = (s+1)² − 1, where a
// floor square root changes or must not.
func TestSqrt128AroundSquares(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := anyUint64().Draw(t, "s")
		hi, lo := bits.Mul64(s, s)
		if got := Sqrt128(hi, lo); got != s {
			t.Fatalf("√(%d²) = %d", s, got)
		}
		if s > 0 {
			l, borrow := bits.Sub64(lo, 1, 0)
			if got := Sqrt128(hi-borrow, l); got != s-1 {
				t.Fatalf("√(%d² − 1) = %d, want %d", s, got, s-1)
			}
		}
		if s < math.MaxUint64 {
			l, carry := bits.Add64(lo, s, 0)
			h := hi + carry
			l, carry = bits.Add64(l, s, 0)
			if got := Sqrt128(h+carry, l); got != s {
				t.Fatalf("√((%d+1)² − 1) = %d, want %d", s, got, s)
			}
		}
	})
}

func TestSqrt128Small(t *testing.T) {
	for v := range uint64(1 << 16) {
		checkFloorSqrt(t, new(big.Int).SetUint64(v), Sqrt128(0, v))
	}
	checkFloorSqrt(t, u128(math.MaxUint64, math.MaxUint64), Sqrt128(math.MaxUint64, math.MaxUint64))
	checkFloorSqrt(t, u128(math.MaxUint64-1, 0), Sqrt128(math.MaxUint64-1, 0))
}

// TestSqrtProductBrackets: Floor gives s² ≤ ab < (s+1)², Ceil (s−1)² < ab ≤ s².
func TestSqrtProductBrackets(t *testing.T) {
	nonNegative := rapid.OneOf(rapid.Int64Range(0, math.MaxInt64), rapid.Int64Range(0, 1<<20),
		rapid.SampledFrom([]int64{0, 1, 2, 4, math.MaxInt64 - 1, math.MaxInt64, 3_037_000_499, 3_037_000_500}))
	rapid.Check(t, func(t *rapid.T) {
		a, b := nonNegative.Draw(t, "a"), nonNegative.Draw(t, "b")
		r := anyRounding().Draw(t, "r")
		s, err := SqrtProduct(a, b, r)
		if err != nil {
			t.Fatalf("SqrtProduct(%d, %d): %v", a, b, err)
		}
		x := bigMul(a, b)
		if r == Floor {
			checkFloorSqrt(t, x, uint64(s))
			return
		}
		sq := new(big.Int).Mul(bi(s), bi(s))
		below := new(big.Int).Mul(bi(s-1), bi(s-1))
		if sq.Cmp(x) < 0 || (s > 0 && below.Cmp(x) >= 0) {
			t.Fatalf("⌈√(%d·%d)⌉ = %d, not the ceiling", a, b, s)
		}
	})
}

func TestSqrtProductRefusesNegatives(t *testing.T) {
	for _, c := range [][2]int64{{-1, 1}, {1, -1}, {-4, -4}, {math.MinInt64, 0}} {
		if s, err := SqrtProduct(c[0], c[1], Floor); err == nil {
			t.Errorf("SqrtProduct(%d, %d) = %d, want an error", c[0], c[1], s)
		}
	}
}

func TestSqrtProductExamples(t *testing.T) {
	cases := []struct {
		a, b int64
		r    Rounding
		want int64
	}{
		{0, 0, Ceil, 0},
		{1, 1, Ceil, 1},
		{2, 1, Floor, 1},           // √2 = 1.414…
		{2, 1, Ceil, 2},            //
		{1_000_000, 1, Ceil, 1000}, // exact: no bump
		{math.MaxInt64, math.MaxInt64, Floor, math.MaxInt64},
		{math.MaxInt64, math.MaxInt64, Ceil, math.MaxInt64},
		{math.MaxInt64, 1, Floor, 3_037_000_499}, // √(2⁶³−1) = 3037000499.97…
		{math.MaxInt64, 1, Ceil, 3_037_000_500},
	}
	for _, c := range cases {
		if got, err := SqrtProduct(c.a, c.b, c.r); err != nil || got != c.want {
			t.Errorf("SqrtProduct(%d, %d, %v) = %d, %v; want %d", c.a, c.b, c.r, got, err, c.want)
		}
	}
}
