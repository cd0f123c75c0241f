package run

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// trader is what the simulator remembers of one trader: enough for the
// ADL and "survived the wick" metrics, nothing it would loop over per tick.
type trader struct {
	market   int32   // index in sim.markets
	leverage float32 // as opened
	isolated bool
	hedged   bool
	ok       bool  // the position opened
	qty      int64 // signed lots, as opened
	equity   int64 // collateral after the opening fee, settlement units
}

// traderOf returns the trader behind an account, or nil.
func (s *sim) traderOf(id engine.AccountID) *trader {
	if int(id) >= len(s.role) || s.role[id] != roleTrader {
		return nil
	}
	return &s.traders[s.traderIndex(id)]
}

func (s *sim) traderIndex(id engine.AccountID) int { return int(id - s.col.firstTrader) }

// idOffset is the i-th trader's offset from the first trader's account:
// traders' accounts are created one after the other.
func idOffset(i int) engine.AccountID { return engine.AccountID(i) } //nolint:gosec // i < traders ≤ 10M

func abs(v int64) int64 { return max(v, -v) }

// setupTraders creates the population, every trader's draws in a fixed
// order from one stream: market (by weight), side, notional, leverage
// (capped at 95% of what the market allows at that notional), margin mode,
// hedge, stop-loss and its distance. Each trader deposits notional ÷
// leverage plus the taker fee, and opens at the opening price against the
// market's first market maker (which posts the other side first); a
// hedged short also deposits the base asset it is short. Isolated traders
// move their whole margin into the position; stop-loss users get a
// stop-market order at the drawn distance from entry (stops.go).
func (s *sim) setupTraders() error {
	t := &s.sc.Traders
	r := rand.New(rand.NewPCG(s.opt.Seed, streamPop))
	weights := make([]float64, len(s.markets))
	total := 0.0
	for i := range s.markets {
		weights[i] = *s.markets[i].sc.Weight
		total += weights[i]
	}
	s.traders = make([]trader, 0, s.count)
	for range s.count {
		x := r.Float64() * total
		mi := len(s.markets) - 1
		for i, w := range weights {
			if x < w {
				mi = i
				break
			}
			x -= w
		}
		long := r.Float64() < *t.LongShare
		notional := t.Notional.Sample(r) * s.scale
		lev := t.Leverage.Sample(r)
		isolated := r.Float64() < t.IsolatedShare
		hedged := r.Float64() < t.HedgedShare && !long
		stop := r.Float64() < t.StopLoss.Share
		dist := t.StopLoss.Distance.Sample(r)

		m := &s.markets[mi]
		if m.opener == 0 {
			return fmt.Errorf("%s has traders but no market maker to open against", m.cfg.Symbol)
		}
		id, err := s.account(roleTrader, 0)
		if err != nil {
			return err
		}
		if len(s.traders) == 0 {
			s.col.firstTrader = id
		}
		s.traders = append(s.traders, trader{market: int32(mi), isolated: isolated, hedged: hedged}) //nolint:gosec // markets ≤ 2^16
		tr := &s.traders[len(s.traders)-1]
		if err := s.openTrader(tr, id, m, long, notional, lev, stop, dist); err != nil {
			return err
		}
	}
	for i := range s.sc.Whales {
		w := &s.sc.Whales[i]
		mi := s.byEngine[w.ID]
		id, err := s.account(roleTrader, 0)
		if err != nil {
			return err
		}
		if len(s.traders) == 0 {
			s.col.firstTrader = id
		}
		s.traders = append(s.traders, trader{market: int32(mi), isolated: w.Isolated}) //nolint:gosec // markets ≤ 2^16
		tr := &s.traders[len(s.traders)-1]
		err = s.openTrader(tr, id, &s.markets[mi], w.Side == "long", float64(w.Notional.Units), w.Leverage, w.StopLoss > 0, w.StopLoss)
		if err != nil {
			return fmt.Errorf("whales[%d]: %w", i, err)
		}
	}
	for i := range s.markets {
		s.markets[i].stops.sort()
	}
	return nil
}

// openTrader sizes, funds and opens one trader's position.
func (s *sim) openTrader(tr *trader, id engine.AccountID, m *mkt, long bool, notional, lev float64, wantStop bool, dist float64) error {
	cfg := m.cfg
	if cfg.RiskLimits.Count > 0 {
		if last := cfg.RiskLimits.Brackets[cfg.RiskLimits.Count-1]; last.NotionalCap > 0 {
			notional = min(notional, 0.99*float64(last.NotionalCap))
		}
	}
	lev = max(1, min(lev, 0.95*maxLeverage(cfg, notional, s.scale)))
	unit := m.lotUnits(m.open)
	lots := max(cfg.MinQty, int64(math.Round(notional/unit)))
	if cfg.MaxQty > 0 {
		lots = min(lots, cfg.MaxQty)
	}
	notional = float64(lots) * unit
	fee := notional * float64(cfg.TakerFee) / fixed.RateScale
	collateral := int64(math.Ceil(notional/lev+fee)) + 1
	if err := s.deposit(id, s.settle, collateral); err != nil {
		return err
	}
	if tr.hedged {
		if err := s.deposit(id, cfg.Base, lots*cfg.StepSize); err != nil {
			return err
		}
	}
	side, other := engine.Bid, engine.Ask
	if !long {
		side, other = engine.Ask, engine.Bid
	}
	price := m.open / cfg.TickSize
	s.cmd = engine.Command{Kind: engine.CmdPlaceOrder, Account: m.opener, Market: m.id, Side: other,
		Type: engine.Limit, TimeInForce: engine.GTC, Price: price, Quantity: lots}
	if _, err := s.apply(); err != nil {
		return fmt.Errorf("%s: the first market maker cannot take the other side of a trader's opening trade "+
			"(%d lots): %w; give it more collateral", cfg.Symbol, lots, err)
	}
	mode := engine.Cross
	if tr.isolated {
		mode = engine.Isolated
	}
	s.cmd = engine.Command{Kind: engine.CmdPlaceOrder, Account: id, Market: m.id, Side: side,
		Type: engine.Limit, TimeInForce: engine.IOC, Price: price, Quantity: lots, MarginMode: mode}
	if _, err := s.apply(); err != nil {
		s.cmd = engine.Command{Kind: engine.CmdCancelAll, Account: m.opener, Market: m.id}
		_, _ = s.apply()
		return nil // refused (margin): the trader stays flat
	}
	tr.ok, tr.leverage = true, float32(lev)
	tr.qty = lots
	if !long {
		tr.qty = -lots
	}
	tr.equity = collateral - int64(math.Ceil(fee))
	s.opened++
	if tr.isolated {
		s.isolateMargin(id, m, notional/lev)
	}
	if wantStop {
		trig := float64(price*cfg.TickSize) * (1 - dist)
		if !long {
			trig = float64(price*cfg.TickSize) * (1 + dist)
		}
		m.stops.add(stop{trigger: max(1, int64(math.Round(trig))), account: id, lots: lots, side: other, isolated: tr.isolated})
	}
	return nil
}

// isolateMargin raises an isolated position's margin (the engine sets its
// initial margin) to the trader's intended margin.
func (s *sim) isolateMargin(id engine.AccountID, m *mkt, want float64) {
	for _, p := range s.e.Positions(id) {
		if p.Market == m.id && p.Isolated {
			if add := int64(want) - p.Margin; add > 0 {
				s.cmd = engine.Command{Kind: engine.CmdAdjustMargin, Account: id, Market: m.id, Amount: add}
				_, _ = s.apply()
			}
		}
	}
}
