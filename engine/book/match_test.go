package book

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// fillsString renders fills compactly: "T1@101x3>0" is a trade with maker 1
// at 101 for 3 lots leaving 0; "C4@104x2" an STP cancel of maker 4.
func fillsString(fills []Fill) string {
	var parts []string
	for _, f := range fills {
		if f.MakerRef != -int32(f.MakerID) {
			return fmt.Sprintf("fill %+v carries the wrong Ref", f)
		}
		switch f.Kind {
		case Trade:
			parts = append(parts, fmt.Sprintf("T%d@%dx%d>%d", f.MakerID, f.Price, f.Qty, f.MakerLeft))
		case STPCancel:
			if f.MakerLeft != 0 {
				return fmt.Sprintf("STP cancel %+v leaves %d", f, f.MakerLeft)
			}
			parts = append(parts, fmt.Sprintf("C%d@%dx%d", f.MakerID, f.Price, f.Qty))
		}
	}
	return strings.Join(parts, " ")
}

// matchBook is the book every Match case starts from:
//
//	asks 104: #4 owner 1 ×2
//	     102: #3 owner 3 ×5
//	     101: #1 owner 1 ×3, #2 owner 2 ×4
//	bids  99: #5 owner 2 ×6
//	      98: #6 owner 3 ×1, #7 owner 1 ×2
func matchBook(t testing.TB) *Book {
	return build(t,
		o(1, 1, Ask, 101, 3), o(2, 2, Ask, 101, 4), o(3, 3, Ask, 102, 5), o(4, 1, Ask, 104, 2),
		o(5, 2, Bid, 99, 6), o(6, 3, Bid, 98, 1), o(7, 1, Bid, 98, 2),
	)
}

const fullDepth = "B 99x6/1 98x3/2 | A 101x7/2 102x5/1 104x2/1"

