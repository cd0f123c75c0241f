package config

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Indexes into testdata/brackets.yaml: BTC_USDC_PERP (deduction table),
// ETH_USDC_PERP (whole-position table, last tier open), SOL_USDC_PERP (sqrt),
// BTC_USDC (spot).
const (
	bkBTC, bkETH, bkSOL, bkSpot = 0, 1, 2, 3
	usdcUnit                    = 1_000_000 // one USDC in smallest units
)

func bracketsYAML(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("testdata/brackets.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func loadBrackets(t *testing.T) *Config {
	t.Helper()
	c, err := Load(strings.NewReader(bracketsYAML(t)))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// editBrackets returns brackets.yaml with the first occurrence of old, which
// must occur, replaced by new.
func editBrackets(t *testing.T, old, new string) string {
	t.Helper()
	s := bracketsYAML(t)
	if !strings.Contains(s, old) {
		t.Fatalf("editBrackets: %q is not in brackets.yaml", old)
	}
	return strings.Replace(s, old, new, 1)
}

// formulas.md §2's example table as Brackets (caps in USDC smallest units,
// ratios as fixed.Rate), with the deduction model's maintenance amounts.
var exampleTable = []Bracket{
	{150_000 * usdcUnit, 125, 4_000_000_000, 0},                   // 0.40%
	{900_000 * usdcUnit, 100, 5_000_000_000, 150 * usdcUnit},      // 0.50%; 150,000 × 0.1%
	{3_000_000 * usdcUnit, 50, 1 * percent, 4_650 * usdcUnit},     // 1.00%; 150 + 900,000 × 0.5%
	{6_000_000 * usdcUnit, 40, 15_000_000_000, 19_650 * usdcUnit}, // 1.50%; 4,650 + 3,000,000 × 0.5%
	{9_000_000 * usdcUnit, 20, 2 * percent, 49_650 * usdcUnit},    // 2.00%; 19,650 + 6,000,000 × 0.5%
}

func table(model RiskLimitModel, bs []Bracket) RiskLimits {
	rl := RiskLimits{Model: model, Count: len(bs)}
	copy(rl.Brackets[:], bs)
	return rl
}

func TestBracketsYAML(t *testing.T) {
	c := loadBrackets(t)
	btc, eth := c.Markets[bkBTC], c.Markets[bkETH]
	if diff := cmp.Diff(table(BracketDeduction, exampleTable), btc.RiskLimits); diff != "" {
		t.Errorf("formulas.md §2 example table, deduction model, cum 0/150/4,650/19,650/49,650 (-want +got):\n%s", diff)
	}
	whole := append([]Bracket(nil), exampleTable...)
	for i := range whole {
		whole[i].MaintenanceAmount = 0 // the whole-position model deducts nothing
	}
	whole[4].NotionalCap = 0 // "" in the file: open
	if diff := cmp.Diff(table(BracketWhole, whole), eth.RiskLimits); diff != "" {
		t.Errorf("whole-position model, last cap open (-want +got):\n%s", diff)
	}
	brackets := MarginFunction{Kind: MarginBrackets}
	if btc.IMF != brackets || btc.MMF != brackets || eth.IMF != brackets || eth.MMF != brackets {
		t.Errorf("a market with riskLimits has IMF/MMF {Kind: MarginBrackets}: got %+v %+v", btc.IMF, btc.MMF)
	}
	if sol := c.Markets[bkSOL]; sol.IMF.Kind != MarginSqrt || sol.RiskLimits != (RiskLimits{}) {
		t.Errorf("sqrt markets mix with bracket markets: got %+v, %+v", sol.IMF, sol.RiskLimits.Model)
	}
	if got := btc.LiquidationCapacity; got != 2_000_000*usdcUnit {
		t.Errorf("liquidationCapacity \"2000000\" = %d, want 2,000,000 USDC", got)
	}
	if got := c.Markets[bkSpot].LiquidationCapacity; got != 500_000_500_000 {
		t.Errorf("spot liquidationCapacity \"500000.5\" = %d, want 500,000.5 USDC", got)
	}
	if got := c.Markets[bkSOL].LiquidationCapacity; got != 0 {
		t.Errorf("absent liquidationCapacity = %d, want 0 (no cap)", got)
	}
	rl := &btc.RiskLimits
	if len(rl.Tiers()) != 5 || rl.NotionalFloor(0) != 0 || rl.NotionalFloor(2) != 900_000*usdcUnit {
		t.Errorf("Tiers %d, floors %d, %d", len(rl.Tiers()), rl.NotionalFloor(0), rl.NotionalFloor(2))
	}
}

// TestValidateRefusesBrackets: every bracket rule, each case breaking one rule
// of testdata/brackets.yaml.
func TestValidateRefusesBrackets(t *testing.T) {
	btc := func(f func(rl *RiskLimits)) func(c *Config) {
		return func(c *Config) { f(&c.Markets[bkBTC].RiskLimits) }
	}
	bracket := func(i int, f func(b *Bracket)) func(c *Config) {
		return btc(func(rl *RiskLimits) { f(&rl.Brackets[i]) })
	}
	const p = "markets[0].riskLimits"
	cases := []struct {
		rule       string
		mutate     func(c *Config)
		path, want string
	}{
		{"sqrt functions and a table are mutually exclusive", func(c *Config) { c.Markets[bkBTC].IMF = c.Markets[bkSOL].IMF },
			p, "mutually exclusive"},
		{"a table needs both functions of kind brackets", func(c *Config) { c.Markets[bkBTC].MMF.Base = 1 },
			p, "mutually exclusive"},
		{"a sqrt market carries no table", func(c *Config) { c.Markets[bkSOL].RiskLimits = c.Markets[bkBTC].RiskLimits },
			"markets[2].riskLimits", "mutually exclusive"},
		{"functions of kind brackets need a table", func(c *Config) { c.Markets[bkBTC].RiskLimits = RiskLimits{} },
			p, "required: a margin function is of kind brackets"},
		{"only one function of kind brackets", func(c *Config) {
			c.Markets[bkSOL].IMF = MarginFunction{Kind: MarginBrackets}
		}, "markets[2].riskLimits", "required"},
		{"spot markets have no table", func(c *Config) { c.Markets[bkSpot].RiskLimits = c.Markets[bkBTC].RiskLimits },
			"markets[3].marketType", "a SPOT market has no IMF, MMF, risk limits"},
		{"model known", btc(func(rl *RiskLimits) { rl.Model = 9 }), p + ".model", "unknown model 9"},
		{"model set", btc(func(rl *RiskLimits) { rl.Model = 0 }), p + ".model", "unknown model 0"},
		{"at least one bracket", btc(func(rl *RiskLimits) { *rl = RiskLimits{Model: BracketWhole} }),
			p + ".brackets", "0 brackets; want 1..16"},
		{"at most 16 brackets", btc(func(rl *RiskLimits) { rl.Count = 17 }), p + ".brackets", "17 brackets; want 1..16"},
		{"brackets beyond Count are zero", btc(func(rl *RiskLimits) { rl.Brackets[7].MaxLeverage = 1 }),
			p + ".brackets[7]", "beyond the 5 brackets in use: must be zero"},
		{"caps positive", bracket(0, func(b *Bracket) { b.NotionalCap = -1 }),
			p + ".brackets[0].notionalCap", "must be positive"},
		{"only the last cap may be open", bracket(1, func(b *Bracket) { b.NotionalCap = 0 }),
			p + ".brackets[1].notionalCap", "only the last bracket may leave it open"},
		{"caps strictly ascending", bracket(2, func(b *Bracket) { b.NotionalCap = 900_000 * usdcUnit }),
			p + ".brackets[2].notionalCap", "900000000000 must exceed the previous bracket's cap 900000000000"},
		{"maxLeverage positive", bracket(4, func(b *Bracket) { b.MaxLeverage = 0 }),
			p + ".brackets[4].maxLeverage", "0 must be at least 1"},
		{"maxLeverage non-increasing", bracket(1, func(b *Bracket) { b.MaxLeverage = 126 }),
			p + ".brackets[1].maxLeverage", "126 is above the previous bracket's 125"},
		{"maintenance ratio positive", bracket(0, func(b *Bracket) { b.MaintenanceMarginRatio = 0 }),
			p + ".brackets[0].maintenanceMarginRatio", "must be positive"},
		{"maintenance ratio non-decreasing", bracket(3, func(b *Bracket) { b.MaintenanceMarginRatio = 9 * percent / 10 }),
			p + ".brackets[3].maintenanceMarginRatio", "0.009 is below the previous bracket's 0.01"},
		{"maintenance below 1/maxLeverage: 0.8% at 125x is exactly 1/125", bracket(0, func(b *Bracket) { b.MaintenanceMarginRatio = 8 * percent / 10 }),
			p + ".brackets[0].maintenanceMarginRatio", "0.008 is not below 1/maxLeverage = 1/125: initial margin must exceed maintenance"},
		{"maintenance below 1/maxLeverage in every tier", bracket(4, func(b *Bracket) { b.MaxLeverage = 40; b.MaintenanceMarginRatio = 3 * percent }),
			p + ".brackets[4].maintenanceMarginRatio", "0.03 is not below 1/maxLeverage = 1/40"},
		{"deduction amounts are whole settlement units", bracket(1, func(b *Bracket) { b.MaintenanceMarginRatio = 4_000_000_001 }),
			p + ".brackets[1].maintenanceMarginRatio",
			"the deduction term floor × (MMR − previous MMR) = 150000 × 0.000000000001 is not a whole number of USDC's smallest unit (1e-6)"},
	}
	for _, tc := range cases {
		t.Run(tc.rule, func(t *testing.T) {
			c := loadBrackets(t)
			tc.mutate(c)
			before := append([]Market(nil), c.Markets...)
			err := c.Validate()
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("got %v, want a *FieldError", err)
			}
			if fe.Path != tc.path || !strings.Contains(fe.Err.Error(), tc.want) {
				t.Errorf("got %q (path %q), want path %q and %q", err, fe.Path, tc.path, tc.want)
			}
			if diff := cmp.Diff(before, c.Markets); diff != "" {
				t.Errorf("a refused Validate changed the markets (-before +after):\n%s", diff)
			}
		})
	}
}

// TestBracketsAccepted: tables at the edges of the rules are valid.
func TestBracketsAccepted(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(rl *RiskLimits)
	}{
		{"one open tier", func(rl *RiskLimits) {
			*rl = table(BracketDeduction, []Bracket{{MaxLeverage: 20, MaintenanceMarginRatio: 2 * percent}})
		}},
		{"equal leverage and ratio across tiers", func(rl *RiskLimits) {
			*rl = table(BracketDeduction, []Bracket{{100, 10, percent, 0}, {200, 10, percent, 0}})
		}},
		{"whole model: inexact deduction terms do not matter", func(rl *RiskLimits) {
			rl.Model = BracketWhole
			rl.Brackets[1].MaintenanceMarginRatio = 4_000_000_001
		}},
		{"maintenance one Rate unit below 1/maxLeverage: 1/20 − 1e-12 (cum term 6,000,000 × 0.034999999999 is exact)",
			func(rl *RiskLimits) { rl.Brackets[4].MaintenanceMarginRatio = 5*percent - 1 }},
		{"16 tiers", func(rl *RiskLimits) {
			var bs []Bracket
			for i := range MaxBrackets {
				bs = append(bs, Bracket{NotionalCap: int64(i+1) * 1_000_000 * usdcUnit, MaxLeverage: int64(100 - 5*i), MaintenanceMarginRatio: int64(i+1) * percent / 10})
			}
			*rl = table(BracketDeduction, bs)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := loadBrackets(t)
			tc.mutate(&c.Markets[bkBTC].RiskLimits)
			if err := c.Validate(); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(c, roundTrip(t, c)); diff != "" {
				t.Errorf("Load(Marshal(c)) differs (-c +loaded):\n%s", diff)
			}
		})
	}
}

