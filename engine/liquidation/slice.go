package liquidation

import "github.com/waterfallrisk/waterfall/engine/fixed"

// BookSlice returns the lots one stage-1 liquidation order closes of a
// position with remaining lots left (DESIGN.md §5: "10% of what remains of
// each position (rounded up to the step; the whole remainder below the
// minimum quantity)"):
//
//	slice = max(⌈remaining × fraction⌉, minQty, 1) rounded up to a
//	        multiple of step, or the whole remainder when that reaches it
//	        (in particular whenever remaining ≤ minQty).
//
// fraction is a fixed.Rate, clamped to [0, 1]; step is lots per order
// increment (< 1 counts as 1); minQty is the market's minimum order in lots.
// Rounding up (Ceil) is in the house's favour: the account's risk falls at
// least as fast as the fraction says, and the order is never below the
// minimum a book order may have unless it closes the position. The result is
// 0 exactly when remaining ≤ 0, never more than remaining, and never fails:
// remaining × fraction goes through 128 bits and the result only shrinks.
func BookSlice(remaining, fraction, step, minQty int64) int64 {
	if remaining <= 0 {
		return 0
	}
	step = max(step, 1)
	fraction = fixed.Clamp(fraction, 0, fixed.RateScale)
	s, _ := fixed.MulDiv(remaining, fraction, fixed.RateScale, fixed.Ceil) // ≤ remaining: cannot fail
	s = max(s, minQty, 1)
	if s >= remaining {
		return remaining
	}
	if r := s % step; r != 0 {
		if s > remaining-(step-r) {
			return remaining
		}
		s += step - r
	}
	return s
}
