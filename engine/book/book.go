package book

import (
	"errors"
	"math"
)

// Order is a resting order as the book sees it.
type Order struct {
	ID    uint64 // assigned by the caller; unique among resting orders
	Owner uint32 // account id; self-trade prevention compares it
	Ref   int32  // opaque to the book: the caller's index for its own metadata
	Side  Side
	Price int64 // ticks, > 0
	Qty   int64 // lots remaining, > 0
	// Capped orders (reduce-only) may trade only as much as the taker's
	// Capper allows when a taker reaches them; the excess is trimmed away.
	Capped bool
}

// Errors returned by Rest. Each leaves the book unchanged.
var (
	ErrInvalidSide   = errors.New("book: invalid side")
	ErrInvalidPrice  = errors.New("book: price must be > 0")
	ErrInvalidQty    = errors.New("book: quantity must be > 0")
	ErrWouldCross    = errors.New("book: order would cross the book")
	ErrDuplicateID   = errors.New("book: duplicate order id")
	ErrLevelOverflow = errors.New("book: level quantity would overflow int64")
	ErrFull          = errors.New("book: too many resting orders")
)

// Book is one market's resting orders, bids and asks, in price-time
// priority. The zero value is not usable; call New.
type Book struct {
	nodes     []node  // order slab; nodes[0] is never used
	freeNode  int32   // head of the free node list; 0 = none
	levels    []level // level slab; levels[0] is never used
	freeLevel int32   // head of the free level list; 0 = none
	sides     [2]ladder
	ids       idTable
	dry       []Fill // Fillable's would-be fills, for Capper; reused
}

// New returns an empty book with room for about capacityHint resting orders
// before any of its storage has to grow.
func New(capacityHint int) *Book {
	capacityHint = max(capacityHint, 1)
	b := &Book{
		nodes:  make([]node, 1, capacityHint+1),
		levels: make([]level, 1, capacityHint+1),
	}
	for i := range b.sides {
		b.sides[i] = ladder{
			keys:   make([]int64, 0, capacityHint),
			levels: make([]int32, 0, capacityHint),
		}
	}
	b.ids.init(capacityHint)
	return b
}

// Len returns the number of resting orders.
func (b *Book) Len() int { return b.ids.n }

// Rest adds o at the back of its price level. It refuses, with one of the
// errors above and no change, an invalid side, a price or quantity ≤ 0, an
// order that would cross (trade against) the other side, an ID already
// resting, a quantity that would overflow its level's total, and any order
// once 2^31−1 rest (handles are int32). The caller
// matches first and rests only what is left.
func (b *Book) Rest(o Order) error {
	switch {
	case !o.Side.Valid():
		return ErrInvalidSide
	case o.Price <= 0:
		return ErrInvalidPrice
	case o.Qty <= 0:
		return ErrInvalidQty
	case b.WouldCross(o.Side, o.Price):
		return ErrWouldCross
	case b.full():
		return ErrFull
	}
	l := b.ladder(o.Side)
	key := priorityKey(o.Side, o.Price)
	i, found := l.find(key)
	if found && b.levels[l.levels[i]].qty > math.MaxInt64-o.Qty {
		return ErrLevelOverflow
	}
	h := b.allocNode()
	if !b.ids.insert(o.ID, h) {
		b.releaseNode(h)
		return ErrDuplicateID
	}
	var lh int32
	if found {
		lh = l.levels[i]
	} else {
		lh = b.allocLevel(o.Price)
		l.insert(i, key, lh)
	}
	b.nodes[h].Order = o
	b.pushBack(lh, h)
	return nil
}

// Cancel removes the resting order id and returns it as it was, or reports
// false if no such order rests.
func (b *Book) Cancel(id uint64) (Order, bool) {
	h := b.ids.take(id)
	if h == 0 {
		return Order{}, false
	}
	o := b.nodes[h].Order
	b.detach(h)
	return o, true
}

// remove takes resting order h out of the book: the ID table, its level
// (dropping the level if it empties) and the slab.
func (b *Book) remove(h int32) {
	b.ids.take(b.nodes[h].ID)
	b.detach(h)
}

// detach unlinks order h, already out of the ID table, from its level,
// drops the level if it empties and frees the node.
func (b *Book) detach(h int32) {
	nd := &b.nodes[h]
	side, lh := nd.Side, nd.level
	if b.unlink(h) {
		b.dropLevel(side, lh)
	}
	b.releaseNode(h)
}

// Reduce lowers the remaining quantity of order id to newQty, keeping its
// place in the queue. It reports false, changing nothing, when no such order
// rests or unless 0 < newQty < its current quantity; to remove an order use
// Cancel, to increase one use Cancel and Rest (losing priority).
func (b *Book) Reduce(id uint64, newQty int64) bool {
	h := b.ids.get(id)
	if h == 0 {
		return false
	}
	nd := &b.nodes[h]
	if newQty <= 0 || newQty >= nd.Qty {
		return false
	}
	b.levels[nd.level].qty -= nd.Qty - newQty
	nd.Qty = newQty
	return true
}

// Get returns the resting order id. The pointer is for reading and is valid
// only until the book's next mutation (Rest, Cancel, Reduce, Match); writing
// through it corrupts the book.
func (b *Book) Get(id uint64) (*Order, bool) {
	h := b.ids.get(id)
	if h == 0 {
		return nil, false
	}
	return &b.nodes[h].Order, true
}

// Each calls fn for every resting order in a fixed order: bids best price
// first, then asks best price first, oldest first within a level. Resting
// the orders in this order into an empty book rebuilds the same book, and
// hashing them gives a state hash. fn must not modify the book.
func (b *Book) Each(fn func(*Order)) {
	for s := Bid; s <= Ask; s++ {
		lvls := b.ladder(s).levels
		for i := len(lvls) - 1; i >= 0; i-- {
			for h := b.levels[lvls[i]].head; h != 0; h = b.nodes[h].next {
				fn(&b.nodes[h].Order)
			}
		}
	}
}
