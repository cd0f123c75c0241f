package scenario

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const minimal = `
duration: 10m
markets:
  - symbol: BTC_USDC_PERP
    price: "100000"
    path: {segments: [{duration: 10m, change: -0.1}]}
traders: {count: 10}
marketMakers:
  - {market: BTC_USDC_PERP, collateral: "1000000", size: 10000}
`

func TestDefaults(t *testing.T) {
	s, err := Parse([]byte(minimal), t.TempDir(), "mini")
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case s.Name != "mini" || s.Seed != 1:
		t.Errorf("name %q seed %d, want the file stem and seed 1", s.Name, s.Seed)
	case time.Duration(s.Tick) != time.Second || s.Ticks() != 600:
		t.Errorf("tick %s, %d ticks; want 1s and 600", s.Tick, s.Ticks())
	case time.Duration(s.SampleEvery) != time.Second:
		t.Errorf("sampleEvery %s, want 1s (600 ticks ≤ 720 samples)", s.SampleEvery)
	case len(s.PolicyList) != 1 || s.Policies[0] != "backpack":
		t.Errorf("policies %v, want [backpack]", s.Policies)
	case s.Markets[0].Price.Units != 100_000*1e8 || *s.Markets[0].Weight != 1:
		t.Errorf("price %d weight %v", s.Markets[0].Price.Units, *s.Markets[0].Weight)
	case s.Traders.Leverage.Kind != "lognormal" || *s.Traders.LongShare != 0.5 || s.Traders.LowLeverage != 3:
		t.Errorf("trader defaults: %+v", s.Traders)
	case s.MarketMakers[0].Levels != 10 || s.MarketMakers[0].Count != 1 || *s.MarketMakers[0].Stress.Depth != 0.25:
		t.Errorf("market maker defaults: %+v", s.MarketMakers[0])
	case s.MarketMakers[0].Collateral.Units != 1_000_000*1e6:
		t.Errorf("collateral %d, want 1e12 USDC units", s.MarketMakers[0].Collateral.Units)
	}
}

func TestSampleEveryDefaultCapsSamples(t *testing.T) {
	s, err := Parse([]byte(strings.Replace(minimal, "duration: 10m", "duration: 2h", 1)), t.TempDir(), "x")
	if err != nil {
		t.Fatal(err)
	}
	if got := time.Duration(s.SampleEvery); got != 10*time.Second {
		t.Errorf("sampleEvery %s, want 10s for 7200 ticks", got)
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct{ name, from, to, want string }{
		{"unknown key", "traders: {count: 10}", "traders: {count: 10, cuont: 3}", "field cuont not found"},
		{"no duration", "duration: 10m", "", "duration: required"},
		{"bad duration", "duration: 10m", "duration: ten", `"ten" is not a duration`},
		{"ragged ticks", "duration: 10m", "duration: 10m\ntick: 7s", "not a whole number of ticks"},
		{"unknown policy", "duration: 10m", "duration: 10m\npolicies: [backpack, yolo]", `policies[1]: unknown policy "yolo"`},
		{"unknown market", "symbol: BTC_USDC_PERP", "symbol: DOGE_USDC_PERP", `markets[0].symbol: no market "DOGE_USDC_PERP"`},
		{"spot market", "symbol: BTC_USDC_PERP", "symbol: BTC_USDC", "is a spot market"},
		{"bad price", `price: "100000"`, `price: "abc"`, "markets[0].price"},
		{"no path", "path: {segments: [{duration: 10m, change: -0.1}]}", "weight: 1", "give either csv or segments"},
		{"crash below zero", "change: -0.1", "change: -1.5", "segments[0].change"},
		{"jump outside", "change: -0.1}", "change: -0.1, jumps: [{at: 11m, size: -0.1}]}", "jumps[0].at"},
		{"leverage dist", "traders: {count: 10}", "traders: {count: 10, leverage: {dist: gamma}}", `traders.leverage: unknown dist "gamma"`},
		{"negative share", "traders: {count: 10}", "traders: {count: 10, longShare: 1.5}", "traders.longShare"},
		{"maker market", "{market: BTC_USDC_PERP, collateral", "{market: ETH_USDC_PERP, collateral", "marketMakers[0].market"},
		{"maker size", ", size: 10000}", "}", "marketMakers[0].size: required"},
		{"no maker", "marketMakers:\n  - {market: BTC_USDC_PERP, collateral: \"1000000\", size: 10000}", "", "has no market maker"},
		{"backstop capacity", "traders: {count: 10}", "traders: {count: 10}\nbackstops: [{market: BTC_USDC_PERP, collateral: \"1\"}]", "backstops[0].capacity: required"},
		{"bracket", "path:", "riskLimits: {brackets: [{notionalCap: \"100\", maxLeverage: 0, maintenanceMarginRatio: \"0.01\"}]}\n    path:", "riskLimits"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := strings.Replace(minimal, tc.from, tc.to, 1)
			if src == minimal {
				t.Fatalf("edit %q not found", tc.from)
			}
			_, err := Parse([]byte(src), t.TempDir(), "x")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestCSVPath(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "btc.csv"), []byte("seconds,price\n0,100000\n60,90000\n600,95000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	src := strings.Replace(minimal, `price: "100000"
    path: {segments: [{duration: 10m, change: -0.1}]}`, `path: {csv: btc.csv}`, 1)
	s, err := Parse([]byte(src), dir, "x")
	if err != nil {
		t.Fatal(err)
	}
	m := s.Markets[0]
	if len(m.Path.Points) != 3 || m.Price.Units != 100_000*1e8 {
		t.Fatalf("points %v, price %d: want 3 rows and the first row's price", m.Path.Points, m.Price.Units)
	}
	if err := os.WriteFile(filepath.Join(dir, "btc.csv"), []byte("0,100000\n60,90000\n30,95000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Parse([]byte(src), dir, "x"); err == nil || !strings.Contains(err.Error(), "row 3") {
		t.Fatalf("error %v, want row 3 (seconds not increasing)", err)
	}
}

func TestBundledScenariosLoad(t *testing.T) {
	files, _ := filepath.Glob("../../scenarios/*.yaml")
	if len(files) < 6 {
		t.Fatalf("%d bundled scenarios, want 6", len(files))
	}
	for _, f := range files {
		if _, err := Load(f); err != nil {
			t.Error(err)
		}
	}
}
