package config

import (
	"fmt"

	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// Limits of a Config.
const (
	maxDecimals = 18                   // an asset's decimals: 0..18 (fixed.ParseDecimal's range)
	maxIDs      = 1 << 16              // AssetID and MarketID are uint16
	rateOne     = fixed.RateScale      // 1 as a fixed.Rate
	maxFee      = fixed.RateScale / 10 // 0.1: a fee above 10% is a typo
	maxBand     = fixed.RateScale - 1  // a fraction band (mark, tolerance) stays below 1
	maxWindowMs = 7 * 24 * 3_600_000   // one week: longer windows are typos
	maxPeriodH  = 24 * 365             // fundingPeriodHours: at most a year
)

// Validate checks every rule a Config must satisfy before an engine runs it,
// then sets the fields derived from the others (each market's NotionalNum and
// NotionalDen, see notional.go, and a bracket table's MaintenanceAmount, see
// risklimits.go). It returns the first broken rule as a
// *FieldError whose Path names the field as the YAML format does; c is changed
// only when every rule holds. Load calls it; a Config built in code must call
// it before use.
//
// The rules: asset symbols are letters and digits and unique, decimals 0..18,
// haircut weights 0..1; the settlement asset exists and counts in full
// (identity, weight 1); market symbols are unique and spell BASE_QUOTE (SPOT)
// or BASE_QUOTE_PERP (PERP) of existing, distinct assets; a perpetual is quoted
// in the settlement asset; tick, step and minimum quantity are positive, and
// one lot at one tick is a whole number of quote smallest units (so a fill's
// notional at a book price is exact: TickSize × NotionalNum is a multiple of
// NotionalDen); 0 ≤ fee ≤ 0.1; a perpetual's margin is either sqrt functions
// with 0 < MMF base < IMF base ≤ 1 and IMF factor ≥ MMF factor (so IMF ≥ MMF
// at every size), or a bracket table with both functions {Kind:
// MarginBrackets}, never both (the table's rules are in risklimits.go);
// spot markets leave IMF, MMF, risk limits, funding and open-interest limit
// zero; liquidation capacity is not negative; every band pair is ordered
// 0 < min < 1 < max; funding bounds Lower ≤ 0 ≤ Upper; windows and intervals
// are positive and at most a week, fundingPeriodHours 1..8760; for
// perpetuals, whose mean mark and basis EWMA are sampled every
// fundingSampleInterval, the mean-mark window is a whole number of samples
// and the basis window at least one; each lending pool names an existing
// asset, one pool per asset, with yearly rates in 0..10, 0 < optimal <
// maximum utilization ≤ 1, throttle threshold in (0, 1], fee in 0..1 and
// margin functions under a perpetual's rules (lending.go); the liquidation
// section's fields lie in their ranges (liquidation.go).
func (c *Config) Validate() error {
	d, err := c.check()
	if err != nil {
		return err
	}
	for i, r := range d.ratios {
		m := &c.Markets[i]
		m.NotionalNum, m.NotionalDen = r[0], r[1]
		for j := range m.RiskLimits.Brackets {
			m.RiskLimits.Brackets[j].MaintenanceAmount = d.amounts[i][j]
		}
	}
	return nil
}

// derived holds what Validate sets: per market, the notional ratio and the
// bracket table's maintenance amounts.
type derived struct {
	ratios  [][2]int64
	amounts [][MaxBrackets]int64
}

// check applies the rules without changing c and returns the derived fields.
func (c *Config) check() (derived, error) {
	var d derived
	if err := c.checkAssets(); err != nil {
		return d, err
	}
	if err := c.checkSettlement(); err != nil {
		return d, err
	}
	var err error
	if d.amounts, err = c.checkMarkets(); err != nil {
		return d, err
	}
	if err := c.checkLending(); err != nil {
		return d, err
	}
	if err := checkLiquidation(&c.Liquidation); err != nil {
		return d, err
	}
	d.ratios, err = c.notionalRatios()
	return d, err
}

func (c *Config) checkAssets() error {
	if len(c.Assets) > maxIDs {
		return fieldErr("assets", "%d assets; at most %d", len(c.Assets), maxIDs)
	}
	seen := map[string]int{}
	for i := range c.Assets {
		path := fmt.Sprintf("assets[%d]", i)
		a := &c.Assets[i]
		if j, dup := seen[a.Symbol]; dup {
			return fieldErr(path+".symbol", "%q is also assets[%d]", a.Symbol, j)
		}
		seen[a.Symbol] = i
		if err := checkAsset(path, a); err != nil {
			return err
		}
	}
	return nil
}

func checkAsset(path string, a *Asset) error {
	if !isAssetSymbol(a.Symbol) {
		return fieldErr(path+".symbol", "%q: an asset symbol is letters and digits", a.Symbol)
	}
	if a.Decimals < 0 || a.Decimals > maxDecimals {
		return fieldErr(path+".decimals", "%d is outside 0..%d", a.Decimals, maxDecimals)
	}
	return checkHaircut(path+".haircutFunction", a.Haircut)
}

func checkHaircut(path string, h Haircut) error {
	if h.Weight < 0 || h.Weight > rateOne {
		return fieldErr(path+".weight", "%s is outside 0..1", rateText(h.Weight))
	}
	kind := path + ".kind"
	switch h.Kind {
	case HaircutIdentity:
		if h.Base != 0 || h.Penalty != 0 {
			return fieldErr(kind, "identity takes no base or positiveCurvePenalty")
		}
	case HaircutInverseSqrt:
		if h.Base <= 0 {
			return fieldErr(kind+".base", "must be positive")
		}
		if h.Penalty < 0 {
			return fieldErr(kind+".positiveCurvePenalty", "must not be negative")
		}
	default:
		return fieldErr(kind+".type", "unknown haircut kind %d", h.Kind)
	}
	return nil
}

func (c *Config) checkSettlement() error {
	id, ok := c.AssetBySymbol(c.SettlementAsset)
	if !ok {
		return fieldErr("settlementAsset", "%q is not one of the assets", c.SettlementAsset)
	}
	if h := c.Assets[id].Haircut; h.Kind != HaircutIdentity || h.Weight != rateOne {
		return fieldErr(fmt.Sprintf("assets[%d].haircutFunction", id),
			"the settlement asset counts in full: weight 1, kind identity")
	}
	return nil
}

// checkMarkets checks every market and returns each one's bracket
// maintenance amounts (zero without a table).
func (c *Config) checkMarkets() ([][MaxBrackets]int64, error) {
	if len(c.Markets) > maxIDs {
		return nil, fieldErr("markets", "%d markets; at most %d", len(c.Markets), maxIDs)
	}
	amounts := make([][MaxBrackets]int64, len(c.Markets))
	seen := map[string]int{}
	for i := range c.Markets {
		path := fmt.Sprintf("markets[%d]", i)
		m := &c.Markets[i]
		if j, dup := seen[m.Symbol]; dup {
			return nil, fieldErr(path+".symbol", "%q is also markets[%d]", m.Symbol, j)
		}
		seen[m.Symbol] = i
		a, err := c.checkMarket(path, m)
		if err != nil {
			return nil, err
		}
		amounts[i] = a
	}
	return amounts, nil
}

func (c *Config) checkMarket(path string, m *Market) ([MaxBrackets]int64, error) {
	var amounts [MaxBrackets]int64
	if err := c.checkIdentity(path, m); err != nil {
		return amounts, err
	}
	checks := []func(string, *Market) error{checkQuantities, checkFees, checkBands, checkMark, checkKindFields}
	for _, check := range checks {
		if err := check(path, m); err != nil {
			return amounts, err
		}
	}
	if m.Kind == Perp {
		return checkRiskLimits(path, m, &c.Assets[m.Quote])
	}
	return amounts, nil
}

// checkIdentity: kind, assets and symbol agree.
func (c *Config) checkIdentity(path string, m *Market) error {
	if m.Kind != Spot && m.Kind != Perp {
		return fieldErr(path+".marketType", "unknown market kind %d", m.Kind)
	}
	if int(m.Base) >= len(c.Assets) {
		return fieldErr(path+".baseSymbol", "asset %d does not exist", m.Base)
	}
	if int(m.Quote) >= len(c.Assets) {
		return fieldErr(path+".quoteSymbol", "asset %d does not exist", m.Quote)
	}
	if m.Base == m.Quote {
		return fieldErr(path+".quoteSymbol", "base and quote are both %s", c.Assets[m.Base].Symbol)
	}
	if want := marketSymbol(c.Assets[m.Base].Symbol, c.Assets[m.Quote].Symbol, m.Kind); m.Symbol != want {
		return fieldErr(path+".symbol", "%q: this market's symbol is %q", m.Symbol, want)
	}
	if m.Kind == Perp && c.Assets[m.Quote].Symbol != c.SettlementAsset {
		return fieldErr(path+".quoteSymbol", "a perpetual is quoted in the settlement asset %s, not %s",
			c.SettlementAsset, c.Assets[m.Quote].Symbol)
	}
	return nil
}

// marketSymbol is Backpack's market symbol: BTC_USDC, BTC_USDC_PERP.
func marketSymbol(base, quote string, k MarketKind) string {
	if k == Perp {
		return base + "_" + quote + "_PERP"
	}
	return base + "_" + quote
}

func checkQuantities(path string, m *Market) error {
	switch {
	case m.TickSize <= 0:
		return fieldErr(path+".tickSize", "must be positive")
	case m.StepSize <= 0:
		return fieldErr(path+".stepSize", "must be positive")
	case m.MinQty <= 0:
		return fieldErr(path+".minQuantity", "must be positive")
	case m.MaxQty < 0:
		return fieldErr(path+".maxQuantity", "must not be negative")
	case m.MaxQty != 0 && m.MaxQty < m.MinQty:
		return fieldErr(path+".maxQuantity", "is below minQuantity")
	case m.OpenInterestLimit < 0:
		return fieldErr(path+".openInterestLimit", "must not be negative")
	case m.LiquidationCapacity < 0:
		return fieldErr(path+".liquidationCapacity", "must not be negative")
	}
	quantities := []struct {
		key  string
		lots int64
	}{{"minQuantity", m.MinQty}, {"maxQuantity", m.MaxQty}, {"openInterestLimit", m.OpenInterestLimit}}
	for _, q := range quantities {
		if _, err := fixed.Mul(q.lots, m.StepSize); err != nil {
			return fieldErr(path+"."+q.key, "%d lots of %d units overflow an int64", q.lots, m.StepSize)
		}
	}
	return nil
}

func checkFees(path string, m *Market) error {
	if err := checkFee(path+".makerFee", m.MakerFee); err != nil {
		return err
	}
	return checkFee(path+".takerFee", m.TakerFee)
}

func checkFee(path string, fee int64) error {
	if fee < 0 || fee > maxFee {
		return fieldErr(path, "%s is outside 0..0.1", rateText(fee))
	}
	return nil
}

// checkKindFields: perpetuals have sound margin functions and funding; spot
// markets have none.
func checkKindFields(path string, m *Market) error {
	if m.Kind == Spot {
		if m.IMF != (MarginFunction{}) || m.MMF != (MarginFunction{}) || m.RiskLimits != (RiskLimits{}) ||
			m.Funding != (Funding{}) || m.OpenInterestLimit != 0 {
			return fieldErr(path+".marketType", "a SPOT market has no IMF, MMF, risk limits, funding or open-interest limit")
		}
		return nil
	}
	if m.IMF.Kind != MarginBrackets && m.MMF.Kind != MarginBrackets {
		if err := checkMargin(path, m.IMF, m.MMF); err != nil {
			return err
		}
	} // else checkRiskLimits, after the market's other rules
	if err := checkFunding(path, m.Funding); err != nil {
		return err
	}
	return checkSampling(path, m)
}

// checkSampling: a perpetual samples its mark every fundingSampleInterval, for
// the mean-mark window and the basis EWMA alike.
func checkSampling(path string, m *Market) error {
	sample := m.Funding.SampleMs
	if w := m.Bands.MeanMarkWindowMs; w%sample != 0 {
		return fieldErr(path+".priceBands.meanMarkPriceBand.window",
			"%d ms is not a whole number of fundingSampleInterval (%d ms), the mark's sampling period", w, sample)
	}
	if w := m.Mark.BasisWindowMs; w < sample {
		return fieldErr(path+".markPrice.basisWindow",
			"%d ms is shorter than fundingSampleInterval (%d ms), the mark's sampling period", w, sample)
	}
	return nil
}

func checkMargin(path string, imf, mmf MarginFunction) error {
	switch {
	case imf.Kind != MarginSqrt:
		return fieldErr(path+".imfFunction.type", "unknown function kind %d", imf.Kind)
	case mmf.Kind != MarginSqrt:
		return fieldErr(path+".mmfFunction.type", "unknown function kind %d", mmf.Kind)
	case mmf.Base <= 0:
		return fieldErr(path+".mmfFunction.base", "must be positive")
	case imf.Base <= mmf.Base:
		return fieldErr(path+".imfFunction.base", "%s must exceed the MMF base %s", rateText(imf.Base), rateText(mmf.Base))
	case imf.Base > rateOne:
		return fieldErr(path+".imfFunction.base", "%s is above 1", rateText(imf.Base))
	case mmf.Factor < 0:
		return fieldErr(path+".mmfFunction.factor", "must not be negative")
	case imf.Factor < mmf.Factor:
		return fieldErr(path+".imfFunction.factor", "%s is below the MMF factor %s: IMF must be at least MMF at every size",
			rateText(imf.Factor), rateText(mmf.Factor))
	}
	return nil
}

func checkFunding(path string, f Funding) error {
	switch {
	case f.IntervalMs <= 0 || f.IntervalMs > maxWindowMs:
		return fieldErr(path+".fundingInterval", "%d ms is outside 1..%d", f.IntervalMs, maxWindowMs)
	case f.SampleMs <= 0 || f.IntervalMs%f.SampleMs != 0:
		return fieldErr(path+".fundingSampleInterval", "%d ms must be positive and divide fundingInterval (%d ms)", f.SampleMs, f.IntervalMs)
	case f.Upper < 0:
		return fieldErr(path+".fundingRateUpperBound", "must not be negative")
	case f.Lower > 0:
		return fieldErr(path+".fundingRateLowerBound", "must not be positive")
	case f.PremiumClamp < 0:
		return fieldErr(path+".fundingPremiumClamp", "must not be negative")
	case f.PeriodHours <= 0 || f.PeriodHours > maxPeriodH:
		return fieldErr(path+".fundingPeriodHours", "%d is outside 1..%d", f.PeriodHours, maxPeriodH)
	}
	return nil
}

func checkBands(path string, m *Market) error {
	path += ".priceBands"
	b := m.Bands
	if err := checkPair(path, "minMultiplier", "maxMultiplier", b.LimitMin, b.LimitMax); err != nil {
		return err
	}
	if err := checkPair(path, "minImpactMultiplier", "maxImpactMultiplier", b.ImpactMin, b.ImpactMax); err != nil {
		return err
	}
	mm := path + ".meanMarkPriceBand"
	if err := checkPair(mm, "minMultiplier", "maxMultiplier", b.MeanMarkMin, b.MeanMarkMax); err != nil {
		return err
	}
	if err := checkWindow(mm+".window", b.MeanMarkWindowMs); err != nil {
		return err
	}
	if t := b.MeanPremiumTolerance; t < 0 || t > maxBand {
		return fieldErr(path+".meanPremiumBand.tolerancePct", "%s is outside [0, 1)", rateText(t))
	}
	return nil
}

// checkPair: multipliers around a reference price, 0 < min < 1 < max.
func checkPair(path, minKey, maxKey string, lo, hi int64) error {
	switch {
	case lo <= 0 || lo >= rateOne:
		return fieldErr(path+"."+minKey, "%s is outside (0, 1)", rateText(lo))
	case hi <= rateOne:
		return fieldErr(path+"."+maxKey, "%s is not above 1", rateText(hi))
	}
	return nil
}

func checkMark(path string, m *Market) error {
	if err := checkWindow(path+".markPrice.basisWindow", m.Mark.BasisWindowMs); err != nil {
		return err
	}
	if b := m.Mark.Band; b <= 0 || b > maxBand {
		return fieldErr(path+".markPrice.band", "%s is outside (0, 1)", rateText(b))
	}
	return nil
}

func checkWindow(path string, ms int64) error {
	if ms <= 0 || ms > maxWindowMs {
		return fieldErr(path, "%d ms is outside 1..%d", ms, maxWindowMs)
	}
	return nil
}

// isAssetSymbol: one or more ASCII letters and digits.
func isAssetSymbol(s string) bool {
	for _, r := range s {
		if !('0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z') {
			return false
		}
	}
	return s != ""
}

// rateText renders a fixed.Rate for errors.
func rateText(v int64) string { return fixed.FormatDecimal(v, fixed.RateDecimals) }
