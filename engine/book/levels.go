package book

// ladder is one side's price levels in priority order, worst first and best
// last, so consuming the best level pops the end and most inserts and
// removals, which happen near the touch, move few entries.
//
// keys[i] is the priority key of levels[i] (see priorityKey); keys are
// strictly ascending. Keys are kept apart from the level handles so a search
// reads one contiguous slice.
type ladder struct {
	keys   []int64
	levels []int32 // level handles
}

// priorityKey maps a price on side s to a key that grows as the price gets
// better for that side: the price itself for bids, its negation for asks.
// Prices are > 0, so negation cannot overflow.
func priorityKey(s Side, price int64) int64 {
	if s == Bid {
		return price
	}
	return -price
}

// nearTouch is how many levels from the best find treats as the touch, where
// most orders arrive, and searches first.
const nearTouch = 16

// find returns the index of key in l.keys and true, or the index where key
// would be inserted and false. The best level is checked first (a new best
// level or the touch, the common cases), then a branch-free bisection of
// the nearTouch levels next to it or of the whole side.
func (l *ladder) find(key int64) (int, bool) {
	keys := l.keys
	n := len(keys)
	if n == 0 || keys[n-1] < key {
		return n, false
	}
	if keys[n-1] == key {
		return n - 1, true
	}
	// Lower bound: the first index whose key is ≥ key. Keys of one side
	// share a sign, so the difference cannot overflow, and its sign bit,
	// smeared into a mask, advances base without a branch to mispredict.
	base, size := 0, n
	if n > nearTouch && keys[n-nearTouch] < key {
		base, size = n-nearTouch+1, nearTouch-1 // near the touch: fewer steps
	}
	for size > 1 {
		half := size >> 1
		below := int((keys[base+half-1] - key) >> 63) // -1 if below key, else 0
		base += half & below
		size -= half
	}
	return base, keys[base] == key
}

// insert puts level lh with key at index i.
func (l *ladder) insert(i int, key int64, lh int32) {
	l.keys = append(l.keys, 0)
	copy(l.keys[i+1:], l.keys[i:])
	l.keys[i] = key
	l.levels = append(l.levels, 0)
	copy(l.levels[i+1:], l.levels[i:])
	l.levels[i] = lh
}

// remove deletes the entry at index i.
func (l *ladder) remove(i int) {
	n := len(l.keys) - 1
	copy(l.keys[i:], l.keys[i+1:])
	l.keys = l.keys[:n]
	copy(l.levels[i:], l.levels[i+1:])
	l.levels = l.levels[:n]
}

// best returns the handle of the best level, or 0 when the side is empty.
func (l *ladder) best() int32 {
	if n := len(l.levels); n > 0 {
		return l.levels[n-1]
	}
	return 0
}

// ladder returns side s's levels; s must be valid.
func (b *Book) ladder(s Side) *ladder { return &b.sides[s-1] }

// dropLevel removes the empty level lh from side s and frees it.
func (b *Book) dropLevel(s Side, lh int32) {
	l := b.ladder(s)
	if n := len(l.levels) - 1; l.levels[n] == lh {
		l.keys = l.keys[:n]
		l.levels = l.levels[:n]
	} else {
		i, _ := l.find(priorityKey(s, b.levels[lh].price))
		l.remove(i)
	}
	b.releaseLevel(lh)
}

// BestBid returns the highest bid price, or ok = false when there are no bids.
func (b *Book) BestBid() (price int64, ok bool) { return b.bestPrice(Bid) }

// BestAsk returns the lowest ask price, or ok = false when there are no asks.
func (b *Book) BestAsk() (price int64, ok bool) { return b.bestPrice(Ask) }

func (b *Book) bestPrice(s Side) (int64, bool) {
	if lh := b.ladder(s).best(); lh != 0 {
		return b.levels[lh].price, true
	}
	return 0, false
}

// Levels returns the number of price levels on side s (0 for an invalid side).
func (b *Book) Levels(s Side) int {
	if !s.Valid() {
		return 0
	}
	return len(b.ladder(s).levels)
}

// Level returns side s's i-th level counting from the best (i = 0): its
// price, total quantity and number of orders. It allocates nothing. It
// panics unless s is valid and 0 ≤ i < Levels(s).
func (b *Book) Level(s Side, i int) (price, qty int64, orders int) {
	l := b.ladder(s)
	lv := &b.levels[l.levels[len(l.levels)-1-i]]
	return lv.price, lv.qty, int(lv.count)
}
