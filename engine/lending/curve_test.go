package lending

import (
	"errors"
	"math/big"
	"testing"

	"pgregory.net/rapid"

	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// Units: fixed.Rate (1e-12).
const (
	one     = 1_000_000_000_000
	percent = 10_000_000_000
)

// usdc is the default USDC curve (config/default.yaml): 0% base, +10% a year
// to the 80% optimum, +100% a year across the last 20%, maximum 95%.
var usdc = Curve{Base: 0, SlopeBelow: 10 * percent, Optimal: 80 * percent, SlopeAbove: one, MaxUtilization: 95 * percent}

func TestCurveRate(t *testing.T) {
	withBase := usdc
	withBase.Base = 2 * percent
	cases := []struct {
		name string
		c    Curve
		u    int64
		want int64
	}{
		{"zero utilization: the base rate", usdc, 0, 0},
		{"zero utilization with a 2% base", withBase, 0, 2 * percent},
		{"half the optimum: half the lower slope, 10% × 0.4/0.8 = 5%", usdc, 40 * percent, 5 * percent},
		{"the optimum: base + lower slope = 10%", usdc, 80 * percent, 10 * percent},
		{"the optimum with a 2% base = 12%", withBase, 80 * percent, 12 * percent},
		{"90%: 10% + 100% × 0.1/0.2 = 60%", usdc, 90 * percent, 60 * percent},
		{"the 95% maximum: 10% + 100% × 0.15/0.2 = 85%", usdc, 95 * percent, 85 * percent},
		{"full: base + both slopes = 110%", usdc, one, 110 * percent},
		{"above 1 is clamped to 1", usdc, 120 * percent, 110 * percent},
		{"below 0 is clamped to 0", withBase, -1, 2 * percent},
		{"1/3 (Floor): 0.1 × 0.333333333333/0.8 = 0.041666666666625, Ceil", usdc, 333_333_333_333, 41_666_666_667},
		{"one unit above the optimum: 10% + ⌈1e12 · 1 / 2e11⌉ = 10% + 5 units", usdc, 80*percent + 1, 10*percent + 5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.c.Rate(tc.u)
			if err != nil || got != tc.want {
				t.Errorf("Rate(%d) = %d, %v; want %d", tc.u, got, err, tc.want)
			}
		})
	}
}

func TestUtilization(t *testing.T) {
	cases := []struct {
		name           string
		borrowed, lent int64
		r              fixed.Rounding
		want           int64
		err            error
	}{
		{"1/3 Floor", 1, 3, fixed.Floor, 333_333_333_333, nil},
		{"1/3 Ceil", 1, 3, fixed.Ceil, 333_333_333_334, nil},
		{"exact 80%", 800, 1000, fixed.Ceil, 80 * percent, nil},
		{"nothing borrowed", 0, 1000, fixed.Ceil, 0, nil},
		{"an empty pool", 0, 0, fixed.Ceil, 0, nil},
		{"borrowed = lent: 1", 5, 5, fixed.Floor, one, nil},
		{"borrowed > lent: at most 1", 6, 5, fixed.Floor, one, nil},
		{"no lender left: 1", 5, 0, fixed.Floor, one, nil},
		{"negative borrowed", -1, 5, fixed.Floor, 0, ErrNegative},
		{"negative lent", 1, -5, fixed.Floor, 0, ErrNegative},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Utilization(tc.borrowed, tc.lent, tc.r)
			if got != tc.want || !errors.Is(err, tc.err) {
				t.Errorf("Utilization(%d, %d, %v) = %d, %v; want %d, %v", tc.borrowed, tc.lent, tc.r, got, err, tc.want, tc.err)
			}
		})
	}
}

// TestRates: formulas.md §1, lendRate = borrowRate × utilization × (1 − fee),
// by hand on the USDC curve.
func TestRates(t *testing.T) {
	cases := []struct {
		name           string
		fee            int64
		borrowed, lent int64
		borrow, lend   int64
	}{
		{"40%: borrow 5%, lend 5% × 0.4 × 0.9 = 1.8%", 10 * percent, 400, 1000, 5 * percent, 18 * percent / 10},
		{"the optimum: borrow 10%, lend 10% × 0.8 × 0.9 = 7.2%", 10 * percent, 800, 1000, 10 * percent, 72 * percent / 10},
		{"90%, no fee: borrow 60%, lend 60% × 0.9 = 54%", 0, 900, 1000, 60 * percent, 54 * percent},
		{"90%, fee 100%: lenders get nothing", one, 900, 1000, 60 * percent, 0},
		{"empty pool: the base rate, nothing to lenders", 10 * percent, 0, 0, 0, 0},
		// u Ceil = 0.333333333334: borrow ⌈0.1 × 0.333333333334 / 0.8⌉ = 41666666667;
		// lend: u Floor 0.333333333333, ⌊41666666667 × u⌋ = 13888888888, × 0.9 = 12499999999.
		{"1/3: rounded up for borrowers, down for lenders", 10 * percent, 1, 3, 41_666_666_667, 12_499_999_999},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rb, err := BorrowRate(usdc, tc.borrowed, tc.lent)
			if err != nil || rb != tc.borrow {
				t.Errorf("BorrowRate = %d, %v; want %d", rb, err, tc.borrow)
			}
			rl, err := LendRate(usdc, tc.fee, tc.borrowed, tc.lent)
			if err != nil || rl != tc.lend {
				t.Errorf("LendRate = %d, %v; want %d", rl, err, tc.lend)
			}
		})
	}
	if _, err := BorrowRate(usdc, -1, 3); !errors.Is(err, ErrNegative) {
		t.Errorf("BorrowRate(-1): %v, want ErrNegative", err)
	}
}

// TestRateBounds (rapid): Curve.Rate is the exact curve rounded up, never
// below it and less than one Rate unit above it (each slope term is rounded
// up once), and it is non-decreasing in utilization.
func TestRateBounds(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		opt := rapid.Int64Range(1, one-1).Draw(t, "optimal")
		c := Curve{
			Base:       rapid.Int64Range(0, 10*one).Draw(t, "base"),
			SlopeBelow: rapid.Int64Range(0, 10*one).Draw(t, "slopeBelow"),
			Optimal:    opt,
			SlopeAbove: rapid.Int64Range(0, 10*one).Draw(t, "slopeAbove"),
		}
		u := rapid.Int64Range(0, one).Draw(t, "u")
		v := rapid.Int64Range(u, one).Draw(t, "v")
		got, err := c.Rate(u)
		if err != nil {
			t.Fatal(err)
		}
		exact := new(big.Rat).SetInt64(c.Base)
		if u <= opt {
			exact.Add(exact, new(big.Rat).Mul(big.NewRat(c.SlopeBelow, 1), big.NewRat(u, opt)))
		} else {
			exact.Add(exact, big.NewRat(c.SlopeBelow, 1))
			exact.Add(exact, new(big.Rat).Mul(big.NewRat(c.SlopeAbove, 1), big.NewRat(u-opt, one-opt)))
		}
		diff := new(big.Rat).Sub(big.NewRat(got, 1), exact)
		if diff.Sign() < 0 || diff.Cmp(big.NewRat(1, 1)) >= 0 {
			t.Fatalf("Rate(%d) = %d, exact %s: want exact ≤ rate < exact + 1", u, got, exact.FloatString(3))
		}
		later, err := c.Rate(v)
		if err != nil {
			t.Fatal(err)
		}
		if later < got {
			t.Fatalf("Rate(%d) = %d < Rate(%d) = %d: not monotone", v, later, u, got)
		}
	})
}
