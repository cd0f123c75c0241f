// Package liquidation is the pure math of Waterfall's liquidation waterfall
// (DESIGN.md §5; reference/formulas.md §1 and §5): how much one stage-1 book
// order closes, how a quantity is split pro rata across backstop providers or
// exactly tied ADL counterparties, and how ADL counterparties are scored,
// ranked, lit (the 1–5 indicator) and assigned the bankrupt remainder.
//
// Nothing here holds engine state, reads a clock, iterates a map or uses a
// float. Quantities are lots, amounts the settlement asset's smallest units,
// fractions fixed.Rate (1e-12). Functions that produce a slice take an out
// slice and reuse it when its capacity suffices, so a caller that keeps its
// buffers allocates nothing.
//
// Rounding, each site in the house's favour or exact:
//
//   - BookSlice rounds up (Ceil), then up to the step: a stage-1 order
//     never closes less than its fraction of the remainder, and never more
//     than the remainder.
//   - ProRata is exact, Hamilton's largest-remainder method: every share is
//     first floored, then the lots left over (fewer than the number of
//     weights) go one each to the largest remainders, ties to the lower
//     index. The shares sum to the total exactly and none exceeds its weight;
//     a weight's share never falls below its floor nor exceeds its ceiling.
//   - Scores are exact rationals compared by cross multiplication in 256
//     bits: nothing is rounded, and "tied" means exactly equal.
//   - ADLQuantities closes exactly the bankrupt remainder, highest rank first,
//     the whole of each position until a tie group would overflow the
//     remainder, which it then shares by ProRata of the holdings: never more
//     than a counterparty holds, never more in total than the remainder
//     (formulas.md §5: the 2025 crash closed ~28× the bad debt).
package liquidation

import "errors"

var (
	// ErrNegative: a total, weight, remainder or held quantity below zero,
	// or a negative notional, entry value or maintenance in RankInputs.
	ErrNegative = errors.New("liquidation: negative quantity")
	// ErrShortfall: the candidates together hold less than the remainder
	// ADLQuantities must close. Every candidate is then closed in full.
	ErrShortfall = errors.New("liquidation: candidates hold less than the remainder")
	// ErrRanked: a ranked index outside the candidates.
	ErrRanked = errors.New("liquidation: ranked index out of range")
	// ErrRanking: an ADL ranking this package does not know.
	ErrRanking = errors.New("liquidation: unknown ADL ranking")
)
