package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testYAML is a small valid file: a perpetual written with quoted decimals and
// a spot market written with bare YAML numbers and aliases. Refusal cases
// below each change one piece of it.
const testYAML = `seed: 7
settlementAsset: USDC
assets:
  - symbol: USDC
    decimals: 6
    haircutFunction: {weight: "1", kind: {type: identity}}
  - symbol: BTC
    decimals: 8
    haircutFunction:
      weight: "0.9"
      kind: {type: inverseSqrt, base: "1.1", positiveCurvePenalty: "0.000222"}
markets:
  - symbol: BTC_USDC_PERP
    marketType: PERP
    baseSymbol: BTC
    quoteSymbol: USDC
    tickSize: "0.1"
    stepSize: "0.0001"
    minQuantity: "0.0001"
    maxQuantity: "10"
    makerFee: "0.0002"
    takerFee: "0.0005"
    imfFunction: {type: sqrt, base: "0.01333333", factor: "0.00002494"}
    mmfFunction: {type: sqrt, base: "0.00666667", factor: "0.00001496"}
    priceBands: &bands
      minMultiplier: "0.75"
      maxMultiplier: "1.25"
      minImpactMultiplier: "0.97"
      maxImpactMultiplier: "1.03"
      meanMarkPriceBand: {minMultiplier: "0.9", maxMultiplier: "1.1", window: 300000}
      meanPremiumBand: {tolerancePct: "0.01"}
    markPrice: &mark {basisWindow: 60000, band: "0.05"}
    fundingInterval: 3600000
    fundingRateUpperBound: "100"
    fundingRateLowerBound: "-100"
    fundingSampleInterval: 1000
    fundingInterestRate: "0.0001"
    fundingPremiumClamp: "0.0005"
    fundingPeriodHours: 8
    openInterestLimit: "4000"
  - symbol: BTC_USDC
    marketType: SPOT
    baseSymbol: "BTC"
    quoteSymbol: "USDC"
    tickSize: 0.1
    stepSize: 0.0001
    minQuantity: 0.0002
    maxQuantity: null
    makerFee: 0
    takerFee: 1e-3
    imfFunction: null
    priceBands: *bands
    markPrice: *mark
`

// edit returns testYAML with old replaced by new; old must occur exactly once.
func edit(t *testing.T, old, new string) string {
	t.Helper()
	if n := strings.Count(testYAML, old); n != 1 {
		t.Fatalf("edit: %q occurs %d times in testYAML", old, n)
	}
	return strings.Replace(testYAML, old, new, 1)
}

func TestLoadTestYAML(t *testing.T) {
	c, err := Load(strings.NewReader(testYAML))
	if err != nil {
		t.Fatal(err)
	}
	perp, spot := c.Markets[0], c.Markets[1]
	checks := []struct {
		name      string
		got, want int64
	}{
		{"quoted maxQuantity 10 BTC = 100,000 lots of 0.0001", perp.MaxQty, 100_000},
		{"openInterestLimit 4000 BTC = 40,000,000 lots", perp.OpenInterestLimit, 40_000_000},
		{"bare tickSize 0.1 read from its text, not a float", spot.TickSize, 10_000_000},
		{"bare stepSize 0.0001 BTC = 10,000 sats", spot.StepSize, 10_000},
		{"bare minQuantity 0.0002 = 2 lots", spot.MinQty, 2},
		{"null maxQuantity = no limit", spot.MaxQty, 0},
		{"bare makerFee 0", spot.MakerFee, 0},
		{"exponent takerFee 1e-3 = 0.001", spot.TakerFee, 1_000_000_000},
		{"aliased priceBands: impact max 1.03", spot.Bands.ImpactMax, 1_030_000_000_000},
		{"aliased markPrice: band 5%", spot.Mark.Band, 50_000_000_000},
		{"fundingRateUpperBound 100 bps = 0.01", perp.Funding.Upper, 10_000_000_000},
		{"fundingRateLowerBound -100 bps = -0.01", perp.Funding.Lower, -10_000_000_000},
		{"seed", int64(c.Seed), 7},
	}
	for _, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("%s: got %d, want %d", ck.name, ck.got, ck.want)
		}
	}
}

