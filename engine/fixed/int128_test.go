package fixed

import (
	"errors"
	"math"
	"math/big"
	"testing"

	"pgregory.net/rapid"
)

func TestWideAndFrom64MatchBig(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a, b := anyInt64().Draw(t, "a"), anyInt64().Draw(t, "b")
		if got, want := toBig(Wide(a, b)), bigMul(a, b); got.Cmp(want) != 0 {
			t.Fatalf("Wide(%d, %d) = %v, want %v", a, b, got, want)
		}
		if got := toBig(From64(a)); got.Cmp(bi(a)) != 0 {
			t.Fatalf("From64(%d) = %v", a, got)
		}
	})
}

// TestInt128AddSubMatchBig: Add and Sub are two's complement, wrapping only
// beyond 128 bits; sums of a few int64 products, the engine's use, are exact.
func TestInt128AddSubMatchBig(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		x, y := anyInt128().Draw(t, "x"), anyInt128().Draw(t, "y")
		bx, by := toBig(x), toBig(y)
		if got, want := toBig(x.Add(y)), wrap128(new(big.Int).Add(bx, by)); got.Cmp(want) != 0 {
			t.Fatalf("%v + %v = %v, want %v", bx, by, got, want)
		}
		if got, want := toBig(x.Sub(y)), wrap128(new(big.Int).Sub(bx, by)); got.Cmp(want) != 0 {
			t.Fatalf("%v - %v = %v, want %v", bx, by, got, want)
		}
	})
}

// TestInt128SumsOfProducts: a running sum of products is the exact sum
// modulo 2¹²⁸ whatever the order, hence exact while Σ|terms| < 2¹²⁷.
func TestInt128SumsOfProducts(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 8).Draw(t, "n")
		var sum Int128
		want, magnitude := new(big.Int), new(big.Int)
		for range n {
			a, b := anyInt64().Draw(t, "a"), anyInt64().Draw(t, "b")
			p := bigMul(a, b)
			magnitude.Add(magnitude, new(big.Int).Abs(p))
			if rapid.Bool().Draw(t, "sub") {
				sum = sum.Sub(Wide(a, b))
				want.Sub(want, p)
			} else {
				sum = sum.Add(Wide(a, b))
				want.Add(want, p)
			}
		}
		got := toBig(sum)
		if got.Cmp(wrap128(want)) != 0 {
			t.Fatalf("sum = %v, want %v mod 2¹²⁸", got, want)
		}
		if magnitude.Cmp(two127) < 0 && got.Cmp(want) != 0 {
			t.Fatalf("sum = %v, want exactly %v", got, want)
		}
	})
}

func TestInt128CmpSignMatchBig(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		x, y := anyInt128().Draw(t, "x"), anyInt128().Draw(t, "y")
		if got, want := x.Cmp(y), toBig(x).Cmp(toBig(y)); got != want {
			t.Fatalf("Cmp(%v, %v) = %d, want %d", toBig(x), toBig(y), got, want)
		}
		if got, want := x.Sign(), toBig(x).Sign(); got != want {
			t.Fatalf("Sign(%v) = %d, want %d", toBig(x), got, want)
		}
	})
}

func TestInt128Int64MatchesBig(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		x := anyInt128().Draw(t, "x")
		got, err := x.Int64()
		checkExact(t, got, err, toBig(x))
	})
}

func TestInt128DivMatchesBig(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		x, c := anyInt128().Draw(t, "x"), anyInt64().Draw(t, "c")
		r := anyRounding().Draw(t, "r")
		got, err := x.Div(c, r)
		if c == 0 {
			if !errors.Is(err, ErrDivideByZero) {
				t.Fatalf("Div(%v, 0) = %d, %v; want ErrDivideByZero", toBig(x), got, err)
			}
			return
		}
		checkExact(t, got, err, divRound(toBig(x), bi(c), r))
	})
}

func TestInt128Edges(t *testing.T) {
	minI128 := Int128{Hi: math.MinInt64}
	cases := []struct {
		name string
		x    Int128
		c    int64
		r    Rounding
		want int64
		err  error
	}{
		{"min128 / max64 overflows", minI128, math.MaxInt64, Floor, 0, ErrOverflow},
		{"min128 / min64 is 2^64", minI128, math.MinInt64, Floor, 0, ErrOverflow},
		{"(min64·min64) / min64 is min64", Wide(math.MinInt64, math.MinInt64), math.MinInt64, Floor, math.MinInt64, nil},
		{"(min64·max64) / max64 is min64", Wide(math.MinInt64, math.MaxInt64), math.MaxInt64, Ceil, math.MinInt64, nil},
		{"-1 / 2 floors to -1", From64(-1), 2, Floor, -1, nil},
		{"-1 / 2 ceils to 0", From64(-1), 2, Ceil, 0, nil},
		{"1 / -2 floors to -1", From64(1), -2, Floor, -1, nil},
		{"by zero", From64(1), 0, Ceil, 0, ErrDivideByZero},
	}
	for _, c := range cases {
		got, err := c.x.Div(c.c, c.r)
		if !errors.Is(err, c.err) || (c.err == nil && got != c.want) {
			t.Errorf("%s: got %d, %v; want %d, %v", c.name, got, err, c.want, c.err)
		}
	}
}
