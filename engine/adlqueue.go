package engine

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/liquidation"
)

// The ADL queue: a ranking kept between the positions one command closes by
// ADL in the same market and direction, so that a crash with thousands of
// bankrupt positions does not score every holder for each of them.
//
// It is exactly the ranking a fresh adlCandidates + liquidation.Rank would
// give at each use: a score depends on the holder's balances, positions,
// lending positions and the prices, so the queue is dropped when a command
// starts and whenever a price, a funding rate or an interest step is
// emitted (valGen), and every account whose balance, position or lending
// position moved while it was kept (the emitters' hook, noteADL) is scored
// again and moved to its new place before the next use; an account that
// opened a position on the ranked side joins it. A position that closed or
// turned stays with 0 lots, which ADL never takes. Builds with the
// `invariants` tag compare every reuse against a fresh ranking.

// adlQueue is the kept ranking (derived scratch, never state).
type adlQueue struct {
	live        bool
	valGen      uint64
	market      config.MarketID
	againstLong bool
	bankrupt    AccountID // whose own other side ranks last
	cands       []liquidation.Candidate
	accounts    []AccountID // per candidate: its holder
	ranked      []int
	byID        []int // indices of cands in ascending candidate ID, to find one
	dirty       []AccountID
	out         []int64 // ADLQuantities' reused output
}

// noteADL is the emitters' hook: acct's score may have changed.
func (e *Engine) noteADL(acct AccountID) {
	if e.adlq.live {
		e.adlq.dirty = append(e.adlq.dirty, acct)
	}
}

// candidateID is the tie-break key of a position slot: account, then side;
// hedgeOfID gives the side back.
func candidateID(acct AccountID, hedge int8) uint64 {
	return uint64(acct)<<2 | uint64(hedge+1) //nolint:gosec // hedge ∈ {-1,0,1}
}

func hedgeOfID(id uint64) int8 { return int8(id&3) - 1 } //nolint:gosec // 0..2

// adlRanking returns the positions opposite a bankrupt long (or short) in m
// and their ADL order, kept from the command's previous ADL in m when it can.
func (e *Engine) adlRanking(bankrupt AccountID, m *market, againstLong bool) *adlQueue {
	q := &e.adlq
	if !q.live || q.valGen != e.valGen || q.market != m.id || q.againstLong != againstLong {
		e.buildADLQueue(bankrupt, m, againstLong)
		return q
	}
	q.dirty = append(q.dirty, q.bankrupt, bankrupt)
	q.bankrupt = bankrupt
	slices.Sort(q.dirty)
	for _, acct := range slices.Compact(q.dirty) {
		for hedge := int8(-1); hedge <= 1; hedge++ {
			e.rescoreADL(m, acct, hedge)
		}
	}
	q.dirty = q.dirty[:0]
	if checkInvariants {
		e.checkADLQueue(m)
	}
	return q
}

// buildADLQueue scores every opposite holder and ranks them.
func (e *Engine) buildADLQueue(bankrupt AccountID, m *market, againstLong bool) {
	q := &e.adlq
	q.live, q.valGen, q.market, q.againstLong, q.bankrupt = true, e.valGen, m.id, againstLong, bankrupt
	q.cands, q.accounts, q.dirty = q.cands[:0], q.accounts[:0], q.dirty[:0]
	for _, h := range m.holders {
		if c, ok := e.adlCandidate(bankrupt, m, h.account, int(h.slot), againstLong); ok {
			q.cands = append(q.cands, c)
			q.accounts = append(q.accounts, h.account)
		}
	}
	q.ranked = liquidation.Rank(q.cands, q.ranked)
	q.byID = q.byID[:0]
	for k := range q.cands {
		q.byID = append(q.byID, k)
	}
	slices.SortFunc(q.byID, func(a, b int) int { return cmp.Compare(q.cands[a].ID, q.cands[b].ID) })
}

// find returns the index in cands of the candidate with id, and where in
// byID it is or would be.
func (q *adlQueue) find(id uint64) (k, at int, ok bool) {
	at, ok = slices.BinarySearchFunc(q.byID, id, func(k int, id uint64) int { return cmp.Compare(q.cands[k].ID, id) })
	if ok {
		k = q.byID[at]
	}
	return k, at, ok
}

// rescoreADL scores acct's hedge slot in m again and moves it to its place
// in the ranking: a new candidate if it was not one, 0 lots if it no longer
// holds a position on the ranked side.
func (e *Engine) rescoreADL(m *market, acct AccountID, hedge int8) {
	q := &e.adlq
	id := candidateID(acct, hedge)
	k, at, had := q.find(id)
	c := liquidation.Candidate{ID: id}
	if i := e.slot(acct, m.id, hedge, false); i >= 0 {
		if fresh, ok := e.adlCandidate(q.bankrupt, m, acct, i, q.againstLong); ok {
			c = fresh
		}
	}
	if !had {
		if c.Qty == 0 {
			return
		}
		k = len(q.cands)
		q.cands = append(q.cands, c)
		q.accounts = append(q.accounts, acct)
		q.byID = slices.Insert(q.byID, at, k)
	} else {
		r := slices.Index(q.ranked, k)
		q.ranked = slices.Delete(q.ranked, r, r+1)
		q.cands[k] = c
	}
	place, _ := slices.BinarySearchFunc(q.ranked, k, func(r, k int) int {
		return liquidation.Compare(&q.cands[r], &q.cands[k])
	})
	q.ranked = slices.Insert(q.ranked, place, k)
}

// adlCandidate scores the position in acct's slot i if it is open opposite
// the bankrupt remainder (a short against a long, or a long against a
// short). The bankrupt account's own other side, which adlAll nets first,
// can only remain when one of the two is isolated: it comes last of all, as
// a hedged position with the lowest score.
func (e *Engine) adlCandidate(bankrupt AccountID, m *market, acct AccountID, i int, againstLong bool) (liquidation.Candidate, bool) {
	p := &e.accounts[acct].positions[i]
	if p.qty == 0 || (p.qty < 0) != againstLong {
		return liquidation.Candidate{}, false
	}
	c := liquidation.Candidate{Qty: abs(p.qty), ID: candidateID(acct, p.hedge)}
	if acct == bankrupt {
		c.Hedged, c.Score = true, liquidation.NewScore(-1, 0)
	} else {
		c.Hedged = e.hedged(acct, m, p.qty)
		c.Score = e.adlScore(acct, m, p)
	}
	return c, true
}

// checkADLQueue panics if the kept ranking differs from a fresh one (the
// invariants build): same candidates with lots, in the same order.
func (e *Engine) checkADLQueue(m *market) {
	q := &e.adlq
	cands, _ := e.adlCandidates(q.bankrupt, m, q.againstLong)
	fresh := liquidation.Rank(cands, nil)
	var kept []liquidation.Candidate
	for _, k := range q.ranked {
		if q.cands[k].Qty > 0 {
			kept = append(kept, q.cands[k])
		}
	}
	if len(kept) != len(fresh) {
		panic(fmt.Sprintf("ADL queue: %d candidates kept, %d fresh", len(kept), len(fresh)))
	}
	for r, k := range fresh {
		if kept[r] != cands[k] {
			panic(fmt.Sprintf("ADL queue: rank %d kept %+v, fresh %+v", r, kept[r], cands[k]))
		}
	}
}
