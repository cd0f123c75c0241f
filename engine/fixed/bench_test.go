package fixed

import "testing"

// The hot-path helpers must not allocate: the engine calls them per position
// per command.

var sink int64

func TestHotPathDoesNotAllocate(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		sink, _ = MulDiv(1_000_000_000_000, 24_940_000_000, RateScale, Ceil)
		sink, _ = SqrtProduct(500_000_000_000, 1_000_000_000_000_000_000, Ceil)
		sink, _ = Wide(sink, RateScale).Div(3, Floor)
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per run, want 0", allocs)
	}
}

// BenchmarkMulDiv: a requirement, 1,000,000 USDC × IMF 0.02494, rounded up.
func BenchmarkMulDiv(b *testing.B) {
	b.ReportAllocs()
	notional, fraction := int64(1_000_000_000_000), int64(24_940_000_000)
	for b.Loop() {
		sink, _ = MulDiv(notional, fraction, RateScale, Ceil)
	}
}

// BenchmarkSqrtProduct: ⌈√(500,000 USDC · 10¹⁸)⌉, the square root inside a
// margin function.
func BenchmarkSqrtProduct(b *testing.B) {
	b.ReportAllocs()
	notional, scale := int64(500_000_000_000), int64(1_000_000_000_000_000_000)
	for b.Loop() {
		sink, _ = SqrtProduct(notional, scale, Ceil)
	}
}
