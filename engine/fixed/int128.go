package fixed

import "math/bits"

// Int128 is a signed 128-bit integer for exact intermediate sums (for example
// Σ notional × MMF over an account's positions) that must not overflow before
// they are compared or divided. The zero value is 0.
type Int128 struct {
	Hi int64
	Lo uint64
}

// Wide returns a*b as an Int128; it never overflows.
func Wide(a, b int64) Int128 { return wide(a, b) }

// From64 widens an int64.
func From64(a int64) Int128 {
	if a < 0 {
		return Int128{Hi: -1, Lo: uint64(a)}
	}
	return Int128{Lo: uint64(a)}
}

func wide(a, b int64) Int128 {
	neg, ua, ub := signs2(a, b)
	hi, lo := bits.Mul64(ua, ub)
	v := Int128{Hi: int64(hi), Lo: lo} //nolint:gosec // hi < 1<<62 for int64 inputs
	if neg {
		v = v.neg()
	}
	return v
}

// Add returns x+y, wrapping past 128 bits as two's complement does. A sum is
// exact while the magnitudes of its terms add up to less than 2¹²⁷: a product
// of two int64 values is at most 2¹²⁶, and an amount (< 2⁶³) times a Rate of
// at most 1 (< 2⁴⁰) is below 2¹⁰³, so 2²³ such terms are always exact.
func (x Int128) Add(y Int128) Int128 {
	lo, carry := bits.Add64(x.Lo, y.Lo, 0)
	hi := x.Hi + y.Hi + int64(carry) //nolint:gosec // carry is 0 or 1
	return Int128{Hi: hi, Lo: lo}
}

// Sub returns x-y.
func (x Int128) Sub(y Int128) Int128 { return x.Add(y.neg()) }

// Sign returns -1, 0 or +1.
func (x Int128) Sign() int {
	switch {
	case x.Hi < 0:
		return -1
	case x.Hi == 0 && x.Lo == 0:
		return 0
	default:
		return 1
	}
}

func (x Int128) neg() Int128 {
	lo, borrow := bits.Sub64(0, x.Lo, 0)
	hi := -x.Hi - int64(borrow) //nolint:gosec // borrow is 0 or 1
	return Int128{Hi: hi, Lo: lo}
}

func (x Int128) cmp(y Int128) int {
	switch {
	case x.Hi < y.Hi:
		return -1
	case x.Hi > y.Hi:
		return 1
	case x.Lo < y.Lo:
		return -1
	case x.Lo > y.Lo:
		return 1
	}
	return 0
}

// Cmp compares x with y: -1, 0 or +1.
func (x Int128) Cmp(y Int128) int { return x.cmp(y) }

// Int64 narrows x, or returns ErrOverflow.
func (x Int128) Int64() (int64, error) {
	if (x.Hi == 0 && x.Lo <= 1<<63-1) || (x.Hi == -1 && x.Lo >= 1<<63) {
		return int64(x.Lo), nil //nolint:gosec // range checked above
	}
	return 0, ErrOverflow
}

// Div returns x/c rounded in direction r, or ErrOverflow / ErrDivideByZero.
func (x Int128) Div(c int64, r Rounding) (int64, error) {
	if c == 0 {
		return 0, ErrDivideByZero
	}
	neg := x.Hi < 0
	m := x
	if neg {
		m = x.neg()
	}
	uc := absU(c)
	if c < 0 {
		neg = !neg
	}
	hi := uint64(m.Hi) //nolint:gosec // m is non-negative here
	if hi >= uc {
		return 0, ErrOverflow
	}
	q, rem := bits.Div64(hi, m.Lo, uc)
	if rem != 0 && roundsAway(neg, r) {
		q++
		if q == 0 {
			return 0, ErrOverflow
		}
	}
	return signed(q, neg)
}

// MulInt64 returns x·k, or ErrOverflow when the product does not fit 127 bits
// of magnitude.
func (x Int128) MulInt64(k int64) (Int128, error) {
	neg := (x.Hi < 0) != (k < 0)
	m := x
	if x.Hi < 0 {
		m = x.neg()
	}
	uk := absU(k)
	hi1, lo := bits.Mul64(m.Lo, uk)
	hi2, mid := bits.Mul64(uint64(m.Hi), uk) //nolint:gosec // m is non-negative
	hi, carry := bits.Add64(mid, hi1, 0)
	if hi2 != 0 || carry != 0 || hi >= 1<<63 {
		return Int128{}, ErrOverflow
	}
	v := Int128{Hi: int64(hi), Lo: lo} //nolint:gosec // hi < 1<<63 checked
	if neg {
		v = v.neg()
	}
	return v, nil
}
