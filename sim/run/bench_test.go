package run

import (
	"flag"
	"testing"

	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/sim/scenario"
)

var benchTraders = flag.Int("sim.traders", 0, "BenchmarkOct10: traders (0: the scenario's 100,000)")

// BenchmarkOct10 runs the bundled 10-Oct-2025 scenario (docs/benchmarks.md,
// "Simulator") at the scenario's 100,000 traders unless -sim.traders says
// otherwise: all its policies (in parallel, as the command runs them), then
// each policy alone, for profiles. Output is not written.
func BenchmarkOct10(b *testing.B) {
	sc, err := scenario.Load("../../scenarios/oct-10-2025.yaml")
	if err != nil {
		b.Fatal(err)
	}
	cases := []struct {
		name     string
		policies []config.LiquidationPolicy
	}{{"all", nil}}
	for _, p := range sc.PolicyList {
		cases = append(cases, struct {
			name     string
			policies []config.LiquidationPolicy
		}{p.String(), []config.LiquidationPolicy{p}})
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := Simulate(sc, Options{Seed: sc.Seed, Traders: *benchTraders, Policies: c.policies}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
