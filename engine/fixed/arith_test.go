package fixed

import (
	"errors"
	"math"
	"math/big"
	"testing"

	"pgregory.net/rapid"
)

// checkExact fails t unless (got, err) is want when want fits an int64, and
// ErrOverflow when it does not.
func checkExact(t *rapid.T, got int64, err error, want *big.Int) {
	t.Helper()
	if !want.IsInt64() {
		if !errors.Is(err, ErrOverflow) {
			t.Fatalf("want ErrOverflow for %v, got %d, %v", want, got, err)
		}
		return
	}
	if err != nil || got != want.Int64() {
		t.Fatalf("got %d, %v; want %v", got, err, want)
	}
}

func TestAddMatchesBig(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a, b := anyInt64().Draw(t, "a"), anyInt64().Draw(t, "b")
		got, err := Add(a, b)
		checkExact(t, got, err, new(big.Int).Add(bi(a), bi(b)))
	})
}

func TestSubMatchesBig(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a, b := anyInt64().Draw(t, "a"), anyInt64().Draw(t, "b")
		got, err := Sub(a, b)
		checkExact(t, got, err, new(big.Int).Sub(bi(a), bi(b)))
	})
}

func TestMulMatchesBig(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a, b := anyInt64().Draw(t, "a"), anyInt64().Draw(t, "b")
		got, err := Mul(a, b)
		checkExact(t, got, err, bigMul(a, b))
	})
}

func TestNegAbsMatchBig(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := anyInt64().Draw(t, "a")
		got, err := Neg(a)
		checkExact(t, got, err, new(big.Int).Neg(bi(a)))
		got, err = Abs(a)
		checkExact(t, got, err, new(big.Int).Abs(bi(a)))
	})
}

// TestMulDivMatchesBig covers every sign combination and both roundings; the
// second draw of b puts a·b/c next to the int64 bounds, where the rounding
// bump itself can overflow.
func TestMulDivMatchesBig(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a, c := anyInt64().Draw(t, "a"), anyInt64().Draw(t, "c")
		b := rapid.OneOf(anyInt64(), rapid.Map(rapid.Int64Range(-3, 3), func(d int64) int64 { return c + d })).Draw(t, "b")
		r := anyRounding().Draw(t, "r")
		got, err := MulDiv(a, b, c, r)
		if c == 0 {
			if !errors.Is(err, ErrDivideByZero) {
				t.Fatalf("MulDiv(%d, %d, 0) = %d, %v; want ErrDivideByZero", a, b, got, err)
			}
			return
		}
		checkExact(t, got, err, divRound(bigMul(a, b), bi(c), r))
	})
}

func TestDivMatchesBig(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a, c := anyInt64().Draw(t, "a"), anyInt64().Draw(t, "c")
		r := anyRounding().Draw(t, "r")
		got, err := Div(a, c, r)
		if c == 0 {
			if !errors.Is(err, ErrDivideByZero) {
				t.Fatalf("Div(%d, 0) = %d, %v; want ErrDivideByZero", a, got, err)
			}
			return
		}
		checkExact(t, got, err, divRound(bi(a), bi(c), r))
	})
}

func TestCmpMatchesBig(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a, b := anyInt64().Draw(t, "a"), anyInt64().Draw(t, "b")
		c, d := anyInt64().Draw(t, "c"), anyInt64().Draw(t, "d")
		if got, want := Cmp(a, b, c, d), bigMul(a, b).Cmp(bigMul(c, d)); got != want {
			t.Fatalf("Cmp(%d, %d, %d, %d) = %d, want %d", a, b, c, d, got, want)
		}
	})
}