// TestValidateDerivesMaintenanceAmounts: Validate sets cum from the table,
// whatever the Config held.
func TestValidateDerivesMaintenanceAmounts(t *testing.T) {
	c := loadBrackets(t)
	want := loadBrackets(t)
	for i := range c.Markets[bkBTC].RiskLimits.Tiers() {
		c.Markets[bkBTC].RiskLimits.Brackets[i].MaintenanceAmount = 12345
		c.Markets[bkETH].RiskLimits.Brackets[i].MaintenanceAmount = 7
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("Validate did not derive the maintenance amounts (-want +got):\n%s", diff)
	}
}

// TestLoadRefusesBrackets: the reader's refusals about riskLimits and
// liquidationCapacity, and Validate's bracket rules as Load reports them.
func TestLoadRefusesBrackets(t *testing.T) {
	const sqrt = "    imfFunction: {type: sqrt, base: \"0.02\", factor: \"0.0001275\"}\n"
	const p = "markets[0].riskLimits"
	seventeen := "      brackets:\n" // 12 more before the table's 5
	for i := range 12 {
		seventeen += fmt.Sprintf("        - {notionalCap: \"%d\", maxLeverage: 10, maintenanceMarginRatio: \"0.01\"}\n", (i+1)*1000)
	}
	cases := []struct {
		rule       string
		yaml       string
		path, want string
	}{
		{"riskLimits excludes imfFunction", editBrackets(t, "    riskLimits:\n      model: deduction\n",
			sqrt+"    riskLimits:\n      model: deduction\n"), "markets[0].imfFunction",
			"not allowed: riskLimits and imfFunction/mmfFunction are mutually exclusive"},
		{"a perpetual needs functions or a table", editBrackets(t, "    riskLimits:\n      model: deduction\n", "    riskLimitz:\n      model: deduction\n"),
			"markets[0].imfFunction", "required: imfFunction and mmfFunction, or riskLimits"},
		{"model is deduction or whole", editBrackets(t, "model: deduction", "model: marginal"),
			p + ".model", `unknown model "marginal" (want deduction or whole)`},
		{"model is required", editBrackets(t, "      model: deduction\n", ""), p + ".model", "required"},
		{"brackets is a list", editBrackets(t, "      model: whole\n      brackets:\n", "      model: whole\n      brackets: {}\n      x:\n"),
			"markets[1].riskLimits.brackets", "want a list, got a mapping"},
		{"at most 16 brackets", editBrackets(t, "      brackets:\n", seventeen), p + ".brackets", "17 brackets; at most 16"},
		{"bracket keys known", editBrackets(t, `maxLeverage: 125,`, `maxLeverage: 125, initialMarginRatio: "0.008",`),
			p + ".brackets[0].initialMarginRatio", "unknown field (known here: notionalCap, maxLeverage, maintenanceMarginRatio)"},
		{"notionalCap in whole smallest units", editBrackets(t, `notionalCap: "150000"`, `notionalCap: "150000.0000001"`),
			p + ".brackets[0].notionalCap", "not a whole number of USDC's smallest unit (1e-6)"},
		{"maxLeverage an integer", editBrackets(t, "maxLeverage: 125", "maxLeverage: 12.5"),
			p + ".brackets[0].maxLeverage", `"12.5" is not an integer`},
		{"maintenanceMarginRatio required", editBrackets(t, `maxLeverage: 125, maintenanceMarginRatio: "0.004"`, `maxLeverage: 125`),
			p + ".brackets[0].maintenanceMarginRatio", "required"},
		{"Validate's bracket rules reach Load", editBrackets(t, `maintenanceMarginRatio: "0.004"`, `maintenanceMarginRatio: "0.008"`),
			p + ".brackets[0].maintenanceMarginRatio", "not below 1/maxLeverage = 1/125"},
		{"an open cap only last", editBrackets(t, `notionalCap: "900000", `, ``),
			p + ".brackets[1].notionalCap", "only the last bracket may leave it open"},
		{"spot markets have no riskLimits", editBrackets(t, "    liquidationCapacity: \"500000.5\"\n", "    riskLimits: {model: whole, brackets: []}\n"),
			"markets[3].riskLimits", "not allowed: a SPOT market has no margin function, risk limits"},
		{"liquidationCapacity in quote smallest units", editBrackets(t, `"500000.5"`, `"500000.0000005"`),
			"markets[3].liquidationCapacity", "not a whole number of USDC's smallest unit (1e-6)"},
		{"liquidationCapacity not negative", editBrackets(t, `"500000.5"`, `"-1"`),
			"markets[3].liquidationCapacity", "must not be negative"},
	}
	for _, tc := range cases {
		t.Run(tc.rule, func(t *testing.T) {
			_, err := Load(strings.NewReader(tc.yaml))
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("got %v, want a *FieldError", err)
			}
			if fe.Path != tc.path || !strings.Contains(fe.Err.Error(), tc.want) {
				t.Errorf("got %q (path %q), want path %q and %q", err, fe.Path, tc.path, tc.want)
			}
		})
	}
}

