package config

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDefaultLending checks default.yaml's pools number by number (issue #5
// point 1: pools for USDC, BTC, ETH and SOL; the curves are documented in
// default.yaml). A BTC, ETH or SOL borrow takes its perpetual's IMF and MMF;
// a USDC borrow the lowest bases, 1/75 and 1/150, with no size term.
func TestDefaultLending(t *testing.T) {
	c := Default()
	btcIMF, btcMMF := c.Markets[0].IMF, c.Markets[0].MMF
	want := []LendingPool{
		{Asset: 0, BaseRate: 0, SlopeBelowOptimal: 10 * percent, OptimalUtilization: 80 * percent,
			SlopeAboveOptimal: one, MaxUtilization: 95 * percent, ThrottleThreshold: 95 * percent, Fee: 10 * percent,
			IMF: MarginFunction{MarginSqrt, 13_333_330_000, 0}, MMF: MarginFunction{MarginSqrt, 6_666_670_000, 0}},
		{Asset: 1, BaseRate: 0, SlopeBelowOptimal: 4 * percent, OptimalUtilization: 70 * percent,
			SlopeAboveOptimal: 60 * percent, MaxUtilization: 90 * percent, ThrottleThreshold: 90 * percent, Fee: 10 * percent,
			IMF: btcIMF, MMF: btcMMF},
		{Asset: 2, BaseRate: 0, SlopeBelowOptimal: 5 * percent, OptimalUtilization: 75 * percent,
			SlopeAboveOptimal: 60 * percent, MaxUtilization: 90 * percent, ThrottleThreshold: 90 * percent, Fee: 10 * percent,
			IMF: c.Markets[1].IMF, MMF: c.Markets[1].MMF},
		{Asset: 3, BaseRate: 0, SlopeBelowOptimal: 6 * percent, OptimalUtilization: 70 * percent,
			SlopeAboveOptimal: 80 * percent, MaxUtilization: 90 * percent, ThrottleThreshold: 90 * percent, Fee: 10 * percent,
			IMF: c.Markets[2].IMF, MMF: c.Markets[2].MMF},
	}
	if diff := cmp.Diff(want, c.Lending); diff != "" {
		t.Errorf("default pools (-want +got):\n%s", diff)
	}
	for a := range c.Assets {
		if i, ok := c.PoolByAsset(AssetID(a)); !ok || i != a { //nolint:gosec // 4 assets
			t.Errorf("PoolByAsset(%d) = %d, %v; want %d, true", a, i, ok, a)
		}
	}
	if _, ok := c.PoolByAsset(9); ok {
		t.Error("PoolByAsset(9): want no pool")
	}
}

