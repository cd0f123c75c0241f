package risk

import (
	"math"

	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// Account aggregates one cross-margin account for the margin decisions of
// reference/formulas.md §1. The engine fills it while walking the account's
// balances and positions (AddPosition, AddEquity, or the fields directly);
// every amount is in the settlement asset's smallest units.
//
// Initial and Maintenance are sums of per-position requirements, each term
// already rounded up (Requirement), so they never understate the exact
// Σ notional_i × fraction_i and compare with NetEquity in the same unit.
//
// Decisions (Liquidatable, Bankrupt, CanIncrease, BelowAutoClose) are exact
// integer comparisons. The other accessors (ratios and amounts) are for
// display and saturate at math.MinInt64 / math.MaxInt64 instead of failing:
// as a Rate, math.MaxInt64 is a fraction of 9.2 million, far past any real
// account.
type Account struct {
	// NetEquity: collateral value + unrealized PnL − liabilities.
	NetEquity int64
	// Exposure: total exposure notional, Σ |net exposure notional|; never negative.
	Exposure int64
	// Initial: Σ ⌈notional_i × IMF_i⌉, the initial margin of the positions.
	Initial int64
	// Maintenance: Σ ⌈notional_i × MMF_i⌉, the maintenance margin.
	Maintenance int64
	// MinIMF: the floor of the account IMF, 1/maxLeverage (fixed.Rate).
	MinIMF int64
	// Notional: Σ |position notional| of the positions Maintenance covers
	// (open orders excluded), what closing them all trades; never negative.
	// AddPosition counts the notional it is given; a caller filling the
	// fields directly sets it.
	Notional int64
}

// AddPosition adds one position (or spot-margin exposure) of the given net
// exposure notional, either sign, with its initial and maintenance margin
// fractions (fixed.Rate, from Fraction). On error (fixed.ErrOverflow) the
// account is unchanged.
func (a *Account) AddPosition(notional, imf, mmf int64) error {
	n, err := fixed.Abs(notional)
	if err != nil {
		return err
	}
	exposure, err := fixed.Add(a.Exposure, n)
	if err != nil {
		return err
	}
	initial, err := addRequirement(a.Initial, n, imf)
	if err != nil {
		return err
	}
	maintenance, err := addRequirement(a.Maintenance, n, mmf)
	if err != nil {
		return err
	}
	total, err := fixed.Add(a.Notional, n)
	if err != nil {
		return err
	}
	a.Exposure, a.Initial, a.Maintenance, a.Notional = exposure, initial, maintenance, total
	return nil
}

// AddRequirements adds one position (or spot-margin exposure) whose margin
// is already an amount: its net exposure notional, either sign (the
// magnitude counts), and its initial and maintenance requirements in
// settlement smallest units (from Requirements; not negative). It leaves
// Notional alone: the caller adds the position notional. On error
// (fixed.ErrOverflow) the account is unchanged.
func (a *Account) AddRequirements(notional, initial, maintenance int64) error {
	n, err := fixed.Abs(notional)
	if err != nil {
		return err
	}
	exposure, err := fixed.Add(a.Exposure, n)
	if err != nil {
		return err
	}
	sumInitial, err := fixed.Add(a.Initial, initial)
	if err != nil {
		return err
	}
	sumMaintenance, err := fixed.Add(a.Maintenance, maintenance)
	if err != nil {
		return err
	}
	a.Exposure, a.Initial, a.Maintenance = exposure, sumInitial, sumMaintenance
	return nil
}

// AddEquity adds a signed amount to NetEquity: a collateral value, an
// unrealized PnL, or a liability (negative). On error (fixed.ErrOverflow) the
// account is unchanged.
func (a *Account) AddEquity(amount int64) error {
	v, err := fixed.Add(a.NetEquity, amount)
	if err != nil {
		return err
	}
	a.NetEquity = v
	return nil
}

func addRequirement(sum, notional, fraction int64) (int64, error) {
	r, err := Requirement(notional, fraction)
	if err != nil {
		return 0, err
	}
	return fixed.Add(sum, r)
}

// Liquidatable reports MMR ≥ 100%, the liquidation trigger. With exposure,
// MMR = MMF/MF = Maintenance/NetEquity, so the test is exactly
// Maintenance ≥ NetEquity (true whenever NetEquity ≤ 0, since Maintenance is
// never negative). An
// account without exposure is never liquidatable; see Bankrupt.
func (a *Account) Liquidatable() bool {
	return a.Exposure > 0 && a.Maintenance >= a.NetEquity
}

// DueWithClosingFee reports Maintenance + closingFee × Notional ≥ NetEquity
// exactly (closingFee a fixed.Rate), with exposure: the trigger of a preset
// that starts while the equity still pays for closing every position at the
// fee (the ladder's, seed 002: margin ratio ≤ MMR + closing fee rate). It is
// Liquidatable for a fee of 0 and implied by it for any fee ≥ 0.
func (a *Account) DueWithClosingFee(closingFee int64) bool {
	if a.Exposure <= 0 {
		return false
	}
	need := fixed.Wide(a.Maintenance, fixed.RateScale).Add(fixed.Wide(a.Notional, closingFee))
	return need.Cmp(fixed.Wide(a.NetEquity, fixed.RateScale)) >= 0
}

// Bankrupt reports NetEquity < 0: the account owes more than it holds,
// whether or not it still has exposure.
func (a *Account) Bankrupt() bool { return a.NetEquity < 0 }

// CanIncrease reports IMR < 100%, the gate for orders that add exposure.
// IMR = IMF/MF with IMF = max(MinIMF, Initial/Exposure), so the test is
// exactly IMF × Exposure < NetEquity, i.e. both
// MinIMF × Exposure < NetEquity × 1e12 and Initial < NetEquity. An account
// without exposure may add risk exactly when NetEquity > 0.
func (a *Account) CanIncrease() bool {
	return a.Initial < a.NetEquity && fixed.Cmp(a.MinIMF, a.Exposure, a.NetEquity, fixed.RateScale) < 0
}

// BelowAutoClose reports MF < ACMF exactly, the condition for the backstop
// stage: with ACMF = max(MMF/divisor, MMF − offset), it is
// NetEquity × divisor < Maintenance, or
// NetEquity × 1e12 < Maintenance × 1e12 − offset × Exposure.
// divisor is an integer ≥ 1 (a smaller one counts as 1); offset is a
// fixed.Rate. False without exposure. The engine passes
// config.Liquidation's ACMFDivisor (≥ 2) and ACMFOffset (in (0, 1)), for
// which ACMF < MMF whenever MMF > 0 (formulas.md §1: "always below MMF"), so
// BelowAutoClose implies Liquidatable: stage 2 never starts on an account
// stage 1 would leave alone. (For any divisor ≥ 1 and offset ≥ 0 the
// implication holds too.)
func (a *Account) BelowAutoClose(divisor, offset int64) bool {
	if a.Exposure <= 0 {
		return false
	}
	if fixed.Cmp(a.NetEquity, max(divisor, 1), a.Maintenance, 1) < 0 {
		return true
	}
	lhs := fixed.Wide(a.NetEquity, fixed.RateScale).Add(fixed.Wide(offset, a.Exposure))
	return lhs.Cmp(fixed.Wide(a.Maintenance, fixed.RateScale)) < 0
}

// MarginFraction returns MF = NetEquity / Exposure as a fixed.Rate, rounded
// down (Floor), saturating; ok is false, and MF 0, without exposure.
func (a *Account) MarginFraction() (mf int64, ok bool) {
	if a.Exposure <= 0 {
		return 0, false
	}
	return divSat(fixed.Wide(a.NetEquity, fixed.RateScale), a.Exposure, fixed.Floor), true
}

// MMF returns the account MMF = Maintenance / Exposure as a fixed.Rate,
// rounded up (Ceil), saturating; 0 without exposure.
func (a *Account) MMF() int64 {
	if a.Exposure <= 0 {
		return 0
	}
	return divSat(fixed.Wide(a.Maintenance, fixed.RateScale), a.Exposure, fixed.Ceil)
}

// IMF returns the account IMF = max(MinIMF, Initial / Exposure) as a
// fixed.Rate, rounded up (Ceil), saturating; MinIMF without exposure.
func (a *Account) IMF() int64 {
	if a.Exposure <= 0 {
		return a.MinIMF
	}
	return max(a.MinIMF, divSat(fixed.Wide(a.Initial, fixed.RateScale), a.Exposure, fixed.Ceil))
}

// MMR returns MMF/MF = Maintenance / NetEquity as a fixed.Rate (1e12 is
// 100%), rounded down (Floor) so that MMR() ≥ 1e12 exactly when
// Liquidatable(): 0 without exposure, math.MaxInt64 when NetEquity ≤ 0 with
// exposure, and saturating.
func (a *Account) MMR() int64 {
	switch {
	case a.Exposure <= 0:
		return 0
	case a.NetEquity <= 0:
		return math.MaxInt64
	}
	return divSat(fixed.Wide(a.Maintenance, fixed.RateScale), a.NetEquity, fixed.Floor)
}

// IMR returns IMF/MF = IMF × Exposure / NetEquity as a fixed.Rate, rounded
// down (Floor) so that IMR() < 1e12 exactly when CanIncrease():
// math.MaxInt64 when NetEquity ≤ 0, and saturating.
func (a *Account) IMR() int64 {
	if a.NetEquity <= 0 {
		return math.MaxInt64
	}
	return divSat(a.locked(), a.NetEquity, fixed.Floor)
}

// Locked returns the net equity locked by the account's exposure,
// IMF × Exposure (Backpack's netEquityLocked), rounded up (Ceil), saturating.
func (a *Account) Locked() int64 {
	return divSat(a.locked(), fixed.RateScale, fixed.Ceil)
}

// Available returns NetEquity − IMF × Exposure (Backpack's
// netEquityAvailable), rounded down (Floor), saturating; negative when the
// account is over its initial margin.
func (a *Account) Available() int64 {
	free := fixed.Wide(a.NetEquity, fixed.RateScale).Sub(a.locked())
	return divSat(free, fixed.RateScale, fixed.Floor)
}

// ACMF returns the auto-close margin fraction max(MMF/divisor, MMF − offset)
// as a fixed.Rate, rounded up (Ceil), 0 without exposure. It is exactly the
// ceiling of the true value while MMF does not saturate: MMF() is ⌈x⌉ for the
// true x, and ⌈⌈x⌉/d⌉ = ⌈x/d⌉ for a whole d, ⌈x⌉ − offset = ⌈x − offset⌉.
// divisor is an integer ≥ 1 (a smaller one counts as 1); offset is a
// fixed.Rate. With divisor ≥ 2 and offset > 0 (config.Liquidation's rules),
// ACMF() ≤ MMF(), strictly once MMF() ≥ 2 Rate units; the true values are
// strictly ordered whenever Maintenance > 0. Decide with BelowAutoClose, not
// by comparing this with MarginFraction.
func (a *Account) ACMF(divisor, offset int64) int64 {
	if a.Exposure <= 0 {
		return 0
	}
	mmf := a.MMF()
	scaled, _ := fixed.Div(mmf, max(divisor, 1), fixed.Ceil) // |mmf/divisor| ≤ |mmf|: never fails
	shifted, err := fixed.Sub(mmf, offset)
	if err != nil {
		shifted = saturated(offset < 0)
	}
	return max(scaled, shifted)
}

// locked is IMF × Exposure × 1e12 exactly: max(MinIMF × Exposure, Initial × 1e12).
func (a *Account) locked() fixed.Int128 {
	floor := fixed.Wide(a.MinIMF, a.Exposure)
	positions := fixed.Wide(a.Initial, fixed.RateScale)
	if floor.Cmp(positions) > 0 {
		return floor
	}
	return positions
}

// divSat is x/c rounded in direction r (c ≠ 0), saturating at the int64
// bounds instead of failing.
func divSat(x fixed.Int128, c int64, r fixed.Rounding) int64 {
	q, err := x.Div(c, r)
	if err != nil {
		return saturated((x.Sign() < 0) == (c < 0))
	}
	return q
}

// saturated returns math.MaxInt64 for a positive overflow, else math.MinInt64.
func saturated(positive bool) int64 {
	if positive {
		return math.MaxInt64
	}
	return math.MinInt64
}
