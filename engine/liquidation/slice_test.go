package liquidation

import (
	"math"
	"testing"

	"github.com/waterfallrisk/waterfall/engine/fixed"
	"pgregory.net/rapid"
)

const (
	one       = fixed.RateScale      // 100%
	tenPct    = fixed.RateScale / 10 // DESIGN.md §5 stage 1: 10% of what remains
	btcMinQty = 1                    // DESIGN.md §5: BTC step = min qty = 0.0001 BTC = 1 lot
)

func TestBookSlice(t *testing.T) {
	cases := []struct {
		name                              string
		remaining, fraction, step, minQty int64
		want                              int64
	}{
		// DESIGN.md §5 stage 1: "10% of what remains of each position
		// (rounded up to the step; the whole remainder below the minimum
		// quantity)".
		{"1 BTC (10,000 lots): 10% = 1,000 lots", 10_000, tenPct, 1, btcMinQty, 1_000},
		{"1.2345 BTC: 10% = 1,234.5 lots, up to 1,235", 12_345, tenPct, 1, btcMinQty, 1_235},
		{"the next tick: 11,110 left, 1,111", 11_110, tenPct, 1, btcMinQty, 1_111},
		{"9 lots: 0.9, up to one lot", 9, tenPct, 1, btcMinQty, 1},
		{"1 lot left: the whole remainder", 1, tenPct, 1, btcMinQty, 1},
		{"below the minimum quantity (10): the whole remainder", 7, tenPct, 1, 10, 7},
		{"10% below the minimum quantity: the minimum", 15, tenPct, 1, 10, 10},
		{"10% of 103 lots with a 5-lot step: 10.3, up to 15", 103, tenPct, 5, 1, 15},
		{"the step reaches the remainder: the whole remainder", 12, tenPct, 20, 1, 12},
		{"fraction 0 still closes a step", 1_000, 0, 3, 1, 3},
		{"fraction 100%: everything", 1_000, one, 1, 1, 1_000},
		{"fraction above 100% clamps", 1_000, 2 * one, 1, 1, 1_000},
		{"negative fraction clamps to 0: one step", 1_000, -one, 1, 1, 1},
		{"step < 1 counts as 1", 1_005, tenPct, 0, 1, 101},
		{"nothing left", 0, tenPct, 1, 1, 0},
		{"negative remaining", -5, tenPct, 1, 1, 0},
		{"int64 max: ⌈9223372036854775807/10⌉", math.MaxInt64, tenPct, 1, 1, 922_337_203_685_477_581},
		{"int64 max with a step near it: one step", math.MaxInt64, tenPct, math.MaxInt64 - 1, 1, math.MaxInt64 - 1},
		{"90% of int64 max up to a 5e18 step would overflow: the remainder", math.MaxInt64, 9 * tenPct, 5_000_000_000_000_000_000, 1, math.MaxInt64},
		{"the minimum (7) rounds up to the step (5)", 100, tenPct / 10, 5, 7, 10},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := BookSlice(tc.remaining, tc.fraction, tc.step, tc.minQty); got != tc.want {
				t.Fatalf("BookSlice(%d, %d, %d, %d) = %d, want %d", tc.remaining, tc.fraction, tc.step, tc.minQty, got, tc.want)
			}
		})
	}
}

// TestBookSliceProperties: a slice is positive, at most the remainder, at
// least the fraction and the minimum (or the whole remainder), a multiple of
// the step (or the whole remainder); and repeated slices close any position.
func TestBookSliceProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		remaining := rapid.Int64Range(1, math.MaxInt64).Draw(t, "remaining")
		fraction := rapid.Int64Range(0, one).Draw(t, "fraction")
		step := rapid.Int64Range(1, 1_000_000).Draw(t, "step")
		minQty := rapid.Int64Range(0, 1_000_000).Draw(t, "minQty")
		s := BookSlice(remaining, fraction, step, minQty)
		if s <= 0 || s > remaining {
			t.Fatalf("slice %d outside (0, %d]", s, remaining)
		}
		if s == remaining {
			return
		}
		if s%step != 0 {
			t.Fatalf("slice %d not a multiple of step %d", s, step)
		}
		if s < minQty {
			t.Fatalf("slice %d below the minimum %d", s, minQty)
		}
		if fixed.Cmp(s, one, remaining, fraction) < 0 {
			t.Fatalf("slice %d below %d × %d", s, remaining, fraction)
		}
	})
	rapid.Check(t, func(t *rapid.T) {
		remaining := rapid.Int64Range(1, 1<<40).Draw(t, "remaining")
		fraction := rapid.Int64Range(one/100, one).Draw(t, "fraction")
		n := 0
		for remaining > 0 {
			remaining -= BookSlice(remaining, fraction, 1, 1)
			if n++; n > 5_000 {
				t.Fatalf("not closed after %d slices", n)
			}
		}
	})
}
