package book

import "testing"

// positionCaps caps each owner's capped orders at a position that the
// owner's earlier fills in the same match use up: a reduce-only model.
type positionCaps map[uint32]int64

func (p positionCaps) Cap(ref int32, sofar []Fill) int64 {
	owner := uint32(ref) // the tests use Ref = owner
	left := p[owner]
	for _, f := range sofar {
		if f.Kind == Trade && f.MakerOwner == owner {
			left -= f.Qty
		}
	}
	return left
}

func TestCappedMakerIsTrimmedToItsCap(t *testing.T) {
	b := New(8)
	mustRest(t, b, Order{ID: 1, Owner: 7, Ref: 7, Side: Ask, Price: 100, Qty: 5, Capped: true})
	mustRest(t, b, Order{ID: 2, Owner: 8, Ref: 8, Side: Ask, Price: 101, Qty: 5})
	taker := &Taker{Owner: 9, Side: Bid, Limit: 101, Qty: 6, Caps: positionCaps{7: 2}}
	if got := b.Fillable(taker); got != 6 {
		t.Fatalf("Fillable = %d, want 6 (2 capped + 4)", got)
	}
	fills, r := b.Match(taker, nil)
	want := []Fill{
		{Kind: CapTrim, MakerID: 1, MakerOwner: 7, MakerRef: 7, Price: 100, Qty: 3, MakerLeft: 2},
		{Kind: Trade, MakerID: 1, MakerOwner: 7, MakerRef: 7, Price: 100, Qty: 2, MakerLeft: 0},
		{Kind: Trade, MakerID: 2, MakerOwner: 8, MakerRef: 8, Price: 101, Qty: 4, MakerLeft: 1},
	}
	if len(fills) != len(want) || r.Filled != 6 {
		t.Fatalf("fills %+v, filled %d", fills, r.Filled)
	}
	for i := range want {
		if fills[i] != want[i] {
			t.Fatalf("fill %d = %+v, want %+v", i, fills[i], want[i])
		}
	}
}

// An owner's plain order fills first and uses up the position its capped
// order behind it was meant to reduce: the capped order is removed, and
// Fillable sees that too, so fill-or-kill never half-fills.
func TestCapAccountsForEarlierFillsInTheSameMatch(t *testing.T) {
	b := New(8)
	mustRest(t, b, Order{ID: 1, Owner: 7, Ref: 7, Side: Ask, Price: 100, Qty: 3})
	mustRest(t, b, Order{ID: 2, Owner: 7, Ref: 7, Side: Ask, Price: 100, Qty: 3, Capped: true})
	mustRest(t, b, Order{ID: 3, Owner: 8, Ref: 8, Side: Ask, Price: 102, Qty: 1})
	taker := &Taker{Owner: 9, Side: Bid, Limit: 102, Qty: 6, Caps: positionCaps{7: 3}}
	if got := b.Fillable(taker); got != 4 {
		t.Fatalf("Fillable = %d, want 4: the capped order has nothing left to reduce", got)
	}
	fills, r := b.Match(taker, nil)
	if r.Filled != 4 || fills[1].Kind != CapTrim || fills[1].MakerLeft != 0 {
		t.Fatalf("fills %+v, filled %d", fills, r.Filled)
	}
	if _, ok := b.Get(2); ok {
		t.Fatal("trimmed-to-zero order is still on the book")
	}
}

func mustRest(t *testing.T, b *Book, o Order) {
	t.Helper()
	if err := b.Rest(o); err != nil {
		t.Fatal(err)
	}
}
