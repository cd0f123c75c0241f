package engine

import (
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// position is an account's slot in one market: its perpetual position and
// the lots of its resting orders on each side. In one-way mode an account has
// one slot per market; in hedge mode it may have a long and a short slot.
type position struct {
	market   config.MarketID
	hedge    int8  // 0 one-way, +1 hedge long side, -1 hedge short side
	qty      int64 // lots, negative for shorts
	cost     int64 // settlement units paid to open qty, negative for shorts
	realized int64 // cumulative realized PnL since the slot opened
	funding  int64 // cumulative funding paid (negative: received)
	fees     int64 // cumulative trading fees paid
	bids     int64 // lots of resting buy orders
	asks     int64 // lots of resting sell orders
	holder   int32 // index in market.holders, -1 = not a holder (qty == 0)
	// An isolated position (seed 003) carries its own margin: part of the
	// account's settlement balance set aside for it, which cross margin does
	// not count and its liquidation cannot exceed.
	isolated bool
	margin   int64 // settlement units
}

// slot returns the index of an account's slot for a market, creating it if
// asked to. In hedge mode side picks the long (+1) or short (−1) slot.
func (e *Engine) slot(id AccountID, m config.MarketID, hedge int8, create bool) int {
	a := &e.accounts[id]
	for i := range a.positions {
		if a.positions[i].market == m && a.positions[i].hedge == hedge {
			return i
		}
	}
	if !create {
		return -1
	}
	a.positions = append(a.positions, position{market: m, hedge: hedge, holder: -1})
	return len(a.positions) - 1
}

// slotFor returns the slot an order trades in, creating it with the
// order's margin mode if the account holds nothing there yet.
func (e *Engine) slotFor(o *order) int {
	i := e.slot(o.account, o.market, o.slot, true)
	if p := &e.accounts[o.account].positions[i]; p.qty == 0 && p.bids == 0 && p.asks == 0 {
		p.isolated = o.isolated
	}
	return i
}

// releaseSlot drops a slot that holds nothing any more.
func (e *Engine) releaseSlot(id AccountID, i int) {
	a := &e.accounts[id]
	p := &a.positions[i]
	if p.qty != 0 || p.bids != 0 || p.asks != 0 {
		return
	}
	last := len(a.positions) - 1
	if i != last {
		a.positions[i] = a.positions[last]
		if h := a.positions[i].holder; h >= 0 {
			e.markets[a.positions[i].market].holders[h].slot = int32(i) //nolint:gosec // few slots
		}
	}
	a.positions = a.positions[:last]
}

// exposure returns the slot's net exposure quantity in lots (Backpack: the
// position plus the open orders that increase risk): the larger of what the
// position becomes if every bid fills or if every ask fills. Signed.
func (p *position) exposure() int64 {
	up := p.qty + p.bids
	down := p.qty - p.asks
	if abs(up) >= abs(down) {
		return up
	}
	return down
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// trade applies a fill of dq lots (positive: bought) for dQ settlement units
// (positive: paid) to the position and returns the realized PnL.
//
// Closing k of |qty| lots removes cost × k / |qty| from the cost basis,
// rounded Ceil: for a long that is the larger cost, for a short (negative
// cost) the smaller credit, so realized PnL is rounded down in both cases, in
// the house's favour. What rounding keeps back stays in the cost basis and is
// realized when the position closes, so a position's lifetime PnL is exact.
func (p *position) trade(dq, dQ int64) (pnl int64, err error) {
	if p.qty == 0 || (p.qty > 0) == (dq > 0) {
		return 0, p.open(dq, dQ)
	}
	closing := min(abs(dq), abs(p.qty))
	removed, err := fixed.MulDiv(p.cost, closing, abs(p.qty), fixed.Ceil)
	if err != nil {
		return 0, err
	}
	// The part of this fill's notional that closes: exact, since dQ is
	// |dq| × price × lotTick.
	closeQ := dQ / abs(dq) * closing
	// A long sells (dQ < 0: received −dQ); a short buys back (dQ > 0).
	pnl = -closeQ - removed
	p.qty += sign(dq) * closing
	p.cost -= removed
	if rest := abs(dq) - closing; rest > 0 {
		if err := p.open(sign(dq)*rest, dQ/abs(dq)*rest); err != nil {
			return 0, err
		}
	}
	p.realized += pnl
	return pnl, nil
}

func (p *position) open(dq, dQ int64) error {
	q, err := fixed.Add(p.qty, dq)
	if err != nil {
		return err
	}
	c, err := fixed.Add(p.cost, dQ)
	if err != nil {
		return err
	}
	p.qty, p.cost = q, c
	return nil
}

func sign(v int64) int64 {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}
