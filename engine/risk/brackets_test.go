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

// bracketMarkets loads config/testdata/brackets.yaml: BTC_USDC_PERP carries
// formulas.md §2's example table under the deduction model (cum derived by
// config.Validate: 0, 150, 4,650, 19,650, 49,650 USDC), ETH_USDC_PERP the same
// tiers under the whole-position model with the last tier open, and
// SOL_USDC_PERP DESIGN.md §5's sqrt functions.
func bracketMarkets(t testing.TB) (deduction, whole, sqrt *config.Market) {
	t.Helper()
	c, err := config.LoadFile("../config/testdata/brackets.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return &c.Markets[0], &c.Markets[1], &c.Markets[2]
}

// TestBracketRequirements: formulas.md §2's example table (0–150,000 at 125x /
// 0.40%; –900,000 at 100x / 0.50%; –3,000,000 at 50x / 1.00%; –6,000,000 at
// 40x / 1.50%; –9,000,000 at 20x / 2%), notionals in USDC.
func TestBracketRequirements(t *testing.T) {
	deduction, whole, _ := bracketMarkets(t)
	cases := []struct {
		name                 string
		m                    *config.Market
		exposure, position   int64
		userBase             int64
		initial, maintenance int64
	}{
		{"deduction, 100,000 in tier 1: IM 100,000/125 = 800, MM 100,000 × 0.4% − 0 = 400",
			deduction, usdc(100_000), usdc(100_000), 0, usdc(800), usdc(400)},
		{"deduction, 150,000, tier 1's cap (inclusive): IM 150,000/125 = 1,200, MM 150,000 × 0.4% = 600",
			deduction, usdc(150_000), usdc(150_000), 0, usdc(1_200), usdc(600)},
		{"deduction, 150,000.000001 in tier 2: IM ⌈150,000.000001/100⌉ = 1,500.000001 (100x), MM ⌈750.000000005⌉ − 150 = 600.000001",
			deduction, usdc(150_000) + 1, usdc(150_000) + 1, 0, usdc(1_500) + 1, usdc(600) + 1},
		{"deduction, 500,000 in tier 2: IM 5,000, MM 2,500 − 150 = 2,350",
			deduction, usdc(500_000), usdc(500_000), 0, usdc(5_000), usdc(2_350)},
		{"deduction, 1,000,000 in tier 3 at 1.00%: cum = 150,000×(0.5%−0.4%) + 900,000×(1.0%−0.5%) = 4,650; MM = 10,000 − 4,650 = 5,350; IM 1,000,000/50 = 20,000",
			deduction, usdc(1_000_000), usdc(1_000_000), 0, usdc(20_000), usdc(5_350)},
		{"deduction, 3,000,000, tier 3's cap: MM 30,000 − 4,650 = 25,350 (tier 4 gives 45,000 − 19,650, the same); IM 60,000",
			deduction, usdc(3_000_000), usdc(3_000_000), 0, usdc(60_000), usdc(25_350)},
		{"deduction, 5,000,000 in tier 4: MM 75,000 − 19,650 = 55,350; IM 5,000,000/40 = 125,000",
			deduction, usdc(5_000_000), usdc(5_000_000), 0, usdc(125_000), usdc(55_350)},
		{"deduction, 9,000,000, the last cap: MM 180,000 − 49,650 = 130,350; IM 9,000,000/20 = 450,000",
			deduction, usdc(9_000_000), usdc(9_000_000), 0, usdc(450_000), usdc(130_350)},
		{"deduction, 10,000,000 beyond the table: the last tier continues, MM 200,000 − 49,650 = 150,350; IM 500,000",
			deduction, usdc(10_000_000), usdc(10_000_000), 0, usdc(500_000), usdc(150_350)},
		{"deduction, flat: nothing", deduction, 0, 0, 0, 0, 0},
		{"deduction, 1 unit: ⌈1/125⌉ = 1, ⌈0.004⌉ = 1", deduction, 1, 1, 0, 1, 1},
		{"deduction, orders add exposure: IM on 1,000,000 exposure (50x) = 20,000, MM on the 500,000 position = 2,350",
			deduction, usdc(1_000_000), usdc(500_000), 0, usdc(20_000), usdc(2_350)},

		{"whole, 100,000: MM 400", whole, usdc(100_000), usdc(100_000), 0, usdc(800), usdc(400)},
		{"whole, 500,000: MM 500,000 × 0.5% = 2,500 (no deduction)", whole, usdc(500_000), usdc(500_000), 0, usdc(5_000), usdc(2_500)},
		{"whole, 1,000,000: MM 1,000,000 × 1.00% = 10,000", whole, usdc(1_000_000), usdc(1_000_000), 0, usdc(20_000), usdc(10_000)},
		{"whole, 150,000: 600 at tier 1's cap", whole, usdc(150_000), usdc(150_000), 0, usdc(1_200), usdc(600)},
		{"whole, 150,000.000001: ⌈750.000000005⌉ = 750.000001, a jump of 150 (discontinuous)",
			whole, usdc(150_000) + 1, usdc(150_000) + 1, 0, usdc(1_500) + 1, usdc(750) + 1},
		{"whole, 20,000,000 in the open last tier: MM 400,000, IM 1,000,000 (20x)",
			whole, usdc(20_000_000), usdc(20_000_000), 0, usdc(1_000_000), usdc(400_000)},

		{"formulas.md §1 baseIMF: a 10x user limit is tighter than tier 3's 50x: IM 1,000,000 × 0.1 = 100,000",
			deduction, usdc(1_000_000), usdc(1_000_000), rate(1, 10), usdc(100_000), usdc(5_350)},
		{"a 100x user limit is looser than tier 3's 50x: IM stays 20,000",
			deduction, usdc(1_000_000), usdc(1_000_000), rate(1, 100), usdc(20_000), usdc(5_350)},
		{"a 50x user limit equals tier 3's: IM 20,000",
			deduction, usdc(1_000_000), usdc(1_000_000), rate(1, 50), usdc(20_000), usdc(5_350)},
		{"a user limit never touches maintenance (whole)",
			whole, usdc(1_000_000), usdc(1_000_000), rate(1, 3), usdc(333_333) + 333_333, usdc(10_000)},
	}
	for _, c := range cases {
		initial, maintenance, err := Requirements(c.m, c.exposure, c.position, usdcDecimals, c.userBase)
		if err != nil || initial != c.initial || maintenance != c.maintenance {
			t.Errorf("%s:\n got %d, %d, %v\nwant %d, %d", c.name, initial, maintenance, err, c.initial, c.maintenance)
		}
		bi, bm, err := BracketRequirements(&c.m.RiskLimits, c.exposure, c.position, c.userBase)
		if err != nil || bi != initial || bm != maintenance {
			t.Errorf("%s: BracketRequirements %d, %d, %v differs from Requirements", c.name, bi, bm, err)
		}
	}
}

func TestTierAndMaxLeverage(t *testing.T) {
	deduction, whole, _ := bracketMarkets(t)
	cases := []struct {
		name     string
		rl       *config.RiskLimits
		notional int64
		tier     int
		lev      int64
	}{
		{"0 is in tier 1", &deduction.RiskLimits, 0, 0, 125},
		{"150,000 is tier 1's cap: caps are inclusive", &deduction.RiskLimits, usdc(150_000), 0, 125},
		{"150,000.000001 is in tier 2", &deduction.RiskLimits, usdc(150_000) + 1, 1, 100},
		{"900,000 in tier 2", &deduction.RiskLimits, usdc(900_000), 1, 100},
		{"1,000,000 in tier 3", &deduction.RiskLimits, usdc(1_000_000), 2, 50},
		{"6,000,000 in tier 4", &deduction.RiskLimits, usdc(6_000_000), 3, 40},
		{"9,000,000, the last cap", &deduction.RiskLimits, usdc(9_000_000), 4, 20},
		{"9,000,000.000001 is beyond the table: last tier, no leverage allowed", &deduction.RiskLimits, usdc(9_000_000) + 1, 4, 0},
		{"an open last tier has no limit", &whole.RiskLimits, math.MaxInt64, 4, 20},
		{"an empty table", &config.RiskLimits{}, usdc(1), -1, 0},
	}
	for _, c := range cases {
		if got := Tier(c.rl, c.notional); got != c.tier {
			t.Errorf("%s: Tier = %d, want %d", c.name, got, c.tier)
		}
		if got := MaxLeverage(c.rl, c.notional); got != c.lev {
			t.Errorf("%s: MaxLeverage = %d, want %d", c.name, got, c.lev)
		}
	}
}

func TestBracketFractions(t *testing.T) {
	deduction, whole, sqrt := bracketMarkets(t)
	cases := []struct {
		name               string
		m                  *config.Market
		exposure, position int64
		userBase           int64
		imf, mmf           int64
	}{
		{"deduction, 1,000,000: imf 1/50, mmf 1% − 4,650/1,000,000 = 0.535%",
			deduction, usdc(1_000_000), usdc(1_000_000), 0, rate(1, 50), 5_350_000_000},
		{"whole, 1,000,000: imf 1/50, mmf 1%", whole, usdc(1_000_000), usdc(1_000_000), 0, rate(1, 50), 10_000_000_000},
		{"deduction, 100,000: imf 1/125 = 0.008, mmf 0.4%", deduction, usdc(100_000), usdc(100_000), 0, 8_000_000_000, 4_000_000_000},
		{"deduction, 300,000: mmf 0.5% − 150/300,000 = 0.45%", deduction, usdc(300_000), usdc(300_000), 0, rate(1, 100), 4_500_000_000},
		{"deduction, 700,000: mmf 0.5% − 150/700,000 = 0.478571428571428…%, up", deduction, usdc(700_000), usdc(700_000), 0, rate(1, 100), 4_785_714_286},
		{"flat: the first tier's ratio", deduction, 0, 0, 0, 8_000_000_000, 4_000_000_000},
		{"a user limit raises imf only", deduction, usdc(1_000_000), usdc(1_000_000), rate(1, 10), rate(1, 10), 5_350_000_000},
		{"sqrt market: Fraction's values (SOL at 1,000,000: 0.1275, 0.0765)", sqrt, usdc(1_000_000), usdc(1_000_000), 0, 127_500_000_000, 76_500_000_000},
		{"sqrt market, exposure above position: IMF at 1,000,000, MMF at 10,000 (base)", sqrt, usdc(1_000_000), usdc(10_000), 0, 127_500_000_000, 12_500_000_000},
	}
	for _, c := range cases {
		imf, mmf, err := MarketFractions(c.m, c.exposure, c.position, usdcDecimals, c.userBase)
		if err != nil || imf != c.imf || mmf != c.mmf {
			t.Errorf("%s:\n got %d, %d, %v\nwant %d, %d", c.name, imf, mmf, err, c.imf, c.mmf)
		}
	}
}

// TestRequirementsSqrt: a sqrt market's requirements are Fraction and
// Requirement's, initial on the exposure notional with the user floor,
// maintenance on the position notional without it.
func TestRequirementsSqrt(t *testing.T) {
	m := &config.Market{IMF: btcIMF, MMF: btcMMF}
	cases := []struct {
		name                 string
		exposure, position   int64
		userBase             int64
		initial, maintenance int64
	}{
		{"formulas.md §1, BTC 1,000,000: IMF 0.02494, MMF 0.01496", usdc(1_000_000), usdc(1_000_000), 0, usdc(24_940), usdc(14_960)},
		{"exposure 1,000,000, position 100,000: IM 24,940; MM 100,000 × 0.00666667 = 666.667", usdc(1_000_000), usdc(100_000), 0, usdc(24_940), 666_667_000},
		{"user limit 10x: IM 100,000; MM unchanged", usdc(1_000_000), usdc(1_000_000), rate(1, 10), usdc(100_000), usdc(14_960)},
		{"500,000: ⌈500,000 × 0.017635243123⌉, ⌈500,000 × 0.010578317447⌉", usdc(500_000), usdc(500_000), 0, 8_817_621_562, 5_289_158_724},
	}
	for _, c := range cases {
		initial, maintenance, err := Requirements(m, c.exposure, c.position, usdcDecimals, c.userBase)
		if err != nil || initial != c.initial || maintenance != c.maintenance {
			t.Errorf("%s:\n got %d, %d, %v\nwant %d, %d", c.name, initial, maintenance, err, c.initial, c.maintenance)
		}
	}
}

func TestRequirementsErrors(t *testing.T) {
	deduction, _, sqrt := bracketMarkets(t)
	mixed := *deduction
	mixed.MMF = btcMMF
	unknown := *deduction
	unknown.RiskLimits.Model = 7
	empty := *deduction
	empty.RiskLimits.Count = 0
	cases := []struct {
		name               string
		m                  *config.Market
		exposure, position int64
		decimals           int
		userBase           int64
		want               error
	}{
		{"negative exposure", deduction, -1, 0, usdcDecimals, 0, ErrNegativeNotional},
		{"negative position", deduction, 0, -1, usdcDecimals, 0, ErrNegativeNotional},
		{"negative exposure, sqrt", sqrt, -1, 0, usdcDecimals, 0, ErrNegativeNotional},
		{"negative position, sqrt", sqrt, 0, -1, usdcDecimals, 0, ErrNegativeNotional},
		{"decimals above 18", deduction, 1, 1, 19, 0, ErrDecimals},
		{"IMF and MMF of different kinds", &mixed, 1, 1, usdcDecimals, 0, ErrUnknownKind},
		{"unknown model", &unknown, 1, 1, usdcDecimals, 0, ErrUnknownKind},
		{"no brackets", &empty, 1, 1, usdcDecimals, 0, ErrUnknownKind},
		{"a user floor above 1 overflows the initial requirement", deduction, math.MaxInt64, 0, usdcDecimals, 2 * 1_000_000_000_000, fixed.ErrOverflow},
		{"sqrt overflow", sqrt, math.MaxInt64, math.MaxInt64, usdcDecimals, 0, fixed.ErrOverflow},
	}
	for _, c := range cases {
		if _, _, err := Requirements(c.m, c.exposure, c.position, c.decimals, c.userBase); !errors.Is(err, c.want) {
			t.Errorf("Requirements, %s: got %v, want %v", c.name, err, c.want)
		}
		if c.want == fixed.ErrOverflow {
			continue // fractions are Rates: they do not overflow where amounts do
		}
		if _, _, err := MarketFractions(c.m, c.exposure, c.position, c.decimals, c.userBase); !errors.Is(err, c.want) {
			t.Errorf("MarketFractions, %s: got %v, want %v", c.name, err, c.want)
		}
	}
	if _, _, err := BracketRequirements(&deduction.RiskLimits, -1, 0, 0); !errors.Is(err, ErrNegativeNotional) {
		t.Errorf("BracketRequirements(-1): %v", err)
	}
	if _, _, err := BracketFractions(&empty.RiskLimits, 0, 0, 0); !errors.Is(err, ErrUnknownKind) {
		t.Errorf("BracketFractions(empty): %v", err)
	}
}

// tableGen draws a valid bracket table under the given model: caps in whole
// USDC and ratios in steps of 1e-6, so every deduction term is exact, with
// Validate deriving the maintenance amounts in a copy of the default
// configuration.
func tableGen(model config.RiskLimitModel) *rapid.Generator[config.Market] {
	return rapid.Custom(func(t *rapid.T) config.Market {
		n := rapid.IntRange(1, config.MaxBrackets).Draw(t, "tiers")
		rl := config.RiskLimits{Model: model, Count: n}
		capUSDC, lev, mmr := int64(0), rapid.Int64Range(1, 200).Draw(t, "maxLeverage"), int64(0)
		for i := range n {
			capUSDC += rapid.Int64Range(1, 5_000_000).Draw(t, "capStep")
			// mmr in millionths, non-decreasing, below 1/lev (mmr·lev < 1e6):
			// the leverage leaves room for the running ratio.
			lev = rapid.Int64Range(1, min(lev, 999_999/max(mmr, 1))).Draw(t, "maxLeverage")
			top := 999_999 / lev
			mmr = rapid.Int64Range(max(mmr, 1), top).Draw(t, "mmrMillionths")
			b := config.Bracket{NotionalCap: usdc(capUSDC), MaxLeverage: lev, MaintenanceMarginRatio: mmr * 1_000_000}
			if i == n-1 && rapid.Bool().Draw(t, "open") {
				b.NotionalCap = 0
			}
			rl.Brackets[i] = b
		}
		c := config.Default()
		m := &c.Markets[0]
		m.IMF = config.MarginFunction{Kind: config.MarginBrackets}
		m.MMF = m.IMF
		m.RiskLimits = rl
		if err := c.Validate(); err != nil {
			t.Fatalf("drew an invalid table: %v", err)
		}
		return *m
	})
}

// marginal is the deduction model's maintenance in exact rationals, computed
// the other way round: each slice of the notional pays its own tier's ratio,
// Σ_i MMR_i × (min(n, cap_i) − floor_i)⁺, the last tier without a cap.
func marginal(rl *config.RiskLimits, n int64) *big.Rat {
	sum := new(big.Rat)
	for i, b := range rl.Tiers() {
		floor := rl.NotionalFloor(i)
		top := n
		if i < rl.Count-1 {
			top = min(n, b.NotionalCap)
		}
		if top > floor {
			sum.Add(sum, new(big.Rat).Mul(ratOf(b.MaintenanceMarginRatio, 1_000_000_000_000), ratOf(top-floor, 1)))
		}
	}
	return sum
}

// TestDeductionModelProperties: for random valid tables, the deduction model
// (a) equals the marginal-slice sum rounded up, (b) is continuous at every
// cap, (c) rises by at most one unit per unit of notional and never falls,
// (d) never exceeds the whole-position model, and (e) initial ≥ maintenance
// whenever exposure ≥ position, under both models.
func TestDeductionModelProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := tableGen(config.BracketDeduction).Draw(t, "market")
		rl := &m.RiskLimits
		whole := *rl
		whole.Model = config.BracketWhole
		for i := range whole.Brackets {
			whole.Brackets[i].MaintenanceAmount = 0
		}
		top := max(rl.Brackets[rl.Count-1].NotionalCap, rl.NotionalFloor(rl.Count-1)) + usdc(1_000_000)
		notional := rapid.OneOf(rapid.Int64Range(0, top), rapid.Int64Range(0, 1000),
			rapid.SampledFrom(boundaries(rl))).Draw(t, "notional")
		mm := bracketMaintenance(rl, notional)
		if want := ceilRat(marginal(rl, notional)); want.Cmp(bi(mm)) != 0 {
			t.Fatalf("MM(%d) = %d, marginal sum %s", notional, mm, want)
		}
		next := bracketMaintenance(rl, notional+1)
		if d := next - mm; d < 0 || d > 1 {
			t.Fatalf("MM(%d) = %d, MM(+1) = %d", notional, mm, next)
		}
		if w := bracketMaintenance(&whole, notional); mm > w {
			t.Fatalf("deduction %d above whole %d at %d", mm, w, notional)
		}
		for i := range rl.Count - 1 {
			c := rl.Brackets[i].NotionalCap
			lo, _ := fixed.MulDiv(c, rl.Brackets[i].MaintenanceMarginRatio, fixed.RateScale, fixed.Ceil)
			hi, _ := fixed.MulDiv(c, rl.Brackets[i+1].MaintenanceMarginRatio, fixed.RateScale, fixed.Ceil)
			if lo-rl.Brackets[i].MaintenanceAmount != hi-rl.Brackets[i+1].MaintenanceAmount {
				t.Fatalf("discontinuous at cap %d: tier %d gives %d, tier %d gives %d", c, i,
					lo-rl.Brackets[i].MaintenanceAmount, i+1, hi-rl.Brackets[i+1].MaintenanceAmount)
			}
		}
		exposure := notional + rapid.Int64Range(0, usdc(1_000_000)).Draw(t, "orders")
		for _, table := range []*config.RiskLimits{rl, &whole} {
			initial, maintenance, err := BracketRequirements(table, exposure, notional, 0)
			if err != nil || initial < maintenance {
				t.Fatalf("%v: initial %d below maintenance %d (exposure %d, position %d), %v", table.Model, initial, maintenance, exposure, notional, err)
			}
		}
	})
}

