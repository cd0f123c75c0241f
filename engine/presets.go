package engine

import (
	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// classicStep liquidates under the classic preset (docs/policies.md), in one
// step: for each position one reduce-only IOC for all of it, within the
// impact band and allowed past the bankruptcy price only as far as the
// insurance fund can cover; the fund pays any deficit; ADL closes what the
// book did not take; and whatever equity is left, the liquidation surplus,
// goes to the insurance fund. The account ends flat.
func (e *Engine) classicStep(id AccountID) {
	var todo [8]isoRef // the cross positions, named by market and side
	refs := todo[:0]
	for _, p := range e.accounts[id].positions {
		if p.qty != 0 && !p.isolated {
			refs = append(refs, isoRef{id, p.market, p.hedge})
		}
	}
	for _, ref := range refs {
		if i := e.slot(id, ref.market, ref.hedge, false); i >= 0 {
			fund := e.ledger.Balance(uint32(AccountInsurance), int(e.settle))
			e.bookLiquidate(id, i, 0, fund)
		}
		if r := e.marginOf(id, nil); r.NetEquity < 0 {
			e.coverDeficit(id, -r.NetEquity)
		}
		if i := e.slot(id, ref.market, ref.hedge, false); i >= 0 && e.accounts[id].positions[i].qty != 0 {
			e.setStage(id, StageADL)
			e.adlPosition(id, i)
		}
	}
	r := e.marginOf(id, nil)
	if surplus := min(r.NetEquity, e.ledger.Balance(uint32(id), int(e.settle))); surplus > 0 {
		_ = e.transfer(id, AccountInsurance, e.settle, surplus, SourceLiquidationSurplus, 0)
	}
	r = e.marginOf(id, nil)
	e.settledOrHealthy(id, &r)
}

// partialStep liquidates under the partial preset (formulas.md §6): a
// position whose notional exceeds the threshold is reduced in steps of the
// configured fraction (20%) with a cooldown (30 s) between an account's
// steps, a smaller one in one order; below the vault ratio (2/3) of
// maintenance, the backstop providers take over (the vault), then ADL.
func (e *Engine) partialStep(id AccountID, first bool) {
	r := e.marginOf(id, nil)
	if e.settledOrHealthy(id, &r) {
		return
	}
	lq := &e.cfg.Liquidation
	// Equity < ratio × maintenance, exactly: NetEquity × 1e12 < MM × ratio.
	if fixed.Cmp(r.NetEquity, fixed.RateScale, r.Maintenance, lq.PartialVaultRatio) < 0 {
		e.backstopStage(id)
		r = e.marginOf(id, nil)
		e.settledOrHealthy(id, &r)
		return
	}
	a := &e.accounts[id]
	if !first && e.now < a.cooldown {
		return
	}
	a.cooldown = e.now + lq.PartialCooldownMs
	for i := 0; i < len(a.positions); i++ {
		p := &a.positions[i]
		if p.qty == 0 || p.isolated {
			continue
		}
		m := &e.markets[p.market]
		fraction := int64(0) // small positions go in one order
		if n, err := m.valueAt(abs(p.qty), m.mark, fixed.Ceil); err != nil || n > lq.PartialThreshold {
			fraction = lq.PartialStep
		}
		e.bookLiquidate(id, i, fraction, 0)
		if r = e.marginOf(id, nil); !r.Liquidatable() {
			e.endLiquidation(id)
			return
		}
	}
}