// TestLoadRefuses: every refusal of the reader, and Validate's errors as Load
// reports them, each with the path and the reason it names.
func TestLoadRefuses(t *testing.T) {
	cases := []struct {
		rule       string
		yaml       string
		path, want string
	}{
		{"unknown keys are refused (KnownFields)", edit(t, "    tickSize: \"0.1\"\n", "    tickSize: \"0.1\"\n    tickSzie: \"0.1\"\n"),
			"markets[0].tickSzie", "unknown field (known here: symbol, marketType"},
		{"unknown top-level key", edit(t, "seed: 7\n", "seed: 7\nseeds: 8\n"), "seeds", "unknown field"},
		{"a key given twice", edit(t, "seed: 7\n", "seed: 7\nseed: 8\n"), "seed", "given twice (first at line 1)"},
		{"identity haircut takes no base", edit(t, "{type: identity}", "{type: identity, base: \"1\"}"),
			"assets[0].haircutFunction.kind.base", "unknown field (known here: type)"},
		{"tick finer than 1e-8", edit(t, `tickSize: "0.1"`, `tickSize: "0.000000001"`),
			"markets[0].tickSize", "finer than the price precision 1e-8"},
		{"one lot at one tick a whole number of quote units", edit(t, `tickSize: "0.1"`, `tickSize: "0.00000001"`),
			"markets[0].tickSize", "one lot (0.0001 BTC) at one tick (0.00000001) is not a whole number of USDC's smallest unit (1e-6)"},
		{"step not a whole number of smallest units", edit(t, `stepSize: "0.0001"`, `stepSize: "0.000000001"`),
			"markets[0].stepSize", "not a whole number of BTC's smallest unit (1e-8)"},
		{"step must be positive", edit(t, `stepSize: "0.0001"`, `stepSize: "0"`), "markets[0].stepSize", "must be positive"},
		{"minQuantity a whole number of steps", edit(t, `minQuantity: "0.0001"`, `minQuantity: "0.00015"`),
			"markets[0].minQuantity", "0.00015 is not a whole number of steps (stepSize 0.0001)"},
		{"maxQuantity a whole number of steps", edit(t, `maxQuantity: "10"`, `maxQuantity: "10.00005"`),
			"markets[0].maxQuantity", "not a whole number of steps"},
		{"openInterestLimit a whole number of steps", edit(t, `openInterestLimit: "4000"`, `openInterestLimit: "0.00001"`),
			"markets[0].openInterestLimit", "not a whole number of steps"},
		{"a rate finer than 1e-12", edit(t, `makerFee: "0.0002"`, `makerFee: "0.0000000000001"`),
			"markets[0].makerFee", "more precise than 1e-12"},
		{"funding bound finer than 1e-8 bps", edit(t, `fundingRateUpperBound: "100"`, `fundingRateUpperBound: "0.000000001"`),
			"markets[0].fundingRateUpperBound", "more precise than 1e-8 bps"},
		{"a decimal that is not a number", edit(t, `makerFee: "0.0002"`, `makerFee: "abc"`),
			"markets[0].makerFee", `"abc" is not a decimal number`},
		{"a boolean is not a decimal", edit(t, `makerFee: "0.0002"`, `makerFee: true`),
			"markets[0].makerFee", `"true" is not a decimal number`},
		{"a decimal out of int64 range", edit(t, `maxQuantity: "10"`, `maxQuantity: "1000000000000"`),
			"markets[0].maxQuantity", "out of range"},
		{"a required field", edit(t, "    takerFee: \"0.0005\"\n", ""), "markets[0].takerFee", "required"},
		{"null is the same as absent", edit(t, `takerFee: "0.0005"`, `takerFee: null`), "markets[0].takerFee", "required"},
		{"a mapping where a value belongs", edit(t, `tickSize: "0.1"`, `tickSize: {value: "0.1"}`),
			"markets[0].tickSize", "want a single value, got a mapping"},
		{"a value where a mapping belongs", edit(t, "imfFunction: {type: sqrt, base: \"0.01333333\", factor: \"0.00002494\"}", `imfFunction: "0.01"`),
			"markets[0].imfFunction", `want a mapping of fields, got "0.01"`},
		{"a mapping where a list belongs", strings.Replace(testYAML, "assets:\n", "assets: {}\nmoreAssets:\n", 1),
			"assets", "want a list, got a mapping"},
		{"marketType is SPOT or PERP", edit(t, "marketType: PERP", "marketType: FUTURE"),
			"markets[0].marketType", `unknown market type "FUTURE" (want SPOT or PERP)`},
		{"haircut kind is identity or inverseSqrt", edit(t, "type: inverseSqrt", "type: linear"),
			"assets[1].haircutFunction.kind.type", `unknown kind "linear" (want identity or inverseSqrt)`},
		{"margin function type is sqrt", edit(t, "imfFunction: {type: sqrt", "imfFunction: {type: linear"),
			"markets[0].imfFunction.type", `unknown function type "linear" (want sqrt)`},
		{"markets reference existing assets", edit(t, "baseSymbol: BTC\n", "baseSymbol: XBT\n"),
			"markets[0].baseSymbol", `unknown asset "XBT"`},
		{"spot markets have no margin function", edit(t, "    imfFunction: null\n", "    imfFunction: {type: sqrt, base: \"0.02\", factor: \"0\"}\n"),
			"markets[1].imfFunction", "not allowed: a SPOT market has no margin function"},
		{"spot markets have no funding", edit(t, "    imfFunction: null\n", "    fundingInterval: 3600000\n"),
			"markets[1].fundingInterval", "not allowed"},
		{"spot markets have no open-interest limit", edit(t, "    imfFunction: null\n", "    openInterestLimit: \"1\"\n"),
			"markets[1].openInterestLimit", "not allowed"},
		{"decimals within 0..18", edit(t, "decimals: 8", "decimals: 19"), "assets[1].decimals", "19 is outside 0..18"},
		{"seed is a non-negative integer", edit(t, "seed: 7", "seed: -7"), "seed", `"-7" is not a non-negative integer`},
		{"durations are integer milliseconds", edit(t, "fundingInterval: 3600000", "fundingInterval: 3600000.5"),
			"markets[0].fundingInterval", `"3600000.5" is not an integer`},
		{"Validate's rules reach Load: fee ≤ 0.1", edit(t, `makerFee: "0.0002"`, `makerFee: "0.2"`),
			"markets[0].makerFee", "0.2 is outside 0..0.1"},
		{"Validate's rules reach Load: IMF base > MMF base", edit(t, `base: "0.01333333"`, `base: "0.005"`),
			"markets[0].imfFunction.base", "0.005 must exceed the MMF base 0.00666667"},
		{"an empty document", "", "", "empty document"},
		{"a document of comments only", "# nothing\n", "", "empty document"},
		{"one document only", testYAML + "---\nseed: 1\n", "", "more than one YAML document"},
		{"the document is a mapping", "- 1\n", "", "want a mapping of fields, got a list"},
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

func TestLoadSyntaxError(t *testing.T) {
	_, err := Load(strings.NewReader("seed: [1\n"))
	if err == nil || !strings.HasPrefix(err.Error(), "config: yaml:") {
		t.Errorf("got %v, want the YAML parser's error", err)
	}
}

// TestLoadErrorLines: errors point at the file line, including those Validate
// finds after conversion.
func TestLoadErrorLines(t *testing.T) {
	cases := []struct {
		name, yaml string
		want       string
	}{
		{"reader error", edit(t, `tickSize: "0.1"`, `tickSize: "x"`),
			`config: markets[0].tickSize: "x" is not a decimal number (line 17)`},
		{"Validate error", edit(t, `takerFee: "0.0005"`, `takerFee: "0.5"`),
			"config: markets[0].takerFee: 0.5 is outside 0..0.1 (line 22)"},
		{"required field: the line of its mapping", edit(t, "    takerFee: \"0.0005\"\n", ""),
			"config: markets[0].takerFee: required (line 13)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(strings.NewReader(tc.yaml))
			if err == nil || err.Error() != tc.want {
				t.Errorf("got %v\nwant %s", err, tc.want)
			}
		})
	}
}

func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	if err := os.WriteFile(good, []byte(testYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadFile(good); err != nil {
		t.Errorf("LoadFile(good): %v", err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte(edit(t, "seed: 7", "seed: x")), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadFile(bad)
	var fe *FieldError
	if !errors.As(err, &fe) || !strings.HasPrefix(err.Error(), bad+": config: seed:") {
		t.Errorf("LoadFile(bad) = %v, want the file name and a *FieldError", err)
	}
	if _, err := LoadFile(filepath.Join(dir, "missing.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadFile(missing) = %v, want os.ErrNotExist", err)
	}
}
