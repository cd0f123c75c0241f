package book

import (
	"errors"
	"math"
	"slices"
	"testing"
)

func TestRestRefuses(t *testing.T) {
	base := []Order{o(1, 1, Bid, 100, 5), o(2, 1, Ask, 105, 5)}
	tests := []struct {
		name string
		o    Order
		want error
	}{
		{"zero side", Order{ID: 9, Owner: 2, Price: 90, Qty: 1}, ErrInvalidSide},
		{"side 3", o(9, 2, Side(3), 90, 1), ErrInvalidSide},
		{"zero price", o(9, 2, Bid, 0, 1), ErrInvalidPrice},
		{"negative price", o(9, 2, Ask, -110, 1), ErrInvalidPrice},
		{"zero qty", o(9, 2, Bid, 90, 0), ErrInvalidQty},
		{"negative qty", o(9, 2, Bid, 90, -1), ErrInvalidQty},
		{"bid at best ask", o(9, 2, Bid, 105, 1), ErrWouldCross},
		{"bid through best ask", o(9, 2, Bid, 200, 1), ErrWouldCross},
		{"ask at best bid", o(9, 2, Ask, 100, 1), ErrWouldCross},
		{"ask through best bid", o(9, 2, Ask, 1, 1), ErrWouldCross},
		{"duplicate of a bid", o(1, 2, Bid, 99, 1), ErrDuplicateID},
		{"duplicate id on other side", o(1, 2, Ask, 110, 1), ErrDuplicateID},
		{"level overflow", o(9, 2, Bid, 100, math.MaxInt64-4), ErrLevelOverflow},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := build(t, base...)
			before := depth(b)
			if err := b.Rest(tc.o); !errors.Is(err, tc.want) {
				t.Fatalf("Rest(%+v) = %v, want %v", tc.o, err, tc.want)
			}
			if got := depth(b); got != before || b.Len() != 2 {
				t.Fatalf("refused Rest changed the book: %q → %q, Len %d", before, got, b.Len())
			}
			mustInvariants(t, b)
		})
	}
}

func TestRestAccepts(t *testing.T) {
	b := build(t, o(1, 1, Bid, 100, 5), o(2, 1, Ask, 105, 5))
	for _, ok := range []Order{
		o(3, 1, Bid, 104, 1),               // one tick below the ask
		o(5, 1, Bid, 100, math.MaxInt64-5), // fills the level to exactly MaxInt64
		o(0, 1, Ask, 200, 1),               // ID 0 is an ordinary ID
	} {
		if err := b.Rest(ok); err != nil {
			t.Fatalf("Rest(%+v): %v", ok, err)
		}
	}
	if got, want := depth(b), "B 104x1/1 100x9223372036854775807/2 | A 105x5/1 200x1/1"; got != want {
		t.Fatalf("depth %q, want %q", got, want)
	}
	mustInvariants(t, b)
}

func TestDepthAndEach(t *testing.T) {
	b := build(t,
		o(1, 1, Bid, 99, 3),
		o(2, 2, Bid, 100, 5),
		o(3, 3, Ask, 103, 2),
		o(4, 1, Bid, 99, 4),
		o(5, 2, Ask, 102, 7),
		o(6, 3, Ask, 103, 1),
		o(7, 1, Bid, 97, 1),
		o(8, 2, Bid, 100, 2),
	)
	if got, want := depth(b), "B 100x7/2 99x7/2 97x1/1 | A 102x7/1 103x3/2"; got != want {
		t.Fatalf("depth %q, want %q", got, want)
	}
	if got, want := ids(orders(b)), []uint64{2, 8, 1, 4, 7, 5, 3, 6}; !slices.Equal(got, want) {
		t.Fatalf("Each order %v, want %v", got, want)
	}
	if p, ok := b.BestBid(); !ok || p != 100 {
		t.Fatalf("BestBid = %d, %v", p, ok)
	}
	if p, ok := b.BestAsk(); !ok || p != 102 {
		t.Fatalf("BestAsk = %d, %v", p, ok)
	}
	if b.Len() != 8 || b.Levels(Bid) != 3 || b.Levels(Ask) != 2 || b.Levels(0) != 0 {
		t.Fatalf("Len %d, Levels %d/%d/%d", b.Len(), b.Levels(Bid), b.Levels(Ask), b.Levels(0))
	}
	// Resting Each's sequence into an empty book rebuilds the same book.
	c := build(t, orders(b)...)
	if !slices.Equal(orders(b), orders(c)) || depth(b) != depth(c) {
		t.Fatalf("rebuild from Each differs:\n%v\n%v", orders(b), orders(c))
	}
}

