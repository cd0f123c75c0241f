// Package lending is the pure math of Waterfall's borrow/lend pools
// (reference/formulas.md §1 "Borrow/lend", issue #5 point 1): the two-slope
// interest-rate curve, utilization, and a Pool whose interest accrues hourly
// through cumulative indices, so that no step ever loops over accounts.
//
// Nothing here holds references, does I/O, reads a clock or uses a float: the
// engine owns one Pool value per lent asset and calls these functions from
// Apply.
//
// # Units and scales
//
//   - Amounts are int64 counts of the pool asset's smallest unit (USDC 1e-6,
//     BTC 1e-8, SOL 1e-9).
//   - Fractions and rates are fixed.Rate (1e-12). Every rate (base rate,
//     slopes, borrow and lend rate) is per year, simple (an APR): an hourly
//     step applies rate / HoursPerYear (8760).
//   - Indices are int64 fixed point with IndexScale = 1e12 (12 decimals); both
//     start at IndexScale (1.0). The borrow index never decreases; the lend
//     index decreases only when a defaulted debt is written off
//     (Pool.WriteOff), and stays positive. An int64 index holds
//     9.2e6 × growth before fixed.ErrOverflow (16 years at 100% a year).
//   - Shares ("principal-normalized" balances) are int64 counts of smallest
//     units at index 1.0: an account holding s borrow shares owes
//     s × BorrowIndex / IndexScale, one holding s lend shares is owed
//     s × LendIndex / IndexScale.
//   - The pool's exact bookkeeping is in sub-units, 1/IndexScale of a smallest
//     unit, in fixed.Int128: FeeAccrued and Residue are sub-units.
//
// # Exact conservation
//
// A Pool keeps, exactly, in sub-units:
//
//	Cash·IndexScale + Borrowed·BorrowIndex = Lent·LendIndex + FeeAccrued + Residue
//
// the pool's assets (cash, and what borrowers owe) equal its liabilities
// (what lenders are owed) plus the house's share: FeeAccrued (interest paid
// by borrowers and not credited to lenders: the fee and the accrual's
// rounding) and Residue (the rounding of every conversion between amounts and
// shares). Every operation keeps the identity (Pool.Check verifies it), and
// every rounding is in the house's favour, so FeeAccrued and Residue never
// decrease except through Pool.Collect, and through a write-off that wipes the
// lenders' claims out (Pool.WriteOff):
//
//   - debts round up (Debt: Ceil), claims round down (Claim: Floor);
//   - lending mints shares rounded down, redeeming burns shares rounded up;
//   - borrowing mints debt shares rounded up, repaying burns them rounded
//     down;
//   - an hourly step raises the borrow index by the borrow rate rounded up,
//     and the lend index by (1 − fee) of the interest actually charged,
//     rounded down.
//
// Per account, in smallest units, what borrowers owe (each debt rounded up)
// minus what lenders are owed (each claim rounded down) differs from
// (FeeAccrued + Residue)/IndexScale − Cash by less than one unit per open
// position, always in the house's favour; when a position closes (repay or
// redeem of all its shares) that last fraction moves into Residue. Once every
// position is closed, Cash = (FeeAccrued + Residue)/IndexScale exactly: what
// borrowers paid in interest equals what lenders received plus the house's
// share, to the smallest unit.
//
// # Throttle and maximum utilization
//
// Utilization is borrowed / lent (both as amounts). When it is at or above the
// pool's throttle threshold, redemptions and new borrows pause (lending and
// repaying never do). A borrow or a redemption that would leave utilization
// above the maximum utilization is refused (Backpack's maxUtilization: "the
// max amount of utilization that can be used by borrowing or redeeming
// lend"). ForceRedeem and ForceBorrow skip both checks for the engine's own
// operations (liquidations); cash still limits them.
package lending

import "errors"

// Scales.
const (
	// IndexDecimals and IndexScale: indices are fixed point with 12 decimals;
	// IndexScale is 1.0, each index's starting value.
	IndexDecimals = 12
	IndexScale    = 1_000_000_000_000
	// HoursPerYear converts the curve's yearly rates to the hourly step
	// (365 days; rates are simple, not compounded, within a year's quote).
	HoursPerYear = 8_760
)

// Errors. Every refusal leaves the Pool unchanged.
var (
	// ErrAmount: an amount or a share count that is not positive, or shares
	// an account cannot hold (negative, or more than the pool's total).
	ErrAmount = errors.New("lending: amount must be positive")
	// ErrExceedsPosition: redeeming more than the account's claim, or repaying
	// more than its debt.
	ErrExceedsPosition = errors.New("lending: amount exceeds the position")
	// ErrDust: an amount worth less than one share at the current index (a
	// lend that would mint no share, a partial repay that would burn none).
	ErrDust = errors.New("lending: amount below one share")
	// ErrInsufficientCash: the pool does not hold the amount (it is lent out).
	ErrInsufficientCash = errors.New("lending: not enough cash in the pool")
	// ErrThrottled: utilization is at or above the throttle threshold;
	// redemptions and new borrows are paused.
	ErrThrottled = errors.New("lending: pool throttled")
	// ErrMaxUtilization: the borrow or redemption would leave utilization
	// above the pool's maximum.
	ErrMaxUtilization = errors.New("lending: above the maximum utilization")
	// ErrNegative: a rate function was given a negative amount.
	ErrNegative = errors.New("lending: negative amount")
	// ErrBroken: Check found a pool whose fields break an invariant.
	ErrBroken = errors.New("lending: pool invariant broken")
)
