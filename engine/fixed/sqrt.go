package fixed

import "math/bits"

// Sqrt128 returns ⌊√(hi·2⁶⁴ + lo)⌋ by integer Newton iteration from above.
func Sqrt128(hi, lo uint64) uint64 {
	if hi == 0 {
		return sqrt64(lo)
	}
	n := 128 - bits.LeadingZeros64(hi) // bit length of hi·2⁶⁴ + lo
	shift := (n + 1) / 2               // 2^shift ≥ √x
	var x uint64
	if shift >= 64 {
		x = ^uint64(0)
	} else {
		x = uint64(1) << shift
	}
	for {
		// x ≥ ⌊√v⌋ throughout. When hi ≥ x (only for hi ≥ 2⁶⁴−2), v/x ≥ 2⁶⁴ > x,
		// so x² < v and x is already ⌊√v⌋; Div64 would panic on it.
		if hi >= x {
			return x
		}
		// y = (x + x⁻¹·v) / 2.
		q, _ := bits.Div64(hi, lo, x)
		s, carry := bits.Add64(x, q, 0)
		y := s>>1 | carry<<63
		if y >= x {
			return x
		}
		x = y
	}
}

// sqrt64 returns ⌊√v⌋.
func sqrt64(v uint64) uint64 {
	if v < 2 {
		return v
	}
	x := uint64(1) << ((bits.Len64(v) + 1) / 2)
	for {
		y := (x + v/x) >> 1
		if y >= x {
			return x
		}
		x = y
	}
}

// SqrtProduct returns √(a·b) for non-negative a and b, rounded in direction r.
// It is exact for perfect squares and never overflows: √ of a 126-bit value
// fits 63 bits.
func SqrtProduct(a, b int64, r Rounding) (int64, error) {
	if a < 0 || b < 0 {
		return 0, ErrOverflow
	}
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	s := Sqrt128(hi, lo)
	if r == Ceil {
		sh, sl := bits.Mul64(s, s)
		if sh != hi || sl != lo {
			s++
		}
	}
	return int64(s), nil //nolint:gosec // s < 2^63 since a·b < 2^126
}
