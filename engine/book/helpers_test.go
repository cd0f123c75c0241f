package book

import (
	"fmt"
	"strings"
	"testing"
)

// o builds a resting order; the Ref is the ID negated so tests can see it
// travel into fills.
func o(id uint64, owner uint32, side Side, price, qty int64) Order {
	return Order{ID: id, Owner: owner, Ref: -int32(id), Side: side, Price: price, Qty: qty}
}

// build returns a book holding orders, rested in the order given.
func build(t testing.TB, orders ...Order) *Book {
	t.Helper()
	b := New(len(orders))
	for _, o := range orders {
		if err := b.Rest(o); err != nil {
			t.Fatalf("Rest(%+v): %v", o, err)
		}
	}
	mustInvariants(t, b)
	return b
}

// orders lists the book's orders in Each order.
func orders(b *Book) []Order {
	var out []Order
	b.Each(func(o *Order) { out = append(out, *o) })
	return out
}

// depth renders both sides, best first: "B 100x5/2 99x1/1 | A 101x3/1".
func depth(b *Book) string {
	var sb strings.Builder
	for s := Bid; s <= Ask; s++ {
		if s == Ask {
			sb.WriteString(" |")
		}
		sb.WriteString(" " + s.String()[:1])
		for i := range b.Levels(s) {
			p, q, n := b.Level(s, i)
			fmt.Fprintf(&sb, " %dx%d/%d", p, q, n)
		}
	}
	return strings.TrimSpace(sb.String())
}

// ids lists the IDs of orders.
func ids(os []Order) []uint64 {
	out := make([]uint64, len(os))
	for i, o := range os {
		out[i] = o.ID
	}
	return out
}
