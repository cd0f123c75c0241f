package book

import (
	"math/rand/v2"
	"testing"
)

// mixMarket drives a Book the way an exchange core does, for the mix
// benchmark: it keeps its own per-order slot (the Ref the book hands back)
// like the engine will, and draws every choice from a seeded PCG so runs
// are repeatable.
type mixMarket struct {
	b      *Book
	rng    *rand.Rand
	slots  []uint64 // Ref → live order ID, 0 = free slot
	free   []int32  // free slots
	nextID uint64
	fills  []Fill
	ops    [4]int // gtc, ioc, cancel, move: for the shape test
}

const (
	mixMid      = 1_000_000 // ticks
	mixOrders   = 1000      // resting orders the mix hovers around
	mixSpread   = 300       // levels each side the preload spreads over
	mixMaxReach = 300       // a moved order farther than this from the touch drifts back
)

func newMixMarket(seed uint64) *mixMarket {
	m := &mixMarket{
		b:     New(2 * mixOrders),
		rng:   rand.New(rand.NewPCG(seed, 0x5eed)),
		slots: make([]uint64, 0, 2*mixOrders),
		free:  make([]int32, 0, 2*mixOrders),
		fills: make([]Fill, 0, 64),
	}
	for m.b.Len() < mixOrders {
		side := Side(1 + m.rng.IntN(2))
		off := int64(1 + m.rng.IntN(mixSpread))
		price := mixMid - off
		if side == Ask {
			price = mixMid + off
		}
		m.rest(side, price, m.qty(), m.owner())
	}
	return m
}

func (m *mixMarket) owner() uint32 { return uint32(1 + m.rng.IntN(200)) }
func (m *mixMarket) qty() int64    { return int64(1 + m.rng.IntN(10)) }

// rest puts a new order in the book; the price must not cross.
func (m *mixMarket) rest(side Side, price, qty int64, owner uint32) {
	var ref int32
	if n := len(m.free); n > 0 {
		ref = m.free[n-1]
		m.free = m.free[:n-1]
	} else {
		m.slots = append(m.slots, 0)
		ref = int32(len(m.slots) - 1)
	}
	m.nextID++
	m.slots[ref] = m.nextID
	if err := m.b.Rest(Order{ID: m.nextID, Owner: owner, Ref: ref, Side: side, Price: price, Qty: qty}); err != nil {
		panic(err)
	}
}

func (m *mixMarket) release(ref int32) {
	m.slots[ref] = 0
	m.free = append(m.free, ref)
}

// take matches a taker and releases the slots of makers that left the
// book; it returns what is left of the taker to rest, 0 if nothing may.
func (m *mixMarket) take(t *Taker) int64 {
	var r Result
	m.fills, r = m.b.Match(t, m.fills[:0])
	for i := range m.fills {
		if f := &m.fills[i]; f.MakerLeft == 0 {
			m.release(f.MakerRef)
		}
	}
	if r.StoppedBySTP {
		return 0
	}
	return t.Qty - r.Filled
}

// near returns a price for side: a few ticks off the opposite touch, now
// and then crossing it by a tick or two.
func (m *mixMarket) near(side Side) int64 {
	off := int64(m.rng.IntN(24) - 2)
	if side == Bid {
		ask, ok := m.b.BestAsk()
		if !ok {
			ask = mixMid
		}
		return max(1, ask-1-off)
	}
	bid, ok := m.b.BestBid()
	if !ok {
		bid = mixMid
	}
	return bid + 1 + off
}

// randomLive returns the Ref of a random resting order.
func (m *mixMarket) randomLive() int32 {
	i := m.rng.IntN(len(m.slots))
	for m.slots[i] == 0 {
		i++
		if i == len(m.slots) {
			i = 0
		}
	}
	return int32(i)
}

func (m *mixMarket) gtc() {
	side := Side(1 + m.rng.IntN(2))
	t := Taker{Owner: m.owner(), Side: side, Limit: m.near(side), Qty: m.qty(), STP: RejectMaker}
	if left := m.take(&t); left > 0 {
		m.rest(side, t.Limit, left, t.Owner)
	}
}

func (m *mixMarket) ioc() {
	side := Side(1 + m.rng.IntN(2))
	t := Taker{Owner: m.owner(), Side: side, Qty: int64(1 + m.rng.IntN(8))}
	if side == Bid {
		t.Limit = mixMid * 2
		if ask, ok := m.b.BestAsk(); ok {
			t.Limit = ask + int64(m.rng.IntN(4))
		}
	} else {
		t.Limit = 1
		if bid, ok := m.b.BestBid(); ok {
			t.Limit = bid - int64(m.rng.IntN(4))
		}
	}
	m.take(&t)
}

func (m *mixMarket) cancel() {
	ref := m.randomLive()
	if _, ok := m.b.Cancel(m.slots[ref]); !ok {
		panic("cancel of a live order failed")
	}
	m.release(ref)
}

