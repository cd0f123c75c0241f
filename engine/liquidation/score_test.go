package liquidation

import (
	"errors"
	"math"
	"math/big"
	"testing"

	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
	"pgregory.net/rapid"
)

// usdc converts whole USDC (6 decimals, DESIGN.md §5) to smallest units.
func usdc(whole int64) int64 { return whole * 1_000_000 }

// Seed 003's ADL ranking example (formulas.md §5): A 250% × 15x = 3750,
// B 150% × 20x = 3000, C 500% × 5x = 2500 (percent × leverage), so the queue
// is A, B, C. As positions: pnl% = PnL/Entry, effective leverage =
// Notional/Equity.
var (
	seedA = RankInputs{Entry: usdc(1_500), PnL: usdc(3_750), Notional: usdc(5_250), Equity: usdc(350)}   // 2.5 × 15
	seedB = RankInputs{Entry: usdc(2_000), PnL: usdc(3_000), Notional: usdc(5_000), Equity: usdc(250)}   // 1.5 × 20
	seedC = RankInputs{Entry: usdc(1_000), PnL: usdc(5_000), Notional: usdc(6_000), Equity: usdc(1_200)} // 5 × 5
)

func TestScoreOf(t *testing.T) {
	cases := []struct {
		name string
		r    config.ADLRanking
		in   RankInputs
		want Score
	}{
		{"seed 003 trader A: 250% × 15x = 37.5", config.RankPnLLeverage, seedA, NewScore(75, 2)},
		{"seed 003 trader B: 150% × 20x = 30", config.RankPnLLeverage, seedB, NewScore(30, 1)},
		{"seed 003 trader C: 500% × 5x = 25", config.RankPnLLeverage, seedC, NewScore(25, 1)},
		{"formulas.md §5, a loss: pnl% / effLev = −50% / 4x = −0.125", config.RankPnLLeverage,
			RankInputs{Entry: usdc(1_000), PnL: -usdc(500), Notional: usdc(500), Equity: usdc(125)}, NewScore(-1, 8)},
		{"no PnL: 0", config.RankPnLLeverage, RankInputs{Entry: usdc(1_000), Notional: usdc(1_000), Equity: usdc(100)}, Score{}},
		{"a profit on no equity: unbounded leverage, +∞", config.RankPnLLeverage,
			RankInputs{Entry: usdc(1_000), PnL: usdc(10), Notional: usdc(1_010), Equity: 0}, NewScore(1, 0)},
		{"a loss on no equity: pnl%/∞ = 0", config.RankPnLLeverage,
			RankInputs{Entry: usdc(1_000), PnL: -usdc(10), Notional: usdc(990), Equity: -usdc(5)}, Score{}},
		{"isolated: leverage on the position's own equity, margin 100 + PnL 50 = 150; 5% × 1050/150 = 0.35", config.RankPnLLeverage,
			RankInputs{Entry: usdc(1_000), PnL: usdc(50), Notional: usdc(1_050), Equity: usdc(150)}, NewScore(7, 20)},
		{"pnlMargin: 500/1,000 × 50/(1,000 + 500) = 1/60", config.RankPnLMargin,
			RankInputs{PnL: usdc(500), Wallet: usdc(1_000), Maintenance: usdc(50)}, NewScore(1, 60)},
		{"pnlMargin: a loss ranks 0", config.RankPnLMargin,
			RankInputs{PnL: -usdc(500), Wallet: usdc(1_000), Maintenance: usdc(50)}, Score{}},
		{"pnlMargin: wallet + PnL ≤ 0 with a profit: +∞", config.RankPnLMargin,
			RankInputs{PnL: usdc(5), Wallet: -usdc(10), Maintenance: usdc(1)}, NewScore(1, 0)},
		{"pnlMargin: wallet below 1 unit counts as 1: 2/1 × 3/(0 + 2) = 3", config.RankPnLMargin,
			RankInputs{PnL: 2, Wallet: 0, Maintenance: 3}, NewScore(3, 1)},
		{"markLeverage long: 1,200/1,000 × 1,200/600 = 2.4", config.RankMarkLeverage,
			RankInputs{Entry: usdc(1_000), Notional: usdc(1_200), Equity: usdc(600)}, NewScore(12, 5)},
		{"markLeverage short in profit: entry/mark 1,000/800 × 800/400 = 2.5", config.RankMarkLeverage,
			RankInputs{Short: true, Entry: usdc(1_000), Notional: usdc(800), Equity: usdc(400)}, NewScore(5, 2)},
		{"markLeverage on no account value: +∞", config.RankMarkLeverage,
			RankInputs{Entry: usdc(1_000), Notional: usdc(800), Equity: -1}, NewScore(1, 0)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ScoreOf(tc.r, tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got.Cmp(tc.want) != 0 || tc.want.Cmp(got) != 0 {
				t.Fatalf("ScoreOf = %+v, want %+v", got, tc.want)
			}
		})
	}
	for _, bad := range []struct {
		r    config.ADLRanking
		in   RankInputs
		want error
	}{
		{config.RankPnLLeverage, RankInputs{Notional: -1}, ErrNegative},
		{config.RankPnLLeverage, RankInputs{Entry: -1}, ErrNegative},
		{config.RankPnLMargin, RankInputs{Maintenance: -1}, ErrNegative},
		{config.RankPnLMargin, RankInputs{PnL: math.MaxInt64, Wallet: 1, Maintenance: 1}, fixed.ErrOverflow},
		{config.ADLRanking(99), RankInputs{}, ErrRanking},
	} {
		if _, err := ScoreOf(bad.r, bad.in); !errors.Is(err, bad.want) {
			t.Errorf("ScoreOf(%v, %+v): %v, want %v", bad.r, bad.in, err, bad.want)
		}
	}
}

