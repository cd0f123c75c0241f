package book

import "github.com/waterfallrisk/waterfall/engine/internal/wire"

// orderSize is the encoded size of one resting order.
const orderSize = 8 + 4 + 4 + 1 + 8 + 8 + 1

// AppendSnapshot writes the book's resting orders in Each order (bids best
// first, then asks best first, oldest first within a level): the count,
// then each order's ID, Owner, Ref, Side, Price, Qty and Capped. Handles,
// slabs and the ID table are not written: resting the orders in this order
// into an empty book rebuilds a book that answers, matches and iterates
// exactly as this one.
func (b *Book) AppendSnapshot(w *wire.Writer) {
	w.Count(b.Len())
	b.Each(func(o *Order) {
		w.U64(o.ID)
		w.U32(o.Owner)
		w.I32(o.Ref)
		w.U8(uint8(o.Side))
		w.I64(o.Price)
		w.I64(o.Qty)
		w.Bool(o.Capped)
	})
}

// ReadSnapshot reads what AppendSnapshot wrote and rebuilds the book, with
// room for at least capacityHint orders. It accepts only what AppendSnapshot
// can write: orders in Each order (so the rebuilt book writes the same bytes
// again) that Rest accepts. A failure is recorded in r and returns nil.
func ReadSnapshot(r *wire.Reader, capacityHint int) *Book {
	n := r.Count(orderSize)
	if r.Err() != nil {
		return nil
	}
	b := New(max(n, capacityHint))
	var prev Order
	for i := range n {
		o := Order{
			ID:    r.U64(),
			Owner: r.U32(),
			Ref:   r.I32(),
			Side:  Side(r.U8()),
			Price: r.I64(),
			Qty:   r.I64(),
		}
		o.Capped = r.Bool()
		if r.Err() != nil {
			return nil
		}
		if i > 0 && !inEachOrder(&prev, &o) {
			r.Failf("book: order %d (%v %d) out of priority order after order %d (%v %d)", o.ID, o.Side, o.Price, prev.ID, prev.Side, prev.Price)
			return nil
		}
		if err := b.Rest(o); err != nil {
			r.Failf("book: order %d: %v", o.ID, err)
			return nil
		}
		prev = o
	}
	return b
}

// inEachOrder reports whether b may follow a in Each's order: bids before
// asks, and within a side a price no better than the one before.
func inEachOrder(a, b *Order) bool {
	if a.Side != b.Side {
		return a.Side == Bid && b.Side == Ask
	}
	return priorityKey(b.Side, b.Price) <= priorityKey(a.Side, a.Price)
}
