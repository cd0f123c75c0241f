package engine

import (
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
	"github.com/waterfallrisk/waterfall/engine/liquidation"
)

// backstopProvider is a registered backstop liquidity provider (BLP): an
// account that committed to take liquidated positions in one market, up to a
// notional on each side, while keeping a minimum net equity.
type backstopProvider struct {
	account     AccountID
	market      config.MarketID
	maxNotional int64 // settlement units
	minEquity   int64 // settlement units
}

// registerBackstop registers, updates or (capacity 0) withdraws a provider.
func (e *Engine) registerBackstop(c *Command) *Error {
	a, err := e.user(c.Account)
	if err != nil {
		return err
	}
	if a.liquidating {
		return errorf(CodeAccountLiquidating, "account %d is being liquidated", c.Account)
	}
	m, err := e.market(c.Market)
	if err != nil {
		return err
	}
	if !m.perp() {
		return errorf(CodeInvalidMarket, "backstop providers serve perpetual markets")
	}
	if c.Amount < 0 || c.Amount > MaxAmount || c.MinEquity < 0 || c.MinEquity > MaxAmount {
		return errorf(CodeInvalidQuantity, "backstop capacity and minimum equity must be within 0..%d", int64(MaxAmount))
	}
	for i := range e.backstops {
		if b := &e.backstops[i]; b.account == c.Account && b.market == c.Market {
			b.maxNotional, b.minEquity = c.Amount, c.MinEquity
			e.emitSettings(c.Account)
			return nil
		}
	}
	e.backstops = append(e.backstops, backstopProvider{account: c.Account, market: c.Market, maxNotional: c.Amount, minEquity: c.MinEquity})
	e.emitSettings(c.Account)
	return nil
}

// backstopStage is stage 2 (DESIGN.md §5, MF < ACMF): providers take the
// remaining positions off the book at the mark, pro rata to capacity,
// skipping any that would fall below its IMF or minimum equity; a share of
// the remaining equity goes to the backstop fund; a deficit is paid by the
// insurance fund if it can pay all of it. What the providers cannot take, or
// everything when the fund cannot cover the deficit, goes to ADL (stage 3)
// at the bankruptcy price. An account with no cross position (a borrower
// whose debt is left, borrowliq.go) has nothing for the providers: the stage
// does nothing, and its equity is not shared.
func (e *Engine) backstopStage(id AccountID) {
	if !e.accounts[id].hasCrossPosition() {
		return
	}
	e.setStage(id, StageBackstop)
	r := e.marginOf(id, nil)
	if r.NetEquity < e.backstopSlack(id) && !e.insuranceCovers(-(r.NetEquity - e.backstopSlack(id))) {
		e.adlAll(id)
		return
	}
	var buf [8]slotRef
	for _, ref := range e.crossPositions(id, buf[:0]) {
		if i := e.openSlot(ref); i >= 0 {
			e.backstopPosition(id, i)
		}
	}
	e.settleBackstopEquity(id)
	if e.accounts[id].hasCrossPosition() {
		e.adlAll(id)
	}
}

// backstopSlack is what rounding transfer prices to the tick against the
// account can cost it: one tick per lot of every position.
func (e *Engine) backstopSlack(id AccountID) int64 {
	var s int64
	for _, p := range e.accounts[id].positions {
		if !p.isolated {
			s += abs(p.qty) * e.markets[p.market].lotTick
		}
	}
	return s
}

func (e *Engine) insuranceCovers(deficit int64) bool {
	return deficit <= 0 || e.ledger.Balance(uint32(AccountInsurance), int(e.settle)) >= deficit
}

// backstopPosition moves slot i to the market's providers. The transfer
// price is the mark rounded to the tick against the liquidated account (a
// long sells at the mark rounded down, a short buys at it rounded up).
func (e *Engine) backstopPosition(id AccountID, i int) {
	p := e.accounts[id].positions[i]
	m := &e.markets[p.market]
	side, price := Ask, m.markTicks(fixed.Floor)
	if p.qty < 0 {
		side, price = Bid, m.markTicks(fixed.Ceil)
	}
	var provs []int
	var caps []int64
	for j := range e.backstops {
		b := &e.backstops[j]
		if b.market == m.id && b.account != id && !e.accounts[b.account].liquidating && b.maxNotional > 0 {
			provs = append(provs, j)
			caps = append(caps, b.maxNotional/m.lotNotional())
		}
	}
	for round := 0; round <= len(provs); round++ {
		shares, err := liquidation.ProRata(abs(p.qty), caps, nil)
		if err != nil {
			return
		}
		refused := false
		for k, j := range provs {
			if shares[k] > 0 && !e.providerCanTake(&e.backstops[j], m, side.Opposite(), shares[k]) {
				caps[k], refused = 0, true
			}
		}
		if refused {
			continue
		}
		for k, j := range provs {
			if shares[k] > 0 {
				b := e.backstops[j].account
				e.offBookTrade(m, id, p.hedge, b, e.openingSlot(b, side.Opposite()), side, shares[k], price, OriginBackstop)
			}
		}
		return
	}
}

// openingSlot is the slot an account opens a position on side in: one-way
// accounts have one; hedge-mode accounts buy into the long, sell into the short.
func (e *Engine) openingSlot(acct AccountID, side Side) int8 {
	switch {
	case e.accounts[acct].positionMode == OneWay:
		return 0
	case side == Bid:
		return 1
	}
	return -1
}

// providerCanTake reports whether a provider taking lots on side (its own
// side: it buys what a long sells) keeps IMR < 100% with the position, and
// has at least its minimum equity. (A takeover at the tick-rounded mark
// changes the provider's equity by less than a tick per lot, in its favour,
// so its equity now is what it keeps.)
func (e *Engine) providerCanTake(b *backstopProvider, m *market, side Side, lots int64) bool {
	r := e.marginOf(b.account, &whatIf{market: m.id, side: side, lots: lots})
	return r.CanIncrease() && r.NetEquity >= b.minEquity
}

// settleBackstopEquity pays the configured share of a backstopped account's
// remaining positive equity to the backstop fund, or has the insurance fund
// cover its deficit. (Issue #3 point 8 sends the share to the backstop fund;
// DESIGN.md §5 to the providers: the issue rules, docs/policies.md.)
func (e *Engine) settleBackstopEquity(id AccountID) {
	r := e.marginOf(id, nil)
	if r.NetEquity < 0 {
		e.coverDeficit(id, -r.NetEquity)
		return
	}
	share, _ := fixed.MulDiv(r.NetEquity, e.cfg.Liquidation.BackstopEquityShare, fixed.RateScale, fixed.Floor)
	free := e.ledger.Balance(uint32(id), int(e.settle))
	if share = min(share, free); share > 0 {
		_ = e.transfer(id, AccountBackstop, e.settle, share, SourceBackstopLiquidation, 0)
		e.ensureLocksCovered(id)
	}
}