// TestScoreCmpMatchesRationals: Cmp orders ±(a·b)/(c·d) exactly as math/big
// does, across the whole int64 range, and ±∞ beyond every finite score.
func TestScoreCmpMatchesRationals(t *testing.T) {
	mag := rapid.Custom(func(t *rapid.T) uint64 {
		if rapid.Bool().Draw(t, "small") {
			return rapid.Uint64Range(1, 1000).Draw(t, "v")
		}
		return rapid.Uint64Range(1, math.MaxInt64).Draw(t, "v")
	})
	draw := func(t *rapid.T, name string) (Score, *big.Rat, int) {
		switch rapid.IntRange(0, 9).Draw(t, name+"kind") {
		case 0:
			return Score{}, new(big.Rat), 0
		case 1:
			neg := rapid.Bool().Draw(t, name+"neg")
			inf := 1
			if neg {
				inf = -1
			}
			return infinite(neg), nil, inf
		}
		neg := rapid.Bool().Draw(t, name+"neg")
		a, b, c, d := mag.Draw(t, name+"a"), mag.Draw(t, name+"b"), mag.Draw(t, name+"c"), mag.Draw(t, name+"d")
		num := new(big.Int).Mul(new(big.Int).SetUint64(a), new(big.Int).SetUint64(b))
		if neg {
			num.Neg(num)
		}
		den := new(big.Int).Mul(new(big.Int).SetUint64(c), new(big.Int).SetUint64(d))
		return ratio(neg, a, b, c, d), new(big.Rat).SetFrac(num, den), 0
	}
	rapid.Check(t, func(t *rapid.T) {
		s, rs, is := draw(t, "s")
		u, ru, iu := draw(t, "u")
		var want int
		switch {
		case is != 0 && iu != 0:
			want = cmpInt(is, iu)
		case is != 0:
			want = is
		case iu != 0:
			want = -iu
		default:
			want = rs.Cmp(ru)
		}
		if got := s.Cmp(u); got != want {
			t.Fatalf("Cmp = %d, want %d", got, want)
		}
		if got := u.Cmp(s); got != -want {
			t.Fatalf("reverse Cmp = %d, want %d", got, -want)
		}
	})
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestNewScore(t *testing.T) {
	if NewScore(0, 0).Sign() != 0 || NewScore(-3, 0).Sign() != -1 || !NewScore(-3, 0).IsInf() {
		t.Fatal("0/0 is 0, −3/0 is −∞")
	}
	if NewScore(1, -2).Cmp(NewScore(-2, 4)) != 0 || NewScore(math.MinInt64, -1).Cmp(NewScore(math.MaxInt64, 1)) <= 0 {
		t.Fatal("signs and the int64 extremes")
	}
}
