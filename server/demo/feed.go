package demo

import (
	"math"
	"math/rand/v2"

	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// The price cycle, in steps from its start (one step is Options.Interval of
// wall time, 1 s by default): a cycle is 150 steps, two and a half minutes.
//
//	[0, 45)    calm     small moves, a weak pull back toward the anchor
//	[45, 105)  trend    each asset drifts 0.04% a step one way (≈ 2.4%)
//	[105, 120) burst    volatility ×3, opened by a 1.5–3% jump the trend's way;
//	                    the market maker pulls its inner levels and widens
//	[120, 150) recover  a strong pull back toward the anchor
//
// A trend goes in a random direction per asset, except that an asset more
// than 8% from its anchor trends back toward it. A position using 70–90% of
// its margin on the trend's losing side crosses its liquidation price
// during the trend (it is 1–1.6% away on ETH and SOL at the built-in
// margin functions), so the first liquidations come 50–70 steps after the
// demo starts (seeds 1–20); the jump sends some to the backstop or ADL
// stages.
const (
	calmSteps    = 45
	trendSteps   = 60
	burstSteps   = 15
	recoverSteps = 30
	cycleSteps   = calmSteps + trendSteps + burstSteps + recoverSteps

	trendDrift     = 0.0004 // per step
	burstVolFactor = 3
	jumpMin        = 0.015
	jumpMax        = 0.03
	calmPull       = 0.01 // fraction of the log distance to the anchor, per step
	recoverPull    = 0.03
	trendBackAt    = 0.08 // |ln(price/anchor)| beyond which a trend heads home
)

// regime is a phase of the price cycle.
type regime uint8

const (
	calm regime = iota
	trend
	burst
	recovery
)

func (r regime) String() string { return [...]string{"calm", "trend", "burst", "recovery"}[r] }

// regimeAt returns the regime of a step counted from the feed's start.
func regimeAt(step int) regime {
	switch pos := step % cycleSteps; {
	case pos < calmSteps:
		return calm
	case pos < calmSteps+trendSteps:
		return trend
	case pos < calmSteps+trendSteps+burstSteps:
		return burst
	}
	return recovery
}

// Default starting index prices and per-step volatilities of the built-in
// assets; any other asset starts at its current index (or 100) with
// defaultVol.
var (
	startPrices = map[string]float64{"BTC": 100_000, "ETH": 3_000, "SOL": 150}
	vols        = map[string]float64{"BTC": 0.0003, "ETH": 0.0004, "SOL": 0.0006}
)

const defaultVol = 0.0005

// walk is one asset's index price path.
type walk struct {
	asset  config.AssetID
	symbol string
	price  float64 // quote units per base unit
	anchor float64 // where the calm and the recovery pull back to
	vol    float64 // standard deviation of a calm step's log return
	dir    float64 // +1 or −1: the current trend's direction
}

// feed moves the index prices of a set of assets, one step at a time. It
// has its own random generator, so the price path depends only on the seed
// it was given, whatever the bots do.
type feed struct {
	rng   *rand.Rand
	walks []walk
	step  int // steps taken since the feed started
}

// newFeed starts a feed at the given prices (each walk's anchor is its
// starting price).
func newFeed(seed1, seed2 uint64, walks []walk) *feed {
	for i := range walks {
		walks[i].anchor = walks[i].price
		walks[i].dir = 1
	}
	return &feed{rng: rand.New(rand.NewPCG(seed1, seed2)), walks: walks}
}

// regime returns the regime of the step next will take.
func (f *feed) regime() regime { return regimeAt(f.step) }

// next moves every price one step.
func (f *feed) next() {
	pos := f.step % cycleSteps
	r := regimeAt(f.step)
	for i := range f.walks {
		w := &f.walks[i]
		dev := math.Log(w.price / w.anchor)
		if pos == calmSteps { // a trend starts: pick its direction
			w.dir = 1
			if f.rng.IntN(2) == 0 {
				w.dir = -1
			}
			if math.Abs(dev) > trendBackAt {
				w.dir = -math.Copysign(1, dev)
			}
		}
		ret := w.vol * f.rng.NormFloat64()
		switch r {
		case calm:
			ret -= calmPull * dev
		case trend:
			ret += w.dir * trendDrift
		case burst:
			ret *= burstVolFactor
			if pos == calmSteps+trendSteps {
				ret += w.dir * (jumpMin + (jumpMax-jumpMin)*f.rng.Float64())
			}
		case recovery:
			ret -= recoverPull * dev
		}
		w.price = min(max(w.price*math.Exp(ret), w.anchor/2), w.anchor*2)
	}
	f.step++
}

// fixedPrice converts a price to fixed.Price (at least 1).
func fixedPrice(p float64) int64 {
	return max(1, int64(math.Round(p*fixed.PriceScale)))
}
