package run

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/waterfallrisk/waterfall/sim/report"
	"github.com/waterfallrisk/waterfall/sim/scenario"
)

// small is a ten-minute crash on two markets with every feature in use:
// stops, isolated and hedged traders, a whale, stressed makers, backstops.
const small = `
name: small
duration: 10m
policies: [backpack, classic]
insuranceFund: "20000"
markets:
  - symbol: BTC_USDC_PERP
    price: "100000"
    flow: {rate: 30, sellShare: 0.6}
    path:
      segments:
        - {duration: 2m, change: 0, volatility: 0.002}
        - {duration: 3m, change: -0.2, volatility: 0.004, jumps: [{at: 1m, size: -0.05}]}
        - {duration: 5m, change: 0.1, volatility: 0.002}
  - symbol: SOL_USDC_PERP
    price: "200"
    weight: 0.5
    path: {segments: [{duration: 4m, change: 0}, {duration: 1m, change: -0.5, volatility: 0.01}, {duration: 5m, change: 0.4}]}
traders:
  count: 400
  leverage: {dist: choice, values: [2, 10, 25], weights: [1, 2, 2]}
  notional: {dist: lognormal, median: 2000, sigma: 1, min: 50, max: 50000}
  longShare: 0.7
  isolatedShare: 0.2
  hedgedShare: 0.2
  stopLoss: {share: 0.3, distance: {dist: uniform, min: 0.02, max: 0.1}}
whales:
  - {market: BTC_USDC_PERP, side: long, notional: "500000", leverage: 10}
marketMakers:
  - {market: BTC_USDC_PERP, count: 2, collateral: "20000000", levels: 8, size: 30000, growth: 1.2, stress: {move: 0.01, depth: 0.2}}
  - {market: SOL_USDC_PERP, collateral: "10000000", levels: 8, size: 10000, stress: {move: 0.01, depth: 0}}
backstops:
  - {market: BTC_USDC_PERP, collateral: "2000000", capacity: "300000"}
`

func load(t testing.TB, src string) *scenario.Scenario {
	t.Helper()
	sc, err := scenario.Parse([]byte(src), t.TempDir(), "small")
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func metric(t *testing.T, r report.Run, key string) string {
	t.Helper()
	for _, m := range r.Metrics {
		if m.Key == key {
			return m.Value
		}
	}
	t.Fatalf("%s: no metric %q", r.Policy, key)
	return ""
}

func count(t *testing.T, r report.Run, key string) int {
	t.Helper()
	n, err := strconv.Atoi(metric(t, r, key))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSameSeedSameMetricsJSON(t *testing.T) {
	sc := load(t, small)
	run := func(seed uint64, par int) []byte {
		res, err := Simulate(sc, Options{Seed: seed, Parallel: par})
		if err != nil {
			t.Fatal(err)
		}
		return MetricsJSON(res)
	}
	a, b, c := run(5, 1), run(5, 2), run(6, 2)
	if !bytes.Equal(a, b) {
		t.Errorf("same seed, different metrics.json:\n%s\n%s", a, b)
	}
	if bytes.Equal(a, c) {
		t.Error("seeds 5 and 6 gave the same metrics.json")
	}
}

func TestSmallScenario(t *testing.T) {
	sc := load(t, small)
	res, err := Simulate(sc, Options{Seed: 1})
	if err != nil {
		t.Fatal(err) // includes the invariant and conservation checks
	}
	if len(res.Report.Runs) != 2 || res.Report.Runs[0].Policy != "backpack" || res.Report.Runs[1].Policy != "classic" {
		t.Fatalf("runs %+v, want backpack then classic", res.Report.Runs)
	}
	for _, r := range res.Report.Runs {
		if got := count(t, r, "traders_opened"); got != 401 {
			t.Errorf("%s: %d traders opened, want 400 and the whale", r.Policy, got)
		}
		if count(t, r, "accounts_liquidated") == 0 || count(t, r, "stop_losses_fired") == 0 {
			t.Errorf("%s: a 20%% crash liquidated nobody or fired no stop", r.Policy)
		}
		if len(r.Charts) != 7 {
			t.Errorf("%s: %d charts, want 7", r.Policy, len(r.Charts))
		}
		for _, ch := range r.Charts {
			for _, s := range ch.Series {
				if len(s.T) != len(s.V) || len(s.T) != 601 {
					t.Errorf("%s %s %s: %d times, %d values; want 601 samples (every second)", r.Policy, ch.Name, s.Label, len(s.T), len(s.V))
				}
			}
		}
	}
	classic := res.Report.Runs[1]
	if metric(t, classic, "liquidated_backstop") != "0" {
		t.Errorf("classic has no backstop stage, yet %s went to it", metric(t, classic, "liquidated_backstop"))
	}
}

// TestBundledScenarios runs every scenario in scenarios/ under each of its
// policies with a small population; Simulate fails unless the engine's
// invariants hold and value is conserved at the end of each run.
func TestBundledScenarios(t *testing.T) {
	files, err := filepath.Glob("../../scenarios/*.yaml")
	if err != nil || len(files) != 6 {
		t.Fatalf("%d bundled scenarios (%v), want 6", len(files), err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".yaml"), func(t *testing.T) {
			sc, err := scenario.Load(f)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Simulate(sc, Options{Seed: sc.Seed, Traders: 150})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res.Report.Runs {
				if count(t, r, "accounts_liquidated") == 0 {
					t.Errorf("%s: nobody was liquidated", r.Policy)
				}
			}
		})
	}
}

func TestWriteOutput(t *testing.T) {
	sc := load(t, strings.Replace(small, "policies: [backpack, classic]", "policies: [partial]", 1))
	res, err := Simulate(sc, Options{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "new", "out")
	if err := Write(dir, res); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "metrics.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, MetricsJSON(res)) || !bytes.Contains(got, []byte(`"policy": "partial"`)) {
		t.Errorf("metrics.json:\n%s", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "report.md")); err != nil {
		t.Error(err)
	}
}
