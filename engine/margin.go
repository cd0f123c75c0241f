package engine

import (
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
	"github.com/waterfallrisk/waterfall/engine/risk"
)

// whatIf is a hypothetical change to evaluate an account under: an extra
// open order, or a balance change.
type whatIf struct {
	market config.MarketID
	hedge  int8 // the position slot of the extra order
	side   Side
	lots   int64 // extra resting lots on side (0: none)
	asset  config.AssetID
	delta  int64 // balance change of asset (0: none)
}

// marginOf evaluates an account at the current marks (formulas.md §1):
// collateral value with haircuts, unrealized PnL, exposure and the summed
// initial (on net exposure) and maintenance (on position) requirements. An
// arithmetic overflow yields an account that can neither trade nor withdraw
// and counts as liquidatable, so a number too large to evaluate never passes
// a check.
func (e *Engine) marginOf(id AccountID, w *whatIf) risk.Account {
	r, err := e.evaluate(id, w)
	if err != nil {
		return risk.Account{NetEquity: -1, Exposure: 1, Initial: MaxAmount, Maintenance: MaxAmount}
	}
	return r
}

func (e *Engine) evaluate(id AccountID, w *whatIf) (risk.Account, error) {
	a := &e.accounts[id]
	r := risk.Account{MinIMF: a.userBase()}
	if err := e.addCollateral(&r, id, w); err != nil {
		return r, err
	}
	if err := e.addBorrows(&r, id); err != nil {
		return r, err
	}
	seen := false
	for i := range a.positions {
		p := &a.positions[i]
		bids, asks := p.bids, p.asks
		if w != nil && w.lots != 0 && w.market == p.market && p.hedge == w.hedge {
			seen = true
			if w.side == Bid {
				bids += w.lots
			} else {
				asks += w.lots
			}
		}
		var err error
		if p.isolated {
			err = e.addIsolated(&r, a, p, bids, asks)
		} else {
			err = e.addPosition(&r, a, p.market, p.qty, p.cost, bids, asks)
		}
		if err != nil {
			return r, err
		}
	}
	if w != nil && w.lots != 0 && !seen && e.markets[w.market].perp() {
		bids, asks := w.lots, int64(0)
		if w.side == Ask {
			bids, asks = 0, w.lots
		}
		if err := e.addPosition(&r, a, w.market, 0, 0, bids, asks); err != nil {
			return r, err
		}
	}
	return r, nil
}

// addCollateral adds every balance's collateral value: the settlement asset
// at face value (a negative balance is a liability counted in full), other
// assets at index × haircut weight, rounded down (Floor: a credit). With
// lending, the holding of an asset is balance + claim − debt (lend.go).
func (e *Engine) addCollateral(r *risk.Account, id AccountID, w *whatIf) error {
	sdec := e.cfg.Assets[e.settle].Decimals
	lends := len(e.pools) > 0 && e.accounts[id].hasLending()
	for asset := range e.cfg.Assets {
		bal := e.ledger.Balance(uint32(id), asset)
		if w != nil && w.delta != 0 && int(w.asset) == asset {
			bal -= w.delta
		}
		if lends {
			var err error
			if bal, err = e.lendingHolding(id, asset, bal); err != nil {
				return err
			}
		}
		if bal == 0 {
			continue
		}
		if config.AssetID(asset) == e.settle { //nolint:gosec // asset < len(Assets)
			if err := r.AddEquity(bal); err != nil {
				return err
			}
			continue
		}
		v, err := e.assetValue(config.AssetID(asset), bal) //nolint:gosec // asset < len(Assets)
		if err != nil {
			return err
		}
		if v > 0 {
			weight, err := risk.CollateralWeight(e.cfg.Assets[asset].Haircut, v, sdec)
			if err != nil {
				return err
			}
			if v, err = risk.CollateralValue(v, weight); err != nil {
				return err
			}
		}
		if err := r.AddEquity(v); err != nil {
			return err
		}
	}
	return nil
}

