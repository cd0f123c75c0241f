package risk

import "github.com/waterfallrisk/waterfall/engine/config"

// Requirements returns the initial and maintenance margin of one position in
// market m, in settlement smallest units, rounded up (Ceil), whichever margin
// model the market uses (reference/formulas.md §1 and §2):
//
//   - sqrt functions (m.IMF, m.MMF of kind MarginSqrt):
//     initial = ⌈exposure × IMF(exposure, userBase)⌉ and
//     maintenance = ⌈position × MMF(position)⌉, as Fraction and Requirement
//     compute them (one square root when the two notionals are equal);
//   - a bracket table (both of kind MarginBrackets): BracketRequirements on
//     m.RiskLimits.
//
// exposureNotional is |net exposure notional| (the position plus open orders
// that increase it) and positionNotional |position notional|, neither
// negative; settlementDecimals are the settlement asset's (0..18); userBase is
// the account's 1/userMaxLeverage as a fixed.Rate (0 for none), which raises
// the initial fraction only. The results add into Account with
// AddRequirements. It allocates nothing.
//
// Errors: ErrNegativeNotional, ErrDecimals, ErrUnknownKind (including a
// market whose IMF and MMF kinds differ), fixed.ErrOverflow.
func Requirements(m *config.Market, exposureNotional, positionNotional int64, settlementDecimals int, userBase int64) (initial, maintenance int64, err error) {
	if err := checkMarketInputs(m, exposureNotional, positionNotional, settlementDecimals); err != nil {
		return 0, 0, err
	}
	if m.IMF.Kind == config.MarginBrackets {
		return BracketRequirements(&m.RiskLimits, exposureNotional, positionNotional, userBase)
	}
	imf, mmf, err := sqrtFractions(m, exposureNotional, positionNotional, settlementDecimals, userBase)
	if err != nil {
		return 0, 0, err
	}
	if initial, err = Requirement(exposureNotional, imf); err != nil {
		return 0, 0, err
	}
	if maintenance, err = Requirement(positionNotional, mmf); err != nil {
		return 0, 0, err
	}
	return initial, maintenance, nil
}

// MarketFractions returns the initial and maintenance margin fractions of a
// position in market m as fixed.Rate values, rounded up (Ceil), for display
// (Backpack's position `imf` and `mmf`): the IMF at the exposure notional and
// the MMF at the position notional, by Fraction for sqrt functions and by
// BracketFractions for a table. Arguments and errors as Requirements.
func MarketFractions(m *config.Market, exposureNotional, positionNotional int64, settlementDecimals int, userBase int64) (imf, mmf int64, err error) {
	if err := checkMarketInputs(m, exposureNotional, positionNotional, settlementDecimals); err != nil {
		return 0, 0, err
	}
	if m.IMF.Kind == config.MarginBrackets {
		return BracketFractions(&m.RiskLimits, exposureNotional, positionNotional, userBase)
	}
	return sqrtFractions(m, exposureNotional, positionNotional, settlementDecimals, userBase)
}

// sqrtFractions is the IMF at the exposure notional and the MMF at the
// position notional, sharing the square root when the notionals are equal.
func sqrtFractions(m *config.Market, exposure, position int64, decimals int, userBase int64) (imf, mmf int64, err error) {
	if exposure == position {
		return Fractions(m.IMF, m.MMF, position, decimals, userBase)
	}
	if imf, err = Fraction(m.IMF, exposure, decimals, userBase); err != nil {
		return 0, 0, err
	}
	if mmf, err = Fraction(m.MMF, position, decimals, 0); err != nil {
		return 0, 0, err
	}
	return imf, mmf, nil
}

// checkMarketInputs validates the arguments Requirements and MarketFractions
// share.
func checkMarketInputs(m *config.Market, exposureNotional, positionNotional int64, settlementDecimals int) error {
	if err := checkInputs(exposureNotional, settlementDecimals); err != nil {
		return err
	}
	if positionNotional < 0 {
		return ErrNegativeNotional
	}
	if m.IMF.Kind != m.MMF.Kind {
		return ErrUnknownKind
	}
	return nil
}