func TestMatch(t *testing.T) {
	buy := func(owner uint32, limit, qty, quote int64, stp STP) Taker {
		return Taker{Owner: owner, Side: Bid, Limit: limit, Qty: qty, Quote: quote, STP: stp}
	}
	sell := func(owner uint32, limit, qty, quote int64, stp STP) Taker {
		return Taker{Owner: owner, Side: Ask, Limit: limit, Qty: qty, Quote: quote, STP: stp}
	}
	tests := []struct {
		name  string
		taker Taker
		fills string
		res   Result
		depth string
	}{
		// Priority, partial fills, sweeps, limits.
		{"FIFO within a level", buy(9, 101, 5, 0, RejectTaker),
			"T1@101x3>0 T2@101x2>2", Result{5, 505, false},
			"B 99x6/1 98x3/2 | A 101x2/1 102x5/1 104x2/1"},
		{"partial fill of the first maker", buy(9, 101, 2, 0, RejectTaker),
			"T1@101x2>1", Result{2, 202, false},
			"B 99x6/1 98x3/2 | A 101x5/2 102x5/1 104x2/1"},
		{"exact level", buy(9, 101, 7, 0, RejectTaker),
			"T1@101x3>0 T2@101x4>0", Result{7, 707, false},
			"B 99x6/1 98x3/2 | A 102x5/1 104x2/1"},
		{"multi-level sweep empties the side", buy(9, 1000, 20, 0, RejectTaker),
			"T1@101x3>0 T2@101x4>0 T3@102x5>0 T4@104x2>0", Result{14, 1425, false},
			"B 99x6/1 98x3/2 | A"},
		{"limit stops the sweep", buy(9, 103, 20, 0, RejectTaker),
			"T1@101x3>0 T2@101x4>0 T3@102x5>0", Result{12, 1217, false},
			"B 99x6/1 98x3/2 | A 104x2/1"},
		{"limit below the best ask", buy(9, 100, 20, 0, RejectTaker),
			"", Result{}, fullDepth},
		{"sell sweeps bids best first", sell(9, 98, 8, 0, RejectTaker),
			"T5@99x6>0 T6@98x1>0 T7@98x1>1", Result{8, 790, false},
			"B 98x1/1 | A 101x7/2 102x5/1 104x2/1"},
		{"sell limit", sell(9, 99, 20, 0, RejectTaker),
			"T5@99x6>0", Result{6, 594, false},
			"B 98x3/2 | A 101x7/2 102x5/1 104x2/1"},
		{"sell limit above the best bid", sell(9, 100, 20, 0, RejectTaker),
			"", Result{}, fullDepth},

		// Quote budgets.
		{"budget cuts a maker, whole lots only", buy(9, 1000, 100, 700, RejectTaker),
			"T1@101x3>0 T2@101x3>1", Result{6, 606, false},
			"B 99x6/1 98x3/2 | A 101x1/1 102x5/1 104x2/1"},
		{"budget spent exactly", buy(9, 1000, 100, 707, RejectTaker),
			"T1@101x3>0 T2@101x4>0", Result{7, 707, false},
			"B 99x6/1 98x3/2 | A 102x5/1 104x2/1"},
		{"budget across levels", buy(9, 1000, 100, 1000, RejectTaker),
			"T1@101x3>0 T2@101x4>0 T3@102x2>3", Result{9, 911, false},
			"B 99x6/1 98x3/2 | A 102x3/1 104x2/1"},
		{"budget below one lot", buy(9, 1000, 100, 100, RejectTaker),
			"", Result{}, fullDepth},
		{"qty binds before budget", buy(9, 1000, 2, 1_000_000, RejectTaker),
			"T1@101x2>1", Result{2, 202, false},
			"B 99x6/1 98x3/2 | A 101x5/2 102x5/1 104x2/1"},
		{"budget stops at the partly filled maker; own order behind untouched", buy(2, 1000, 100, 250, RejectMaker),
			"T1@101x2>1", Result{2, 202, false},
			"B 99x6/1 98x3/2 | A 101x5/2 102x5/1 104x2/1"},
		{"sell budget stops at the partly filled maker though a worse price fits", sell(9, 1, 100, 593, RejectTaker),
			"T5@99x5>1", Result{5, 495, false},
			"B 99x1/1 98x3/2 | A 101x7/2 102x5/1 104x2/1"},
		{"sell budget stops at the first unaffordable maker", sell(9, 1, 100, 600, RejectTaker),
			"T5@99x6>0", Result{6, 594, false},
			"B 98x3/2 | A 101x7/2 102x5/1 104x2/1"},

		// Self-trade prevention.
		{"RejectTaker at the first maker", buy(1, 1000, 10, 0, RejectTaker),
			"", Result{StoppedBySTP: true}, fullDepth},
		{"RejectTaker after trading", buy(2, 1000, 10, 0, RejectTaker),
			"T1@101x3>0", Result{3, 303, true},
			"B 99x6/1 98x3/2 | A 101x4/1 102x5/1 104x2/1"},
		{"RejectMaker cancels own orders and continues", buy(1, 1000, 20, 0, RejectMaker),
			"C1@101x3 T2@101x4>0 T3@102x5>0 C4@104x2", Result{9, 914, false},
			"B 99x6/1 98x3/2 | A"},
		{"RejectMaker: own order past the fill is untouched", buy(1, 1000, 4, 0, RejectMaker),
			"C1@101x3 T2@101x4>0", Result{4, 404, false},
			"B 99x6/1 98x3/2 | A 102x5/1 104x2/1"},
		{"RejectMaker: own order past the limit is untouched", buy(1, 102, 20, 0, RejectMaker),
			"C1@101x3 T2@101x4>0 T3@102x5>0", Result{9, 914, false},
			"B 99x6/1 98x3/2 | A 104x2/1"},
		{"RejectMaker on a sell, mid-level", sell(3, 90, 10, 0, RejectMaker),
			"T5@99x6>0 C6@98x1 T7@98x2>0", Result{8, 790, false},
			"B | A 101x7/2 102x5/1 104x2/1"},
		{"RejectBoth at the first maker", buy(1, 1000, 20, 0, RejectBoth),
			"C1@101x3", Result{StoppedBySTP: true},
			"B 99x6/1 98x3/2 | A 101x4/1 102x5/1 104x2/1"},
		{"RejectBoth after trading", buy(3, 1000, 20, 0, RejectBoth),
			"T1@101x3>0 T2@101x4>0 C3@102x5", Result{7, 707, true},
			"B 99x6/1 98x3/2 | A 104x2/1"},
		{"RejectBoth: own order past the fill is untouched", buy(3, 1000, 7, 0, RejectBoth),
			"T1@101x3>0 T2@101x4>0", Result{7, 707, false},
			"B 99x6/1 98x3/2 | A 102x5/1 104x2/1"},
		{"RejectTaker: own order past the limit is not met", buy(3, 101, 20, 0, RejectTaker),
			"T1@101x3>0 T2@101x4>0", Result{7, 707, false},
			"B 99x6/1 98x3/2 | A 102x5/1 104x2/1"},
		{"STP before budget: own maker cancelled though budget is spent", buy(1, 1000, 20, 50, RejectMaker),
			"C1@101x3", Result{},
			"B 99x6/1 98x3/2 | A 101x4/1 102x5/1 104x2/1"},

		// Invalid takers match nothing.
		{"zero qty", buy(9, 1000, 0, 0, RejectTaker), "", Result{}, fullDepth},
		{"negative qty", buy(9, 1000, -5, 0, RejectTaker), "", Result{}, fullDepth},
		{"zero limit", sell(9, 0, 5, 0, RejectTaker), "", Result{}, fullDepth},
		{"no side", Taker{Owner: 9, Limit: 1000, Qty: 5}, "", Result{}, fullDepth},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := matchBook(t)
			fillable := b.Fillable(&tc.taker)
			if got := depth(b); got != fullDepth {
				t.Fatalf("Fillable changed the book: %q", got)
			}
			fills, res := b.Match(&tc.taker, nil)
			if got := fillsString(fills); got != tc.fills {
				t.Errorf("fills %q\n      want %q", got, tc.fills)
			}
			if res != tc.res {
				t.Errorf("result %+v, want %+v", res, tc.res)
			}
			if fillable != res.Filled {
				t.Errorf("Fillable %d, Match filled %d", fillable, res.Filled)
			}
			if got := depth(b); got != tc.depth {
				t.Errorf("depth %q\n      want %q", got, tc.depth)
			}
			mustInvariants(t, b)
			n := 0
			for _, f := range fills {
				if f.MakerLeft == 0 {
					n++
					if _, ok := b.Get(f.MakerID); ok {
						t.Errorf("maker %d reported gone but still rests", f.MakerID)
					}
				} else if o, ok := b.Get(f.MakerID); !ok || o.Qty != f.MakerLeft {
					t.Errorf("maker %d: Get = %+v, %v; fill says %d left", f.MakerID, o, ok, f.MakerLeft)
				}
			}
			if b.Len() != 7-n {
				t.Errorf("Len %d, want %d", b.Len(), 7-n)
			}
		})
	}
}

