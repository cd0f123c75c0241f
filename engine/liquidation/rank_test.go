package liquidation

import (
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
	"pgregory.net/rapid"
)

func mustScore(t testing.TB, in RankInputs) Score {
	t.Helper()
	s, err := ScoreOf(config.RankPnLLeverage, in)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestRankSeedExample: seed 003's queue is A (3750), B (3000), C (2500),
// whatever order the candidates arrive in; ADL closes from the top.
func TestRankSeedExample(t *testing.T) {
	cands := []Candidate{
		{Score: mustScore(t, seedC), Qty: 30, ID: 3},
		{Score: mustScore(t, seedA), Qty: 20, ID: 1},
		{Score: mustScore(t, seedB), Qty: 50, ID: 2},
	}
	ranked := Rank(cands, nil)
	if want := []int{1, 2, 0}; !slices.Equal(ranked, want) {
		t.Fatalf("Rank = %v, want %v (A, B, C)", ranked, want)
	}
	// Seed 003's walk-through: a 100-lot loss gap; the top trader's 20 are
	// closed in full, then the next ones until the gap is covered.
	got, err := ADLQuantities(60, cands, ranked, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int64{0, 20, 40}; !slices.Equal(got, want) {
		t.Fatalf("ADLQuantities(60) = %v, want %v (A 20 in full, B 40, C none)", got, want)
	}
	for i, want := range []int{5, 4, 2} { // ranks 0, 1, 2 of 3
		if got := Indicator(i, 3); got != want {
			t.Errorf("Indicator(%d, 3) = %d, want %d", i, got, want)
		}
	}
}

// TestADLQuantities walks the rules: highest rank first, exact ties share
// pro rata, hedged positions only in the second pass, and never more than
// the remainder.
func TestADLQuantities(t *testing.T) {
	hi, mid, lo := NewScore(3, 1), NewScore(2, 1), NewScore(1, 1)
	cases := []struct {
		name      string
		remainder int64
		cands     []Candidate
		want      []int64
		err       error
	}{
		{"the top in full, then a tie of 6 and 9 shares 7: 2.8 and 4.2, the leftover to .8",
			10, []Candidate{{Score: mid, Qty: 6, ID: 5}, {Score: hi, Qty: 3, ID: 9}, {Score: mid, Qty: 9, ID: 2}},
			[]int64{3, 3, 4}, nil},
		{"a tie is a tie of fractions: 4/2 = 2/1", 5,
			[]Candidate{{Score: NewScore(4, 2), Qty: 5, ID: 1}, {Score: mid, Qty: 5, ID: 2}},
			[]int64{3, 2}, nil},
		{"equal shares in a tie: the leftover to the lower ID", 3,
			[]Candidate{{Score: lo, Qty: 10, ID: 8}, {Score: lo, Qty: 10, ID: 4}},
			[]int64{1, 2}, nil},
		{"a hedged position goes after every unhedged one, whatever its score", 12,
			[]Candidate{{Score: infinite(false), Hedged: true, Qty: 100, ID: 1}, {Score: lo, Qty: 10, ID: 2}, {Score: NewScore(-5, 1), Qty: 1, ID: 3}},
			[]int64{1, 10, 1}, nil},
		{"the remainder exactly: nobody past it", 9,
			[]Candidate{{Score: hi, Qty: 9, ID: 1}, {Score: lo, Qty: 9, ID: 2}},
			[]int64{9, 0}, nil},
		{"nothing to close", 0, []Candidate{{Score: hi, Qty: 9, ID: 1}}, []int64{0}, nil},
		{"a zero holding takes nothing", 4,
			[]Candidate{{Score: hi, Qty: 0, ID: 1}, {Score: hi, Qty: 8, ID: 2}},
			[]int64{0, 4}, nil},
		{"too little held: everyone in full, and a shortfall", 30,
			[]Candidate{{Score: hi, Qty: 9, ID: 1}, {Score: lo, Qty: 9, ID: 2}},
			[]int64{9, 9}, ErrShortfall},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ranked := Rank(tc.cands, nil)
			got, err := ADLQuantities(tc.remainder, tc.cands, ranked, nil)
			if !errors.Is(err, tc.err) || !slices.Equal(got, tc.want) {
				t.Fatalf("ADLQuantities = %v, %v; want %v, %v (ranked %v)", got, err, tc.want, tc.err, ranked)
			}
		})
	}
	c := []Candidate{{Score: hi, Qty: 1}}
	if _, err := ADLQuantities(-1, c, []int{0}, nil); !errors.Is(err, ErrNegative) {
		t.Errorf("negative remainder: %v", err)
	}
	if _, err := ADLQuantities(1, c, []int{1}, nil); !errors.Is(err, ErrRanked) {
		t.Errorf("index out of range: %v", err)
	}
	if _, err := ADLQuantities(1, []Candidate{{Qty: -1}}, []int{0}, nil); !errors.Is(err, ErrNegative) {
		t.Errorf("negative holding: %v", err)
	}
	big := []Candidate{{Score: hi, Qty: math.MaxInt64}, {Score: hi, Qty: 1, ID: 1}}
	if _, err := ADLQuantities(1, big, Rank(big, nil), nil); !errors.Is(err, fixed.ErrOverflow) {
		t.Errorf("a tie group holding more than an int64: %v", err)
	}
}

