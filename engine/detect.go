package engine

import (
	"cmp"
	"slices"

	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/risk"
)

// Liquidation detection (docs/policies.md "Trigger"). After a mark move in
// a market, and after its funding settles, scanMarket finds the accounts
// holding a position there that became liquidatable; every sweepEvery
// liquidation ticks, sweep looks at every account. Both read the
// liquidation index (liqindex.go) rather than evaluate every holder:
//
//   - scanMarket takes the tops of the market's two trigger heaps, the
//     entries whose key is on the danger side of the new mark, whichever way
//     the mark moved (so an account a fill or a fee pushed past its trigger
//     since the last move is found too, as the full scan found it), plus the
//     market's "always" entries (accounts with several mark-dependent
//     exposures), in O(candidates);
//   - sweep reads every key of every market in order, against its mark,
//     plus every always entry: a pass over 8 bytes per position that relies
//     neither on the heap order nor on which way a mark moved. It finds what
//     no mark move of their own market has shown yet: an account a fill or
//     a fee pushed past its trigger, one whose collateral lost value with
//     another asset's index.
//
// Every candidate is confirmed with the engine's own margin evaluation
// before anything starts, so the index narrows and never decides. What is
// found, and the order it is handled in, is what evaluating every holder
// found: cross accounts are confirmed all together, then started in
// ascending id, each checked once more just before its start in case an
// earlier start made it healthy (an ADL that closed its position); then
// isolated positions are liquidated in the order the full scan met them
// (the market's holder order; for the sweep, account id then position
// slot). The tests compare both with a full recompute before every
// detection (liqindex_test.go).
//
// The trigger is the preset's (due, below): MMR ≥ 100% for a cross account,
// or under the ladder preset maintenance + closing fee × position notional ≥
// net equity; an isolated position always triggers at its own MMR ≥ 100%.
// The index's keys are solved for the same predicate (triggerRequirement);
// neither reads open orders, so placing or cancelling one moves no key.

// sweepEvery is how many liquidation ticks pass between full sweeps of all
// accounts, the safety net behind the per-market scans.
const sweepEvery = 10

// detectCheck, when set (tests only), is called in every detection once the
// cross accounts to start are found (e.scan), before anything starts, with
// the market scanned (nil: a sweep).
var detectCheck func(e *Engine, m *market)

// scanMarket finds the accounts holding a position in m that became
// liquidatable, after m's mark moved or its funding settled, and starts
// their liquidation.
func (e *Engine) scanMarket(m *market) { e.detect(m) }

// sweep checks every account: the full pass behind the scans.
func (e *Engine) sweep() {
	e.detect(nil)
	e.scanBorrowers(0, true) // every borrower (borrowliq.go)
}

// detect runs a detection over m, or over every market for nil.
func (e *Engine) detect(m *market) {
	x := &e.liq
	e.refresh()
	e.collect(m)
	version := x.version
	e.findCross(m)
	if detectCheck != nil {
		detectCheck(e, m)
	}
	for i, id := range e.scan {
		// An earlier start may have made this one healthy again (its
		// stage 3 closed this account's position, say): check once more.
		if i > 0 && !e.liquidatable(id) {
			continue
		}
		e.startLiquidation(id)
		x.enqueue(id, true, 0) // parks its cross entry
	}
	e.refresh()               // the starts moved other accounts (fills, ADL)
	if x.version != version { // else the hits still hold (marks do not move)
		e.collect(m)
	}
	e.findIsolated(m)
	for _, r := range e.isoScan {
		e.liquidateIsolated(r)
	}
}

// collect sets liqIndex.hits to the index entries of m (every perpetual for
// nil) that the mark puts on the danger side, with the always entries: the
// tops of the heaps for a market's scan, every key for the sweep. A market
// that must fall back to its holders (liqIndex.thresholds) adds nothing but
// goes to liqIndex.fallbacks: the finders list its holders.
func (e *Engine) collect(m *market) {
	x := &e.liq
	x.hits, x.fallbacks = x.hits[:0], x.fallbacks[:0]
	for i := range e.markets {
		mk := &e.markets[i]
		if m != nil && mk != m || !mk.perp() {
			continue
		}
		long, short, ok := x.thresholds(mk)
		if !ok {
			x.fallbacks = append(x.fallbacks, mk.id)
			continue
		}
		mi := &x.markets[mk.id]
		if m == nil {
			x.hits = mi.long.scan(long, x.hits)
			x.hits = mi.short.scan(short, x.hits)
		} else {
			x.hits = mi.long.top(long, 0, x.hits)
			x.hits = mi.short.top(short, 0, x.hits)
		}
		x.hits = append(x.hits, mi.always...)
	}
}

