package config

import (
	"fmt"

	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// MaxBrackets is the most tiers a RiskLimits table holds.
const MaxBrackets = 16

// RiskLimitModel names how a bracket table turns a notional into maintenance
// margin (formulas.md §2). The zero value means the market has no table.
type RiskLimitModel uint8

const (
	// BracketDeduction is the continuous model:
	// MM = notional × MMR_tier − MaintenanceAmount_tier.
	BracketDeduction RiskLimitModel = iota + 1
	// BracketWhole is the whole-position (discontinuous) model:
	// MM = notional × MMR_tier.
	BracketWhole
)

// String is the model's YAML name: "deduction" or "whole".
func (m RiskLimitModel) String() string {
	switch m {
	case BracketDeduction:
		return "deduction"
	case BracketWhole:
		return "whole"
	}
	return fmt.Sprintf("RiskLimitModel(%d)", uint8(m))
}

// RiskLimits is a perpetual's bracket ("risk limit") table, formulas.md §2
// (seeds 002 and 003): tiers of ascending notional, each with a maximum
// leverage and a maintenance margin ratio. It holds no references (a fixed
// array and a count), so copying a Market copies it.
//
// A notional n belongs to the first tier whose NotionalCap ≥ n (caps are
// inclusive: a position of exactly 150,000 is in the 0–150,000 tier); the
// floor of tier i is the cap of tier i−1 (0 for the first). A notional above
// the last cap is beyond the table: no order may take exposure there (its
// maximum leverage is 0), and maintenance keeps the last tier's formula.
//
// Initial margin is notional / MaxLeverage of the exposure notional's tier
// under both models (DESIGN.md §5: "the bracket's maximum leverage gates
// orders that increase the position"); maintenance follows Model.
type RiskLimits struct {
	Model RiskLimitModel
	// Count is how many of Brackets are in use, 1..MaxBrackets (0 with
	// Model 0: no table). Brackets[Count:] are zero.
	Count    int
	Brackets [MaxBrackets]Bracket
}

// Bracket is one tier of a RiskLimits table.
type Bracket struct {
	// NotionalCap is the largest notional in this tier, in the quote
	// (settlement) asset's smallest units; 0 on the last tier only: no cap.
	NotionalCap int64
	// MaxLeverage is the tier's maximum leverage, a whole number ≥ 1: its
	// initial margin fraction is 1/MaxLeverage.
	MaxLeverage int64
	// MaintenanceMarginRatio is the tier's maintenance margin as a fraction
	// of notional (fixed.Rate; "maintMarginRatio"). It is a per-position
	// fraction, formulas.md §1's MMF, not the account's MMR.
	MaintenanceMarginRatio int64
	// MaintenanceAmount is the deduction model's "cum" in the quote asset's
	// smallest units: cum_1 = 0, cum_n = cum_{n−1} + floor_n × (MMR_n −
	// MMR_{n−1}), exact. Derived by Validate for the deduction model (0 for
	// the whole-position model); never written to YAML.
	MaintenanceAmount int64
}

// Tiers returns the brackets in use, Brackets[:Count]. The slice aliases r.
func (r *RiskLimits) Tiers() []Bracket { return r.Brackets[:r.Count] }

// NotionalFloor returns the floor of tier i: the cap of tier i−1, or 0 for
// the first tier.
func (r *RiskLimits) NotionalFloor(i int) int64 {
	if i <= 0 {
		return 0
	}
	return r.Brackets[i-1].NotionalCap
}

// checkRiskLimits applies the bracket rules to a perpetual and returns the
// maintenance amounts Validate derives (all zero for the whole-position
// model). A perpetual's margin is either sqrt functions or a table, never
// both. quote names the asset the caps count in, for messages.
func checkRiskLimits(path string, m *Market, quote *Asset) ([MaxBrackets]int64, error) {
	var cum [MaxBrackets]int64
	rl := &m.RiskLimits
	brackets := m.IMF.Kind == MarginBrackets || m.MMF.Kind == MarginBrackets
	switch {
	case rl.Model == 0 && rl.Count == 0 && rl.Brackets == [MaxBrackets]Bracket{}:
		if brackets {
			return cum, fieldErr(path+".riskLimits", "required: a margin function is of kind brackets")
		}
		return cum, nil
	case m.IMF != (MarginFunction{Kind: MarginBrackets}) || m.MMF != (MarginFunction{Kind: MarginBrackets}):
		return cum, fieldErr(path+".riskLimits",
			"riskLimits and imfFunction/mmfFunction are mutually exclusive: with a table both functions are {kind: brackets} and zero")
	case rl.Model != BracketDeduction && rl.Model != BracketWhole:
		return cum, fieldErr(path+".riskLimits.model", "unknown model %d (want deduction or whole)", rl.Model)
	case rl.Count < 1 || rl.Count > MaxBrackets:
		return cum, fieldErr(path+".riskLimits.brackets", "%d brackets; want 1..%d", rl.Count, MaxBrackets)
	}
	for i := rl.Count; i < MaxBrackets; i++ {
		if rl.Brackets[i] != (Bracket{}) {
			return cum, fieldErr(fmt.Sprintf("%s.riskLimits.brackets[%d]", path, i),
				"beyond the %d brackets in use: must be zero", rl.Count)
		}
	}
	for i := range rl.Count {
		if err := checkBracket(fmt.Sprintf("%s.riskLimits.brackets[%d]", path, i), rl, i); err != nil {
			return cum, err
		}
	}
	if rl.Model == BracketDeduction {
		return maintenanceAmounts(path, rl, quote)
	}
	return cum, nil
}

// checkBracket: caps strictly ascending (only the last may be open), maximum
// leverage positive and non-increasing, maintenance ratio positive,
// non-decreasing and below 1/maxLeverage (initial above maintenance).
func checkBracket(path string, rl *RiskLimits, i int) error {
	b := &rl.Brackets[i]
	last := i == rl.Count-1
	switch {
	case b.NotionalCap < 0 || b.NotionalCap == 0 && !last:
		return fieldErr(path+".notionalCap", "must be positive (only the last bracket may leave it open)")
	case i > 0 && b.NotionalCap != 0 && b.NotionalCap <= rl.Brackets[i-1].NotionalCap:
		return fieldErr(path+".notionalCap", "%d must exceed the previous bracket's cap %d: caps ascend strictly",
			b.NotionalCap, rl.Brackets[i-1].NotionalCap)
	case b.MaxLeverage < 1:
		return fieldErr(path+".maxLeverage", "%d must be at least 1", b.MaxLeverage)
	case i > 0 && b.MaxLeverage > rl.Brackets[i-1].MaxLeverage:
		return fieldErr(path+".maxLeverage", "%d is above the previous bracket's %d: maximum leverage never rises with size",
			b.MaxLeverage, rl.Brackets[i-1].MaxLeverage)
	case b.MaintenanceMarginRatio <= 0:
		return fieldErr(path+".maintenanceMarginRatio", "must be positive")
	case i > 0 && b.MaintenanceMarginRatio < rl.Brackets[i-1].MaintenanceMarginRatio:
		return fieldErr(path+".maintenanceMarginRatio", "%s is below the previous bracket's %s: maintenance never falls with size",
			rateText(b.MaintenanceMarginRatio), rateText(rl.Brackets[i-1].MaintenanceMarginRatio))
	case fixed.Cmp(b.MaintenanceMarginRatio, b.MaxLeverage, rateOne, 1) >= 0:
		return fieldErr(path+".maintenanceMarginRatio", "%s is not below 1/maxLeverage = 1/%d: initial margin must exceed maintenance",
			rateText(b.MaintenanceMarginRatio), b.MaxLeverage)
	}
	return nil
}

// maintenanceAmounts derives the deduction model's cum per tier,
// cum_n = cum_{n−1} + floor_n × (MMR_n − MMR_{n−1}), and refuses a table whose
// terms are not whole numbers of the quote asset's smallest unit (the model is
// then exactly continuous at every cap; see risk.Requirements).
func maintenanceAmounts(path string, rl *RiskLimits, quote *Asset) ([MaxBrackets]int64, error) {
	var cum [MaxBrackets]int64
	for i := 1; i < rl.Count; i++ {
		floor := rl.Brackets[i-1].NotionalCap
		delta := rl.Brackets[i].MaintenanceMarginRatio - rl.Brackets[i-1].MaintenanceMarginRatio
		// floor × delta / 1e12 ≤ floor: fits; exact when Floor and Ceil agree.
		lo, _ := fixed.MulDiv(floor, delta, rateOne, fixed.Floor)
		hi, _ := fixed.MulDiv(floor, delta, rateOne, fixed.Ceil)
		if lo != hi {
			return cum, fieldErr(fmt.Sprintf("%s.riskLimits.brackets[%d].maintenanceMarginRatio", path, i),
				"the deduction term floor × (MMR − previous MMR) = %s × %s is not a whole number of %s's smallest unit (1e-%d)",
				fixed.FormatDecimal(floor, quote.Decimals), rateText(delta), quote.Symbol, quote.Decimals)
		}
		v, err := fixed.Add(cum[i-1], lo)
		if err != nil {
			return cum, fieldErr(fmt.Sprintf("%s.riskLimits.brackets[%d]", path, i), "the maintenance amount overflows an int64")
		}
		cum[i] = v
	}
	return cum, nil
}
