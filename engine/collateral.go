package engine

import (
	"cmp"
	"slices"

	"github.com/waterfallrisk/waterfall/engine/book"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// Collateral conversion (DESIGN.md §5 "On trigger: … repay borrows from free
// balance, sell collateral"; docs/policies.md "Collateral conversion"). A
// liquidating account's settlement balance may be negative: realized losses
// and fees are a liability that collateral in other assets backs. At every
// step of its liquidation, and when the liquidation ends, the engine sells
// that collateral on the spot books until the debt is repaid: one IOC system
// order per asset, largest collateral value first, priced at the impact
// band, whose fills are CollateralConversion / COLLATERAL_CONVERSION book
// trades (public trades, never the last price) paying the liquidation fee to
// the insurance fund.

// conversionCushion is how much more than the debt a conversion order sells
// at its limit price (fixed.Rate: 2%), so that the fee and fills above the
// limit still repay the debt in one order.
const conversionCushion = 20_000_000_000

// convertCollateral sells an account's collateral to repay a negative
// settlement balance, largest collateral value first; it stops once the
// balance is no longer negative, and skips an asset with no spot market
// against the settlement asset, no index, or no bid.
func (e *Engine) convertCollateral(id AccountID) {
	if e.ledger.Balance(uint32(id), int(e.settle)) >= 0 {
		return
	}
	var buf [16]collateral
	for _, c := range e.collateralOf(id, buf[:0]) {
		debt := -e.ledger.Balance(uint32(id), int(e.settle))
		if debt <= 0 {
			return
		}
		e.sellCollateral(id, &e.markets[c.market], debt)
	}
}

// collateral is one asset an account could sell for the settlement asset.
type collateral struct {
	market config.MarketID // its spot market against the settlement asset
	value  int64           // its value at the index (settlement units)
}

// collateralOf lists the account's sellable collateral, largest value first
// (ties: lower market id first).
func (e *Engine) collateralOf(id AccountID, buf []collateral) []collateral {
	for i := range e.markets {
		m := &e.markets[i]
		if m.perp() || m.closed || m.cfg.Quote != e.settle {
			continue
		}
		free := e.ledger.Balance(uint32(id), int(m.cfg.Base)) - e.accounts[id].locked[m.cfg.Base]
		if free < m.cfg.StepSize*max(m.cfg.MinQty, 1) || e.index[m.cfg.Base] == 0 {
			continue
		}
		v, err := e.assetValue(m.cfg.Base, free)
		if err != nil {
			v = MaxAmount
		}
		buf = append(buf, collateral{market: m.id, value: v})
	}
	slices.SortStableFunc(buf, func(a, b collateral) int { return cmp.Compare(b.value, a.value) })
	return buf
}

// sellCollateral sends one conversion order in spot market m: enough of the
// account's free base balance to raise debt at the order's limit, with
// conversionCushion to spare, all of it if that is not enough. The limit is
// the impact band, raised to conversionFloor: a conversion, like a stage-1
// order, never creates bad debt.
func (e *Engine) sellCollateral(id AccountID, m *market, debt int64) {
	limit, ok := e.takerLimit(m, Ask)
	if !ok {
		return
	}
	free := e.ledger.Balance(uint32(id), int(m.cfg.Base)) - e.accounts[id].locked[m.cfg.Base]
	lots := free / m.cfg.StepSize
	perLot, err := m.quote(1, limit)
	if err != nil || perLot <= 0 {
		return
	}
	need, err := fixed.MulDiv(debt, fixed.RateScale+conversionCushion, fixed.RateScale, fixed.Ceil)
	if err == nil {
		lots = min(lots, max((need+perLot-1)/perLot, m.cfg.MinQty))
	}
	if lots < max(m.cfg.MinQty, 1) {
		return
	}
	floor, ok := e.conversionFloor(id, m, lots)
	if !ok {
		return
	}
	limit = max(limit, floor) // never a price that creates bad debt
	c := Command{Kind: CmdPlaceOrder, Account: id, Market: m.id, Side: Ask, Type: Limit,
		TimeInForce: IOC, Price: limit, Quantity: lots}
	in := intent{m: m, account: id, qty: lots}
	in.taker = book.Taker{Owner: uint32(id), Side: Ask, Limit: limit, Qty: lots, STP: RejectTaker}
	e.execute(&c, &in, OriginCollateralConversion)
}

// conversionFloor is the lowest limit (ticks) at which selling lots of m's
// base asset creates no bad debt: the proceeds must replace the collateral
// value the sale removes (index × haircut weight) as far as the account's
// net equity cannot absorb it; a bankrupt account's equity must not fall
// further. ok is false when no price in range does (or on overflow).
func (e *Engine) conversionFloor(id AccountID, m *market, lots int64) (int64, bool) {
	before := e.marginOf(id, nil).NetEquity
	without := e.marginOf(id, &whatIf{asset: m.cfg.Base, delta: lots * m.cfg.StepSize}).NetEquity
	need := min(before, 0) - without // proceeds the sale must bring
	if need <= 0 {
		return 1, true
	}
	perTick, err := m.quote(lots, 1)
	if err != nil || perTick <= 0 {
		return 0, false
	}
	return (need + perTick - 1) / perTick, true
}

// conversionFee charges the liquidation fee on a conversion fill of quote
// notional q, rounded up, capped at the account's net equity after the
// fill, to the insurance fund; it returns the fee.
func (e *Engine) conversionFee(id AccountID, m *market, q int64) int64 {
	f := min(fee(q, e.cfg.Liquidation.Fee), max(e.marginOf(id, nil).NetEquity, 0))
	if f > 0 {
		_ = e.transfer(id, AccountInsurance, m.cfg.Quote, f, SourceLiquidationFee, m.id)
	}
	return f
}
