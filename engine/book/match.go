package book

import (
	"math"
	"math/bits"
)

// Taker is an incoming order to match against the book. The book never rests
// it: the caller rests what is left, if anything, with Rest.
type Taker struct {
	Owner uint32
	Side  Side // Bid buys from the asks, Ask sells to the bids
	// Limit is the worst price (ticks) the taker accepts: a buyer takes asks
	// priced ≤ Limit, a seller takes bids priced ≥ Limit. Market orders pass
	// their price band's limit.
	Limit int64
	// Qty is the most lots to fill.
	Qty int64
	// Quote, if > 0, is a budget in lots×ticks: Σ fill qty × fill price
	// never exceeds it and no fraction of a lot is filled. Each maker, in
	// priority order, gets at most floor(remaining budget / its price)
	// lots; matching stops at the first maker that gets fewer lots than it
	// has, since it stays first in line, so a seller's budget never skips
	// to a cheaper maker behind it. Quote ≤ 0 means no budget; Σ qty ×
	// price is then still capped at MaxInt64 the same way, so
	// Result.QuoteFilled never overflows.
	Quote int64
	STP   STP
	// Caps, if not nil, sizes Capped makers at the moment the taker reaches
	// them. nil leaves Capped makers uncapped.
	Caps Capper
}

// Capper decides how many lots a capped resting order may trade now: for a
// reduce-only order, what is left of the position it reduces. sofar holds
// the fills of the current match before this maker (nil in Fillable), so the
// answer can account for trades the caller has not settled yet. A result
// below the maker's quantity trims the maker to it (a CapTrim fill); 0 or
// less removes it.
type Capper interface {
	Cap(makerRef int32, sofar []Fill) int64
}

// Fill is one maker met by a taker: a trade, or a self-trade-prevention
// cancel of the taker owner's resting order.
type Fill struct {
	Kind       FillKind
	MakerID    uint64
	MakerOwner uint32
	MakerRef   int32
	Price      int64 // the maker's price, at which a trade executes
	Qty        int64 // lots traded (Trade) or removed from the book (STPCancel)
	MakerLeft  int64 // the maker's remaining quantity; 0 = gone from the book
}

// Result sums up a Match.
type Result struct {
	Filled      int64 // lots traded (Trade fills only)
	QuoteFilled int64 // Σ qty × price over Trade fills, lots×ticks
	// StoppedBySTP: matching stopped at the owner's own resting order
	// (RejectTaker or RejectBoth) and the rest of the taker must be
	// cancelled, not rested.
	StoppedBySTP bool
}

// valid reports whether t can match at all. An invalid taker matches nothing.
func (t *Taker) valid() bool { return t.Side.Valid() && t.Limit > 0 && t.Qty > 0 }

// budget returns the taker's quote budget, MaxInt64 when it set none.
func (t *Taker) budget() int64 {
	if t.Quote > 0 {
		return t.Quote
	}
	return math.MaxInt64
}

// tradeQty returns how many lots a taker with left lots and budget lots×ticks
// remaining takes from a maker of makerQty lots at price.
func tradeQty(left, budget, makerQty, price int64) int64 {
	q := min(left, makerQty)
	if hi, lo := bits.Mul64(uint64(q), uint64(price)); hi != 0 || lo > uint64(budget) {
		q = budget / price
	}
	return q
}