// findCross sets e.scan to the cross accounts holding a position in m (any
// market for nil) that are liquidatable and not liquidating, ascending, from
// the collected hits. All are evaluated before any starts, as the full scan
// did.
func (e *Engine) findCross(m *market) {
	x := &e.liq
	e.scan = e.scan[:0]
	for _, ref := range x.hits {
		if en := &x.entries[ref]; !en.iso {
			e.scan = append(e.scan, en.account)
		}
	}
	for _, mid := range x.fallbacks {
		for _, h := range e.markets[mid].holders {
			if !e.accounts[h.account].positions[h.slot].isolated {
				e.scan = append(e.scan, h.account)
			}
		}
	}
	slices.Sort(e.scan)
	e.scan = slices.Compact(e.scan)
	n := 0
	for _, id := range e.scan {
		a := &e.accounts[id]
		switch {
		case a.system:
		case a.liquidating:
			x.enqueue(id, true, 0) // still indexed: park it
		case e.liquidatable(id):
			e.scan[n] = id
			n++
		case x.accts[id].flags&flagLoose != 0:
			x.enqueue(id, true, 0) // a false alarm from a loose key: tighten it
		}
	}
	e.scan = e.scan[:n]
}

// findIsolated sets e.isoScan to the isolated positions in m (any market
// for nil) the collected hits cannot rule out, in the order the full scan
// met them: m's holder order, or for the sweep account id then slot.
// liquidateIsolated confirms each.
func (e *Engine) findIsolated(m *market) {
	x := &e.liq
	x.iso = x.iso[:0]
	for _, ref := range x.hits {
		if en := &x.entries[ref]; en.iso {
			x.iso = append(x.iso, isoHit{ref: slotRef{en.account, en.market, en.hedge}})
		}
	}
	for _, mid := range x.fallbacks {
		for _, h := range e.markets[mid].holders {
			if p := &e.accounts[h.account].positions[h.slot]; p.isolated {
				x.iso = append(x.iso, isoHit{ref: slotRef{h.account, mid, p.hedge}})
			}
		}
	}
	if len(x.iso) == 0 {
		e.isoScan = e.isoScan[:0]
		return
	}
	for k := range x.iso {
		h := &x.iso[k]
		slot := e.slot(h.ref.account, h.ref.market, h.ref.hedge, false)
		if m != nil {
			h.order = int64(e.accounts[h.ref.account].positions[slot].holder)
		} else {
			h.order = int64(h.ref.account)<<16 | int64(slot)
		}
	}
	slices.SortFunc(x.iso, func(a, b isoHit) int { return cmp.Compare(a.order, b.order) })
	e.isoScan = e.isoScan[:0]
	for _, h := range x.iso {
		e.isoScan = append(e.isoScan, h.ref)
	}
}

// liquidatable reports whether a cross account meets its preset's trigger.
func (e *Engine) liquidatable(id AccountID) bool {
	r := e.marginOf(id, nil)
	return e.due(&r)
}

// due is the preset's trigger on a cross account's margin: MMR ≥ 100%, or
// under the ladder preset MMR + closing fee rate ≥ 100% of the margin ratio
// (seed 002), the closing fee being the liquidation fee on the position
// notional (risk.Account.DueWithClosingFee). A liquidation runs while its
// account stays due.
func (e *Engine) due(r *risk.Account) bool {
	return r.DueWithClosingFee(e.closingFee())
}

// closingFee is the fee rate the trigger reserves on top of maintenance: the
// liquidation fee under the ladder preset, none otherwise.
func (e *Engine) closingFee() int64 {
	if e.cfg.Liquidation.Policy == config.PolicyLadder {
		return e.cfg.Liquidation.Fee
	}
	return 0
}

// triggerRequirement is the requirement the index solves a position's key
// for, matching due: the closing fee applies to cross positions only.
func (e *Engine) triggerRequirement(m *market, iso bool) risk.RequirementFunc {
	fee := e.closingFee()
	if iso {
		fee = 0
	}
	return risk.TriggerRequirement(m.cfg, e.cfg.Assets[e.settle].Decimals, fee)
}