// move cancels a random order and sends it again a few ticks away, drifting
// back toward the touch when it has wandered off, matching if it crosses.
func (m *mixMarket) move() {
	ref := m.randomLive()
	o, ok := m.b.Cancel(m.slots[ref])
	if !ok {
		panic("move of a live order failed")
	}
	m.release(ref)
	delta := int64(m.rng.IntN(9) - 4)
	if side := o.Side; side == Bid {
		if ask, ok := m.b.BestAsk(); ok && ask-o.Price > mixMaxReach {
			delta = int64(1 + m.rng.IntN(8))
		}
	} else if bid, ok := m.b.BestBid(); ok && o.Price-bid > mixMaxReach {
		delta = -int64(1 + m.rng.IntN(8))
	}
	price := max(1, o.Price+delta)
	if m.b.WouldCross(o.Side, price) {
		t := Taker{Owner: o.Owner, Side: o.Side, Limit: price, Qty: o.Qty, STP: RejectMaker}
		if o.Qty = m.take(&t); o.Qty == 0 {
			return
		}
	}
	m.rest(o.Side, price, o.Qty, o.Owner)
}

// step runs one operation of the mix: 9% GTC, 3% IOC, 6% cancel, 82% move.
// The book size is held near mixOrders by swapping GTC and cancel when it
// strays, which keeps the proportions over a run.
func (m *mixMarket) step() {
	r := m.rng.IntN(100)
	n := m.b.Len()
	switch {
	case r < 9 && n < mixOrders*11/10, r >= 12 && r < 18 && n < mixOrders*9/10:
		m.ops[0]++
		m.gtc()
	case r < 12:
		m.ops[1]++
		m.ioc()
	case r < 18 || r < 9:
		m.ops[2]++
		m.cancel()
	default:
		m.ops[3]++
		m.move()
	}
}

// BenchmarkMix is an exchange-core-like load on ~1,000 resting orders over a
// few hundred levels; one op is one GTC, IOC, cancel or move.
func BenchmarkMix(b *testing.B) {
	m := newMixMarket(1)
	for range 200_000 { // reach steady-state sizes before timing
		m.step()
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		m.step()
	}
}

// sweepBook holds sweepLevels ask levels of sweepOrders orders each.
const (
	sweepLevels = 10
	sweepOrders = 4
	sweepQty    = 5
	sweepDepth  = 8 // levels one sweep takes
)

func newSweepBook() *Book {
	b := New(64)
	for id := uint64(1); id <= sweepLevels*sweepOrders; id++ {
		price := 1000 + int64((id-1)/sweepOrders)
		if err := b.Rest(Order{ID: id, Owner: uint32(id), Ref: int32(id), Side: Ask, Price: price, Qty: sweepQty}); err != nil {
			panic(err)
		}
	}
	return b
}

// BenchmarkMatchSweep: one buy taking 8 levels (32 makers), then resting 32
// fresh makers where they were, so each op is one sweep plus 32 Rests.
func BenchmarkMatchSweep(b *testing.B) {
	bk := newSweepBook()
	nextID := uint64(sweepLevels*sweepOrders + 1)
	fills := make([]Fill, 0, 64)
	t := Taker{Owner: 0, Side: Bid, Limit: 1000 + sweepDepth - 1, Qty: sweepDepth * sweepOrders * sweepQty}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		var r Result
		fills, r = bk.Match(&t, fills[:0])
		if r.Filled != t.Qty {
			b.Fatalf("filled %d", r.Filled)
		}
		for i := range fills {
			f := &fills[i]
			bk.Rest(Order{ID: nextID, Owner: f.MakerOwner, Ref: f.MakerRef, Side: Ask, Price: f.Price, Qty: sweepQty})
			nextID++
		}
	}
	b.ReportMetric(float64(sweepDepth*sweepOrders), "fills/op")
}

// BenchmarkFillableSweep: the dry run of the same sweep (fill-or-kill check).
func BenchmarkFillableSweep(b *testing.B) {
	bk := newSweepBook()
	t := Taker{Owner: 0, Side: Bid, Limit: 1000 + sweepDepth - 1, Qty: sweepDepth * sweepOrders * sweepQty}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if bk.Fillable(&t) != t.Qty {
			b.Fatal("not fillable")
		}
	}
}

// BenchmarkRestCancel: rest an order a few ticks from the touch of a
// ~1,000-order book and cancel it.
func BenchmarkRestCancel(b *testing.B) {
	m := newMixMarket(2)
	bid, _ := m.b.BestBid()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		id := uint64(1<<40 + i)
		m.b.Rest(Order{ID: id, Owner: 1, Side: Bid, Price: bid - int64(i&7), Qty: 1})
		m.b.Cancel(id)
	}
}

// TestMixShape checks that the mix benchmark measures what it claims: about
// 1,000 orders over a few hundred levels, the stated proportions, and a
// consistent book throughout.
func TestMixShape(t *testing.T) {
	m := newMixMarket(1)
	const steps = 300_000
	minLen, maxLen, levels := 1<<30, 0, 0
	for i := range steps {
		m.step()
		n := m.b.Len()
		minLen, maxLen = min(minLen, n), max(maxLen, n)
		if i%1000 == 0 {
			levels = max(levels, m.b.Levels(Bid)+m.b.Levels(Ask))
		}
		if i%50_000 == 0 {
			mustInvariants(t, m.b)
		}
	}
	mustInvariants(t, m.b)
	t.Logf("len %d..%d, up to %d levels, ops gtc/ioc/cancel/move %v, ids %d", minLen, maxLen, levels, m.ops, m.nextID)
	if minLen < 800 || maxLen > 1200 || levels < 200 || levels > 1000 {
		t.Errorf("shape drifted: len %d..%d, %d levels", minLen, maxLen, levels)
	}
	pct := func(k int) int { return 100 * m.ops[k] / steps }
	if p := pct(3); p < 80 || p > 84 {
		t.Errorf("moves %d%%, want ~82%%", p)
	}
}
