package demo

import (
	"context"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// Bot rhythm, in steps.
const (
	unwindEvery  = 10   // the backstop provider sells down what it holds
	unwindShare  = 0.25 // of each position, per unwind
	refillEvery  = 30   // balances of the maker, the backstop and spot traders are topped up
	holdMin      = 40   // a new position is held at least this long…
	holdSpread   = 80   // …plus up to this many steps
	extendMin    = 20   // a position not closed when due is held this much longer…
	extendSpread = 40   // …plus up to this many steps
	topUpBelow   = 0.5  // a flat trader below this share of its capital is topped up
	refillBelow  = 0.3  // a maker, backstop or spot holding below this share of its target is refilled
	shrink       = 0.75 // an opening refused for margin is retried this much smaller
)

// actProb is the chance that a trader acts on a step.
var actProb = [...]float64{roleDegen: 0.2, roleIsolated: 0.15, roleHedger: 0.1, roleSwing: 0.15, roleSpot: 0.25}

// trade lets every trader act, in roster order.
func (d *Demo) trade(ctx context.Context, s *snapshot) error {
	for i := range d.members {
		m := &d.members[i]
		if m.role < roleDegen || s.accts[i].liquidating || d.rng.Float64() >= actProb[m.role] ||
			(m.market >= 0 && s.closed[m.market]) {
			continue
		}
		var err error
		switch m.role {
		case roleDegen, roleIsolated:
			err = d.single(ctx, m, &s.accts[i], s)
		case roleHedger:
			err = d.hedger(ctx, m, &s.accts[i], s)
		case roleSwing:
			err = d.swing(ctx, m, &s.accts[i], s)
		case roleSpot:
			err = d.spot(ctx, m, &s.accts[i], s)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// single is a degen's or an isolated trader's turn: flat, it opens on its
// market (a degen always on its own side, an isolated trader either way);
// holding, it closes once its holding time is up, or holds on a while.
func (d *Demo) single(ctx context.Context, m *member, st *acctState, s *snapshot) error {
	mk := &d.markets[m.market]
	q, iso := st.position(mk.id, 0)
	if q == 0 {
		eq, err := d.topUp(ctx, m, st)
		if err != nil {
			return err
		}
		side := m.side
		if m.role == roleIsolated {
			side = d.randomSide()
		}
		n := mk.notionalFor(eq, d.use(m), userBase(m.leverage))
		return d.open(ctx, m, mk, side, engine.NoSide, n, s.index[mk.base])
	}
	return d.maybeClose(ctx, m, mk, q, 0, iso)
}

// hedger holds a long and a smaller short on its market in hedge mode,
// closing one side now and then and opening it again later.
func (d *Demo) hedger(ctx context.Context, m *member, st *acctState, s *snapshot) error {
	mk := &d.markets[m.market]
	idx := s.index[mk.base]
	long, _ := st.position(mk.id, 1)
	short, _ := st.position(mk.id, -1)
	switch {
	case long == 0 && short == 0:
		eq, err := d.topUp(ctx, m, st)
		if err != nil {
			return err
		}
		use := d.use(m)
		if err := d.open(ctx, m, mk, engine.Bid, engine.Long, mk.notionalFor(eq, use, 0), idx); err != nil {
			return err
		}
		return d.open(ctx, m, mk, engine.Ask, engine.Short, mk.notionalFor(eq, use/2, 0), idx)
	case d.stepNo() < m.holdUntil:
		return nil
	case long == 0:
		return d.open(ctx, m, mk, engine.Bid, engine.Long, mk.notionalFor(st.equity, d.use(m)/2, 0), idx)
	case short == 0:
		return d.open(ctx, m, mk, engine.Ask, engine.Short, mk.notionalFor(st.equity, d.use(m)/2, 0), idx)
	}
	if d.rng.IntN(2) == 0 {
		return d.maybeClose(ctx, m, mk, long, 1, false)
	}
	return d.maybeClose(ctx, m, mk, short, -1, false)
}

// swing holds up to two positions on random perpetuals at modest leverage.
func (d *Demo) swing(ctx context.Context, m *member, st *acctState, s *snapshot) error {
	if len(st.positions) > 0 && d.stepNo() >= m.holdUntil {
		p := st.positions[d.rng.IntN(len(st.positions))]
		return d.maybeClose(ctx, m, &d.markets[p.Market], p.NetQuantity, p.Hedge, p.Isolated)
	}
	if len(st.positions) >= 2 || len(d.perps) == 0 {
		return nil
	}
	eq := st.equity
	if len(st.positions) == 0 {
		var err error
		if eq, err = d.topUp(ctx, m, st); err != nil {
			return err
		}
	}
	mk := &d.markets[d.perps[d.rng.IntN(len(d.perps))]]
	if s.closed[mk.id] {
		return nil
	}
	return d.open(ctx, m, mk, d.randomSide(), engine.NoSide, mk.notionalFor(eq, d.use(m), 0), s.index[mk.base])
}

// spot buys or sells a few thousand worth on a random spot market, with
// what it has.
func (d *Demo) spot(ctx context.Context, m *member, st *acctState, s *snapshot) error {
	if len(d.spots) == 0 {
		return nil
	}
	mk := &d.markets[d.spots[d.rng.IntN(len(d.spots))]]
	idx := s.index[mk.base]
	if s.closed[mk.id] {
		return nil
	}
	notional := 500 + 4500*d.rng.Float64()
	lots := mk.lots(notional, idx)
	if lots == 0 {
		return nil
	}
	side := d.randomSide()
	haveBase := st.free(mk.base) >= lots*mk.cfg.StepSize
	haveQuote := st.free(d.settle) >= d.units(notional*1.05)
	switch {
	case side == engine.Ask && !haveBase && haveQuote:
		side = engine.Bid
	case side == engine.Bid && !haveQuote && haveBase:
		side = engine.Ask
	case !haveBase && !haveQuote:
		return nil
	}
	return d.submit(ctx, &engine.Command{Kind: engine.CmdPlaceOrder, Account: m.id, Market: mk.id, Side: side,
		Type: engine.Market, Quantity: lots})
}

// open sends a market order opening (or adding to) a position of about
// notional; refused for margin, it tries once more, smaller.
func (d *Demo) open(ctx context.Context, m *member, mk *mkt, side engine.Side, ps engine.PositionSide, notional, idx float64) error {
	lots := mk.lots(notional, idx)
	for try := 0; try < 2 && lots >= mk.cfg.MinQty; try++ {
		c := engine.Command{Kind: engine.CmdPlaceOrder, Account: m.id, Market: mk.id, Side: side, Type: engine.Market,
			Quantity: lots, PositionSide: ps}
		if m.role == roleIsolated {
			c.MarginMode = engine.Isolated
		}
		refused, err := d.submitErr(ctx, &c)
		if err != nil {
			return err
		}
		if refused == nil {
			m.holdUntil = d.stepNo() + holdMin + d.rng.IntN(holdSpread)
			return nil
		}
		if refused.Code != engine.CodeInsufficientMargin {
			return nil
		}
		lots = int64(float64(lots) * shrink)
	}
	return nil
}

// maybeClose closes a position with a reduce-only market order once its
// holding time is up, with even odds; otherwise it holds on a while.
func (d *Demo) maybeClose(ctx context.Context, m *member, mk *mkt, q int64, hedge int8, iso bool) error {
	if d.stepNo() < m.holdUntil {
		return nil
	}
	if d.rng.IntN(2) == 0 {
		m.holdUntil = d.stepNo() + extendMin + d.rng.IntN(extendSpread)
		return nil
	}
	m.holdUntil = d.stepNo() + extendMin + d.rng.IntN(extendSpread)
	return d.reduce(ctx, m.id, mk, q, abs(q), hedge, iso)
}

// reduce sends a reduce-only market order for lots of position q.
func (d *Demo) reduce(ctx context.Context, id engine.AccountID, mk *mkt, q, lots int64, hedge int8, iso bool) error {
	c := engine.Command{Kind: engine.CmdPlaceOrder, Account: id, Market: mk.id, Side: engine.Ask, Type: engine.Market,
		Quantity: lots, ReduceOnly: true}
	if q < 0 {
		c.Side = engine.Bid
	}
	switch {
	case hedge > 0:
		c.PositionSide = engine.Long
	case hedge < 0:
		c.PositionSide = engine.Short
	}
	if iso {
		c.MarginMode = engine.Isolated
	}
	return d.submit(ctx, &c)
}

// use draws a member's margin use for a new position.
func (d *Demo) use(m *member) float64 { return m.useLo + (m.useHi-m.useLo)*d.rng.Float64() }

func (d *Demo) randomSide() engine.Side {
	if d.rng.IntN(2) == 0 {
		return engine.Bid
	}
	return engine.Ask
}

// userBase is the IMF floor of a user leverage limit (0: none).
func userBase(leverage int64) int64 {
	if leverage <= 0 {
		return 0
	}
	return fixed.RateScale / leverage
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}
