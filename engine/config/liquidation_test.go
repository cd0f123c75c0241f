package config

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDefaultLiquidation checks every default against its source.
func TestDefaultLiquidation(t *testing.T) {
	l := Default().Liquidation
	cases := []struct {
		name      string
		got, want int64
	}{
		{"DESIGN.md §5: the default preset is backpack", int64(l.Policy), int64(PolicyBackpack)},
		{"DESIGN.md §5 stage 1: each tick is 1 s", l.TickMs, 1 * second},
		{"DESIGN.md §5 stage 1: with probability 50%", l.Probability, one / 2},
		{"DESIGN.md §5 stage 1: 10% of what remains", l.Fraction, 10 * percent},
		{"DESIGN.md §5: liquidation fee 1%", l.Fee, 1 * percent},
		{"formulas.md §1: ACMF divisor 2", l.ACMFDivisor, 2},
		{"formulas.md §1: ACMF offset 0.06", l.ACMFOffset, 6 * percent},
		{"DESIGN.md §5 stage 2: the providers get all remaining equity (margin zeroed)", l.BackstopEquityShare, one},
		{"issue #3: ladder price offset 0.1%", l.LadderPriceOffset, one / 1000},
		{"formulas.md §6: 20% at a time", l.PartialStep, 20 * percent},
		{"formulas.md §6: positions over 100k (USDC)", l.PartialThreshold, 100_000 * usdcUnit},
		{"formulas.md §6: a 30 s cooldown", l.PartialCooldownMs, 30 * second},
		{"formulas.md §6: the vault takes over below 2/3 of maintenance (0.66666667)", l.PartialVaultRatio, 666_666_670_000},
		{"DESIGN.md §5, formulas.md §5: ADL by pnl% × effective leverage", int64(l.ADLRanking), int64(RankPnLLeverage)},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s: got %d, want %d", c.name, c.got, c.want)
		}
	}
	if diff := cmp.Diff(DefaultLiquidation(6), l); diff != "" {
		t.Errorf("default.yaml's liquidation section differs from DefaultLiquidation (-code +yaml):\n%s", diff)
	}
	if path, ok := holdsReference(reflect.TypeFor[Liquidation]()); ok {
		t.Errorf("Liquidation holds a reference at %s: Default must deep-copy it", path)
	}
}

func TestDefaultLiquidationScales(t *testing.T) {
	cases := []struct {
		decimals int
		want     int64
	}{{0, 100_000}, {6, 100_000_000_000}, {13, 1_000_000_000_000_000_000}, {14, 1<<63 - 1}, {18, 1<<63 - 1}}
	for _, c := range cases {
		if got := DefaultLiquidation(c.decimals).PartialThreshold; got != c.want {
			t.Errorf("100,000 units at %d decimals: got %d, want %d (saturating)", c.decimals, got, c.want)
		}
	}
}

func TestPolicyAndRankingNames(t *testing.T) {
	for _, name := range []string{"backpack", "ladder", "classic", "partial"} {
		p, ok := ParsePolicy(name)
		if !ok || p.String() != name {
			t.Errorf("ParsePolicy(%q) = %v, %v", name, p, ok)
		}
	}
	for _, name := range []string{"pnlLeverage", "pnlMargin", "markLeverage"} {
		r, ok := ParseADLRanking(name)
		if !ok || r.String() != name {
			t.Errorf("ParseADLRanking(%q) = %v, %v", name, r, ok)
		}
	}
	if _, ok := ParsePolicy("Backpack"); ok {
		t.Error("policy names are case-sensitive")
	}
	if _, ok := ParseADLRanking(""); ok {
		t.Error(`ParseADLRanking("") succeeded`)
	}
	if LiquidationPolicy(9).String() != "LiquidationPolicy(9)" || ADLRanking(9).String() != "ADLRanking(9)" ||
		RiskLimitModel(0).String() != "RiskLimitModel(0)" {
		t.Error("unknown values do not name their number")
	}
}

