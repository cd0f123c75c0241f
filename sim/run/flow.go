package run

import (
	"math"
	"math/rand/v2"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/sim/scenario"
)

// streamFlow seeds each market's taker flow (stream streamFlow + market).
const streamFlow = 0x666c6f77 // "flow"

// flow is a market's background taker: one account sending market orders.
type flow struct {
	sc      *scenario.Flow
	id      engine.AccountID
	perTick float64 // expected orders a tick
	r       *rand.Rand
}

func (s *sim) setupFlows() error {
	for i := range s.markets {
		m := &s.markets[i]
		f := m.sc.Flow
		if f == nil {
			continue
		}
		id, err := s.account(roleFlow, f.Collateral.Units)
		if err != nil {
			return err
		}
		m.flow = &flow{sc: f, id: id, perTick: f.Rate * float64(s.sc.Tick.Ms()) / 60_000,
			r: rand.New(rand.NewPCG(s.opt.Seed, streamFlow+uint64(i)))}
	}
	return nil
}

// flowTick sends market i's taker orders of the tick: the whole part of the
// expected count, plus one with the fractional part's probability, each a
// market order for its drawn size at the index. Refused orders (margin,
// an empty side) are dropped.
func (s *sim) flowTick(i int) {
	m := &s.markets[i]
	f := m.flow
	if f == nil {
		return
	}
	n := int(f.perTick)
	if f.r.Float64() < f.perTick-float64(n) {
		n++
	}
	for range n {
		side := engine.Bid
		if f.r.Float64() < *f.sc.SellShare {
			side = engine.Ask
		}
		lots := int64(math.Round(f.sc.Size.Sample(f.r) * s.scale / m.lotUnits(m.index)))
		if lots < m.cfg.MinQty {
			continue
		}
		if m.cfg.MaxQty > 0 {
			lots = min(lots, m.cfg.MaxQty)
		}
		s.cmd = engine.Command{Kind: engine.CmdPlaceOrder, Account: f.id, Market: m.id, Side: side,
			Type: engine.Market, Quantity: lots}
		_, _ = s.apply()
	}
}
