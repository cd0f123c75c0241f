package demo

import (
	"math"

	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
	"github.com/waterfallrisk/waterfall/engine/risk"
)

// mkt is a market with the conversions the bots need. The bots think in
// floating-point quote units; every command carries the engine's integers
// (lots, ticks, smallest units), converted here with rounding that keeps
// orders inside what was meant.
type mkt struct {
	id      config.MarketID
	cfg     *config.Market
	symbol  string
	perp    bool
	base    config.AssetID
	lotBase float64 // base units in one lot
	tick    float64 // quote units per base unit in one tick
	sdec    int     // settlement asset decimals
}

func newMkt(cfg *config.Config, id config.MarketID) mkt {
	mc := &cfg.Markets[id]
	settle, _ := cfg.AssetBySymbol(cfg.SettlementAsset)
	return mkt{
		id: id, cfg: mc, symbol: mc.Symbol, perp: mc.Kind == config.Perp, base: mc.Base,
		lotBase: float64(mc.StepSize) / math.Pow10(cfg.Assets[mc.Base].Decimals),
		tick:    float64(mc.TickSize) / fixed.PriceScale,
		sdec:    cfg.Assets[settle].Decimals,
	}
}

// lots returns how many whole lots a notional buys at price (floor; 0 when
// less than the market's minimum).
func (m *mkt) lots(notional, price float64) int64 {
	if notional <= 0 || price <= 0 {
		return 0
	}
	n := int64(notional / (price * m.lotBase))
	if n < m.cfg.MinQty || (m.cfg.MaxQty > 0 && n > m.cfg.MaxQty) {
		return 0
	}
	return n
}

// ticksBelow and ticksAbove round a price to the tick, down and up (at
// least one tick).
func (m *mkt) ticksBelow(p float64) int64 { return max(1, int64(math.Floor(p/m.tick))) }
func (m *mkt) ticksAbove(p float64) int64 { return max(1, int64(math.Ceil(p/m.tick))) }

// price returns a price in ticks as quote units.
func (m *mkt) price(ticks int64) float64 { return float64(ticks) * m.tick }

// notionalFor returns the position notional (quote units) whose initial
// margin is use × equity at the market's IMF function, with userBase the
// account's IMF floor from a leverage limit (fixed.Rate, 0 for none). The
// IMF grows with the notional, so this solves n × IMF(n) = use × equity by
// bisection; it is 0 for a spot market or when the margin functions cannot
// be evaluated.
func (m *mkt) notionalFor(equity, use float64, userBase int64) float64 {
	target := use * equity
	if !m.perp || target <= 0 {
		return 0
	}
	scale := math.Pow10(m.sdec)
	imf := func(n float64) float64 {
		units := int64(n * scale)
		f, _, err := risk.MarketFractions(m.cfg, units, units, m.sdec, userBase)
		if err != nil || f <= 0 {
			return math.Inf(1)
		}
		return float64(f) / fixed.RateScale
	}
	lo, hi := 0.0, target/imf(0)
	if math.IsInf(hi, 0) || math.IsNaN(hi) || hi <= 0 {
		return 0
	}
	for range 60 {
		mid := (lo + hi) / 2
		if mid*imf(mid) <= target {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}