// TestValidateRefusesLending: every lending rule of Validate, each case
// breaking one rule of Default.
func TestValidateRefusesLending(t *testing.T) {
	pool := func(f func(lp *LendingPool)) func(c *Config) { return func(c *Config) { f(&c.Lending[1]) } }
	cases := []struct {
		rule       string
		mutate     func(c *Config)
		path, want string
	}{
		{"the asset exists", pool(func(lp *LendingPool) { lp.Asset = 4 }), "lending[1].symbol", "asset 4 does not exist"},
		{"one pool per asset", pool(func(lp *LendingPool) { lp.Asset = 0 }), "lending[1].symbol", "USDC already has a pool: lending[0]"},
		{"base rate not negative", pool(func(lp *LendingPool) { lp.BaseRate = -1 }),
			"lending[1].baseRate", "-0.000000000001 is outside 0..10 (a yearly rate)"},
		{"base rate at most 1000% a year", pool(func(lp *LendingPool) { lp.BaseRate = 10*one + 1 }),
			"lending[1].baseRate", "outside 0..10"},
		{"slope below not negative", pool(func(lp *LendingPool) { lp.SlopeBelowOptimal = -1 }),
			"lending[1].slopeBelowOptimal", "outside 0..10"},
		{"slope above at most 10", pool(func(lp *LendingPool) { lp.SlopeAboveOptimal = 11 * one }),
			"lending[1].slopeAboveOptimal", "11 is outside 0..10"},
		{"optimal positive", pool(func(lp *LendingPool) { lp.OptimalUtilization = 0 }),
			"lending[1].optimalUtilization", "0 is outside (0, 1)"},
		{"optimal below 1", pool(func(lp *LendingPool) { lp.OptimalUtilization = one }),
			"lending[1].optimalUtilization", "1 is outside (0, 1)"},
		{"optimal < max", pool(func(lp *LendingPool) { lp.MaxUtilization = lp.OptimalUtilization }),
			"lending[1].maxUtilization", "0.7 must exceed optimalUtilization 0.7"},
		{"max ≤ 1", pool(func(lp *LendingPool) { lp.MaxUtilization = one + 1 }),
			"lending[1].maxUtilization", "1.000000000001 is above 1"},
		{"throttle positive", pool(func(lp *LendingPool) { lp.ThrottleThreshold = 0 }),
			"lending[1].throttleUtilizationThreshold", "0 is outside (0, 1]"},
		{"throttle ≤ 1", pool(func(lp *LendingPool) { lp.ThrottleThreshold = one + 1 }),
			"lending[1].throttleUtilizationThreshold", "outside (0, 1]"},
		{"fee not negative", pool(func(lp *LendingPool) { lp.Fee = -1 }), "lending[1].fee", "outside 0..1"},
		{"fee ≤ 1", pool(func(lp *LendingPool) { lp.Fee = one + 1 }), "lending[1].fee", "outside 0..1"},
		{"IMF kind sqrt", pool(func(lp *LendingPool) { lp.IMF.Kind = MarginBrackets }),
			"lending[1].imfFunction.type", "unknown function kind 1"},
		{"MMF base positive", pool(func(lp *LendingPool) { lp.MMF.Base = 0 }),
			"lending[1].mmfFunction.base", "must be positive"},
		{"IMF base > MMF base", pool(func(lp *LendingPool) { lp.IMF.Base = lp.MMF.Base }),
			"lending[1].imfFunction.base", "must exceed the MMF base"},
		{"IMF factor ≥ MMF factor", pool(func(lp *LendingPool) { lp.IMF.Factor = lp.MMF.Factor - 1 }),
			"lending[1].imfFunction.factor", "IMF must be at least MMF at every size"},
	}
	for _, tc := range cases {
		t.Run(tc.rule, func(t *testing.T) {
			c := Default()
			tc.mutate(c)
			before := append([]LendingPool(nil), c.Lending...)
			err := c.Validate()
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("got %v, want a *FieldError", err)
			}
			if fe.Path != tc.path || !strings.Contains(fe.Err.Error(), tc.want) {
				t.Errorf("got %q (path %q), want path %q and %q", err, fe.Path, tc.path, tc.want)
			}
			if diff := cmp.Diff(before, c.Lending); diff != "" {
				t.Errorf("a refused Validate changed the pools (-before +after):\n%s", diff)
			}
			if err := c.WriteYAML(&bytes.Buffer{}); err == nil {
				t.Error("WriteYAML wrote a Config Validate refuses")
			}
		})
	}
}

// lendingYAML is testYAML with a lending section: a quoted pool and one of
// bare numbers with an aliased margin function.
const lendingYAML = testYAML + `lending:
  - symbol: USDC
    baseRate: "0.01"
    slopeBelowOptimal: "0.1"
    optimalUtilization: "0.8"
    slopeAboveOptimal: "1"
    maxUtilization: "0.95"
    throttleUtilizationThreshold: "0.9"
    fee: "0.1"
    imfFunction: &usdcIMF {type: sqrt, base: "0.01333333", factor: "0"}
    mmfFunction: {type: sqrt, base: "0.00666667", factor: "0"}
  - symbol: BTC
    baseRate: 0
    slopeBelowOptimal: 0.04
    optimalUtilization: 0.7
    slopeAboveOptimal: 0.6
    maxUtilization: 1
    throttleUtilizationThreshold: 1
    fee: 0
    imfFunction: *usdcIMF
    mmfFunction: {type: sqrt, base: 0.005, factor: 0e-6}
`

// editLending returns lendingYAML with old replaced by new, once.
func editLending(t *testing.T, old, new string) string {
	t.Helper()
	if n := strings.Count(lendingYAML, old); n != 1 {
		t.Fatalf("editLending: %q occurs %d times", old, n)
	}
	return strings.Replace(lendingYAML, old, new, 1)
}

func TestLoadLending(t *testing.T) {
	c, err := Load(strings.NewReader(lendingYAML))
	if err != nil {
		t.Fatal(err)
	}
	want := []LendingPool{
		{Asset: 0, BaseRate: 1 * percent, SlopeBelowOptimal: 10 * percent, OptimalUtilization: 80 * percent,
			SlopeAboveOptimal: one, MaxUtilization: 95 * percent, ThrottleThreshold: 90 * percent, Fee: 10 * percent,
			IMF: MarginFunction{MarginSqrt, 13_333_330_000, 0}, MMF: MarginFunction{MarginSqrt, 6_666_670_000, 0}},
		{Asset: 1, SlopeBelowOptimal: 4 * percent, OptimalUtilization: 70 * percent, SlopeAboveOptimal: 60 * percent,
			MaxUtilization: one, ThrottleThreshold: one, Fee: 0,
			IMF: MarginFunction{MarginSqrt, 13_333_330_000, 0}, MMF: MarginFunction{MarginSqrt, 5_000_000_000, 0}},
	}
	if diff := cmp.Diff(want, c.Lending); diff != "" {
		t.Errorf("pools read from their text, bare numbers and aliases included (-want +got):\n%s", diff)
	}
	// Without the section, or with an empty one: no pools, and none written.
	for _, doc := range []string{testYAML, testYAML + "lending: []\n", testYAML + "lending: null\n"} {
		c, err := Load(strings.NewReader(doc))
		if err != nil {
			t.Fatal(err)
		}
		if c.Lending != nil {
			t.Errorf("no pools: got %v", c.Lending)
		}
		out, err := c.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(out, []byte("lending")) {
			t.Errorf("a Config without pools writes a lending key:\n%s", out)
		}
	}
}