// TestValidateRefusesLiquidation: every range of the liquidation section.
func TestValidateRefusesLiquidation(t *testing.T) {
	cases := []struct {
		rule       string
		mutate     func(l *Liquidation)
		path, want string
	}{
		{"policy known", func(l *Liquidation) { l.Policy = 4 }, "policy", "unknown policy 4"},
		{"tick positive", func(l *Liquidation) { l.TickMs = 0 }, "tickMs", "0 ms is outside 1..604800000"},
		{"tick at most a week", func(l *Liquidation) { l.TickMs = maxWindowMs + 1 }, "tickMs", "outside 1..604800000"},
		{"probability positive", func(l *Liquidation) { l.Probability = 0 }, "probability", "0 is outside (0, 1]"},
		{"probability at most 1", func(l *Liquidation) { l.Probability = one + 1 }, "probability", "outside (0, 1]"},
		{"fraction positive", func(l *Liquidation) { l.Fraction = 0 }, "fraction", "outside (0, 1]"},
		{"fraction at most 1", func(l *Liquidation) { l.Fraction = 2 * one }, "fraction", "2 is outside (0, 1]"},
		{"fee not negative", func(l *Liquidation) { l.Fee = -1 }, "fee", "outside 0..0.1"},
		{"fee at most 0.1", func(l *Liquidation) { l.Fee = one/10 + 1 }, "fee", "outside 0..0.1"},
		{"ACMF divisor at least 2 (ACMF < MMF)", func(l *Liquidation) { l.ACMFDivisor = 1 }, "acmfDivisor", "1 must be at least 2"},
		{"ACMF offset positive (ACMF < MMF)", func(l *Liquidation) { l.ACMFOffset = 0 }, "acmfOffset", "0 is outside (0, 1)"},
		{"ACMF offset below 1", func(l *Liquidation) { l.ACMFOffset = one }, "acmfOffset", "1 is outside (0, 1)"},
		{"backstop equity share not negative", func(l *Liquidation) { l.BackstopEquityShare = -1 }, "backstopEquityShare", "outside 0..1"},
		{"backstop equity share at most 1", func(l *Liquidation) { l.BackstopEquityShare = one + 1 }, "backstopEquityShare", "outside 0..1"},
		{"ladder price offset not negative", func(l *Liquidation) { l.LadderPriceOffset = -1 }, "ladderPriceOffset", "outside [0, 1)"},
		{"ladder price offset below 1", func(l *Liquidation) { l.LadderPriceOffset = one }, "ladderPriceOffset", "outside [0, 1)"},
		{"partial step positive", func(l *Liquidation) { l.PartialStep = 0 }, "partialStep", "outside (0, 1]"},
		{"partial step at most 1", func(l *Liquidation) { l.PartialStep = one + 1 }, "partialStep", "outside (0, 1]"},
		{"partial threshold not negative", func(l *Liquidation) { l.PartialThreshold = -1 }, "partialThreshold", "must not be negative"},
		{"partial cooldown not negative", func(l *Liquidation) { l.PartialCooldownMs = -1 }, "partialCooldownMs", "outside 0..604800000"},
		{"partial cooldown at most a week", func(l *Liquidation) { l.PartialCooldownMs = maxWindowMs + 1 }, "partialCooldownMs", "outside 0.."},
		{"partial vault ratio positive", func(l *Liquidation) { l.PartialVaultRatio = 0 }, "partialVaultRatio", "outside (0, 1)"},
		{"partial vault ratio below 1 (below maintenance)", func(l *Liquidation) { l.PartialVaultRatio = one }, "partialVaultRatio", "outside (0, 1)"},
		{"ADL ranking known", func(l *Liquidation) { l.ADLRanking = 3 }, "adlRanking", "unknown ranking 3"},
	}
	for _, tc := range cases {
		t.Run(tc.rule, func(t *testing.T) {
			c := Default()
			tc.mutate(&c.Liquidation)
			err := c.Validate()
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("got %v, want a *FieldError", err)
			}
			if fe.Path != "liquidation."+tc.path || !strings.Contains(fe.Err.Error(), tc.want) {
				t.Errorf("got %q (path %q), want path %q and %q", err, fe.Path, "liquidation."+tc.path, tc.want)
			}
		})
	}
}

