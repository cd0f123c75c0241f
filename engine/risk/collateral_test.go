package risk

import (
	"errors"
	"math"
	"math/big"
	"testing"

	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
	"pgregory.net/rapid"
)

// The inverse-square-root haircut of config.HaircutInverseSqrt (FTX's
// published form w = min(weight, base / (1 + penalty·√n))), with DESIGN.md §5's
// BTC weight 0.9 and illustrative base 1.1 and penalty 0.0001 per √USDC,
// chosen so the worked values are round.
var btcHaircut = config.Haircut{
	Kind:    config.HaircutInverseSqrt,
	Weight:  900_000_000_000,   // 0.9
	Base:    1_100_000_000_000, // 1.1
	Penalty: 100_000_000,       // 0.0001
}

func TestCollateralWeight(t *testing.T) {
	cases := []struct {
		name     string
		h        config.Haircut
		notional int64
		want     int64
	}{
		{"USDC identity, weight 1 (DESIGN.md §5)", config.Haircut{Weight: 1_000_000_000_000}, usdc(1_000_000_000), 1_000_000_000_000},
		{"identity ignores size", config.Haircut{Weight: 850_000_000_000}, math.MaxInt64, 850_000_000_000},
		{"nothing held: min(0.9, 1.1/1) = 0.9", btcHaircut, 0, 900_000_000_000},
		{"1,000,000 USDC: 1.1/(1 + 0.0001×1000) = 1 → capped at 0.9", btcHaircut, usdc(1_000_000), 900_000_000_000},
		{"10,000,000 USDC: 1.1/(1 + 0.0001×3162.27766…) = 0.835721619312753…, down", btcHaircut, usdc(10_000_000), 835_721_619_312},
		{"100,000,000 USDC: 1.1/(1 + 0.0001×10000) = 0.55", btcHaircut, usdc(100_000_000), 550_000_000_000},
		{"200,000,000 USDC: 1.1/(1 + 1.41421356…) = 0.455634918610404…, down", btcHaircut, usdc(200_000_000), 455_634_918_610},
		{"400,000,000 USDC: 1.1/(1 + 2) = 0.3666…, down", btcHaircut, usdc(400_000_000), 366_666_666_666},
	}
	for _, c := range cases {
		if got, err := CollateralWeight(c.h, c.notional, usdcDecimals); err != nil || got != c.want {
			t.Errorf("%s: got %d, %v; want %d", c.name, got, err, c.want)
		}
	}
}

func TestCollateralWeightErrors(t *testing.T) {
	cases := []struct {
		name     string
		h        config.Haircut
		notional int64
		decimals int
		err      error
	}{
		{"negative notional", btcHaircut, -1, usdcDecimals, ErrNegativeNotional},
		{"decimals 19", btcHaircut, 1, 19, ErrDecimals},
		{"unknown kind", config.Haircut{Kind: 9}, 1, usdcDecimals, ErrUnknownKind},
		{"penalty·√n beyond int64", config.Haircut{Kind: config.HaircutInverseSqrt, Penalty: math.MaxInt64}, usdc(4), usdcDecimals, fixed.ErrOverflow},
		{"1 + penalty·√n beyond int64", config.Haircut{Kind: config.HaircutInverseSqrt, Penalty: math.MaxInt64}, usdc(1), usdcDecimals, fixed.ErrOverflow},
	}
	for _, c := range cases {
		if got, err := CollateralWeight(c.h, c.notional, c.decimals); !errors.Is(err, c.err) {
			t.Errorf("%s: got %d, %v; want %v", c.name, got, err, c.err)
		}
	}
}

