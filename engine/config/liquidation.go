package config

import (
	"fmt"
	"math"

	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// LiquidationPolicy names the liquidation waterfall an engine runs. The
// liquidation package gives each its behaviour; the configuration only
// chooses one and sets its parameters.
type LiquidationPolicy uint8

const (
	// PolicyBackpack is the default: book (stage 1) while MF ≥ ACMF, backstop
	// providers (stage 2) below it, then ADL (stage 3). DESIGN.md §5,
	// formulas.md §1, seed 001.
	PolicyBackpack LiquidationPolicy = iota
	// PolicyLadder reduces a position one bracket at a time to the cap of the
	// next lower tier, the position frozen meanwhile. formulas.md §2, seed 002.
	PolicyLadder
	// PolicyClassic liquidates in full on the book, the insurance fund takes
	// over what is left at the bankruptcy price, then ADL. formulas.md §3–§4,
	// seed 003.
	PolicyClassic
	// PolicyPartial liquidates large positions a step at a time with a
	// cooldown, and a vault backstop takes over below a fraction of
	// maintenance. formulas.md §6.
	PolicyPartial
)

var policyNames = [...]string{"backpack", "ladder", "classic", "partial"}

// String is the policy's YAML name.
func (p LiquidationPolicy) String() string {
	if int(p) < len(policyNames) {
		return policyNames[p]
	}
	return fmt.Sprintf("LiquidationPolicy(%d)", uint8(p))
}

// ParsePolicy returns the policy named s ("backpack", "ladder", "classic",
// "partial"), as `waterfall sim --policy` and the YAML spell it.
func ParsePolicy(s string) (LiquidationPolicy, bool) {
	for i, n := range policyNames {
		if n == s {
			return LiquidationPolicy(i), true //nolint:gosec // i < 4
		}
	}
	return 0, false
}

// ADLRanking names the score that orders counterparties for auto-deleveraging
// (formulas.md §5).
type ADLRanking uint8

const (
	// RankPnLLeverage: pnl% × effective leverage when pnl% > 0, pnl% /
	// effective leverage otherwise (seed 003; DESIGN.md §5's default).
	RankPnLLeverage ADLRanking = iota
	// RankPnLMargin: max(0, uPnL)/max(1, walletBalance) × MM/(walletBalance + uPnL).
	RankPnLMargin
	// RankMarkLeverage: (mark/entry) × (notional/accountValue).
	RankMarkLeverage
)

var rankingNames = [...]string{"pnlLeverage", "pnlMargin", "markLeverage"}

// String is the ranking's YAML name.
func (r ADLRanking) String() string {
	if int(r) < len(rankingNames) {
		return rankingNames[r]
	}
	return fmt.Sprintf("ADLRanking(%d)", uint8(r))
}

// ParseADLRanking returns the ranking named s ("pnlLeverage", "pnlMargin",
// "markLeverage").
func ParseADLRanking(s string) (ADLRanking, bool) {
	for i, n := range rankingNames {
		if n == s {
			return ADLRanking(i), true //nolint:gosec // i < 3
		}
	}
	return 0, false
}

// Liquidation parameterizes the liquidation waterfall, for every market
// (each market's own LiquidationCapacity is on Market). Fractions are
// fixed.Rate (1e-12), durations milliseconds, amounts the settlement asset's
// smallest units. DefaultLiquidation returns the defaults; each field's
// comment names its default and its source.
type Liquidation struct {
	// Policy is the waterfall to run. Default backpack (DESIGN.md §5;
	// issue #3 point 2 lists the others).
	Policy LiquidationPolicy
	// TickMs is the period of the liquidation loop. Default 1000 (1 s;
	// DESIGN.md §5 stage 1, formulas.md §1).
	TickMs int64
	// Probability is the chance that a liquidating account's positions are
	// worked on a given tick, in (0, 1]. Default 0.5 (DESIGN.md §5,
	// formulas.md §1).
	Probability int64
	// Fraction is the share of what remains of each position one stage-1
	// order closes, in (0, 1]. Default 0.1 (DESIGN.md §5, formulas.md §1).
	Fraction int64
	// Fee is the liquidation fee on each book or backstop liquidation fill's
	// notional, to the insurance fund, in [0, 0.1]. Default 0.01 (DESIGN.md
	// §5, formulas.md §1).
	Fee int64
	// ACMFDivisor and ACMFOffset define the auto-close margin fraction
	// ACMF = max(MMF/ACMFDivisor, MMF − ACMFOffset) below which stage 2
	// starts. formulas.md §1: "always below MMF", so the divisor is a whole
	// number ≥ 2 and the offset lies in (0, 1). Defaults 2 and 0.06 (the
	// model's ancestor's, formulas.md §1).
	ACMFDivisor int64
	ACMFOffset  int64
	// BackstopEquityShare is the share of a liquidated account's remaining
	// positive equity that goes to the backstop providers, in [0, 1].
	// Default 1 (100%: "margin zeroed", DESIGN.md §5 stage 2).
	BackstopEquityShare int64
	// LadderPriceOffset prices the ladder policy's reduction orders this
	// fraction better than the last price ("slightly better than the latest
	// closing price", seed 002), in [0, 1). Default 0.001 (issue #3).
	LadderPriceOffset int64
	// PartialStep is the share of a position the partial policy closes per
	// step, in (0, 1]. Default 0.2 (formulas.md §6).
	PartialStep int64
	// PartialThreshold is the position notional above which the partial
	// policy liquidates by steps, settlement smallest units (≥ 0). Default
	// 100,000 (formulas.md §6: "positions over 100k").
	PartialThreshold int64
	// PartialCooldownMs is the partial policy's pause between steps, at most
	// a week. Default 30000 (30 s, formulas.md §6).
	PartialCooldownMs int64
	// PartialVaultRatio: under the partial policy the vault backstop takes
	// over when equity falls below this fraction of maintenance margin, in
	// (0, 1). Default 0.66666667 (2/3, formulas.md §6).
	PartialVaultRatio int64
	// ADLRanking orders ADL counterparties. Default pnlLeverage (DESIGN.md
	// §5, formulas.md §5).
	ADLRanking ADLRanking
}

// DefaultLiquidation returns the defaults of every Liquidation field
// (DESIGN.md §5, formulas.md §1 and §6), for a settlement asset with
// settlementDecimals decimals (PartialThreshold counts its smallest units).
// A `liquidation:` section in YAML starts from these; default.yaml spells
// them out.
func DefaultLiquidation(settlementDecimals int) Liquidation {
	const rate = rateOne
	return Liquidation{
		Policy:              PolicyBackpack,
		TickMs:              1_000,
		Probability:         rate / 2,
		Fraction:            rate / 10,
		Fee:                 rate / 100,
		ACMFDivisor:         2,
		ACMFOffset:          rate * 6 / 100,
		BackstopEquityShare: rate,
		LadderPriceOffset:   rate / 1_000,
		PartialStep:         rate / 5,
		PartialThreshold:    wholeUnits(100_000, settlementDecimals),
		PartialCooldownMs:   30_000,
		PartialVaultRatio:   666_666_670_000, // 0.66666667
		ADLRanking:          RankPnLLeverage,
	}
}

// wholeUnits is n whole units of an asset with the given decimals (0..18) in
// its smallest units, saturating at math.MaxInt64 (a threshold then never
// reached).
func wholeUnits(n int64, decimals int) int64 {
	v, err := fixed.Mul(n, fixed.Pow10(min(max(decimals, 0), maxDecimals)))
	if err != nil {
		return math.MaxInt64
	}
	return v
}

// checkLiquidation applies the range of every Liquidation field.
func checkLiquidation(l *Liquidation) error {
	const path = "liquidation."
	switch {
	case int(l.Policy) >= len(policyNames):
		return fieldErr(path+"policy", "unknown policy %d", l.Policy)
	case l.TickMs <= 0 || l.TickMs > maxWindowMs:
		return fieldErr(path+"tickMs", "%d ms is outside 1..%d", l.TickMs, maxWindowMs)
	case l.Probability <= 0 || l.Probability > rateOne:
		return fieldErr(path+"probability", "%s is outside (0, 1]", rateText(l.Probability))
	case l.Fraction <= 0 || l.Fraction > rateOne:
		return fieldErr(path+"fraction", "%s is outside (0, 1]", rateText(l.Fraction))
	case l.Fee < 0 || l.Fee > maxFee:
		return fieldErr(path+"fee", "%s is outside 0..0.1", rateText(l.Fee))
	case l.ACMFDivisor < 2:
		return fieldErr(path+"acmfDivisor", "%d must be at least 2: ACMF = max(MMF/divisor, MMF − offset) stays below MMF", l.ACMFDivisor)
	case l.ACMFOffset <= 0 || l.ACMFOffset >= rateOne:
		return fieldErr(path+"acmfOffset", "%s is outside (0, 1): ACMF = max(MMF/divisor, MMF − offset) stays below MMF", rateText(l.ACMFOffset))
	case l.BackstopEquityShare < 0 || l.BackstopEquityShare > rateOne:
		return fieldErr(path+"backstopEquityShare", "%s is outside 0..1", rateText(l.BackstopEquityShare))
	case l.LadderPriceOffset < 0 || l.LadderPriceOffset >= rateOne:
		return fieldErr(path+"ladderPriceOffset", "%s is outside [0, 1)", rateText(l.LadderPriceOffset))
	case l.PartialStep <= 0 || l.PartialStep > rateOne:
		return fieldErr(path+"partialStep", "%s is outside (0, 1]", rateText(l.PartialStep))
	case l.PartialThreshold < 0:
		return fieldErr(path+"partialThreshold", "must not be negative")
	case l.PartialCooldownMs < 0 || l.PartialCooldownMs > maxWindowMs:
		return fieldErr(path+"partialCooldownMs", "%d ms is outside 0..%d", l.PartialCooldownMs, maxWindowMs)
	case l.PartialVaultRatio <= 0 || l.PartialVaultRatio >= rateOne:
		return fieldErr(path+"partialVaultRatio", "%s is outside (0, 1)", rateText(l.PartialVaultRatio))
	case int(l.ADLRanking) >= len(rankingNames):
		return fieldErr(path+"adlRanking", "unknown ranking %d", l.ADLRanking)
	}
	return nil
}