// TestLoadBracketErrorLine: Validate's bracket errors point at the file line.
func TestLoadBracketErrorLine(t *testing.T) {
	_, err := Load(strings.NewReader(editBrackets(t, "maxLeverage: 100,", "maxLeverage: 200,")))
	want := "config: markets[0].riskLimits.brackets[1].maxLeverage: 200 is above the previous bracket's 125: maximum leverage never rises with size (line 50)"
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

func TestRoundTripBrackets(t *testing.T) {
	c := loadBrackets(t)
	if diff := cmp.Diff(c, roundTrip(t, c)); diff != "" {
		t.Errorf("Load(Marshal(brackets.yaml)) differs (-c +loaded):\n%s", diff)
	}
	out, err := c.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"        - {notionalCap: \"150000\", maxLeverage: 125, maintenanceMarginRatio: \"0.004\"}\n",
		"        - {maxLeverage: 20, maintenanceMarginRatio: \"0.02\"}\n", // the open cap is left out
		"    liquidationCapacity: \"500000.5\"\n",
	} {
		if !strings.Contains(string(out), line) {
			t.Errorf("Marshal lacks %q:\n%s", line, out)
		}
	}
	if strings.Contains(string(out), "maintenanceAmount") || strings.Contains(string(out), "MaintenanceAmount") {
		t.Error("Marshal writes the derived maintenance amounts")
	}
}