func TestCollateralValue(t *testing.T) {
	cases := []struct {
		name             string
		notional, weight int64
		want             int64
	}{
		{"1 BTC at 100,000 USDC × 0.9 = 90,000 USDC (formulas.md §1: qty × mark × weight)", usdc(100_000), 900_000_000_000, usdc(90_000)},
		{"200,000,000 USDC × 0.455634918610 = 91,126,983.722 USDC", usdc(200_000_000), 455_634_918_610, 91_126_983_722_000},
		{"0.000001 USDC × 0.9, down to 0", 1, 900_000_000_000, 0},
		{"−0.000001 USDC × 0.9, down (toward −∞) to −1", -1, 900_000_000_000, -1},
	}
	for _, c := range cases {
		if got, err := CollateralValue(c.notional, c.weight); err != nil || got != c.want {
			t.Errorf("%s: got %d, %v; want %d", c.name, got, err, c.want)
		}
	}
	if got, err := CollateralValue(math.MaxInt64, 2_000_000_000_000); !errors.Is(err, fixed.ErrOverflow) {
		t.Errorf("MaxInt64 × 2: got %d, %v; want ErrOverflow", got, err)
	}
}

// haircut draws an inverse-square-root haircut with realistic magnitudes.
func haircut() *rapid.Generator[config.Haircut] {
	return rapid.Custom(func(t *rapid.T) config.Haircut {
		return config.Haircut{
			Kind:    config.HaircutInverseSqrt,
			Weight:  rapid.Int64Range(0, 1_000_000_000_000).Draw(t, "weight"),
			Base:    rapid.Int64Range(0, 2_000_000_000_000).Draw(t, "base"),
			Penalty: rapid.Int64Range(0, 999_999_999).Draw(t, "penalty"),
		}
	})
}

func TestCollateralWeightNonIncreasing(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := haircut().Draw(t, "h")
		d := rapid.IntRange(0, 18).Draw(t, "decimals")
		a, b := notional().Draw(t, "a"), notional().Draw(t, "b")
		if a > b {
			a, b = b, a
		}
		wa, err := CollateralWeight(h, a, d)
		if err != nil {
			t.Fatal(err)
		}
		wb, err := CollateralWeight(h, b, d)
		if err != nil {
			t.Fatal(err)
		}
		if wb > wa || wa > h.Weight || wb < 0 {
			t.Fatalf("weights %d at %d and %d at %d; cap %d", wa, a, wb, b, h.Weight)
		}
	})
}

// TestCollateralWeightBracketsExactValue: below the cap,
// w ≤ B·S/(S + P·√x) < w + 1 + 2·B/S, S = 1e12, x = N/10^d (the denominator
// is overstated by less than two units). Each side squared in math/big:
// w ≤ exact ⟺ (w·P)²·N ≤ ((B − w)·S)²·10^d.
func TestCollateralWeightBracketsExactValue(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := haircut().Draw(t, "h")
		h.Weight = math.MaxInt64 // no cap: test the function itself
		d := rapid.IntRange(0, 18).Draw(t, "decimals")
		n := notional().Draw(t, "notional")
		w, err := CollateralWeight(h, n, d)
		if err != nil {
			t.Fatal(err)
		}
		atMost := func(w int64) bool { // w ≤ exact
			if w <= 0 {
				return true
			}
			if w > h.Base {
				return false
			}
			lhs := mul(sq(mul(bi(w), bi(h.Penalty))), bi(n))
			rhs := mul(sq(mul(bi(h.Base-w), rateScale)), pow10(d))
			return lhs.Cmp(rhs) <= 0
		}
		if !atMost(w) {
			t.Fatalf("weight %d above the exact value", w)
		}
		slack := 2 + 2*h.Base/1_000_000_000_000 // ≥ 1 + 2·B/S
		if above := w + slack; atMost(above) && !exactlyAt(h, n, d, above) {
			t.Fatalf("weight %d is %d or more units below the exact value", w, slack)
		}
	})
}

// exactlyAt reports whether the exact weight equals w (a perfect square case).
func exactlyAt(h config.Haircut, n int64, d int, w int64) bool {
	lhs := mul(sq(mul(bi(w), bi(h.Penalty))), bi(n))
	rhs := mul(sq(mul(bi(h.Base-w), rateScale)), pow10(d))
	return lhs.Cmp(rhs) == 0 && new(big.Int).Sub(bi(h.Base), bi(w)).Sign() >= 0
}
