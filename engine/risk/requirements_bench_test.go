package risk

import (
	"testing"

	"github.com/waterfallrisk/waterfall/engine/config"
)

// Requirements runs per position per command, as the margin math in
// bench_test.go does: it must not allocate, whichever model the market uses.

func TestRequirementsDoNotAllocate(t *testing.T) {
	deduction, whole, sqrt := bracketMarkets(t)
	allocs := testing.AllocsPerRun(100, func() {
		for _, m := range []*config.Market{deduction, whole, sqrt} {
			a := Account{NetEquity: usdc(100_000)}
			im, mm, _ := Requirements(m, usdc(1_200_000), usdc(1_000_000), usdcDecimals, 0)
			_ = a.AddRequirements(usdc(1_000_000), im, mm)
			sinkInt, sinkInt, _ = MarketFractions(m, usdc(1_200_000), usdc(1_000_000), usdcDecimals, 0)
			sinkInt += MaxLeverage(&m.RiskLimits, usdc(1_200_000))
			sinkBool = a.CanIncrease() || a.BelowAutoClose(acDivisor, acOffset)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per run, want 0", allocs)
	}
}

// BenchmarkRequirements: one position's initial and maintenance margin at
// 1,000,000 USDC (exposure 1,200,000 with open orders), per margin model:
// formulas.md §2's five-tier table (deduction, whole) and DESIGN.md §5's SOL
// sqrt functions (two square roots: the notionals differ).
func BenchmarkRequirements(b *testing.B) {
	deduction, whole, sqrt := bracketMarkets(b)
	for _, c := range []struct {
		name string
		m    *config.Market
	}{{"deduction", deduction}, {"whole", whole}, {"sqrt", sqrt}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			expo, pos := usdc(1_200_000), usdc(1_000_000)
			for b.Loop() {
				sinkInt, sinkInt, _ = Requirements(c.m, expo, pos, usdcDecimals, 0)
			}
		})
	}
}

// BenchmarkTier: the tier lookup at 5,000,000 USDC, fourth of five tiers.
func BenchmarkTier(b *testing.B) {
	deduction, _, _ := bracketMarkets(b)
	rl := &deduction.RiskLimits
	n := usdc(5_000_000)
	for b.Loop() {
		sinkInt = MaxLeverage(rl, n)
	}
}