// Match trades t against the book in price-time priority, appending one Fill
// per maker met to out (which the caller may reuse, out[:0], to allocate
// nothing) and returning the extended slice. Filled makers and STP-cancelled
// makers leave the book; a partly filled maker keeps its place. Matching
// stops when t.Qty is filled, the next level is beyond t.Limit, the budget
// cannot pay for all of the maker first in line (see Taker.Quote), the book
// side is empty, or STP says so. A taker that is not valid (side,
// Limit > 0, Qty > 0) matches nothing.
func (b *Book) Match(t *Taker, out []Fill) ([]Fill, Result) {
	var r Result
	if !t.valid() {
		return out, r
	}
	makers := t.Side.Opposite()
	l := b.ladder(makers)
	limit := priorityKey(makers, t.Limit)
	left, budget := t.Qty, t.budget()
	start := len(out)
	for left > 0 && len(l.keys) > 0 && l.keys[len(l.keys)-1] >= limit {
		lv := &b.levels[l.levels[len(l.levels)-1]]
		price := lv.price
		// Every order this loop finishes leaves the book, and the level
		// with its last order, so the next best is always at the end.
		for h := lv.head; h != 0 && left > 0; {
			nd := &b.nodes[h]
			next := nd.next
			if nd.Owner == t.Owner {
				if t.STP == RejectTaker {
					r.StoppedBySTP = true
					return out, r
				}
				out = append(out, Fill{Kind: STPCancel, MakerID: nd.ID, MakerOwner: nd.Owner,
					MakerRef: nd.Ref, Price: price, Qty: nd.Qty})
				b.remove(h)
				if t.STP != RejectMaker {
					r.StoppedBySTP = true
					return out, r
				}
				h = next
				continue
			}
			if nd.Capped && t.Caps != nil {
				if c := t.Caps.Cap(nd.Ref, out[start:]); c < nd.Qty {
					trim := nd.Qty - max(c, 0)
					nd.Qty -= trim
					lv.qty -= trim
					out = append(out, Fill{Kind: CapTrim, MakerID: nd.ID, MakerOwner: nd.Owner,
						MakerRef: nd.Ref, Price: price, Qty: trim, MakerLeft: nd.Qty})
					if nd.Qty == 0 {
						b.remove(h)
						h = next
						continue
					}
				}
			}
			q := tradeQty(left, budget, nd.Qty, price)
			if q == 0 {
				return out, r
			}
			left -= q
			budget -= q * price
			r.Filled += q
			r.QuoteFilled += q * price
			nd.Qty -= q
			lv.qty -= q
			out = append(out, Fill{Kind: Trade, MakerID: nd.ID, MakerOwner: nd.Owner,
				MakerRef: nd.Ref, Price: price, Qty: q, MakerLeft: nd.Qty})
			if nd.Qty > 0 {
				// The taker is filled or its budget cannot pay for another
				// lot at this price: either way it is done.
				return out, r
			}
			b.remove(h)
			h = next
		}
	}
	return out, r
}

// Fillable returns how many lots Match(t) would fill now, with the same
// priority, limit, budget, cap and STP rules, without changing the book:
// capped makers are asked their cap with the fills this dry run has made so
// far, exactly as Match asks. Own
// orders are skipped under RejectMaker and stop the count under RejectTaker
// and RejectBoth. Use it for fill-or-kill. It allocates nothing.
func (b *Book) Fillable(t *Taker) int64 {
	if !t.valid() {
		return 0
	}
	makers := t.Side.Opposite()
	l := b.ladder(makers)
	limit := priorityKey(makers, t.Limit)
	left, budget := t.Qty, t.budget()
	b.dry = b.dry[:0]
	for i := len(l.keys) - 1; i >= 0 && l.keys[i] >= limit; i-- {
		lv := &b.levels[l.levels[i]]
		for h := lv.head; h != 0; h = b.nodes[h].next {
			nd := &b.nodes[h]
			if nd.Owner == t.Owner {
				if t.STP == RejectMaker {
					continue
				}
				return t.Qty - left
			}
			qty := nd.Qty
			if nd.Capped && t.Caps != nil {
				if qty = min(qty, t.Caps.Cap(nd.Ref, b.dry)); qty <= 0 {
					continue
				}
			}
			q := tradeQty(left, budget, qty, lv.price)
			if q == 0 {
				return t.Qty - left
			}
			if t.Caps != nil {
				b.dry = append(b.dry, Fill{Kind: Trade, MakerID: nd.ID, MakerOwner: nd.Owner,
					MakerRef: nd.Ref, Price: lv.price, Qty: q, MakerLeft: qty - q})
			}
			left -= q
			if left == 0 || q < qty {
				// Filled, or the budget cannot pay for another lot of this
				// maker, which stays first in line: done either way.
				return t.Qty - left
			}
			budget -= q * lv.price
		}
	}
	return t.Qty - left
}

// WouldCross reports whether an order on side s at price would trade against
// the other side now: a bid at or above the best ask, an ask at or below the
// best bid. Post-only orders use it; Rest refuses such orders. It reports
// false for an invalid side.
func (b *Book) WouldCross(s Side, price int64) bool {
	switch s {
	case Bid:
		ask, ok := b.BestAsk()
		return ok && price >= ask
	case Ask:
		bid, ok := b.BestBid()
		return ok && price <= bid
	}
	return false
}
