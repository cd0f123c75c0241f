package liquidation

import (
	"errors"
	"math"
	"math/big"
	"slices"
	"sort"
	"testing"

	"github.com/waterfallrisk/waterfall/engine/fixed"
	"pgregory.net/rapid"
)

func TestProRata(t *testing.T) {
	cases := []struct {
		name    string
		total   int64
		weights []int64
		want    []int64
	}{
		{"10 across three equal: 3.33 each, the leftover lot to the lowest index", 10, []int64{5, 5, 5}, []int64{4, 3, 3}},
		{"11 across three equal: two leftovers, indices 0 and 1", 11, []int64{5, 5, 5}, []int64{4, 4, 3}},
		{"7 by 5:3:2 = 3.5, 2.1, 1.4: floors 3, 2, 1, the leftover to .5", 7, []int64{5, 3, 2}, []int64{4, 2, 1}},
		{"8 by 5:3:2 = 4, 2.4, 1.6: the leftover to .6", 8, []int64{5, 3, 2}, []int64{4, 2, 2}},
		{"DESIGN.md §5 backstop: 1,000 lots over capacities 300, 700, 1,000 = 150, 350, 500", 1_000, []int64{300, 700, 1_000}, []int64{150, 350, 500}},
		{"total above the capacities: each its whole capacity", 50, []int64{10, 20}, []int64{10, 20}},
		{"total equal to the capacities", 30, []int64{10, 20}, []int64{10, 20}},
		{"zero weights take nothing", 3, []int64{0, 4, 0, 2}, []int64{0, 2, 0, 1}},
		{"no capacity at all", 5, []int64{0, 0}, []int64{0, 0}},
		{"nothing to split", 0, []int64{3, 4}, []int64{0, 0}},
		{"no weights", 5, nil, []int64{}},
		{"one lot, many equal: the first", 1, []int64{7, 7, 7, 7}, []int64{1, 0, 0, 0}},
		{"huge weights through 128 bits: (2⁶³ − 3)/2 each, the leftover to index 0", math.MaxInt64 - 2, []int64{math.MaxInt64 / 2, math.MaxInt64 / 2},
			[]int64{math.MaxInt64 / 2, math.MaxInt64/2 - 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ProRata(tc.total, tc.weights, nil)
			if err != nil || !slices.Equal(got, tc.want) {
				t.Fatalf("ProRata(%d, %v) = %v, %v; want %v", tc.total, tc.weights, got, err, tc.want)
			}
		})
	}
	for _, bad := range []struct {
		total   int64
		weights []int64
		want    error
	}{
		{-1, []int64{1}, ErrNegative},
		{1, []int64{1, -1}, ErrNegative},
		{1, []int64{math.MaxInt64, 1}, fixed.ErrOverflow},
	} {
		if got, err := ProRata(bad.total, bad.weights, make([]int64, 0, 4)); !errors.Is(err, bad.want) || len(got) != 0 {
			t.Errorf("ProRata(%d, %v) = %v, %v; want %v", bad.total, bad.weights, got, err, bad.want)
		}
	}
}

// proRataModel is Hamilton's method written plainly in math/big: floors,
// then the leftover lots to the largest remainders, ties to the lower index.
func proRataModel(total int64, weights []int64) []int64 {
	sum := big.NewInt(0)
	for _, w := range weights {
		sum.Add(sum, big.NewInt(w))
	}
	out := make([]int64, len(weights))
	if sum.Cmp(big.NewInt(total)) <= 0 {
		copy(out, weights)
		return out
	}
	rems := make([]*big.Int, len(weights))
	left := total
	for i, w := range weights {
		q, r := new(big.Int).QuoRem(new(big.Int).Mul(big.NewInt(total), big.NewInt(w)), sum, new(big.Int))
		out[i], rems[i] = q.Int64(), r
		left -= out[i]
	}
	order := make([]int, len(weights))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return rems[order[a]].Cmp(rems[order[b]]) > 0 })
	for _, i := range order[:left] {
		out[i]++
	}
	return out
}

func TestProRataMatchesModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		large := rapid.Bool().Draw(t, "large")
		hi := int64(50)
		if large {
			hi = math.MaxInt64 / 64
		}
		weights := rapid.SliceOfN(rapid.Int64Range(0, hi), 0, 40).Draw(t, "weights")
		var sum int64
		for _, w := range weights {
			sum += w
		}
		total := rapid.Int64Range(0, sum+10).Draw(t, "total")
		got, err := ProRata(total, weights, nil)
		if err != nil {
			t.Fatal(err)
		}
		if want := proRataModel(total, weights); !slices.Equal(got, want) {
			t.Fatalf("ProRata = %v, model %v", got, want)
		}
		var given int64
		for i, s := range got {
			if s < 0 || s > weights[i] {
				t.Fatalf("share %d = %d outside [0, %d]", i, s, weights[i])
			}
			// ⌊total·w/W⌋ ≤ s ≤ ⌈total·w/W⌉ whenever total < W.
			if total < sum {
				exact := new(big.Rat).SetFrac(new(big.Int).Mul(bigInt(total), bigInt(weights[i])), bigInt(sum))
				if d := new(big.Rat).Sub(new(big.Rat).SetInt64(s), exact); d.Abs(d).Cmp(big.NewRat(1, 1)) >= 0 {
					t.Fatalf("share %d = %d, exact %s", i, s, exact.FloatString(3))
				}
			}
			given += s
		}
		if given != min(total, sum) {
			t.Fatalf("Σ shares = %d, want min(%d, %d)", given, total, sum)
		}
	})
}

func bigInt(v int64) *big.Int { return big.NewInt(v) }
