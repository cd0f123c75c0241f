package run

import (
	"math"

	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// Float approximations of a market's margin fractions, for sizing traders
// (a leverage the engine would refuse is capped first) and for the
// "would have survived the wick" metric. The engine's own exact values
// decide everything that happens; these only choose what to ask for.
// Notionals are in the settlement asset's smallest units; scale is one
// whole unit in them (10^decimals).

// maxLeverage is the largest leverage the market allows for a position of
// notional: 1/IMF(notional); 0 beyond a bracket table.
func maxLeverage(m *config.Market, notional, scale float64) float64 {
	if m.RiskLimits.Count > 0 {
		b, ok := bracketOf(m, notional)
		if !ok {
			return 0
		}
		return float64(b.MaxLeverage)
	}
	imf := max(float64(m.IMF.Base), float64(m.IMF.Factor)*math.Sqrt(notional/scale)) / fixed.RateScale
	if imf <= 0 {
		return 100
	}
	return 1 / imf
}

// maintenance is the maintenance margin of a position of notional.
func maintenance(m *config.Market, notional, scale float64) float64 {
	if m.RiskLimits.Count > 0 {
		b, ok := bracketOf(m, notional)
		if !ok {
			b = m.RiskLimits.Brackets[m.RiskLimits.Count-1]
		}
		mm := notional * float64(b.MaintenanceMarginRatio) / fixed.RateScale
		if m.RiskLimits.Model == config.BracketDeduction {
			mm -= float64(b.MaintenanceAmount)
		}
		return mm
	}
	mmf := max(float64(m.MMF.Base), float64(m.MMF.Factor)*math.Sqrt(notional/scale)) / fixed.RateScale
	return mmf * notional
}

// bracketOf is the tier of notional: the first whose cap is at least
// notional; false beyond the table.
func bracketOf(m *config.Market, notional float64) (config.Bracket, bool) {
	rl := &m.RiskLimits
	for i := range rl.Count {
		if b := rl.Brackets[i]; b.NotionalCap == 0 || notional <= float64(b.NotionalCap) {
			return b, true
		}
	}
	return config.Bracket{}, false
}