func TestFillableSTP(t *testing.T) {
	tests := []struct {
		owner uint32
		stp   STP
		want  int64
	}{
		{1, RejectTaker, 0},  // own order first
		{1, RejectBoth, 0},   // own order first
		{1, RejectMaker, 9},  // skips #1 and #4: 4 + 5
		{2, RejectTaker, 3},  // stops at #2
		{2, RejectMaker, 10}, // skips #2: 3 + 5 + 2
		{3, RejectBoth, 7},   // stops at #3
		{9, RejectTaker, 14}, // no own orders: everything
	}
	for _, tc := range tests {
		b := matchBook(t)
		tk := Taker{Owner: tc.owner, Side: Bid, Limit: 1000, Qty: 100, STP: tc.stp}
		if got := b.Fillable(&tk); got != tc.want {
			t.Errorf("owner %d %v: Fillable %d, want %d", tc.owner, tc.stp, got, tc.want)
		}
		if _, res := b.Match(&tk, nil); res.Filled != tc.want {
			t.Errorf("owner %d %v: Match filled %d, Fillable said %d", tc.owner, tc.stp, res.Filled, tc.want)
		}
	}
}

func TestMatchAppendsToOut(t *testing.T) {
	b := matchBook(t)
	out := make([]Fill, 1, 8)
	out[0].MakerID = 42
	out, _ = b.Match(&Taker{Owner: 9, Side: Bid, Limit: 101, Qty: 4}, out)
	if len(out) != 3 || out[0].MakerID != 42 || out[1].MakerID != 1 || out[2].MakerID != 2 {
		t.Fatalf("Match did not append: %+v", out)
	}
}

// TestMatchNoBudgetOverflow: with no budget, Σ qty×price is capped at
// MaxInt64 like a budget, so QuoteFilled cannot wrap.
func TestMatchNoBudgetOverflow(t *testing.T) {
	const price = 1 << 40
	b := build(t, o(1, 1, Ask, price, math.MaxInt64/2), o(2, 1, Ask, price+1, 1<<30))
	tk := Taker{Owner: 9, Side: Bid, Limit: math.MaxInt64, Qty: math.MaxInt64}
	want := int64(math.MaxInt64 / price)
	if got := b.Fillable(&tk); got != want {
		t.Fatalf("Fillable %d, want %d", got, want)
	}
	fills, res := b.Match(&tk, nil)
	if res.Filled != want || res.QuoteFilled != want*price || res.QuoteFilled < 0 || len(fills) != 1 {
		t.Fatalf("Match %+v %v, want %d lots", res, fills, want)
	}
	mustInvariants(t, b)
}

// TestMatchManyLevels drives the pop-the-best path and the ladder's inner
// removals with many levels and orders.
func TestMatchManyLevels(t *testing.T) {
	b := New(0)
	id := uint64(0)
	for p := int64(1000); p < 1300; p++ {
		for k := range int64(3) {
			id++
			if err := b.Rest(o(id, uint32(id%5), Ask, p, k+1)); err != nil {
				t.Fatal(err)
			}
		}
	}
	mustInvariants(t, b)
	// Cancel every middle order of every other level, then sweep half.
	for i := uint64(2); i <= id; i += 6 {
		b.Cancel(i)
	}
	mustInvariants(t, b)
	tk := Taker{Owner: 99, Side: Bid, Limit: 1149, Qty: math.MaxInt64}
	want := b.Fillable(&tk)
	fills, res := b.Match(&tk, nil)
	if res.Filled != want || want == 0 {
		t.Fatalf("filled %d, Fillable %d", res.Filled, want)
	}
	if p, _ := b.BestAsk(); p != 1150 {
		t.Fatalf("best ask after sweep %d, want 1150", p)
	}
	last := int64(0)
	for _, f := range fills {
		if f.Price < last {
			t.Fatalf("fills out of price order: %d after %d", f.Price, last)
		}
		last = f.Price
	}
	mustInvariants(t, b)
}
