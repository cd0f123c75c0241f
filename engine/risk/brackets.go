package risk

import (
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// Bracket ("risk limit") margin, reference/formulas.md §2. A table is a
// validated config.RiskLimits: caps ascending and inclusive, maximum leverage
// non-increasing, maintenance ratios non-decreasing and below 1/maxLeverage,
// and for the deduction model exact maintenance amounts (cum). Every function
// here reads the table through a pointer and allocates nothing.

// Tier returns the index of the tier that holds notional (settlement smallest
// units, not negative): the first whose NotionalCap ≥ notional, caps being
// inclusive. A notional above the last cap maps to the last tier, whose
// maintenance formula continues there; see MaxLeverage for the limit itself.
// It returns −1 for a table without brackets.
func Tier(rl *config.RiskLimits, notional int64) int {
	last := rl.Count - 1
	for i := range last {
		if notional <= rl.Brackets[i].NotionalCap {
			return i
		}
	}
	return last
}

// MaxLeverage returns the maximum leverage of the tier that holds notional,
// or 0 when notional lies above the table's last cap (or the table is empty):
// no position, and no exposure, may be that large. DESIGN.md §5: "the
// bracket's maximum leverage gates orders that increase the position", so an
// order that increases exposure is refused when MaxLeverage of the exposure
// notional it would reach is 0; within the table, the initial requirement
// (Requirements) applies the leverage.
func MaxLeverage(rl *config.RiskLimits, notional int64) int64 {
	i := Tier(rl, notional)
	if i < 0 {
		return 0
	}
	b := &rl.Brackets[i]
	if b.NotionalCap != 0 && notional > b.NotionalCap {
		return 0
	}
	return b.MaxLeverage
}

// BracketRequirements returns the initial and maintenance margin of a
// position under a bracket table, in settlement smallest units, both rounded
// up (Ceil: requirements):
//
//	initial     = ⌈exposure × max(1/maxLeverage_t, userBase)⌉, t the tier of exposure
//	maintenance = ⌈position × MMR_t⌉ − cum_t            (deduction model)
//	            = ⌈position × MMR_t⌉                     (whole-position model)
//
// with t the tier of the position notional for maintenance (never below 0).
// exposureNotional is |net exposure notional| (position plus open orders that
// increase it), positionNotional |position notional|; neither may be negative.
// userBase is the account's 1/userMaxLeverage as a fixed.Rate (0 for none).
//
// Since cum is exact, ⌈n × MMR_t⌉ − cum_t = ⌈n × MMR_t − cum_t⌉, and the
// deduction model is exactly continuous at every cap: both neighbouring tiers
// give the same requirement there (formulas.md §2's "continuous"). Under
// either model initial ≥ maintenance whenever exposure ≥ position, since
// MMR_t < 1/maxLeverage_t in every tier and maxLeverage does not rise.
//
// Above the last cap the last tier applies to both (the position may have
// grown there with the mark); MaxLeverage reports the limit.
//
// Errors: ErrNegativeNotional; ErrUnknownKind for a table with an unknown
// model or no brackets; fixed.ErrOverflow when userBase > 1 makes the initial
// requirement exceed an int64.
func BracketRequirements(rl *config.RiskLimits, exposureNotional, positionNotional, userBase int64) (initial, maintenance int64, err error) {
	if exposureNotional < 0 || positionNotional < 0 {
		return 0, 0, ErrNegativeNotional
	}
	if rl.Count < 1 || rl.Model != config.BracketDeduction && rl.Model != config.BracketWhole {
		return 0, 0, ErrUnknownKind
	}
	if initial, err = bracketInitial(rl, exposureNotional, userBase); err != nil {
		return 0, 0, err
	}
	return initial, bracketMaintenance(rl, positionNotional), nil
}

// bracketInitial is ⌈n × max(1/maxLeverage, userBase)⌉ for n's tier.
func bracketInitial(rl *config.RiskLimits, n, userBase int64) (int64, error) {
	lev := rl.Brackets[Tier(rl, n)].MaxLeverage
	if fixed.Cmp(userBase, lev, fixed.RateScale, 1) > 0 { // userBase > 1/lev
		return fixed.MulDiv(n, userBase, fixed.RateScale, fixed.Ceil)
	}
	return fixed.Div(n, lev, fixed.Ceil)
}

// bracketMaintenance is the model's maintenance for n ≥ 0; it cannot
// overflow, since MMR < 1 keeps ⌈n × MMR⌉ ≤ n.
func bracketMaintenance(rl *config.RiskLimits, n int64) int64 {
	b := &rl.Brackets[Tier(rl, n)]
	mm, _ := fixed.MulDiv(n, b.MaintenanceMarginRatio, fixed.RateScale, fixed.Ceil)
	if rl.Model == config.BracketDeduction {
		mm = max(mm-b.MaintenanceAmount, 0)
	}
	return mm
}

// BracketFractions returns the initial and maintenance margin fractions a
// bracket table gives a position, as fixed.Rate values for display
// (Backpack's position `imf` and `mmf`), rounded up (Ceil):
//
//	imf = max(1/maxLeverage_t, userBase), t the tier of the exposure notional
//	mmf = MMR_t − cum_t / position (deduction), MMR_t (whole), t the position's tier
//
// A flat position's mmf is its tier's ratio (the first tier's). Decisions use
// BracketRequirements, whose amounts these fractions describe. Errors as
// BracketRequirements.
func BracketFractions(rl *config.RiskLimits, exposureNotional, positionNotional, userBase int64) (imf, mmf int64, err error) {
	if exposureNotional < 0 || positionNotional < 0 {
		return 0, 0, ErrNegativeNotional
	}
	if rl.Count < 1 || rl.Model != config.BracketDeduction && rl.Model != config.BracketWhole {
		return 0, 0, ErrUnknownKind
	}
	lev := rl.Brackets[Tier(rl, exposureNotional)].MaxLeverage
	imf, _ = fixed.Div(fixed.RateScale, lev, fixed.Ceil) // lev ≥ 1: fits
	imf = max(imf, userBase)
	b := &rl.Brackets[Tier(rl, positionNotional)]
	mmf = b.MaintenanceMarginRatio
	if rl.Model == config.BracketDeduction && positionNotional > 0 {
		// ⌈MMR − cum/n⌉ = MMR − ⌊cum × 1e12 / n⌋ ≤ MMR: fits.
		d, _ := fixed.MulDiv(b.MaintenanceAmount, fixed.RateScale, positionNotional, fixed.Floor)
		mmf = max(mmf-d, 0)
	}
	return imf, mmf, nil
}
