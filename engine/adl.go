package engine

import (
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
	"github.com/waterfallrisk/waterfall/engine/liquidation"
	"github.com/waterfallrisk/waterfall/engine/risk"
)

// adlAll is stage 3 for an account: a hedge-mode account's own longs and
// shorts are first netted against each other at the mark, then every
// remaining position is closed by auto-deleveraging, each absorbing its
// share of the account's deficit (deficitShare).
func (e *Engine) adlAll(id AccountID) {
	e.setStage(id, StageADL)
	e.netHedges(id)
	var buf [8]slotRef
	refs := e.crossPositions(id, buf[:0])
	for k, ref := range refs {
		if i := e.openSlot(ref); i >= 0 {
			e.adlPosition(id, i, e.deficitShare(id, i, refs[k+1:]))
		}
	}
}

// deficitShare returns the cushion with which slot i's bankruptcy price is
// solved when the account's positions in rest are still to be closed: the
// part of the account's deficit (−net equity, at the mark) that rest will
// absorb, in proportion to notional at the mark, rounded down, so that slot
// i absorbs its share rounded up and the last position whatever is left.
// Closing each position at its bankruptcy price with the others held at the
// mark (cushion 0) would put the whole deficit on the first.
func (e *Engine) deficitShare(id AccountID, i int, rest []slotRef) int64 {
	r := e.marginOf(id, nil)
	if r.NetEquity >= 0 {
		return 0
	}
	own := e.notionalOf(&e.accounts[id].positions[i])
	others := int64(0)
	for _, ref := range rest {
		if j := e.openSlot(ref); j >= 0 && j != i {
			n, err := fixed.Add(others, e.notionalOf(&e.accounts[id].positions[j]))
			if err != nil {
				return 0
			}
			others = n
		}
	}
	total, err := fixed.Add(own, others)
	if err != nil || total == 0 || others == 0 {
		return 0
	}
	share, err := fixed.MulDiv(-r.NetEquity, others, total, fixed.Floor)
	if err != nil {
		return 0
	}
	return share
}

// notionalOf is a position's notional at the mark (Ceil), 0 if it cannot be
// valued.
func (e *Engine) notionalOf(p *position) int64 {
	m := &e.markets[p.market]
	n, err := m.valueAt(abs(p.qty), m.mark, fixed.Ceil)
	if err != nil {
		return 0
	}
	return n
}

// adlPosition closes slot i in full against ranked opposite positions
// (DESIGN.md §5, formulas.md §5): at one bankruptcy price, solved with
// cushion added to the other equity (deficitShare) and rounded once against
// the bankrupt account, highest score first, hedged positions only in a
// second pass, pro rata where scores tie; the counterparties' quantities
// sum exactly to the position, never more; no fees. Without a bankruptcy
// price in range (solvent at every price) the position closes at the mark.
func (e *Engine) adlPosition(id AccountID, i int, cushion int64) {
	p := e.accounts[id].positions[i]
	m := &e.markets[p.market]
	side, r := Ask, fixed.Floor
	if p.qty < 0 {
		side, r = Bid, fixed.Ceil
	}
	price, ok := e.bankruptcyTicks(id, i, cushion)
	if !ok {
		price = m.markTicks(r)
	}
	q := e.adlRanking(id, m, p.qty > 0) // adlqueue.go
	qtys, err := liquidation.ADLQuantities(abs(p.qty), q.cands, q.ranked, q.out)
	q.out = qtys
	if err != nil {
		return // cannot happen while long open interest equals short
	}
	for k, lots := range qtys {
		if lots > 0 {
			e.offBookTrade(m, id, p.hedge, q.accounts[k], hedgeOfID(q.cands[k].ID), side, lots, price, OriginADL)
		}
	}
}

// adlCandidates lists the positions opposite a bankrupt long (or short) in m
// with their scores (adlCandidate) and their holders, fresh.
func (e *Engine) adlCandidates(bankrupt AccountID, m *market, againstLong bool) ([]liquidation.Candidate, []AccountID) {
	var cands []liquidation.Candidate
	var accts []AccountID
	for _, h := range m.holders {
		if c, ok := e.adlCandidate(bankrupt, m, h.account, int(h.slot), againstLong); ok {
			cands = append(cands, c)
			accts = append(accts, h.account)
		}
	}
	return cands, accts
}

// adlScore scores a counterparty position (liquidation.ScoreOf); a position
// that cannot be valued ranks as an unbounded score, first in line.
func (e *Engine) adlScore(acct AccountID, m *market, p *position) liquidation.Score {
	r := e.marginOf(acct, nil)
	if p.isolated { // effective leverage over the position's own equity
		r = e.isolatedOf(acct, e.slot(acct, p.market, p.hedge, false))
	}
	value, err1 := m.valueAt(p.qty, m.mark, fixed.Floor)
	notional, err2 := m.valueAt(abs(p.qty), m.mark, fixed.Ceil)
	_, mm, err3 := risk.Requirements(m.cfg, notional, notional, e.cfg.Assets[e.settle].Decimals, 0)
	if err1 != nil || err2 != nil || err3 != nil {
		return liquidation.NewScore(1, 0)
	}
	s, err := liquidation.ScoreOf(e.cfg.Liquidation.ADLRanking, liquidation.RankInputs{
		Short: p.qty < 0, Notional: notional, Entry: abs(p.cost), PnL: value - p.cost,
		Equity: r.NetEquity, Wallet: e.ledger.Balance(uint32(acct), int(e.settle)), Maintenance: mm,
	})
	if err != nil {
		return liquidation.NewScore(1, 0)
	}
	return s
}

// hedged reports whether an account holds exposure opposite qty in m's base
// asset: the other hedge-mode slot, or a spot balance of the base for a short.
func (e *Engine) hedged(acct AccountID, m *market, qty int64) bool {
	for _, o := range e.accounts[acct].positions {
		if o.market == m.id && o.qty != 0 && (o.qty > 0) != (qty > 0) {
			return true
		}
	}
	base := e.ledger.Balance(uint32(acct), int(m.cfg.Base))
	return (qty < 0 && base > 0) || (qty > 0 && base < 0)
}

// ADLLight is one position's ADL indicator.
type ADLLight struct {
	Account AccountID
	Hedge   int8 // the position slot: 0 one-way, +1 hedge long, −1 hedge short
	Lights  int  // 1–5: the quintile of its rank, 5 first in line
}

// ADLIndicators returns the ADL indicator of every position in a perpetual
// market (formulas.md §5): shorts ranked as ADL would rank them against a
// bankrupt long, then longs against a bankrupt short, each by the same
// scores and passes ADL uses, lit 1–5 by quintile. It costs a sort of the
// market's holders: callers that show it often should cache it per mark.
func (e *Engine) ADLIndicators(mid config.MarketID) []ADLLight {
	m := &e.markets[mid]
	var out []ADLLight
	for _, againstLong := range []bool{true, false} {
		cands, accts := e.adlCandidates(noAccount, m, againstLong)
		ranked := liquidation.Rank(cands, nil)
		for r, k := range ranked {
			out = append(out, ADLLight{
				Account: accts[k], Hedge: hedgeOfID(cands[k].ID),
				Lights: liquidation.Indicator(r, len(ranked)),
			})
		}
	}
	return out
}

// noAccount is an AccountID no account has.
const noAccount = AccountID(1<<32 - 1)
