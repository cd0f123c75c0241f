package liquidation

import "github.com/waterfallrisk/waterfall/engine/fixed"

// ProRata splits total lots across capacities in proportion to them and
// returns the shares in out (resized to len(weights), reused when its capacity
// suffices): share_i ∈ {⌊total·w_i/W⌋, ⌈total·w_i/W⌉} with W = Σ weights.
//
// Exact, by Hamilton's largest-remainder method: each share is floored, then
// the lots left over (fewer than len(weights)) go one each to the weights
// with the largest remainders total·w_i mod W, ties to the lower index. So:
//
//   - Σ shares = total exactly when total ≤ W; when total > W every weight
//     gets its whole capacity and Σ shares = W (the rest is the caller's:
//     nobody can take it);
//   - no share exceeds its weight (a leftover lot only goes to a non-zero
//     remainder, whose floor is below the weight), and a zero weight gets 0;
//   - the result depends only on the weights and their order.
//
// Errors (out then holds no shares): ErrNegative for a negative total or
// weight, fixed.ErrOverflow when Σ weights does not fit an int64. The cost is
// one pass, plus, when lots are left over, one pass per lot for up to 8 of
// them, else at most 63 counting passes; no allocation beyond out.
func ProRata(total int64, weights []int64, out []int64) ([]int64, error) {
	out = resize(out, len(weights))
	if total < 0 {
		return out[:0], ErrNegative
	}
	var sum int64
	for _, w := range weights {
		if w < 0 {
			return out[:0], ErrNegative
		}
		var err error
		if sum, err = fixed.Add(sum, w); err != nil {
			return out[:0], err
		}
	}
	if total >= sum {
		copy(out, weights)
		return out, nil
	}
	hamilton(total, sum, sliceShares{weights, out})
	return out, nil
}

// resize returns out with length n, zeroed, reusing its array if it can.
func resize[T any](out []T, n int) []T {
	if cap(out) < n {
		return make([]T, n)
	}
	out = out[:n]
	clear(out)
	return out
}

// shares is the view hamilton works through: weights read, shares written,
// positions 0..size()−1 in tie-breaking order.
type shares interface {
	size() int
	weight(j int) int64
	get(j int) int64
	set(j int, v int64)
}

// sliceShares: weights and shares side by side.
type sliceShares struct{ w, out []int64 }

func (s sliceShares) size() int          { return len(s.w) }
func (s sliceShares) weight(j int) int64 { return s.w[j] }
func (s sliceShares) get(j int) int64    { return s.out[j] }
func (s sliceShares) set(j int, v int64) { s.out[j] = v }

// hamilton writes the largest-remainder split of total (0 ≤ total < sum) by
// the weights (≥ 0, Σ = sum) into s.
//
// Let f_j = ⌊total·w_j/sum⌋ and r_j = total·w_j − f_j·sum ∈ [0, sum). Then
// Σ r_j = sum·(total − Σ f_j) = sum·left, so left < size() lots remain and at
// least left remainders are non-zero. The left largest (r_j, −j) get one lot
// each: with t the largest value such that at least left remainders are
// ≥ t (found by bisection over [1, sum−1]), every r_j > t gets one, then the
// r_j = t in order j until none is left (with at most 8 lots left, simply
// one pass per lot, each to the largest remainder not yet served, the lower
// j on ties: the same result). A bumped share is f_j + 1 ≤ w_j, since
// r_j > 0 means total·w_j/sum < w_j is not whole.
func hamilton[S shares](total, sum int64, s S) {
	n := s.size()
	left := total
	for j := range n {
		f, _ := fixed.Wide(total, s.weight(j)).Div(sum, fixed.Floor) // ≤ total: fits
		s.set(j, f)
		left -= f
	}
	if left == 0 {
		return
	}
	// r_j < sum fits 64 bits, so it is exact modulo 2⁶⁴: two wrapping
	// multiplications instead of 128-bit ones. A bumped share gives r_j − sum,
	// negative as an int64.
	rem := func(j int) int64 {
		return int64(uint64(total)*uint64(s.weight(j)) - uint64(s.get(j))*uint64(sum)) //nolint:gosec // exact mod 2⁶⁴, see above
	}
	if left <= 8 {
		// Few lots left: hand them out one pass each, to the largest
		// remainder, ties to the lower j. A bumped share's remainder is
		// negative, so no share is bumped twice.
		for ; left > 0; left-- {
			best, bestR := -1, int64(0)
			for j := range n {
				if r := rem(j); r > bestR {
					best, bestR = j, r
				}
			}
			s.set(best, s.get(best)+1)
		}
		return
	}
	atLeast := func(t int64) int64 {
		var c int64
		for j := range n {
			if rem(j) >= t {
				c++
			}
		}
		return c
	}
	lo, hi := int64(1), sum-1
	for lo < hi {
		mid := lo + (hi-lo+1)/2
		if atLeast(mid) >= left {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	for j := range n {
		if rem(j) > lo {
			s.set(j, s.get(j)+1)
			left--
		}
	}
	for j := 0; left > 0; j++ { // bumped shares now have r_j < 0: never equal to lo
		if rem(j) == lo {
			s.set(j, s.get(j)+1)
			left--
		}
	}
}
