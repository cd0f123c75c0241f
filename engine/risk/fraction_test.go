package risk

import (
	"errors"
	"math"
	"testing"

	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
	"pgregory.net/rapid"
)

func TestFraction(t *testing.T) {
	cases := []struct {
		name     string
		f        config.MarginFunction
		notional int64
		decimals int
		userBase int64
		want     int64
	}{
		// formulas.md §1 / DESIGN.md §5, BTC_USDC_PERP.
		{"BTC IMF at 1,000,000 USDC: √1e6 = 1000 exactly; 0.00002494×1000 = 0.02494 > base 0.01333333",
			btcIMF, usdc(1_000_000), usdcDecimals, 0, 24_940_000_000},
		{"BTC MMF at 1,000,000 USDC: 0.00001496×1000 = 0.01496 > base 0.00666667",
			btcMMF, usdc(1_000_000), usdcDecimals, 0, 14_960_000_000},
		{"BTC IMF at 100,000 USDC: 0.00002494×316.2277660… = 0.0078867204844… < base → 0.01333333",
			btcIMF, usdc(100_000), usdcDecimals, 0, 13_333_330_000},
		{"BTC MMF at 100,000 USDC: 0.00001496×316.2277660… = 0.0047307673796… < base → 0.00666667",
			btcMMF, usdc(100_000), usdcDecimals, 0, 6_666_670_000},
		{"BTC IMF at 500,000 USDC: 0.00002494×707.1067811865… = 0.017635243122792…, up → 0.017635243123",
			btcIMF, usdc(500_000), usdcDecimals, 0, 17_635_243_123},
		{"BTC MMF at 500,000 USDC: 0.00001496×707.1067811865… = 0.010578317446550…, up → 0.010578317447",
			btcMMF, usdc(500_000), usdcDecimals, 0, 10_578_317_447},
		{"BTC IMF at 285,000 USDC, below the crossover (0.01333333/0.00002494)² = 285,814.57: 0.0133143165802… < base",
			btcIMF, usdc(285_000), usdcDecimals, 0, 13_333_330_000},
		{"BTC IMF at 290,000 USDC, above the crossover: 0.00002494×538.5164807… = 0.013430601028993…, up",
			btcIMF, usdc(290_000), usdcDecimals, 0, 13_430_601_029},
		{"BTC IMF at 2,000,000 USDC: 0.00002494×1414.2135623… = 0.035270486245584…, up",
			btcIMF, usdc(2_000_000), usdcDecimals, 0, 35_270_486_246},
		{"BTC IMF at the int64 limit 9,223,372,036,854.775807 USDC: 0.00002494×3,037,000.4999… = 75.742792469402679…, up",
			btcIMF, math.MaxInt64, usdcDecimals, 0, 75_742_792_469_403},
		{"BTC IMF at 0: base", btcIMF, 0, usdcDecimals, 0, 13_333_330_000},
		{"BTC IMF at 0.000001 USDC: 0.00002494×0.001 ≪ base", btcIMF, 1, usdcDecimals, 0, 13_333_330_000},

		// DESIGN.md §5, ETH_USDC_PERP and SOL_USDC_PERP at 1,000,000 USDC (√ = 1000).
		{"ETH IMF: 0.0000935×1000 = 0.0935", ethIMF, usdc(1_000_000), usdcDecimals, 0, 93_500_000_000},
		{"ETH MMF: 0.0000561×1000 = 0.0561", ethMMF, usdc(1_000_000), usdcDecimals, 0, 56_100_000_000},
		{"SOL IMF: 0.0001275×1000 = 0.1275", solIMF, usdc(1_000_000), usdcDecimals, 0, 127_500_000_000},
		{"SOL MMF: 0.0000765×1000 = 0.0765", solMMF, usdc(1_000_000), usdcDecimals, 0, 76_500_000_000},
		{"ETH IMF at 10,000 USDC: 0.0000935×100 = 0.00935 < base 0.02", ethIMF, usdc(10_000), usdcDecimals, 0, 20_000_000_000},

		// formulas.md §1: baseIMF = max(1/platformMaxLeverage, 1/userMaxLeverage).
		{"user limit 10x: max(0.1, 0.02494) = 0.1", btcIMF, usdc(1_000_000), usdcDecimals, rate(1, 10), 100_000_000_000},
		{"user limit 50x at 100,000 USDC: max(0.02, 0.01333333, 0.00788…) = 0.02", btcIMF, usdc(100_000), usdcDecimals, rate(1, 50), 20_000_000_000},
		{"user limit 100x is looser than 1/75: base stays 0.01333333", btcIMF, usdc(100_000), usdcDecimals, rate(1, 100), 13_333_330_000},
		{"user limit 10x under the size term at 20,000,000 USDC: 0.00002494×4472.1359549995… = 0.111535070717689… > 0.1, up",
			btcIMF, usdc(20_000_000), usdcDecimals, rate(1, 10), 111_535_070_718},

		// Other settlement scales: the same 1,000,000 whole units.
		{"0 decimals", btcIMF, 1_000_000, 0, 0, 24_940_000_000},
		{"9 decimals", btcIMF, 1_000_000_000_000_000, 9, 0, 24_940_000_000},
		{"18 decimals, 1 whole unit: 0.00002494 < base", btcIMF, 1_000_000_000_000_000_000, 18, 0, 13_333_330_000},
		{"18 decimals, 4 whole units with base 0: 0.00002494×2", config.MarginFunction{Factor: 24_940_000}, 4_000_000_000_000_000_000, 18, 0, 49_880_000},
		{"factor 0: base", config.MarginFunction{Base: 5}, math.MaxInt64, usdcDecimals, 0, 5},
	}
	for _, c := range cases {
		got, err := Fraction(c.f, c.notional, c.decimals, c.userBase)
		if err != nil || got != c.want {
			t.Errorf("%s: got %d, %v; want %d", c.name, got, err, c.want)
		}
	}
}