// TestLoadLiquidation: the section and each of its keys are optional.
func TestLoadLiquidation(t *testing.T) {
	c, err := Load(strings.NewReader(testYAML))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(DefaultLiquidation(6), c.Liquidation); diff != "" {
		t.Errorf("no liquidation section: want the defaults (-want +got):\n%s", diff)
	}
	c = loadBrackets(t)
	want := DefaultLiquidation(6)
	want.Policy, want.LadderPriceOffset, want.ADLRanking = PolicyLadder, 2*one/1000, RankMarkLeverage
	if diff := cmp.Diff(want, c.Liquidation); diff != "" {
		t.Errorf("brackets.yaml gives policy, ladderPriceOffset and adlRanking only (-want +got):\n%s", diff)
	}
	c, err = Load(strings.NewReader(testYAML + "liquidation: null\n"))
	if err != nil || c.Liquidation != DefaultLiquidation(6) {
		t.Errorf("liquidation: null is the same as absent: %v, %+v", err, c)
	}
}

func TestLoadRefusesLiquidation(t *testing.T) {
	cases := []struct {
		rule       string
		section    string
		path, want string
	}{
		{"policy names", "policy: waterfall", "liquidation.policy", `unknown policy "waterfall" (want backpack, ladder, classic, partial)`},
		{"ranking names", "adlRanking: pnl", "liquidation.adlRanking", `unknown ranking "pnl" (want pnlLeverage, pnlMargin, markLeverage)`},
		{"unknown keys", "tick: 1000", "liquidation.tick", "unknown field"},
		{"durations are integer milliseconds", "tickMs: 1.5", "liquidation.tickMs", `"1.5" is not an integer`},
		{"the divisor is an integer", "acmfDivisor: 1.5", "liquidation.acmfDivisor", `"1.5" is not an integer`},
		{"fractions at most 1e-12", `fee: "0.0000000000001"`, "liquidation.fee", "more precise than 1e-12"},
		{"threshold in settlement smallest units", `partialThreshold: "0.0000001"`, "liquidation.partialThreshold",
			"not a whole number of USDC's smallest unit (1e-6)"},
		{"Validate's ranges reach Load", `probability: "1.5"`, "liquidation.probability", "1.5 is outside (0, 1]"},
		{"Validate's ranges reach Load: divisor", `acmfDivisor: 1`, "liquidation.acmfDivisor", "at least 2"},
	}
	for _, tc := range cases {
		t.Run(tc.rule, func(t *testing.T) {
			_, err := Load(strings.NewReader(testYAML + "liquidation:\n  " + tc.section + "\n"))
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("got %v, want a *FieldError", err)
			}
			if fe.Path != tc.path || !strings.Contains(fe.Err.Error(), tc.want) {
				t.Errorf("got %q (path %q), want path %q and %q", err, fe.Path, tc.path, tc.want)
			}
		})
	}
	_, err := Load(strings.NewReader(testYAML + "liquidation:\n  fee: \"0.5\"\n"))
	if want := "config: liquidation.fee: 0.5 is outside 0..0.1 (line 55)"; err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

// TestRoundTripLiquidation: values equal to zero, which a writer omitting
// empty keys would turn back into defaults, survive the round trip.
func TestRoundTripLiquidation(t *testing.T) {
	c := Default()
	c.Liquidation = Liquidation{
		Policy: PolicyPartial, TickMs: 1, Probability: 1, Fraction: one, Fee: 0,
		ACMFDivisor: 3, ACMFOffset: 1, BackstopEquityShare: 0, LadderPriceOffset: 0,
		PartialStep: one, PartialThreshold: 0, PartialCooldownMs: 0, PartialVaultRatio: one - 1,
		ADLRanking: RankPnLMargin,
	}
	c.Markets[btcPerp].LiquidationCapacity = 1
	c.Markets[btcSpot].LiquidationCapacity = 1<<63 - 1
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(c, roundTrip(t, c)); diff != "" {
		t.Errorf("Load(Marshal(c)) differs from c (-c +loaded):\n%s", diff)
	}
}
