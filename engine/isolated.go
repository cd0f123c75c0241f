package engine

import (
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
	"github.com/waterfallrisk/waterfall/engine/risk"
)

// Isolated margin (issue #3 point 2, seed 003). An isolated position's
// margin is part of the account's settlement balance set aside for it:
// moving margin in or out is bookkeeping inside one account, not a ledger
// transfer. Cross margin counts neither the position nor its margin, but
// requires the initial margin an isolated position (with its open orders)
// still lacks, so cross collateral backs what isolated positions will need.

// moveIsolatedMargin keeps an isolated position's margin in step with a
// fill: the fill's realized PnL and fee land in it (delta); a position that
// grew is topped up from cross to its initial margin at the mark; one that
// shrank releases the closed share (the position keeps the rounding, Ceil);
// a closed or flipped position releases all of it first.
func (e *Engine) moveIsolatedMargin(m *market, p *position, before, delta int64) {
	p.margin += delta
	switch {
	case p.qty == 0 || (before != 0 && (p.qty > 0) != (before > 0)):
		p.margin = 0 // closed (or flipped): all of it returns to cross
	case abs(p.qty) < abs(before):
		p.margin, _ = fixed.MulDiv(p.margin, abs(p.qty), abs(before), fixed.Ceil)
		return
	}
	if p.qty == 0 {
		return
	}
	if im := e.isolatedInitial(m, p); p.margin < im {
		p.margin = im
	}
}

// isolatedInitial is the initial margin of an isolated position at the mark.
func (e *Engine) isolatedInitial(m *market, p *position) int64 {
	n, err := m.valueAt(abs(p.qty), m.mark, fixed.Ceil)
	if err != nil {
		return MaxAmount
	}
	im, _, err := risk.Requirements(m.cfg, n, n, e.cfg.Assets[e.settle].Decimals, 0)
	if err != nil {
		return MaxAmount
	}
	return im
}

// isolatedOf evaluates an isolated position on its own: its equity is its
// margin plus its unrealized PnL; its requirements are its own.
func (e *Engine) isolatedOf(id AccountID, i int) risk.Account {
	p := &e.accounts[id].positions[i]
	var r risk.Account
	if err := e.addPosition(&r, &e.accounts[id], p.market, p.qty, p.cost, p.bids, p.asks); err != nil {
		return risk.Account{NetEquity: -1, Exposure: 1, Initial: MaxAmount, Maintenance: MaxAmount}
	}
	if err := r.AddEquity(p.margin); err != nil {
		return risk.Account{NetEquity: -1, Exposure: 1, Initial: MaxAmount, Maintenance: MaxAmount}
	}
	return r
}

// addIsolated adds an isolated slot to a cross evaluation: its margin is not
// cross collateral, and what its initial margin (open orders included) still
// lacks is a cross requirement.
func (e *Engine) addIsolated(r *risk.Account, a *account, p *position, bids, asks int64) error {
	if err := r.AddEquity(-p.margin); err != nil {
		return err
	}
	var iso risk.Account
	if err := e.addPosition(&iso, a, p.market, p.qty, p.cost, bids, asks); err != nil {
		return err
	}
	if gap := iso.Initial - p.margin; gap > 0 {
		v, err := fixed.Add(r.Initial, gap)
		if err != nil {
			return err
		}
		r.Initial = v
	}
	return nil
}

// adjustMargin moves margin into (Amount > 0) or out of (Amount < 0) an
// isolated position (DESIGN.md §4: POST /api/v1/position/margin). Adding
// needs the cross side to stay able to carry its own exposure; removing
// leaves the position at least its initial margin.
func (e *Engine) adjustMargin(c *Command) *Error {
	a, err := e.user(c.Account)
	if err != nil {
		return err
	}
	m, err := e.market(c.Market)
	if err != nil {
		return err
	}
	i := e.slot(c.Account, c.Market, c.PositionSide.hedge(), false)
	if i < 0 || !a.positions[i].isolated || a.positions[i].qty == 0 {
		return errorf(CodeInvalidPositionID, "no isolated %s position", m.cfg.Symbol)
	}
	if c.Amount == 0 || c.Amount > MaxAmount || c.Amount < -MaxAmount {
		return errorf(CodeInvalidQuantity, "margin change %d is out of range", c.Amount)
	}
	if a.liquidating {
		return errorf(CodeAccountLiquidating, "account %d is being liquidated", c.Account)
	}
	p := &a.positions[i]
	if c.Amount > 0 {
		if !e.canIncrease(c.Account, &whatIf{asset: e.settle, delta: c.Amount}) {
			return errorf(CodeInsufficientMargin, "the cross account cannot spare %d", c.Amount)
		}
	} else if p.margin+c.Amount < e.isolatedInitial(m, p) {
		return errorf(CodeInsufficientMargin, "the position would keep less than its initial margin")
	}
	p.margin += c.Amount
	e.emitPosition(c.Account, i, p.qty)
	return nil
}

// slotRef names a position (an account's slot in a market, by side) across
// changes of its slot index: closes and releases move slots.
type slotRef struct {
	account AccountID
	market  config.MarketID
	hedge   int8
}

// liquidateIsolated liquidates an isolated position whose own equity no
// longer covers its maintenance, inside its margin and in one step: the
// account's orders in that market are cancelled, the whole position goes to
// the book as a reduce-only IOC within the impact band and its bankruptcy
// price, and what the book does not take is closed by ADL at the bankruptcy
// price. The rest of the account is untouched. Each stage is reported with
// the market and position side of the position.
func (e *Engine) liquidateIsolated(r slotRef) {
	i := e.slot(r.account, r.market, r.hedge, false)
	if i < 0 {
		return
	}
	if p := &e.accounts[r.account].positions[i]; !p.isolated || p.qty == 0 {
		return
	}
	if iso := e.isolatedOf(r.account, i); !iso.Liquidatable() {
		return
	}
	e.isolatedStage(r, StageBook)
	e.cancelAccountOrders(r.account, r.market, OriginLiquidation)
	if i = e.slot(r.account, r.market, r.hedge, false); i >= 0 {
		e.bookLiquidate(r.account, i, 0, 0)
	}
	if i = e.slot(r.account, r.market, r.hedge, false); i >= 0 && e.accounts[r.account].positions[i].qty != 0 {
		e.isolatedStage(r, StageADL)
		e.adlPosition(r.account, i, 0)
	}
	e.isolatedStage(r, StageNone)
}

func (e *Engine) isolatedStage(r slotRef, s LiquidationStage) {
	ev := e.emit(EvLiquidation)
	ev.Account, ev.Market, ev.Stage, ev.PositionSide = r.account, r.market, s, sideOfSlot(r.hedge)
	ev.Isolated = true
}