func TestFractionErrors(t *testing.T) {
	cases := []struct {
		name     string
		f        config.MarginFunction
		notional int64
		decimals int
		err      error
	}{
		{"negative notional", btcIMF, -1, usdcDecimals, ErrNegativeNotional},
		{"decimals -1", btcIMF, 1, -1, ErrDecimals},
		{"decimals 19", btcIMF, 1, 19, ErrDecimals},
		{"unknown kind", config.MarginFunction{Kind: 9}, 1, usdcDecimals, ErrUnknownKind},
		{"factor·√n beyond int64", config.MarginFunction{Factor: math.MaxInt64}, usdc(4), usdcDecimals, fixed.ErrOverflow},
	}
	for _, c := range cases {
		if got, err := Fraction(c.f, c.notional, c.decimals, 0); !errors.Is(err, c.err) {
			t.Errorf("%s: got %d, %v; want %v", c.name, got, err, c.err)
		}
	}
}

func TestRequirement(t *testing.T) {
	cases := []struct {
		name               string
		notional, fraction int64
		want               int64
	}{
		{"1,000,000 USDC × 0.02494 = 24,940 USDC", usdc(1_000_000), 24_940_000_000, usdc(24_940)},
		{"100,000 USDC × 0.01333333 = 1,333.333 USDC", usdc(100_000), 13_333_330_000, 1_333_333_000},
		{"500,000 USDC × 0.017635243123 = 8,817.6215615 USDC, up to 8,817.621562", usdc(500_000), 17_635_243_123, 8_817_621_562},
		{"0.000001 USDC × 0.01333333, up to one unit", 1, 13_333_330_000, 1},
		{"7 units × 0.5 = 3.5, up to 4", 7, rate(1, 2), 4},
		{"−7 units × 0.5 = −3.5, up (toward +∞) to −3", -7, rate(1, 2), -3},
		{"nothing", 0, 13_333_330_000, 0},
	}
	for _, c := range cases {
		if got, err := Requirement(c.notional, c.fraction); err != nil || got != c.want {
			t.Errorf("%s: got %d, %v; want %d", c.name, got, err, c.want)
		}
	}
	if got, err := Requirement(math.MaxInt64, rate(2, 1)); !errors.Is(err, fixed.ErrOverflow) {
		t.Errorf("MaxInt64 × 2: got %d, %v; want ErrOverflow", got, err)
	}
}

// marginFunction draws a sqrt margin function with a factor below 0.001 (the
// bound of root.times's two-unit error; live factors are around 1e-4).
func marginFunction() *rapid.Generator[config.MarginFunction] {
	return rapid.Custom(func(t *rapid.T) config.MarginFunction {
		return config.MarginFunction{
			Kind:   config.MarginSqrt,
			Base:   rapid.Int64Range(0, 1_000_000_000_000).Draw(t, "base"),
			Factor: rapid.Int64Range(0, 999_999_999).Draw(t, "factor"),
		}
	})
}

