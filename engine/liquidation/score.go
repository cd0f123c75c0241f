package liquidation

import (
	"math/bits"

	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// Score is an ADL ranking key: an exact signed rational, or ±∞. The zero
// value is 0. Scores compare exactly (Cmp, by cross multiplication in 256
// bits), so two positions tie only when their scores are equal as fractions;
// no score is ever rounded.
type Score struct {
	neg bool // the sign, for a non-zero score
	inf bool // |score| = ∞
	num u128 // |score| = num/den when finite; 0 when num is 0
	den u128 // > 0 when num ≠ 0
}

// u128 is an unsigned 128-bit magnitude; the products here stay below 2¹²⁶.
type u128 struct{ hi, lo uint64 }

// NewScore returns the score num/den exactly: ±∞ for den = 0 (0 for 0/0).
func NewScore(num, den int64) Score {
	neg := (num < 0) != (den < 0)
	switch {
	case num == 0:
		return Score{}
	case den == 0:
		return Score{neg: num < 0, inf: true}
	}
	return Score{neg: neg, num: u128{lo: absU(num)}, den: u128{lo: absU(den)}}
}

// ratio returns the score ±(a·b)/(c·d) for magnitudes a, b ≥ 0 and c, d > 0.
func ratio(neg bool, a, b, c, d uint64) Score {
	if a == 0 || b == 0 {
		return Score{}
	}
	return Score{neg: neg, num: mul64(a, b), den: mul64(c, d)}
}

// infinite returns ±∞.
func infinite(neg bool) Score { return Score{neg: neg, inf: true} }

// Sign returns -1, 0 or +1.
func (s Score) Sign() int { return s.sign() }

func (s *Score) sign() int {
	switch {
	case !s.inf && s.num == (u128{}):
		return 0
	case s.neg:
		return -1
	}
	return 1
}

// IsInf reports whether the score is +∞ or −∞.
func (s Score) IsInf() bool { return s.inf }

// Cmp compares s with t exactly: -1, 0 or +1.
func (s Score) Cmp(t Score) int { return s.cmp(&t) }

func (s *Score) cmp(t *Score) int {
	ss, ts := s.sign(), t.sign()
	switch {
	case ss < ts:
		return -1
	case ss > ts:
		return 1
	case ss == 0:
		return 0
	}
	var m int
	switch {
	case s.inf && t.inf:
		m = 0
	case s.inf:
		m = 1
	case t.inf:
		m = -1
	default:
		m = cmp256(mul128(s.num, t.den), mul128(t.num, s.den))
	}
	if ss < 0 {
		return -m
	}
	return m
}

// RankInputs describes one counterparty position for ScoreOf. Amounts are
// the settlement asset's smallest units, valued as the engine values them at
// the mark.
type RankInputs struct {
	// Short is true for a short position.
	Short bool
	// Notional is |position value at the mark| (≥ 0).
	Notional int64
	// Entry is |position cost|, the entry notional (≥ 0).
	Entry int64
	// PnL is the unrealized PnL at the mark, value − cost (signed).
	PnL int64
	// Equity is what effective leverage divides by: in cross margin the
	// account's net equity (DESIGN.md §5), in isolated margin the position's
	// margin + PnL (its own equity, formulas.md §5's markValue −
	// bankruptValue). markLeverage's "account value".
	Equity int64
	// Wallet is the wallet balance (pnlMargin only).
	Wallet int64
	// Maintenance is the position's maintenance margin, ≥ 0 (pnlMargin only).
	Maintenance int64
}

// ScoreOf computes a position's ADL score under ranking r (formulas.md §5).
// Higher scores are deleveraged first. Every division is kept as a fraction;
// nothing rounds.
//
// config.RankPnLLeverage (seed 003; the default): with pnl% = PnL/Entry and
// effective leverage effLev = Notional/Equity,
//
//	score = pnl% × effLev = PnL·Notional / (Entry·Equity)   when PnL > 0
//	score = pnl% / effLev = PnL·Equity / (Entry·Notional)   when PnL < 0
//	score = 0                                               when PnL = 0
//
// Equity ≤ 0 is an unbounded leverage: +∞ for a profit, 0 for a loss
// (pnl%/∞). An Entry of 0 counts as 1 unit.
//
// config.RankPnLMargin: max(0, PnL)/max(1, Wallet) × Maintenance/(Wallet + PnL),
// +∞ when Wallet + PnL ≤ 0 with a profit and some maintenance.
//
// config.RankMarkLeverage: (mark/entry) × (Notional/Equity), the price ratio
// taken in the position's favour, mark/entry for a long and entry/mark for a
// short, so that a profit ranks higher on both sides: Notional²/(Entry·Equity)
// for a long, Entry/Equity for a short; +∞ when Equity ≤ 0.
//
// Errors: ErrNegative for a negative Notional, Entry or Maintenance;
// ErrRanking for an unknown r; fixed.ErrOverflow when Wallet + PnL does not
// fit an int64.
func ScoreOf(r config.ADLRanking, in RankInputs) (Score, error) {
	if in.Notional < 0 || in.Entry < 0 || in.Maintenance < 0 {
		return Score{}, ErrNegative
	}
	notional, entry := uint64(in.Notional), max(uint64(in.Entry), 1) //nolint:gosec // non-negative, checked
	switch r {
	case config.RankPnLLeverage:
		pnl := absU(in.PnL)
		switch {
		case in.PnL == 0:
			return Score{}, nil
		case in.PnL > 0 && in.Notional == 0:
			return Score{}, nil
		case in.PnL > 0 && in.Equity <= 0:
			return infinite(false), nil
		case in.PnL > 0:
			return ratio(false, pnl, notional, entry, uint64(in.Equity)), nil //nolint:gosec // Equity > 0
		case in.Equity <= 0:
			return Score{}, nil
		case in.Notional == 0:
			return infinite(true), nil
		}
		return ratio(true, pnl, uint64(in.Equity), entry, notional), nil //nolint:gosec // Equity > 0
	case config.RankPnLMargin:
		if in.PnL <= 0 || in.Maintenance == 0 {
			return Score{}, nil
		}
		total, err := fixed.Add(in.Wallet, in.PnL)
		if err != nil {
			return Score{}, err
		}
		if total <= 0 {
			return infinite(false), nil
		}
		wallet := uint64(max(in.Wallet, 1))                                                     //nolint:gosec // ≥ 1
		return ratio(false, uint64(in.PnL), uint64(in.Maintenance), wallet, uint64(total)), nil //nolint:gosec // all positive
	case config.RankMarkLeverage:
		switch {
		case in.Notional == 0:
			return Score{}, nil
		case in.Equity <= 0:
			return infinite(false), nil
		case in.Short:
			return ratio(false, uint64(in.Entry), 1, uint64(in.Equity), 1), nil //nolint:gosec // non-negative, positive
		}
		return ratio(false, notional, notional, entry, uint64(in.Equity)), nil //nolint:gosec // Equity > 0
	}
	return Score{}, ErrRanking
}

func absU(a int64) uint64 {
	if a < 0 {
		return uint64(-(a + 1)) + 1 //nolint:gosec // |MinInt64| fits a uint64
	}
	return uint64(a)
}

func mul64(a, b uint64) u128 {
	hi, lo := bits.Mul64(a, b)
	return u128{hi, lo}
}

// mul128 returns a·b as four little-endian words.
func mul128(a, b u128) [4]uint64 {
	h0, l0 := bits.Mul64(a.lo, b.lo)
	if a.hi == 0 && b.hi == 0 {
		return [4]uint64{l0, h0, 0, 0}
	}
	h1, l1 := bits.Mul64(a.lo, b.hi)
	h2, l2 := bits.Mul64(a.hi, b.lo)
	h3, l3 := bits.Mul64(a.hi, b.hi)
	var w [4]uint64
	var c, c2 uint64
	w[0] = l0
	w[1], c = bits.Add64(h0, l1, 0)
	w[1], c2 = bits.Add64(w[1], l2, 0)
	w[2], c = bits.Add64(h1, h2, c)
	w[2], c2 = bits.Add64(w[2], l3, c2)
	w[3] = h3 + c + c2
	return w
}

func cmp256(x, y [4]uint64) int {
	for i := 3; i >= 0; i-- {
		switch {
		case x[i] < y[i]:
			return -1
		case x[i] > y[i]:
			return 1
		}
	}
	return 0
}
