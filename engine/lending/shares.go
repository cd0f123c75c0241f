package lending

import "github.com/waterfallrisk/waterfall/engine/fixed"

// Conversions between an account's shares and amounts, at an index (a value
// of IndexScale or more). Each rounds in the house's favour; the Pool methods
// use them and book each rounding into Residue. Every one returns
// fixed.ErrOverflow when the result does not fit an int64.

// Debt is what shares borrow shares owe at borrowIndex:
// ⌈shares × borrowIndex / IndexScale⌉ (Ceil: a debt).
func Debt(shares, borrowIndex int64) (int64, error) {
	return fixed.MulDiv(shares, borrowIndex, IndexScale, fixed.Ceil)
}

// Claim is what shares lend shares are owed at lendIndex:
// ⌊shares × lendIndex / IndexScale⌋ (Floor: a credit).
func Claim(shares, lendIndex int64) (int64, error) {
	return fixed.MulDiv(shares, lendIndex, IndexScale, fixed.Floor)
}

// LendShares is the lend shares lending amount mints at lendIndex:
// ⌊amount × IndexScale / lendIndex⌋ (Floor: the lender's claim right after is
// at most amount, by less than one share's worth).
func LendShares(amount, lendIndex int64) (int64, error) {
	return fixed.MulDiv(amount, IndexScale, lendIndex, fixed.Floor)
}

// RedeemShares is the lend shares redeeming amount burns at lendIndex:
// ⌈amount × IndexScale / lendIndex⌉ (Ceil). Redeeming a whole claim
// (Claim(s, lendIndex)) burns exactly s shares, since lendIndex ≥ IndexScale.
func RedeemShares(amount, lendIndex int64) (int64, error) {
	return fixed.MulDiv(amount, IndexScale, lendIndex, fixed.Ceil)
}

// BorrowShares is the borrow shares borrowing amount mints at borrowIndex:
// ⌈amount × IndexScale / borrowIndex⌉ (Ceil: the borrower's debt right after
// is at least amount, by less than one share's worth plus one unit).
func BorrowShares(amount, borrowIndex int64) (int64, error) {
	return fixed.MulDiv(amount, IndexScale, borrowIndex, fixed.Ceil)
}

// RepayShares is the borrow shares repaying amount burns at borrowIndex:
// ⌊amount × IndexScale / borrowIndex⌋ (Floor). Repaying a whole debt
// (Debt(s, borrowIndex)) burns exactly s shares, since borrowIndex ≥
// IndexScale.
func RepayShares(amount, borrowIndex int64) (int64, error) {
	return fixed.MulDiv(amount, IndexScale, borrowIndex, fixed.Floor)
}
