package engine

import "slices"

// sweepEvery is how many liquidation ticks pass between full sweeps of all
// accounts, the safety net behind the per-market scans.
const sweepEvery = 10

// scanMarket finds the accounts holding a position in m that became
// liquidatable, after m's mark moved, and starts their liquidation.
func (e *Engine) scanMarket(m *market) {
	e.scan, e.isoScan = e.scan[:0], e.isoScan[:0]
	for _, h := range m.holders {
		a := &e.accounts[h.account]
		switch p := &a.positions[h.slot]; {
		case p.isolated:
			e.isoScan = append(e.isoScan, isoRef{h.account, p.market, p.hedge})
		case !a.liquidating && !a.system:
			e.scan = append(e.scan, h.account)
		}
	}
	e.startFound()
}

// sweep checks every user account: the full recompute behind the scans.
func (e *Engine) sweep() {
	e.scan, e.isoScan = e.scan[:0], e.isoScan[:0]
	for id := e.firstUser; int(id) < len(e.accounts); id++ {
		a := &e.accounts[id]
		for _, p := range a.positions {
			if p.isolated && p.qty != 0 {
				e.isoScan = append(e.isoScan, isoRef{id, p.market, p.hedge})
			}
		}
		if !a.liquidating && a.hasCrossPosition() {
			e.scan = append(e.scan, id)
		}
	}
	e.startFound()
}

// startFound starts the liquidation of every scanned account that is
// liquidatable, in ascending id order (a scan may list an account twice).
func (e *Engine) startFound() {
	slices.Sort(e.scan)
	e.scan = slices.Compact(e.scan)
	n := 0
	for _, id := range e.scan {
		if r := e.marginOf(id, nil); r.Liquidatable() {
			e.scan[n] = id
			n++
		}
	}
	found := e.scan[:n]
	for i := 0; i < len(found); i++ {
		e.startLiquidation(found[i])
	}
	for _, r := range e.isoScan {
		e.liquidateIsolated(r)
	}
}
