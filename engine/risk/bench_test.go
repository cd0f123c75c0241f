package risk

import (
	"testing"

	"github.com/waterfallrisk/waterfall/engine/config"
)

// The margin math runs per position per command: it must not allocate.

var (
	sinkInt  int64
	sinkBool bool
)

// fivePositions is an account across the built-in perps (DESIGN.md §5),
// longs and shorts, below and above each market's base crossover.
var fivePositions = [5]struct {
	notional int64
	imf, mmf config.MarginFunction
}{
	{usdc(500_000), btcIMF, btcMMF},
	{usdc(-100_000), btcIMF, btcMMF},
	{usdc(2_000_000), ethIMF, ethMMF},
	{usdc(-250_000), ethIMF, ethMMF},
	{usdc(75_000), solIMF, solMMF},
}

// walkAccount walks fivePositions as the engine walks an account: both margin
// functions per position (one square root each), into the aggregate.
func walkAccount(netEquity int64) (Account, error) {
	a := Account{NetEquity: netEquity, MinIMF: minIMF75}
	for _, p := range fivePositions {
		imf, mmf, err := Fractions(p.imf, p.mmf, max(p.notional, -p.notional), usdcDecimals, 0)
		if err != nil {
			return a, err
		}
		if err := a.AddPosition(p.notional, imf, mmf); err != nil {
			return a, err
		}
	}
	return a, nil
}

func TestMarginMathDoesNotAllocate(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		a, _ := walkAccount(usdc(100_000))
		sinkBool = a.Liquidatable() || a.CanIncrease() || a.BelowAutoClose(acDivisor, acOffset)
		sinkInt, _ = a.MarginFraction()
		sinkInt += a.Available() + a.MMR() + a.IMR() + a.ACMF(acDivisor, acOffset)
		sinkInt, _ = CollateralWeight(btcHaircut, usdc(200_000_000), usdcDecimals)
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per run, want 0", allocs)
	}
}

// BenchmarkFractions: one position's IMF and MMF from one square root.
func BenchmarkFractions(b *testing.B) {
	b.ReportAllocs()
	n := usdc(500_000)
	for b.Loop() {
		sinkInt, sinkInt, _ = Fractions(btcIMF, btcMMF, n, usdcDecimals, 0)
	}
}

// BenchmarkFraction: one position's IMF, BTC_USDC_PERP at 500,000 USDC (the
// size term binds, so the square root runs).
func BenchmarkFraction(b *testing.B) {
	b.ReportAllocs()
	n := usdc(500_000)
	for b.Loop() {
		sinkInt, _ = Fraction(btcIMF, n, usdcDecimals, 0)
	}
}

// BenchmarkAccount: a five-position account, IMF and MMF per position
// (Fractions: five square roots), aggregated, then Liquidatable,
// CanIncrease, BelowAutoClose, MarginFraction and Available.
func BenchmarkAccount(b *testing.B) {
	b.ReportAllocs()
	equity := usdc(100_000)
	for b.Loop() {
		a, _ := walkAccount(equity)
		sinkBool = a.Liquidatable() || a.CanIncrease() || a.BelowAutoClose(acDivisor, acOffset)
		sinkInt, _ = a.MarginFraction()
		sinkInt += a.Available()
	}
}

// BenchmarkCollateralWeight: the inverse-square-root haircut at 200,000,000 USDC.
func BenchmarkCollateralWeight(b *testing.B) {
	b.ReportAllocs()
	n := usdc(200_000_000)
	for b.Loop() {
		sinkInt, _ = CollateralWeight(btcHaircut, n, usdcDecimals)
	}
}
