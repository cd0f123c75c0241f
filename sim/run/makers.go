package run

import (
	"fmt"
	"math"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/sim/scenario"
)

// maker is one market maker's state.
type maker struct {
	sc         *scenario.MarketMaker
	market     int // index in sim.markets
	id         engine.AccountID
	refresh    int // ticks between quotes
	window     int // stress window, ticks
	calm       int // ticks without a stress move before quoting normally
	next       int // tick of the next refresh
	stressed   bool
	lastStress int
	sizes      []float64 // per level, settlement units, unstressed
	quotedAt   int64     // the index its ladder is around
	dirty      bool      // one of its orders filled since
}

func (s *sim) setupMakers() error {
	tickMs := s.sc.Tick.Ms()
	for i := range s.sc.MarketMakers {
		mm := &s.sc.MarketMakers[i]
		mi := s.byEngine[mm.ID]
		for range mm.Count {
			id, err := s.account(roleMaker, mm.Collateral.Units)
			if err != nil {
				return fmt.Errorf("marketMakers[%d]: %w", i, err)
			}
			if s.markets[mi].opener == 0 {
				s.markets[mi].opener = id
			}
			mk := maker{sc: mm, market: mi, id: id,
				refresh: int(mm.Refresh.Ms() / tickMs), window: int(max(1, mm.Stress.Window.Ms()/tickMs)),
				calm: int(mm.Stress.Calm.Ms() / tickMs)}
			size := mm.Size * s.scale
			for range mm.Levels {
				mk.sizes = append(mk.sizes, size)
				size *= mm.Growth
			}
			s.makers = append(s.makers, mk)
		}
	}
	return nil
}

// quoteAll lets each market maker react to tick k's index (path[k], which
// the engine learns right after): stress starts when the index moved by
// the stress move within the window, and ends after calm ticks without
// such a move. A maker re-quotes when its stress state changed, or when its
// refresh is due and either one of its orders filled or the index moved
// half its (current) spread away from the price it quoted around; an
// untouched ladder around the same price is left as it is.
func (s *sim) quoteAll(k int) {
	for i := range s.makers {
		mk := &s.makers[i]
		path := s.markets[mk.market].path
		force := k == 0
		if st := &mk.sc.Stress; st.Move > 0 {
			from := path[max(0, k-mk.window)]
			if math.Abs(float64(path[k])/float64(from)-1) >= st.Move {
				force = force || !mk.stressed
				mk.stressed, mk.lastStress = true, k
			} else if mk.stressed && k-mk.lastStress >= mk.calm {
				mk.stressed, force = false, true
			}
		}
		if !force && k >= mk.next {
			half := mk.sc.Spread / 2
			if mk.stressed {
				half *= mk.sc.Stress.Spread
			}
			force = mk.dirty || math.Abs(float64(path[k]-mk.quotedAt)) >= float64(mk.quotedAt)*half
		}
		if force {
			s.quote(mk, path[k])
			mk.next = k + mk.refresh
		}
	}
}

// quote replaces a maker's orders with its ladder around index (fixed.Price):
// level l bids at index × (1 − (spread + l·step)·w) rounded down to the
// tick and asks at index × (1 + …) rounded up, for its level size (×
// depth under stress) in lots; w is 1, or the stress spread factor. Orders
// are post-only; one the engine refuses (a band, margin, a liquidation in
// progress) is skipped.
func (s *sim) quote(mk *maker, index int64) {
	m := &s.markets[mk.market]
	mk.quotedAt, mk.dirty = index, false
	s.cmd = engine.Command{Kind: engine.CmdCancelAll, Account: mk.id, Market: m.id}
	if _, err := s.apply(); err != nil {
		return
	}
	depth, widen := 1.0, 1.0
	if mk.stressed {
		depth, widen = *mk.sc.Stress.Depth, mk.sc.Stress.Spread
	}
	if depth == 0 {
		return
	}
	tick := float64(m.cfg.TickSize)
	idx := float64(index)
	for l, size := range mk.sizes {
		off := (mk.sc.Spread + float64(l)*mk.sc.Step) * widen
		for _, side := range [2]engine.Side{engine.Bid, engine.Ask} {
			var ticks int64
			if side == engine.Bid {
				ticks = int64(math.Floor(idx * (1 - off) / tick))
			} else {
				ticks = int64(math.Ceil(idx * (1 + off) / tick))
			}
			if ticks <= 0 {
				continue
			}
			lots := int64(math.Round(size * depth / m.lotUnits(ticks*m.cfg.TickSize)))
			if lots < m.cfg.MinQty {
				continue
			}
			if m.cfg.MaxQty > 0 {
				lots = min(lots, m.cfg.MaxQty)
			}
			s.cmd = engine.Command{Kind: engine.CmdPlaceOrder, Account: mk.id, Market: m.id, Side: side,
				Type: engine.Limit, TimeInForce: engine.GTC, PostOnly: true, Price: ticks, Quantity: lots}
			_, _ = s.apply()
		}
	}
}