// boundaries lists every cap and its neighbours.
func boundaries(rl *config.RiskLimits) []int64 {
	var out []int64
	for _, b := range rl.Tiers() {
		if b.NotionalCap > 0 {
			out = append(out, b.NotionalCap-1, b.NotionalCap, b.NotionalCap+1)
		}
	}
	return append(out, 0, 1)
}

// TestBracketFractionsDescribeRequirements: the displayed fractions, applied
// to the notionals, never understate the requirements (they round up) and
// overstate them by less than one Rate unit's worth, n × 1e-12, plus one.
func TestBracketFractionsDescribeRequirements(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		model := rapid.SampledFrom([]config.RiskLimitModel{config.BracketDeduction, config.BracketWhole}).Draw(t, "model")
		m := tableGen(model).Draw(t, "market")
		position := rapid.Int64Range(0, usdc(100_000_000)).Draw(t, "position")
		exposure := position + rapid.Int64Range(0, usdc(1_000_000)).Draw(t, "orders")
		initial, maintenance, err := Requirements(&m, exposure, position, usdcDecimals, 0)
		if err != nil {
			t.Fatal(err)
		}
		imf, mmf, err := MarketFractions(&m, exposure, position, usdcDecimals, 0)
		if err != nil {
			t.Fatal(err)
		}
		im, _ := Requirement(exposure, imf)
		mm, _ := Requirement(position, mmf)
		slackI, slackM := exposure/1_000_000_000_000+1, position/1_000_000_000_000+1
		if im < initial || im > initial+slackI || mm < maintenance || mm > maintenance+slackM {
			t.Fatalf("fractions %d, %d give %d, %d; requirements %d, %d", imf, mmf, im, mm, initial, maintenance)
		}
	})
}