// TestMulDivEdges pins the cases where an off-by-one in the rounding or the
// sign handling would show, each worked by hand.
func TestMulDivEdges(t *testing.T) {
	const minI, maxI = math.MinInt64, math.MaxInt64
	cases := []struct {
		name    string
		a, b, c int64
		r       Rounding
		want    int64
		err     error
	}{
		{"1/3 floor", 1, 1, 3, Floor, 0, nil},
		{"1/3 ceil", 1, 1, 3, Ceil, 1, nil},
		{"-1/3 floor is -1", -1, 1, 3, Floor, -1, nil},
		{"-1/3 ceil is 0", -1, 1, 3, Ceil, 0, nil},
		{"1/-3 floor is -1", 1, 1, -3, Floor, -1, nil},
		{"-1/-3 ceil is 1", -1, 1, -3, Ceil, 1, nil},
		{"exact needs no bump", 6, 7, 21, Ceil, 2, nil},
		{"max·max/max", maxI, maxI, maxI, Floor, maxI, nil},
		{"min·1/1", minI, 1, 1, Ceil, minI, nil},
		{"min·1/-1 is 2^63", minI, 1, -1, Floor, 0, ErrOverflow},
		{"min·min/min is min", minI, minI, minI, Floor, minI, nil},
		{"min·-1/1 is 2^63", minI, -1, 1, Floor, 0, ErrOverflow},
		{"max·2/2", maxI, 2, 2, Ceil, maxI, nil},
		{"max·3/2 overflows", maxI, 3, 2, Floor, 0, ErrOverflow},
		// (2³²+1)(2³²−1) = 2⁶⁴−1, and (2⁶⁴−1)/2 = 2⁶³ − ½.
		{"2^63-½ floors to max", 1<<32 + 1, 1<<32 - 1, 2, Floor, maxI, nil},
		{"2^63-½ ceils to 2^63: the bump overflows", 1<<32 + 1, 1<<32 - 1, 2, Ceil, 0, ErrOverflow},
		{"-(2^63-½) floors to min: the bump lands on it", -(1<<32 + 1), 1<<32 - 1, 2, Floor, minI, nil},
		{"-(2^63-½) ceils to min+1", -(1<<32 + 1), 1<<32 - 1, 2, Ceil, minI + 1, nil},
		// 274177 × 67280421310721 = 2⁶⁴+1 (Euler's factorisation of F6), /2 = 2⁶³ + ½.
		{"-(2^63+½) ceils to min", -274177, 67280421310721, 2, Ceil, minI, nil},
		{"-(2^63+½) floors below min", -274177, 67280421310721, 2, Floor, 0, ErrOverflow},
		// (2⁶³−1)²/(2⁶³−2) = 2⁶³ + 1/(2⁶³−2).
		{"2^63+ε overflows even floored", maxI, maxI, maxI - 1, Floor, 0, ErrOverflow},
		{"-(2^63+ε) ceils to min", minI + 1, maxI, maxI - 1, Ceil, minI, nil},
		{"-(2^63+ε) floors below min", minI + 1, maxI, maxI - 1, Floor, 0, ErrOverflow},
		{"zero numerator", 0, maxI, 7, Ceil, 0, nil},
		{"divide by zero", 1, 1, 0, Floor, 0, ErrDivideByZero},
	}
	for _, c := range cases {
		got, err := MulDiv(c.a, c.b, c.c, c.r)
		want := divRound(bigMul(c.a, c.b), bi(c.c+boolInt(c.c == 0)), c.r)
		if !errors.Is(err, c.err) || (c.err == nil && got != c.want) {
			t.Errorf("%s: MulDiv(%d, %d, %d, %v) = %d, %v; want %d, %v (big: %v)", c.name, c.a, c.b, c.c, c.r, got, err, c.want, c.err, want)
		}
	}
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func TestMinMaxClamp(t *testing.T) {
	cases := []struct{ v, lo, hi, want int64 }{
		{5, 0, 10, 5}, {-1, 0, 10, 0}, {11, 0, 10, 10}, {math.MinInt64, -1, 1, -1}, {math.MaxInt64, -1, 1, 1}, {3, 3, 3, 3},
	}
	for _, c := range cases {
		if got := Clamp(c.v, c.lo, c.hi); got != c.want {
			t.Errorf("Clamp(%d, %d, %d) = %d, want %d", c.v, c.lo, c.hi, got, c.want)
		}
	}
	if Min(-1, 1) != -1 || Max(-1, 1) != 1 || Min(2, 2) != 2 {
		t.Error("Min/Max")
	}
	if Floor.String() != "floor" || Ceil.String() != "ceil" {
		t.Error("Rounding.String")
	}
}

// SatAdd adds exactly inside int64 and clamps at the bound it would pass.
func TestSatAdd(t *testing.T) {
	for _, c := range []struct{ a, b, want int64 }{
		{1, 2, 3},
		{-5, 3, -2},
		{math.MaxInt64, 1, math.MaxInt64},
		{math.MaxInt64 - 1, 1, math.MaxInt64},
		{math.MinInt64, -1, math.MinInt64},
		{math.MinInt64, math.MaxInt64, -1},
	} {
		if got := SatAdd(c.a, c.b); got != c.want {
			t.Errorf("SatAdd(%d, %d) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}