func TestIndicator(t *testing.T) {
	cases := []struct{ rank, n, want int }{
		{0, 1, 5},
		{0, 5, 5}, {1, 5, 4}, {2, 5, 3}, {3, 5, 2}, {4, 5, 1},
		{0, 10, 5}, {1, 10, 5}, {2, 10, 4}, {9, 10, 1},
		{19, 100, 5}, {20, 100, 4}, {79, 100, 2}, {80, 100, 1}, {99, 100, 1},
		{0, 0, 0}, {-1, 5, 0}, {5, 5, 0},
	}
	for _, tc := range cases {
		if got := Indicator(tc.rank, tc.n); got != tc.want {
			t.Errorf("Indicator(%d, %d) = %d, want %d", tc.rank, tc.n, got, tc.want)
		}
	}
}

// drawCandidates draws candidates with unique IDs and scores from a small
// set of fractions, so exact ties (4/2 = 2/1) are common.
func drawCandidates(t *rapid.T) []Candidate {
	n := rapid.IntRange(0, 30).Draw(t, "n")
	cands := make([]Candidate, n)
	for i := range cands {
		num := rapid.Int64Range(-4, 4).Draw(t, "num")
		den := rapid.Int64Range(1, 2).Draw(t, "den")
		cands[i] = Candidate{
			Score:  NewScore(num*den, den*den), // scaled: equal values, different fractions
			Hedged: rapid.IntRange(0, 4).Draw(t, "hedged") == 0,
			Qty:    rapid.Int64Range(0, 1_000).Draw(t, "qty"),
			ID:     uint64(i)*7919%1009 + 1, //nolint:gosec // i ≥ 0
		}
	}
	return cands
}

// TestADLProperties: the quantities sum to the remainder, none exceeds its
// holding, ranks are honoured (someone later only gets lots once everyone
// strictly earlier is closed in full), and Rank and ADLQuantities commute
// with any permutation of the input.
func TestADLProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cands := drawCandidates(t)
		var held int64
		for _, c := range cands {
			held += c.Qty
		}
		remainder := rapid.Int64Range(0, held).Draw(t, "remainder")
		ranked := Rank(cands, nil)
		got, err := ADLQuantities(remainder, cands, ranked, nil)
		if err != nil {
			t.Fatal(err)
		}
		var sum int64
		for i, q := range got {
			if q < 0 || q > cands[i].Qty {
				t.Fatalf("candidate %d closes %d of %d", i, q, cands[i].Qty)
			}
			sum += q
		}
		if sum != remainder {
			t.Fatalf("Σ = %d, remainder %d", sum, remainder)
		}
		for a := range ranked {
			for b := a + 1; b < len(ranked); b++ {
				ca, cb := &cands[ranked[a]], &cands[ranked[b]]
				tied := ca.Hedged == cb.Hedged && ca.Score.Cmp(cb.Score) == 0
				if !tied && got[ranked[b]] > 0 && got[ranked[a]] != ca.Qty {
					t.Fatalf("rank %d gets %d while rank %d holds %d and gets %d", b, got[ranked[b]], a, ca.Qty, got[ranked[a]])
				}
				// A tie shares x in proportion: got = x·Qty/G + e with |e| < 1,
				// so |got_a·Qty_b − got_b·Qty_a| < Qty_a + Qty_b.
				if d := got[ranked[a]]*cb.Qty - got[ranked[b]]*ca.Qty; tied && max(d, -d) >= max(1, ca.Qty+cb.Qty) {
					t.Fatalf("tied ranks %d and %d got %d of %d and %d of %d", a, b, got[ranked[a]], ca.Qty, got[ranked[b]], cb.Qty)
				}
			}
		}
		// Permute the input: the same candidate gets the same quantity, and
		// Rank lists the same candidates in the same order.
		perm := rapid.Permutation(indices(len(cands))).Draw(t, "perm")
		shuffled := make([]Candidate, len(cands))
		for i, p := range perm {
			shuffled[i] = cands[p]
		}
		ranked2 := Rank(shuffled, nil)
		for k := range ranked2 {
			if perm[ranked2[k]] != ranked[k] {
				t.Fatalf("rank %d: candidate %d after permuting, %d before", k, perm[ranked2[k]], ranked[k])
			}
		}
		got2, err := ADLQuantities(remainder, shuffled, ranked2, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range perm {
			if got2[i] != got[p] {
				t.Fatalf("candidate %d gets %d after permuting, %d before", p, got2[i], got[p])
			}
		}
	})
}

func indices(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}