func TestEmptyBook(t *testing.T) {
	b := New(0)
	if _, ok := b.BestBid(); ok {
		t.Fatal("BestBid on empty book")
	}
	if _, ok := b.BestAsk(); ok {
		t.Fatal("BestAsk on empty book")
	}
	if b.WouldCross(Bid, math.MaxInt64) || b.WouldCross(Ask, 1) {
		t.Fatal("empty book crosses")
	}
	if b.Len() != 0 || b.Levels(Bid) != 0 || b.Levels(Ask) != 0 || len(orders(b)) != 0 {
		t.Fatal("empty book not empty")
	}
	if _, ok := b.Cancel(1); ok {
		t.Fatal("Cancel on empty book")
	}
	if _, ok := b.Get(1); ok {
		t.Fatal("Get on empty book")
	}
	fills, r := b.Match(&Taker{Owner: 1, Side: Bid, Limit: 100, Qty: 1}, nil)
	if len(fills) != 0 || r != (Result{}) {
		t.Fatalf("Match on empty book: %v %+v", fills, r)
	}
}

func TestWouldCross(t *testing.T) {
	b := build(t, o(1, 1, Bid, 100, 1), o(2, 1, Ask, 103, 1))
	tests := []struct {
		side  Side
		price int64
		want  bool
	}{
		{Bid, 102, false}, {Bid, 103, true}, {Bid, 104, true},
		{Ask, 101, false}, {Ask, 100, true}, {Ask, 99, true},
		{0, 100, false},
	}
	for _, tc := range tests {
		if got := b.WouldCross(tc.side, tc.price); got != tc.want {
			t.Errorf("WouldCross(%v, %d) = %v, want %v", tc.side, tc.price, got, tc.want)
		}
	}
}

func TestCancel(t *testing.T) {
	tests := []struct {
		name   string
		cancel []uint64
		want   string
		each   []uint64
	}{
		{"head of level", []uint64{1}, "B 100x5/2 99x1/1 | A 101x1/1", []uint64{2, 3, 4, 5}},
		{"middle of level", []uint64{2}, "B 100x4/2 99x1/1 | A 101x1/1", []uint64{1, 3, 4, 5}},
		{"tail of level", []uint64{3}, "B 100x3/2 99x1/1 | A 101x1/1", []uint64{1, 2, 4, 5}},
		{"whole best level", []uint64{2, 1, 3}, "B 99x1/1 | A 101x1/1", []uint64{4, 5}},
		{"non-best level", []uint64{4}, "B 100x6/3 | A 101x1/1", []uint64{1, 2, 3, 5}},
		{"last ask", []uint64{5}, "B 100x6/3 99x1/1 | A", []uint64{1, 2, 3, 4}},
		{"everything", []uint64{5, 4, 3, 2, 1}, "B | A", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := build(t, o(1, 1, Bid, 100, 1), o(2, 2, Bid, 100, 2), o(3, 3, Bid, 100, 3),
				o(4, 1, Bid, 99, 1), o(5, 2, Ask, 101, 1))
			for _, id := range tc.cancel {
				before, _ := b.Get(id)
				want := *before
				got, ok := b.Cancel(id)
				if !ok || got != want {
					t.Fatalf("Cancel(%d) = %+v, %v; want %+v", id, got, ok, want)
				}
				mustInvariants(t, b)
				if _, ok := b.Get(id); ok {
					t.Fatalf("order %d still there after Cancel", id)
				}
				if _, ok := b.Cancel(id); ok {
					t.Fatalf("second Cancel(%d) succeeded", id)
				}
			}
			if got := depth(b); got != tc.want {
				t.Fatalf("depth %q, want %q", got, tc.want)
			}
			if got := ids(orders(b)); !slices.Equal(got, tc.each) && len(got)+len(tc.each) > 0 {
				t.Fatalf("Each %v, want %v", got, tc.each)
			}
			if b.Len() != len(tc.each) {
				t.Fatalf("Len %d, want %d", b.Len(), len(tc.each))
			}
		})
	}
}

func TestCancelledIDCanRestAgain(t *testing.T) {
	b := build(t, o(1, 1, Bid, 100, 1), o(2, 1, Bid, 100, 1))
	b.Cancel(1)
	if err := b.Rest(o(1, 1, Bid, 100, 4)); err != nil {
		t.Fatal(err)
	}
	if got := ids(orders(b)); !slices.Equal(got, []uint64{2, 1}) {
		t.Fatalf("re-rested order must queue behind: %v", got)
	}
	mustInvariants(t, b)
}

