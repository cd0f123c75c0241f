package liquidation

import (
	"cmp"
	"slices"

	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// Candidate is one position on the side opposite a bankrupt remainder,
// eligible for ADL.
type Candidate struct {
	// Score is the position's ScoreOf under the market's ranking.
	Score Score
	// Hedged: the account holds opposite exposure in the same base asset
	// (a spot balance, an opposite perp position, a borrow); DESIGN.md §5
	// ranks such positions in a second pass, after every unhedged one.
	Hedged bool
	// Qty is the position's size in lots (≥ 0): the most ADL may close.
	Qty int64
	// ID breaks ties deterministically, lower first: the engine passes a
	// unique key such as account id << 16 | position slot.
	ID uint64
}

// Rank returns the candidates' indices in ADL order in out (resized to
// len(cands), reused when its capacity suffices): unhedged before hedged,
// then score descending, then ID ascending, then Qty descending, then input
// index. The order is total, so it depends only on the candidates: permuting
// the input permutes the indices the same way (among candidates equal in
// every field the order follows the input, which nothing can observe). It
// sorts in place without allocating.
func Rank(cands []Candidate, out []int) []int {
	out = resize(out, len(cands))
	for i := range out {
		out[i] = i
	}
	slices.SortFunc(out, func(i, j int) int { return compareCandidates(&cands[i], &cands[j], i, j) })
	return out
}

// Compare orders a before b (negative) when ADL takes a first, by Rank's
// order without the input index: candidates with distinct IDs never compare
// equal, so a ranking kept sorted by Compare is the one Rank returns.
func Compare(a, b *Candidate) int { return compareCandidates(a, b, 0, 0) }

// compareCandidates orders a before b (negative) when a is deleveraged first.
func compareCandidates(a, b *Candidate, i, j int) int {
	if a.Hedged != b.Hedged {
		if b.Hedged {
			return -1
		}
		return 1
	}
	if c := b.Score.cmp(&a.Score); c != 0 {
		return c
	}
	if c := cmp.Compare(a.ID, b.ID); c != 0 {
		return c
	}
	if c := cmp.Compare(b.Qty, a.Qty); c != 0 {
		return c
	}
	return cmp.Compare(i, j)
}

// ADLQuantities assigns the bankrupt remainder (lots) to the ranked
// candidates (ranked as Rank returns it) and returns in out, indexed like
// cands (resized, reused when its capacity suffices), the lots ADL closes of
// each:
//
//   - the highest rank first, each position closed in full while the
//     remainder lasts;
//   - a tie group (adjacent in ranked, same Hedged, scores exactly equal)
//     that holds more than what is left shares it by ProRata of the holdings,
//     the leftover lots to the largest remainders in rank order;
//   - nothing to anyone after that.
//
// So Σ out = remainder exactly and out[i] ≤ cands[i].Qty. Candidates not in
// ranked get 0. Errors: ErrNegative for a negative remainder or Qty,
// ErrRanked for an index outside cands, fixed.ErrOverflow when a tie group's
// holdings overflow an int64, and ErrShortfall when the candidates hold less
// than the remainder (out then closes every one of them in full).
func ADLQuantities(remainder int64, cands []Candidate, ranked []int, out []int64) ([]int64, error) {
	out = resize(out, len(cands))
	if remainder < 0 {
		return out, ErrNegative
	}
	for _, i := range ranked {
		if i < 0 || i >= len(cands) {
			return out, ErrRanked
		}
		if cands[i].Qty < 0 {
			return out, ErrNegative
		}
	}
	left := remainder
	for start := 0; start < len(ranked) && left > 0; {
		lead := &cands[ranked[start]]
		end := start + 1
		for end < len(ranked) {
			c := &cands[ranked[end]]
			if c.Hedged != lead.Hedged || c.Score.cmp(&lead.Score) != 0 {
				break
			}
			end++
		}
		group := ranked[start:end]
		var held int64
		for _, i := range group {
			var err error
			if held, err = fixed.Add(held, cands[i].Qty); err != nil {
				clear(out)
				return out, err
			}
		}
		if held <= left {
			for _, i := range group {
				out[i] = cands[i].Qty
			}
			left -= held
		} else {
			hamilton(left, held, groupShares{cands, group, out})
			left = 0
		}
		start = end
	}
	if left > 0 {
		return out, ErrShortfall
	}
	return out, nil
}

// groupShares: a tie group's holdings as weights, its shares written into
// out at the candidates' own indices, in rank order.
type groupShares struct {
	cands []Candidate
	idx   []int
	out   []int64
}

func (g groupShares) size() int          { return len(g.idx) }
func (g groupShares) weight(j int) int64 { return g.cands[g.idx[j]].Qty }
func (g groupShares) get(j int) int64    { return g.out[g.idx[j]] }
func (g groupShares) set(j int, v int64) { g.out[g.idx[j]] = v }

// Indicator returns the ADL lights (1–5) of the position at rankIndex (0 is
// deleveraged first) among n ranked positions, by quintile of the ranking:
// the first fifth shows 5 lights, the last fifth 1. That is
// 5 − ⌊5·rankIndex/n⌋. Out of range (n ≤ 0, rankIndex outside [0, n)): 0.
func Indicator(rankIndex, n int) int {
	if n <= 0 || rankIndex < 0 || rankIndex >= n {
		return 0
	}
	return 5 - int(int64(rankIndex)*5/int64(n))
}
