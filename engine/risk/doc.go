// Package risk is Waterfall's margin math: the pure functions that turn a
// position's or a balance's notional into margin fractions, requirements and
// collateral weights, and the Account aggregate that decides whether an
// account may add risk and whether it must be liquidated (reference/formulas.md
// §1, Backpack's model).
//
// Nothing here holds state or does I/O. Every amount is an int64 in the
// settlement asset's smallest unit (USDC: 1e-6); every fraction is a
// fixed.Rate (1e-12). Each rounding site states its direction in the house's
// favour: margin fractions and requirements round up (Ceil), collateral
// weights and values round down (Floor). Decisions (Liquidatable,
// CanIncrease, BelowAutoClose) are exact integer comparisons with no division;
// the Rate-valued accessors exist for display.
//
// Errors are fixed.ErrOverflow when a result does not fit an int64, and the
// sentinels below for inputs outside a function's contract.
package risk

import "errors"

var (
	// ErrNegativeNotional: a margin or collateral function was asked about a
	// negative notional; callers pass the magnitude of a position or holding.
	ErrNegativeNotional = errors.New("risk: negative notional")
	// ErrDecimals: the settlement asset's decimals are outside 0..18.
	ErrDecimals = errors.New("risk: settlement decimals outside 0..18")
	// ErrUnknownKind: a margin or haircut function of a kind this package
	// does not know.
	ErrUnknownKind = errors.New("risk: unknown function kind")
)
