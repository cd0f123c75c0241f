package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alecthomas/kong"
)

const simScenario = `
name: cli-small
duration: 5m
policies: [backpack, ladder, classic, partial]
insuranceFund: "10000"
markets:
  - symbol: BTC_USDC_PERP
    price: "100000"
    path: {segments: [{duration: 1m, change: 0, volatility: 0.002}, {duration: 2m, change: -0.15, volatility: 0.004}, {duration: 2m, change: 0.05}]}
traders:
  count: 200
  leverage: {dist: uniform, min: 5, max: 30}
  longShare: 0.7
  stopLoss: {share: 0.2}
marketMakers:
  - {market: BTC_USDC_PERP, collateral: "10000000", levels: 6, size: 20000, stress: {move: 0.01}}
backstops:
  - {market: BTC_USDC_PERP, collateral: "1000000", capacity: "200000"}
`

// runCLI parses args as the command line does and runs the command.
func runCLI(t *testing.T, args ...string) error {
	t.Helper()
	var c cli
	parser, err := kong.New(&c, kong.Name("waterfall"), kong.Exit(func(int) { t.Fatal("kong exited") }))
	if err != nil {
		t.Fatal(err)
	}
	ctx, err := parser.Parse(args)
	if err != nil {
		return err
	}
	return ctx.Run()
}

// TestSimCommand runs a small scenario end to end through the CLI: --out
// is created, --seed and --policy apply, and the report, metrics.json and
// every chart (PNG and SVG) land at the top of the directory.
func TestSimCommand(t *testing.T) {
	simProgress = io.Discard
	dir := t.TempDir()
	file := filepath.Join(dir, "small.yaml")
	if err := os.WriteFile(file, []byte(simScenario), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "fresh", "out")
	if err := runCLI(t, "sim", file, "--out", out, "--seed", "42", "--policy", "backpack", "--policy", "classic"); err != nil {
		t.Fatal(err)
	}
	metrics, err := os.ReadFile(filepath.Join(out, "metrics.json"))
	if err != nil {
		t.Fatal(err)
	}
	m := string(metrics)
	if !strings.Contains(m, `"seed": 42`) || strings.Count(m, `"policy"`) != 2 || !strings.Contains(m, `"policy": "classic"`) {
		t.Errorf("metrics.json does not reflect --seed 42 and two --policy runs:\n%s", m)
	}
	for _, name := range []string{"report.md", "report.html", "prices.png", "prices.svg", "insurance_fund.png",
		"liquidated_by_stage.svg", "open_interest.png", "adl_events.svg", "book_depth.png", "bad_debt.svg"} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Error(err)
		}
	}

	// Without --policy the scenario's four run; the same seed, the same bytes.
	out2 := filepath.Join(dir, "all")
	if err := runCLI(t, "sim", file, "--out", out2, "--quiet"); err != nil {
		t.Fatal(err)
	}
	again := filepath.Join(dir, "again")
	if err := runCLI(t, "sim", file, "--out", again, "--quiet"); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(filepath.Join(out2, "metrics.json"))
	b, _ := os.ReadFile(filepath.Join(again, "metrics.json"))
	if strings.Count(string(a), `"policy"`) != 4 || string(a) != string(b) {
		t.Errorf("the scenario's four policies, twice, gave:\n%s\n%s", a, b)
	}
}

func TestSimCommandErrors(t *testing.T) {
	simProgress = io.Discard
	dir := t.TempDir()
	file := filepath.Join(dir, "small.yaml")
	if err := os.WriteFile(file, []byte(simScenario), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte(strings.Replace(simScenario, "duration: 5m", "duration: soon", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"sim", file, "--policy", "yolo", "--quiet"}, `--policy "yolo": unknown policy`},
		{[]string{"sim", bad, "--quiet"}, `"soon" is not a duration`},
		{[]string{"sim", filepath.Join(dir, "missing.yaml")}, "missing.yaml"},
	} {
		err := runCLI(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want %q", tc.args, err, tc.want)
		}
	}
}
