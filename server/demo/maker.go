package demo

import (
	"context"
	"math"

	"github.com/waterfallrisk/waterfall/engine"
)

// The market maker's quotes: levels on each side at center × (1 ± (half
// spread + level × step)), each of a fixed notional. The center is the
// index skewed against the maker's inventory, so it leans toward unloading
// what it holds. During a burst it pulls its inner level and widens.
const (
	quoteLevels     = 3
	halfSpread      = 0.0003
	levelStep       = 0.0007
	burstSpread     = 3   // half spread × this during a burst
	burstSize       = 0.5 // level notional × this during a burst
	maxSkew         = 0.002
	maxInventory    = 500_000 // settlement units of inventory that give the full skew
	requoteFraction = 0.5     // a quote within this fraction of its level's distance from the center stays
	askClientBase   = 100     // client ids: bids 1..levels, asks 101..100+levels
)

// Level notionals, in settlement units, of a perpetual and of a spot market.
var (
	perpLevels = [quoteLevels]float64{20_000, 40_000, 80_000}
	spotLevels = [quoteLevels]float64{8_000, 16_000, 32_000}
)

// quoteWant is one order the maker wants resting.
type quoteWant struct {
	clientID uint32
	side     engine.Side
	ticks    int64
	lots     int64
	tol      float64 // ticks: a resting order this close to ticks is left alone
}

// quote brings the maker's orders on every market to its quotes for this
// step, moving orders that drifted (CmdMoveOrder: cancel and replace in one
// command), placing missing ones and cancelling the levels it pulls. The
// side moving away from the other goes first, so a post-only order never
// meets the maker's own stale opposite quote.
func (d *Demo) quote(ctx context.Context, s *snapshot, pulled bool) error {
	st := &s.accts[d.maker]
	id := d.members[d.maker].id
	if st.liquidating {
		return nil
	}
	for i := range d.markets {
		m := &d.markets[i]
		idx := s.index[m.base]
		if idx <= 0 || s.closed[i] {
			continue
		}
		center := idx * (1 - maxSkew*math.Max(-1, math.Min(1, d.inventory(s, i)/maxInventory)))
		up := center >= d.lastCenter[i]
		d.lastCenter[i] = center
		wants := d.quotes(m, center, idx, pulled)
		// Pulled levels (and any second order on one client id) first.
		have := map[uint32]engine.OrderView{}
		for _, o := range st.orders[i] {
			if _, dup := have[o.ClientID]; !dup && wantsClient(wants, o.ClientID) {
				have[o.ClientID] = o
				continue
			}
			if err := d.submit(ctx, &engine.Command{Kind: engine.CmdCancelOrder, Account: id, Market: m.id, OrderID: o.ID}); err != nil {
				return err
			}
		}
		first, second := engine.Bid, engine.Ask
		if up {
			first, second = engine.Ask, engine.Bid
		}
		for _, side := range []engine.Side{first, second} {
			for _, w := range wants {
				if w.side != side {
					continue
				}
				o, ok := have[w.clientID]
				if ok && math.Abs(float64(o.Price-w.ticks)) <= w.tol && 2*(o.Quantity-o.Executed) >= w.lots {
					continue
				}
				if err := d.place(ctx, m, w, o, ok); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// place moves the maker's order o to w, or places w when there is no such
// order or the move is refused.
func (d *Demo) place(ctx context.Context, m *mkt, w quoteWant, o engine.OrderView, exists bool) error {
	id := d.members[d.maker].id
	if exists {
		refused, err := d.submitErr(ctx, &engine.Command{Kind: engine.CmdMoveOrder, Account: id, Market: m.id,
			OrderID: o.ID, Price: w.ticks, Quantity: w.lots})
		if err != nil || refused == nil {
			return err
		}
		if err := d.submit(ctx, &engine.Command{Kind: engine.CmdCancelOrder, Account: id, Market: m.id, OrderID: o.ID}); err != nil {
			return err
		}
	}
	return d.submit(ctx, &engine.Command{Kind: engine.CmdPlaceOrder, Account: id, Market: m.id, Side: w.side,
		Type: engine.Limit, TimeInForce: engine.GTC, PostOnly: true, Price: w.ticks, Quantity: w.lots, ClientID: w.clientID})
}

// quotes returns the maker's quotes on a market around center.
func (d *Demo) quotes(m *mkt, center, idx float64, pulled bool) []quoteWant {
	sizes, hs, from, scale := perpLevels, halfSpread, 0, 1.0
	if !m.perp {
		sizes = spotLevels
	}
	if pulled {
		hs, from, scale = halfSpread*burstSpread, 1, burstSize
	}
	var out []quoteWant
	for l := from; l < quoteLevels; l++ {
		off := hs + float64(l)*levelStep
		lots := max(m.cfg.MinQty, m.lots(sizes[l]*scale, idx))
		bid := m.ticksBelow(center * (1 - off))
		ask := max(m.ticksAbove(center*(1+off)), bid+1)
		tol := requoteFraction * off * center / m.tick
		out = append(out,
			quoteWant{clientID: uint32(l + 1), side: engine.Bid, ticks: bid, lots: lots, tol: tol},
			quoteWant{clientID: uint32(askClientBase + l + 1), side: engine.Ask, ticks: ask, lots: lots, tol: tol})
	}
	return out
}

func wantsClient(ws []quoteWant, cid uint32) bool {
	for _, w := range ws {
		if w.clientID == cid {
			return true
		}
	}
	return false
}

// inventory is the maker's position on a market, in settlement units
// (signed): its perpetual position, or its spot base holding beyond its
// target.
func (d *Demo) inventory(s *snapshot, i int) float64 {
	m := &d.markets[i]
	st := &s.accts[d.maker]
	idx := s.index[m.base]
	if m.perp {
		q, _ := st.position(m.id, 0)
		return float64(q) * m.lotBase * idx
	}
	return (d.amount(m.base, st.balances[m.base]) - d.makerBase[m.base]) * idx
}