func notional() *rapid.Generator[int64] {
	return rapid.OneOf(rapid.Int64Range(0, math.MaxInt64), rapid.Int64Range(0, 1_000_000_000_000_000),
		rapid.SampledFrom([]int64{0, 1, math.MaxInt64}))
}

func TestFractionMonotoneAndAboveBase(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		f := marginFunction().Draw(t, "f")
		d := rapid.IntRange(0, 18).Draw(t, "decimals")
		userBase := rapid.Int64Range(0, 1_000_000_000_000).Draw(t, "userBase")
		a, b := notional().Draw(t, "a"), notional().Draw(t, "b")
		if a > b {
			a, b = b, a
		}
		fa, err := Fraction(f, a, d, userBase)
		if err != nil {
			t.Fatal(err)
		}
		fb, err := Fraction(f, b, d, userBase)
		if err != nil {
			t.Fatal(err)
		}
		if fa > fb {
			t.Fatalf("Fraction(%d) = %d > Fraction(%d) = %d", a, fa, b, fb)
		}
		if fa < f.Base || fa < userBase {
			t.Fatalf("Fraction(%d) = %d below base %d / user base %d", a, fa, f.Base, userBase)
		}
	})
}

// TestFractionBracketsExactValue: with base 0 the fraction is the size term
// factor·√(N/10^d) rounded up, never below the exact value and less than two
// Rate units above it: R²·10^d ≥ factor²·N > (R−2)²·10^d, checked in math/big.
func TestFractionBracketsExactValue(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		f := marginFunction().Draw(t, "f")
		f.Base = 0
		d := rapid.IntRange(0, 18).Draw(t, "decimals")
		n := notional().Draw(t, "notional")
		r, err := Fraction(f, n, d, 0)
		if err != nil {
			t.Fatal(err)
		}
		exact := mul(sq(bi(f.Factor)), bi(n)) // (R·10^(d/2))² is compared with this
		if mul(sq(bi(r)), pow10(d)).Cmp(exact) < 0 {
			t.Fatalf("Fraction = %d is below factor %d × √(%d/1e%d)", r, f.Factor, n, d)
		}
		if r >= 2 && mul(sq(bi(r-2)), pow10(d)).Cmp(exact) >= 0 {
			t.Fatalf("Fraction = %d is two or more units above factor %d × √(%d/1e%d)", r, f.Factor, n, d)
		}
	})
}

// TestFractionsMatchesFraction: the shared square root changes nothing.
func TestFractionsMatchesFraction(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		imf, mmf := marginFunction().Draw(t, "imf"), marginFunction().Draw(t, "mmf")
		d := rapid.IntRange(0, 18).Draw(t, "decimals")
		userBase := rapid.Int64Range(0, 1_000_000_000_000).Draw(t, "userBase")
		n := notional().Draw(t, "notional")
		gotI, gotM, err := Fractions(imf, mmf, n, d, userBase)
		if err != nil {
			t.Fatal(err)
		}
		wantI, errI := Fraction(imf, n, d, userBase)
		wantM, errM := Fraction(mmf, n, d, 0)
		if errI != nil || errM != nil || gotI != wantI || gotM != wantM {
			t.Fatalf("Fractions = %d, %d; Fraction = %d, %d (%v, %v)", gotI, gotM, wantI, wantM, errI, errM)
		}
	})
}

func TestFractionsErrors(t *testing.T) {
	overflow := config.MarginFunction{Factor: math.MaxInt64}
	cases := []struct {
		name     string
		imf, mmf config.MarginFunction
		notional int64
		decimals int
		err      error
	}{
		{"negative notional", btcIMF, btcMMF, -1, usdcDecimals, ErrNegativeNotional},
		{"decimals 19", btcIMF, btcMMF, 1, 19, ErrDecimals},
		{"unknown IMF kind", config.MarginFunction{Kind: 9}, btcMMF, 1, usdcDecimals, ErrUnknownKind},
		{"unknown MMF kind", btcIMF, config.MarginFunction{Kind: 9}, 1, usdcDecimals, ErrUnknownKind},
		{"IMF overflow", overflow, btcMMF, usdc(4), usdcDecimals, fixed.ErrOverflow},
		{"MMF overflow", btcIMF, overflow, usdc(4), usdcDecimals, fixed.ErrOverflow},
	}
	for _, c := range cases {
		if i, m, err := Fractions(c.imf, c.mmf, c.notional, c.decimals, 0); !errors.Is(err, c.err) {
			t.Errorf("%s: got %d, %d, %v; want %v", c.name, i, m, err, c.err)
		}
	}
}