// assetValue values amount (smallest units) of an asset at its index price in
// settlement units, Floor: a holding is worth no more than this, a debt (a
// negative amount) no less.
func (e *Engine) assetValue(asset config.AssetID, amount int64) (int64, error) {
	dec := e.cfg.Assets[asset].Decimals
	sdec := e.cfg.Assets[e.settle].Decimals
	// amount × index × 10^sdec / (1e8 × 10^dec)
	w, err := fixed.Wide(amount, e.index[asset]).MulInt64(fixed.Pow10(sdec))
	if err != nil {
		return 0, err
	}
	return w.Div(fixed.PriceScale*fixed.Pow10(dec), fixed.Floor)
}

// addPosition adds one perpetual slot: unrealized PnL at the mark (Floor: a
// credit), exposure and the initial requirement on the net exposure notional,
// the maintenance requirement on the position notional (Ceil: requirements).
func (e *Engine) addPosition(r *risk.Account, a *account, mid config.MarketID, qty, cost, bids, asks int64) error {
	m := &e.markets[mid]
	sdec := e.cfg.Assets[e.settle].Decimals
	value, err := m.valueAt(qty, m.mark, fixed.Floor)
	if err != nil {
		return err
	}
	if err := r.AddEquity(value - cost); err != nil {
		return err
	}
	p := position{qty: qty, bids: bids, asks: asks}
	expo, err := m.valueAt(abs(p.exposure()), m.mark, fixed.Ceil)
	if err != nil {
		return err
	}
	notional, err := m.valueAt(abs(qty), m.mark, fixed.Ceil)
	if err != nil {
		return err
	}
	im, mm, err := risk.Requirements(m.cfg, expo, notional, sdec, a.userBase())
	if err != nil {
		return err
	}
	if r.Exposure, err = fixed.Add(r.Exposure, expo); err != nil {
		return err
	}
	if r.Initial, err = fixed.Add(r.Initial, im); err != nil {
		return err
	}
	if r.Notional, err = fixed.Add(r.Notional, notional); err != nil {
		return err
	}
	r.Maintenance, err = fixed.Add(r.Maintenance, mm)
	return err
}

// marginAllows is the pre-trade check: an order that increases the account's
// exposure is refused when its IMR would reach 100% with the order resting.
// Only the order's own slot changes, and exposure notional grows with the
// slot's exposure quantity at a fixed mark, so that slot alone decides
// whether exposure increases; only then is the account evaluated.
func (e *Engine) marginAllows(id AccountID, mid config.MarketID, hedge int8, side Side, lots int64) bool {
	var p position
	if i := e.slot(id, mid, hedge, false); i >= 0 {
		p = e.accounts[id].positions[i]
	}
	before := abs(p.exposure())
	if side == Bid {
		p.bids += lots
	} else {
		p.asks += lots
	}
	after := abs(p.exposure())
	if after <= before {
		return true
	}
	if m := &e.markets[mid]; m.cfg.RiskLimits.Count > 0 {
		// Brackets cap leverage by size: past the last cap no position may
		// grow (DESIGN.md §5); below it the tier's leverage sets the IMF.
		n, err := m.valueAt(after, m.mark, fixed.Ceil)
		if err != nil || risk.MaxLeverage(&m.cfg.RiskLimits, n) == 0 {
			return false
		}
	}
	return e.canIncrease(id, &whatIf{market: mid, hedge: hedge, side: side, lots: lots})
}

// canIncrease reports whether the account, under w, has IMR < 100%.
func (e *Engine) canIncrease(id AccountID, w *whatIf) bool {
	r := e.marginOf(id, w)
	return r.CanIncrease()
}

// canWithdraw reports whether taking amount of asset out leaves the account
// able to carry its exposure (IMR < 100%), or it has none.
func (e *Engine) canWithdraw(id AccountID, asset config.AssetID, amount int64) bool {
	if !e.accounts[id].hasExposure() {
		return true
	}
	return e.canIncrease(id, &whatIf{asset: asset, delta: amount})
}