func TestLoadRefusesLending(t *testing.T) {
	cases := []struct {
		rule       string
		yaml       string
		path, want string
	}{
		{"the asset exists", editLending(t, "  - symbol: BTC\n    baseRate: 0\n", "  - symbol: XBT\n    baseRate: 0\n"),
			"lending[1].symbol", `unknown asset "XBT"`},
		{"one pool per asset", editLending(t, "  - symbol: BTC\n    baseRate: 0\n", "  - symbol: USDC\n    baseRate: 0\n"),
			"lending[1].symbol", "USDC already has a pool: lending[0]"},
		{"unknown keys refused", editLending(t, "    fee: 0\n", "    fee: 0\n    reserveFactor: 0\n"),
			"lending[1].reserveFactor", "unknown field (known here: symbol, baseRate, slopeBelowOptimal"},
		{"a required field", editLending(t, "    throttleUtilizationThreshold: 1\n", ""),
			"lending[1].throttleUtilizationThreshold", "required"},
		{"a rate finer than 1e-12", editLending(t, `baseRate: "0.01"`, `baseRate: "0.0100000000001"`),
			"lending[0].baseRate", "more precise than 1e-12"},
		{"not a decimal", editLending(t, `fee: "0.1"`, `fee: "ten percent"`),
			"lending[0].fee", `"ten percent" is not a decimal number`},
		{"margin functions are sqrt", editLending(t, `mmfFunction: {type: sqrt, base: "0.00666667", factor: "0"}`, `mmfFunction: {type: step, base: "0.00666667", factor: "0"}`),
			"lending[0].mmfFunction.type", `unknown function type "step" (want sqrt)`},
		{"a list", testYAML + "lending: {symbol: USDC}\n", "lending", "want a list, got a mapping"},
		{"Validate's rules reach Load: optimal < max", editLending(t, "maxUtilization: 1\n", "maxUtilization: 0.7\n"),
			"lending[1].maxUtilization", "0.7 must exceed optimalUtilization 0.7"},
		{"Validate's rules reach Load: fee ≤ 1", editLending(t, "    fee: 0\n", "    fee: 1.5\n"),
			"lending[1].fee", "1.5 is outside 0..1"},
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
			if fe.Line == 0 {
				t.Errorf("%q: no line", err)
			}
		})
	}
}

// TestLendingErrorLines: Validate's lending errors point at the file line.
func TestLendingErrorLines(t *testing.T) {
	doc := editLending(t, `optimalUtilization: "0.8"`, `optimalUtilization: "1"`)
	_, err := Load(strings.NewReader(doc))
	line := strings.Count(doc[:strings.Index(doc, `optimalUtilization: "1"`)], "\n") + 1
	want := "config: lending[0].optimalUtilization: 1 is outside (0, 1) (line " + strconv.Itoa(line) + ")"
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

// TestRoundTripLending: pools written and read back are equal, edge values
// (fee 0 and 1, maximum and throttle at 1, a zero factor) included, and the
// writer's output is canonical.
func TestRoundTripLending(t *testing.T) {
	fromYAML, err := Load(strings.NewReader(lendingYAML))
	if err != nil {
		t.Fatal(err)
	}
	edge := Default()
	edge.Lending[0].Fee = one
	edge.Lending[0].BaseRate = 10 * one
	edge.Lending[1].OptimalUtilization = 1
	edge.Lending[1].MaxUtilization = one
	edge.Lending[1].ThrottleThreshold = 1
	edge.Lending[2].Fee = 0
	edge.Lending[2].SlopeBelowOptimal = 0
	edge.Lending[2].SlopeAboveOptimal = 0
	edge.Lending[3].OptimalUtilization = one - 2
	edge.Lending[3].MaxUtilization = one - 1
	edge.Lending = edge.Lending[1:] // no USDC pool: pools need not cover every asset
	for _, c := range []*Config{Default(), fromYAML, edge} {
		back := roundTrip(t, c)
		if diff := cmp.Diff(c, back); diff != "" {
			t.Errorf("Load(Marshal(c)) differs (-c +loaded):\n%s", diff)
		}
		a, err := c.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		b, err := back.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Error("Marshal(Load(Marshal(c))) != Marshal(c)")
		}
	}
}
