package risk

import (
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// CollateralWeight evaluates an asset's haircut function (Backpack's
// haircutFunction) for a holding whose mark value is notional, in the
// settlement asset's smallest units (not negative):
//
//   - identity:    weight = h.Weight
//   - inverseSqrt: weight = min(h.Weight, h.Base / (1 + h.Penalty·√n)),
//     n = notional / 10^settlementDecimals in whole settlement units
//
// The result is a fixed.Rate rounded down (Floor): collateral is a credit to
// the trader. For inverseSqrt the denominator is rounded up first (see
// root.times), so the weight never exceeds the exact one and falls short of
// it by less than 1 + 2·h.Base/1e12 Rate units (penalties below 0.001).
// CollateralWeight is non-increasing in notional and never above h.Weight.
//
// Errors: ErrNegativeNotional, ErrDecimals, ErrUnknownKind, and
// fixed.ErrOverflow for a penalty so large that 1 + Penalty·√n leaves the
// int64 Rate range.
func CollateralWeight(h config.Haircut, notional int64, settlementDecimals int) (int64, error) {
	if err := checkInputs(notional, settlementDecimals); err != nil {
		return 0, err
	}
	switch h.Kind {
	case config.HaircutIdentity:
		return h.Weight, nil
	case config.HaircutInverseSqrt:
		return inverseSqrt(h, notional, settlementDecimals)
	}
	return 0, ErrUnknownKind
}

// inverseSqrt is min(Weight, Base·1e12 / (1e12 + ⌈Penalty·√n⌉)), Floor.
func inverseSqrt(h config.Haircut, notional int64, decimals int) (int64, error) {
	r, err := sqrtUnits(notional, decimals)
	if err != nil {
		return 0, err
	}
	penalty, err := r.times(h.Penalty)
	if err != nil {
		return 0, err
	}
	den, err := fixed.Add(fixed.RateScale, penalty)
	if err != nil {
		return 0, err
	}
	w, err := fixed.MulDiv(h.Base, fixed.RateScale, den, fixed.Floor)
	if err != nil {
		return 0, err
	}
	return fixed.Min(h.Weight, w), nil
}

// CollateralValue returns notional · weight / 1e12, in the settlement asset's
// smallest units, rounded down (Floor, toward −∞): the credit a holding of
// that mark value earns. fixed.ErrOverflow when it does not fit an int64.
func CollateralValue(notional, weight int64) (int64, error) {
	return fixed.MulDiv(notional, weight, fixed.RateScale, fixed.Floor)
}
