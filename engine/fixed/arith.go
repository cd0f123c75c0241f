package fixed

import (
	"errors"
	"math"
	"math/bits"
)

// Errors returned by this package. Both mean the command that asked for the
// computation must be refused; neither ever leaves a partial result behind.
var (
	ErrOverflow     = errors.New("fixed: overflow")
	ErrDivideByZero = errors.New("fixed: division by zero")
)

// Rounding is the direction a lossy operation rounds in.
type Rounding uint8

const (
	// Floor rounds toward negative infinity: payouts, credits, collateral value.
	Floor Rounding = iota
	// Ceil rounds toward positive infinity: requirements, debts, fees owed.
	Ceil
)

// String names the direction.
func (r Rounding) String() string {
	if r == Ceil {
		return "ceil"
	}
	return "floor"
}

// Add returns a+b, or ErrOverflow.
func Add(a, b int64) (int64, error) {
	c := a + b
	if (c > a) != (b > 0) {
		return 0, ErrOverflow
	}
	return c, nil
}

// SatAdd returns a+b, saturated at the int64 limits instead of overflowing:
// for display sums (totals, volumes), never for a balance.
func SatAdd(a, b int64) int64 {
	if c, err := Add(a, b); err == nil {
		return c
	}
	if b > 0 {
		return math.MaxInt64
	}
	return math.MinInt64
}

// Sub returns a-b, or ErrOverflow.
func Sub(a, b int64) (int64, error) {
	c := a - b
	if (c < a) != (b > 0) {
		return 0, ErrOverflow
	}
	return c, nil
}

// Neg returns -a, or ErrOverflow for math.MinInt64.
func Neg(a int64) (int64, error) {
	if a == math.MinInt64 {
		return 0, ErrOverflow
	}
	return -a, nil
}

// Abs returns |a|, or ErrOverflow for math.MinInt64.
func Abs(a int64) (int64, error) {
	if a < 0 {
		return Neg(a)
	}
	return a, nil
}

// Mul returns a*b exactly, or ErrOverflow.
func Mul(a, b int64) (int64, error) {
	neg, ua, ub := signs2(a, b)
	hi, lo := bits.Mul64(ua, ub)
	if hi != 0 {
		return 0, ErrOverflow
	}
	return signed(lo, neg)
}

// MulDiv returns a*b/c through a 128-bit intermediate, rounded in direction r.
// It fails with ErrDivideByZero when c is 0 and ErrOverflow when the quotient
// does not fit an int64.
func MulDiv(a, b, c int64, r Rounding) (int64, error) {
	if c == 0 {
		return 0, ErrDivideByZero
	}
	neg, ua, ub := signs2(a, b)
	uc := absU(c)
	if c < 0 {
		neg = !neg
	}
	hi, lo := bits.Mul64(ua, ub)
	if hi >= uc {
		return 0, ErrOverflow
	}
	q, rem := bits.Div64(hi, lo, uc)
	if rem != 0 && roundsAway(neg, r) {
		q++
		if q == 0 {
			return 0, ErrOverflow
		}
	}
	return signed(q, neg)
}

// Div returns a/c rounded in direction r.
func Div(a, c int64, r Rounding) (int64, error) { return MulDiv(a, 1, c, r) }

// Cmp compares a*b with c*d exactly, without overflow: -1, 0 or +1.
func Cmp(a, b, c, d int64) int {
	x := wide(a, b)
	y := wide(c, d)
	return x.cmp(y)
}

// Min returns the smaller of a and b.
func Min(a, b int64) int64 {
	if a < b {
		return a
	}
	return b
}

// Max returns the larger of a and b.
func Max(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

// Clamp returns v limited to [lo, hi]; lo must not exceed hi.
func Clamp(v, lo, hi int64) int64 { return Max(lo, Min(v, hi)) }

// roundsAway reports whether a non-exact magnitude must be bumped up: a
// positive result rounds away from zero when rounding up (Ceil), a negative one
// when rounding down (Floor).
func roundsAway(neg bool, r Rounding) bool {
	if neg {
		return r == Floor
	}
	return r == Ceil
}

func absU(a int64) uint64 {
	if a < 0 {
		return uint64(-(a + 1)) + 1 // |MinInt64| = 1<<63 fits a uint64
	}
	return uint64(a)
}

func signs2(a, b int64) (neg bool, ua, ub uint64) {
	return (a < 0) != (b < 0), absU(a), absU(b)
}

// signed turns a magnitude and a sign into an int64, or ErrOverflow.
func signed(m uint64, neg bool) (int64, error) {
	if neg {
		if m > 1<<63 {
			return 0, ErrOverflow
		}
		return int64(-m), nil //nolint:gosec // -m wraps to the two's complement we want; m ≤ 1<<63
	}
	if m > math.MaxInt64 {
		return 0, ErrOverflow
	}
	return int64(m), nil
}
