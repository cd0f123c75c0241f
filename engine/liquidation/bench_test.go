package liquidation

import (
	"testing"

	"github.com/waterfallrisk/waterfall/engine/config"
)

// The waterfall runs these per liquidation tick and per ADL event: with the
// caller's buffers they must not allocate.

var (
	sinkInt   int64
	sinkInts  []int
	sinkLots  []int64
	sinkScore Score
)

func BenchmarkBookSlice(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		sinkInt += BookSlice(12_345, tenPct, 1, 1)
	}
}

func benchWeights(n int) []int64 {
	w := make([]int64, n)
	for i := range w {
		w[i] = int64(i*7919%1000 + 1) //nolint:gosec // small
	}
	return w
}

func BenchmarkProRata(b *testing.B) {
	for _, n := range []int{8, 1_000} {
		w := benchWeights(n)
		var sum int64
		for _, v := range w {
			sum += v
		}
		total := sum*2/3 - 1 // a split with lots left over for the remainders
		out := make([]int64, 0, n)
		b.Run(itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var err error
				if out, err = ProRata(total, w, out); err != nil {
					b.Fatal(err)
				}
			}
			sinkLots = out
		})
	}
}

func BenchmarkScoreOf(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		s, err := ScoreOf(config.RankPnLLeverage, seedA)
		if err != nil {
			b.Fatal(err)
		}
		sinkScore = s
	}
}

// benchCandidates: n positions scored from USDC-sized inputs (products
// past 64 bits, as real ones are), a tenth tied with their neighbour, a fifth
// hedged.
func benchCandidates(n int) []Candidate {
	c := make([]Candidate, n)
	for i := range c {
		k := int64(i*7919%5003 + 1) //nolint:gosec // small
		if i%10 == 1 {
			k = int64((i-1)*7919%5003 + 1) //nolint:gosec // the previous one's: a tie
		}
		in := RankInputs{Entry: usdc(10_000 + k), PnL: usdc(k * 3), Notional: usdc(10_000 + 4*k), Equity: usdc(1_000 + k%17)}
		s, err := ScoreOf(config.RankPnLLeverage, in)
		if err != nil {
			panic(err)
		}
		c[i] = Candidate{Score: s, Hedged: i%5 == 0, Qty: int64(i%97 + 1), ID: uint64(i)} //nolint:gosec // non-negative
	}
	return c
}

func BenchmarkRank(b *testing.B) {
	for _, n := range []int{10, 1_000} {
		cands := benchCandidates(n)
		out := make([]int, 0, n)
		b.Run(itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				out = Rank(cands, out)
			}
			sinkInts = out
		})
	}
}

func BenchmarkADLQuantities(b *testing.B) {
	for _, n := range []int{10, 1_000} {
		cands := benchCandidates(n)
		ranked := Rank(cands, nil)
		var held int64
		for _, c := range cands {
			held += c.Qty
		}
		out := make([]int64, 0, n)
		b.Run(itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var err error
				if out, err = ADLQuantities(held*2/3, cands, ranked, out); err != nil {
					b.Fatal(err)
				}
			}
			sinkLots = out
		})
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var buf [20]byte
	i := len(buf)
	for ; n > 0; n /= 10 {
		i--
		buf[i] = byte('0' + n%10)
	}
	return "n=" + string(buf[i:])
}
