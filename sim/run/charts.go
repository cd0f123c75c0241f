package run

import (
	"math"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/fixed"
	"github.com/waterfallrisk/waterfall/sim/report"
)

// depthBand is the book depth chart's band around the mark: ±2%.
const depthBand = 0.02

// charts holds the sampled series of one run, at a fixed interval
// (scenario sampleEvery), so the report stays small whatever the tick.
type charts struct {
	t      []float64
	prices [][3][]float64 // per market: index, mark, last
	fund   []float64
	stage  [stages][]float64 // cumulative
	oi     [][]float64       // per market
	adl    []float64         // cumulative counterparty fills
	depth  [][]float64       // per market
	bad    []float64         // cumulative
}

func (c *charts) init(s *sim) {
	n := len(s.markets)
	c.prices = make([][3][]float64, n)
	c.oi = make([][]float64, n)
	c.depth = make([][]float64, n)
}

// sample records every series at tick k.
func (s *sim) sample(k int) {
	c := &s.charts
	c.t = append(c.t, float64(int64(k)*s.sc.Tick.Ms())/1000)
	relative := len(s.markets) > 1 // several markets: prices in % of the opening price
	for i := range s.markets {
		m := &s.markets[i]
		norm := 1.0 / fixed.PriceScale
		if relative {
			norm = 100 / float64(m.open)
		}
		last := math.NaN()
		if lp := s.e.LastPrice(m.id); lp > 0 {
			last = float64(lp*m.cfg.TickSize) * norm
		}
		c.prices[i][0] = append(c.prices[i][0], float64(s.e.Index(m.cfg.Base))*norm)
		c.prices[i][1] = append(c.prices[i][1], float64(s.e.Mark(m.id))*norm)
		c.prices[i][2] = append(c.prices[i][2], last)
		mark := s.e.Mark(m.id)
		c.oi[i] = append(c.oi[i], float64(s.e.OpenInterest(m.id))*m.lotUnits(mark)/s.scale)
		c.depth[i] = append(c.depth[i], s.depthNear(m, mark)/s.scale)
	}
	c.fund = append(c.fund, float64(s.col.fund)/s.scale)
	for st := range stages {
		c.stage[st] = append(c.stage[st], float64(s.col.stage[st])/s.scale)
	}
	c.adl = append(c.adl, float64(s.col.adlFills))
	c.bad = append(c.bad, float64(s.col.badDebt)/s.scale)
}

// depthNear is the resting notional (settlement units) within ±depthBand
// of mark, both sides.
func (s *sim) depthNear(m *mkt, mark int64) float64 {
	lo, hi := float64(mark)*(1-depthBand), float64(mark)*(1+depthBand)
	total := 0.0
	for _, side := range [2]engine.Side{engine.Bid, engine.Ask} {
		for _, lv := range s.e.Depth(m.id, side, 400) {
			p := float64(lv[0] * m.cfg.TickSize)
			if p < lo || p > hi {
				break
			}
			total += float64(lv[1]) * m.lotUnits(lv[0]*m.cfg.TickSize)
		}
	}
	return total
}

// reportCharts builds the run's charts for sim/report.
func (s *sim) reportCharts() []report.Chart {
	c := &s.charts
	usd := s.cfg.SettlementAsset
	series := func(label string, v []float64) report.Series { return report.Series{Label: label, T: c.t, V: v} }
	priceLabel := "price (" + usd + ")"
	if len(s.markets) > 1 {
		priceLabel = "% of opening price"
	}
	var prices, oi, depth []report.Series
	for i := range s.markets {
		sym := s.markets[i].cfg.Symbol
		prices = append(prices, series(sym+" index", c.prices[i][0]), series(sym+" mark", c.prices[i][1]),
			series(sym+" last", c.prices[i][2]))
		oi = append(oi, series(sym, c.oi[i]))
		depth = append(depth, series(sym, c.depth[i]))
	}
	var stage []report.Series
	for st := range stages {
		stage = append(stage, series(stageNames[st], c.stage[st]))
	}
	return []report.Chart{
		{Name: "prices", Title: "Index, mark and last price", YLabel: priceLabel, Series: prices},
		{Name: "insurance_fund", Title: "Insurance fund balance", YLabel: usd, Series: []report.Series{series("insurance fund", c.fund)}},
		{Name: "liquidated_by_stage", Title: "Liquidated notional by stage (cumulative)", YLabel: usd, Series: stage},
		{Name: "open_interest", Title: "Open interest (at mark)", YLabel: usd, Series: oi},
		{Name: "adl_events", Title: "ADL counterparty closes (cumulative)", YLabel: "closes", Series: []report.Series{series("ADL closes", c.adl)}},
		{Name: "book_depth", Title: "Book depth within ±2% of mark", YLabel: usd, Series: depth},
		{Name: "bad_debt", Title: "Bad debt (cumulative)", YLabel: usd, Series: []report.Series{series("bad debt", c.bad)}},
	}
}