func TestReduce(t *testing.T) {
	tests := []struct {
		name   string
		id     uint64
		newQty int64
		ok     bool
		want   string
	}{
		{"lower head", 1, 2, true, "B 100x6/2 | A 101x1/1"},
		{"lower tail", 2, 1, true, "B 100x6/2 | A 101x1/1"},
		{"to one lot", 1, 1, true, "B 100x5/2 | A 101x1/1"},
		{"one-lot order", 3, 1, false, "B 100x9/2 | A 101x1/1"},
		{"same qty", 1, 5, false, "B 100x9/2 | A 101x1/1"},
		{"increase", 1, 6, false, "B 100x9/2 | A 101x1/1"},
		{"to zero", 1, 0, false, "B 100x9/2 | A 101x1/1"},
		{"negative", 1, -1, false, "B 100x9/2 | A 101x1/1"},
		{"unknown id", 7, 1, false, "B 100x9/2 | A 101x1/1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := build(t, o(1, 1, Bid, 100, 5), o(2, 2, Bid, 100, 4), o(3, 2, Ask, 101, 1))
			if ok := b.Reduce(tc.id, tc.newQty); ok != tc.ok {
				t.Fatalf("Reduce(%d, %d) = %v, want %v", tc.id, tc.newQty, ok, tc.ok)
			}
			if got := depth(b); got != tc.want {
				t.Fatalf("depth %q, want %q", got, tc.want)
			}
			if got := ids(orders(b)); !slices.Equal(got, []uint64{1, 2, 3}) {
				t.Fatalf("Reduce changed priority: %v", got)
			}
			if o, _ := b.Get(tc.id); tc.ok && o.Qty != tc.newQty {
				t.Fatalf("Get after Reduce: qty %d, want %d", o.Qty, tc.newQty)
			}
			mustInvariants(t, b)
		})
	}
}

func TestReduceKeepsTimePriority(t *testing.T) {
	b := build(t, o(1, 1, Ask, 100, 5), o(2, 2, Ask, 100, 5))
	b.Reduce(1, 1)
	fills, _ := b.Match(&Taker{Owner: 3, Side: Bid, Limit: 100, Qty: 2}, nil)
	if len(fills) != 2 || fills[0].MakerID != 1 || fills[0].Qty != 1 || fills[1].MakerID != 2 || fills[1].Qty != 1 {
		t.Fatalf("reduced order lost its place: %+v", fills)
	}
}

func TestGet(t *testing.T) {
	want := o(7, 3, Ask, 120, 9)
	b := build(t, o(1, 1, Bid, 100, 5), want)
	got, ok := b.Get(7)
	if !ok || *got != want {
		t.Fatalf("Get(7) = %+v, %v; want %+v", got, ok, want)
	}
	if _, ok := b.Get(2); ok {
		t.Fatal("Get of unknown id")
	}
}

// TestSlabReuse checks that cancelled orders' and levels' storage is reused:
// churn at a steady size must not grow any slab.
func TestSlabReuse(t *testing.T) {
	b := New(4)
	id := uint64(0)
	for range 10_000 {
		id++
		if err := b.Rest(o(id, 1, Bid, int64(1+id%50), 1)); err != nil {
			t.Fatal(err)
		}
		if b.Len() > 40 {
			b.Cancel(id - 40)
		}
	}
	mustInvariants(t, b)
	if len(b.nodes) > 42 || len(b.levels) > 42 || len(b.ids.slots) > 128 {
		t.Fatalf("slabs grew under churn: %d nodes, %d levels, %d id slots", len(b.nodes), len(b.levels), len(b.ids.slots))
	}
}

// TestLadderFind compares find with the standard library's binary search on
// every size around the near-touch window, for keys below, between, on and
// above the stored ones, on both sides' signs.
func TestLadderFind(t *testing.T) {
	for n := range 3 * nearTouch {
		for _, sign := range []int64{1, -1} {
			l := ladder{}
			for k := range int64(n) {
				l.keys = append(l.keys, sign*(10+2*k))
			}
			slices.Sort(l.keys)
			for key := sign * 7; key != sign*(14+2*int64(n)); key += sign {
				i, found := l.find(key)
				want, wantFound := slices.BinarySearch(l.keys, key)
				if i != want || found != wantFound {
					t.Fatalf("n=%d find(%d) = %d, %v; want %d, %v", n, key, i, found, want, wantFound)
				}
			}
		}
	}
}

func TestLevelPanicsOutOfRange(t *testing.T) {
	b := build(t, o(1, 1, Bid, 100, 5))
	for _, i := range []int{-1, 1} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Level(Bid, %d) did not panic", i)
				}
			}()
			b.Level(Bid, i)
		}()
	}
}

func TestStrings(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{Bid.String(), "Bid"}, {Ask.String(), "Ask"}, {Side(0).String(), "Side(?)"},
		{RejectTaker.String(), "RejectTaker"}, {RejectMaker.String(), "RejectMaker"},
		{RejectBoth.String(), "RejectBoth"}, {STP(9).String(), "STP(?)"},
		{Trade.String(), "Trade"}, {STPCancel.String(), "STPCancel"}, {FillKind(9).String(), "FillKind(?)"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	if Bid.Opposite() != Ask || Ask.Opposite() != Bid {
		t.Error("Opposite")
	}
}
