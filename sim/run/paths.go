package run

import (
	"math"
	"math/rand/v2"

	"github.com/waterfallrisk/waterfall/engine/fixed"
	"github.com/waterfallrisk/waterfall/sim/scenario"
)

// indexPath returns a market's index price (fixed.Price) at every tick,
// ticks+1 values from the start price at tick 0. Segments play one after the
// other: each tick multiplies the price by exp(drift + σ·√(tick/1 min)·Z),
// drift spreading the segment's change evenly in log space, Z a standard
// normal draw from r, then by 1+size for each jump due in that tick. A CSV
// path is interpolated linearly between its rows. After the last segment or
// row the price holds. Prices never fall below one fixed.Price unit.
func indexPath(m *scenario.Market, ticks int, tickMs int64, r *rand.Rand) []int64 {
	out := make([]int64, ticks+1)
	start := float64(m.Price.Units)
	if len(m.Path.Points) > 0 {
		csvPath(out, m.Path.Points, tickMs)
		return out
	}
	p := start
	k := 0
	out[0] = toPrice(p)
	tickMin := float64(tickMs) / 60_000
	for _, g := range m.Path.Segments {
		n := int(max(1, (g.Duration.Ms()+tickMs/2)/tickMs))
		drift := math.Log1p(g.Change) / float64(n)
		sigma := g.Volatility * math.Sqrt(tickMin)
		for j := 1; j <= n && k < ticks; j++ {
			z := 0.0
			if sigma > 0 {
				z = r.NormFloat64()
			}
			p *= math.Exp(drift + sigma*z)
			for _, jmp := range g.Jumps {
				if int(jmp.At.Ms()/tickMs)+1 == j {
					p *= 1 + jmp.Size
				}
			}
			k++
			out[k] = toPrice(p)
		}
	}
	for k < ticks {
		k++
		out[k] = out[k-1]
	}
	return out
}

// csvPath fills out by linear interpolation of pts (seconds, price).
func csvPath(out []int64, pts []scenario.Point, tickMs int64) {
	j := 0
	for k := range out {
		sec := float64(int64(k)*tickMs) / 1000
		for j+1 < len(pts) && pts[j+1].Sec <= sec {
			j++
		}
		p := pts[j].Price
		if sec > pts[j].Sec && j+1 < len(pts) {
			a, b := pts[j], pts[j+1]
			p = a.Price + (b.Price-a.Price)*(sec-a.Sec)/(b.Sec-a.Sec)
		}
		out[k] = toPrice(p * fixed.PriceScale)
	}
}

// toPrice rounds a float price in fixed.Price units, at least 1.
func toPrice(p float64) int64 {
	if !(p >= 1) {
		return 1
	}
	if p > 1e17 {
		return 1e17
	}
	return int64(math.Round(p))
}
