package ws

import (
	"slices"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
)

// book is the feed's copy of every market's order book, kept from order
// events alone: each order's resting lots, and their sum by price level.
//
// An order event carries the order as the event left it; what it has on the
// book afterwards is restingLots(ev): a limit order still New or
// PartiallyFilled rests quantity − executed, anything else (a market order,
// a filled, cancelled or expired one, a trigger order still waiting off the
// book) rests nothing. Within one command an order may pass through states
// that never reach the book (a crossing order is accepted, then fills, then
// rests what is left), so levels are compared only at command boundaries
// (endCommand): a level whose quantity differs from what it was before the
// command changed. Nothing reads the book in the middle of a command (a
// sequencer Read runs between commands), so this is exactly the set of
// levels a depth snapshot at any sequence could have seen change.
type book struct {
	orders  map[uint64]resting
	markets []marketBook
}

// resting is what the feed knows of one open order.
type resting struct {
	market  config.MarketID
	side    engine.Side
	price   int64 // ticks
	lots    int64 // on the book
	pending bool  // a trigger order waiting off the book
}

type levelKey struct {
	side  engine.Side
	price int64
}

// marketBook is one market's levels and its depth-stream bookkeeping.
type marketBook struct {
	levels [2]map[int64]int64 // by side (si): price → lots
	before map[levelKey]int64 // levels touched by the current command: lots before it
	dirty  map[levelKey]struct{}
	// lastU is the last update id published (the u of the last depth
	// message, or the sequence the feed started from); changed is the
	// sequence and changedAt the engine time (ms) of the latest change
	// not yet published.
	lastU     uint64
	changed   uint64
	changedAt int64
}

func newBook(markets int, seq uint64) *book {
	b := &book{orders: map[uint64]resting{}, markets: make([]marketBook, markets)}
	for i := range b.markets {
		mb := &b.markets[i]
		mb.levels = [2]map[int64]int64{{}, {}}
		mb.before, mb.dirty = map[levelKey]int64{}, map[levelKey]struct{}{}
		mb.lastU = seq
	}
	return b
}

// load adds an open order as a state read showed it.
func (b *book) load(v *engine.OrderView) {
	r := resting{market: v.Market, side: v.Side, price: v.Price, pending: v.Pending}
	if !v.Pending && v.Type == engine.Limit {
		r.lots = v.Quantity - v.Executed
	}
	b.orders[v.ID] = r
	if r.lots > 0 {
		b.markets[r.market].levels[si(r.side)][r.price] += r.lots
	}
}

// restingLots is what an order has on the book after ev.
func restingLots(ev *engine.Event) int64 {
	if ev.Type != engine.Limit || (ev.Status != engine.StatusNew && ev.Status != engine.StatusPartiallyFilled) {
		return 0
	}
	return ev.Quantity - ev.Executed
}

// apply folds one order event (EvOrder) into the book.
func (b *book) apply(ev *engine.Event) {
	old, known := b.orders[ev.OrderID]
	next := resting{market: ev.Market, side: ev.Side, price: ev.Price}
	switch ev.OrderEvent {
	case engine.TriggerPlaced:
		next.pending = true
	case engine.TriggerFailed:
	case engine.OrderAccepted: // a new order, or a trigger order that fired
		next.lots = restingLots(ev)
	default:
		if known && old.pending { // a waiting trigger order cancelled or trimmed
			next.pending = true
		} else {
			next.lots = restingLots(ev)
		}
	}
	if known && old.lots > 0 {
		b.move(old.market, old.side, old.price, -old.lots)
	}
	if next.lots > 0 {
		b.move(next.market, next.side, next.price, next.lots)
	}
	if next.lots > 0 || next.pending {
		b.orders[ev.OrderID] = next
	} else if known {
		delete(b.orders, ev.OrderID)
	}
}

// move adds lots (negative: removes) to a level, remembering its quantity
// before the command the first time the command touches it.
func (b *book) move(m config.MarketID, side engine.Side, price, lots int64) {
	mb := &b.markets[m]
	k := levelKey{side, price}
	if _, ok := mb.before[k]; !ok {
		mb.before[k] = mb.levels[si(side)][price]
	}
	q := mb.levels[si(side)][price] + lots
	if q == 0 {
		delete(mb.levels[si(side)], price)
	} else {
		mb.levels[si(side)][price] = q
	}
}

// endCommand closes the command whose events were applied since the last
// call: every level it touched whose quantity differs from before is dirty.
// seq and at are that command's sequence and engine time (ms).
func (b *book) endCommand(seq uint64, at int64) {
	for i := range b.markets {
		mb := &b.markets[i]
		if len(mb.before) == 0 {
			continue
		}
		changed := false
		for k, q := range mb.before {
			if mb.levels[si(k.side)][k.price] != q {
				mb.dirty[k] = struct{}{}
				changed = true
			}
		}
		clear(mb.before)
		if changed {
			mb.changed, mb.changedAt = seq, at
		}
	}
}

// delta is one depth message's content: every dirty level of a market with
// its absolute quantity (0: gone), each side by ascending price, and the
// update ids it covers: first = the previous message's last + 1, last = the
// sequence of the latest change.
type delta struct {
	first, last uint64
	at          int64 // engine time of the latest change, ms
	bids, asks  [][2]int64
}

// takeDelta returns market m's pending delta and marks it published; ok is
// false when no level changed since the last one.
func (b *book) takeDelta(m config.MarketID) (delta, bool) {
	mb := &b.markets[m]
	if len(mb.dirty) == 0 {
		return delta{}, false
	}
	d := delta{first: mb.lastU + 1, last: mb.changed, at: mb.changedAt}
	for k := range mb.dirty {
		l := [2]int64{k.price, mb.levels[si(k.side)][k.price]}
		if k.side == engine.Bid {
			d.bids = append(d.bids, l)
		} else {
			d.asks = append(d.asks, l)
		}
	}
	byPrice := func(a, b [2]int64) int { return int(sign(a[0] - b[0])) }
	slices.SortFunc(d.bids, byPrice)
	slices.SortFunc(d.asks, byPrice)
	clear(mb.dirty)
	mb.lastU, mb.changed = d.last, 0
	return d, true
}

// takeHeartbeat returns an empty delta that advances market m's update ids
// to seq, when seq is ahead of the last published id and nothing is
// pending: a keep-alive that keeps U = previous u + 1 true.
func (b *book) takeHeartbeat(m config.MarketID, seq uint64) (delta, bool) {
	mb := &b.markets[m]
	if len(mb.dirty) > 0 || seq <= mb.lastU {
		return delta{}, false
	}
	d := delta{first: mb.lastU + 1, last: seq, bids: [][2]int64{}, asks: [][2]int64{}}
	mb.lastU = seq
	return d, true
}

// best returns the best level of a side (ok false when the side is empty).
func (b *book) best(m config.MarketID, side engine.Side) (levelKey, int64, bool) {
	lv := b.markets[m].levels[si(side)]
	var p int64
	found := false
	for price := range lv {
		if !found || (side == engine.Bid && price > p) || (side == engine.Ask && price < p) {
			p, found = price, true
		}
	}
	if !found {
		return levelKey{side: side}, 0, false
	}
	return levelKey{side, p}, lv[p], true
}

// si indexes per-side arrays: 0 for bids, 1 for asks.
func si(s engine.Side) int {
	if s == engine.Ask {
		return 1
	}
	return 0
}

func sign(v int64) int64 {
	switch {
	case v < 0:
		return -1
	case v > 0:
		return 1
	}
	return 0
}
