package engine

import (
	"github.com/waterfallrisk/waterfall/engine/book"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// applyFill settles one trade between the taker (an order being placed, not
// on the book) and a resting maker, and reports it.
func (e *Engine) applyFill(m *market, takerRef int32, f *book.Fill) {
	taker, maker := &e.orders[takerRef], &e.orders[f.MakerRef]
	q, _ := m.quote(f.Qty, f.Price) // bounded by validateOrder
	tradeID := e.nextTradeID
	e.nextTradeID++

	takerFee := fee(q, m.cfg.TakerFee)
	makerFee := fee(q, m.cfg.MakerFee)
	if m.perp() {
		takerFee = e.settleSide(m, taker, f.Qty, q, takerFee)
		makerFee = e.settleSide(m, maker, f.Qty, q, makerFee)
	} else {
		takerFee, makerFee = e.settleSpot(m, taker, maker, f.Qty, q)
	}
	taker.executed += f.Qty
	taker.executedQt += q
	maker.executed += f.Qty
	maker.executedQt += q
	if taker.origin == OriginUser && maker.origin == OriginUser {
		m.lastPrice = f.Price // liquidation fills never set the last price
	}

	tr := e.emit(EvTrade)
	tr.Market, tr.Account, tr.OrderID, tr.Side = m.id, taker.account, taker.id, taker.side
	tr.Price, tr.Quantity, tr.TradeID = f.Price, f.Qty, tradeID
	e.emitFill(m, taker, f, tradeID, takerFee, false)
	e.emitFill(m, maker, f, tradeID, makerFee, true)

	e.addResting(maker, -f.Qty)
	if f.MakerLeft == 0 {
		e.unlinkOrder(f.MakerRef)
	}
}

// settleSide settles one side of a perpetual fill and returns the fee it
// paid: the trading fee, or, for a liquidation order (taker or resting maker),
// the liquidation fee in its place, capped at the equity left after the fill
// (an isolated position's own) and paid to the insurance fund. Liquidation
// fills count against the market's liquidation capacity at their notional.
func (e *Engine) settleSide(m *market, o *order, lots, q, tradingFee int64) int64 {
	switch {
	case o.origin != OriginLiquidation:
		e.settlePerp(m, o, lots, q, tradingFee, AccountFees, SourceTradingFees)
		return tradingFee
	case o.isolated:
		// From its own margin, before what is left of it returns to the account.
		f := e.isolatedLiquidationFee(o, m, lots, q)
		e.settlePerp(m, o, lots, q, f, AccountInsurance, SourceLiquidationFee)
		m.liqUsed += q
		return f
	}
	e.settlePerp(m, o, lots, q, 0, AccountFees, SourceTradingFees)
	m.liqUsed += q
	return e.liquidationFee(o, m, q)
}

// fee is a fee of rate (fixed.Rate) on notional q, rounded up: the trader owes it.
func fee(q, rate int64) int64 {
	v, _ := fixed.MulDiv(q, rate, fixed.RateScale, fixed.Ceil)
	return v
}

// settlePerp applies a perpetual fill to one side's position: realized PnL
// from or to the market's clearing account, the fee to feeTo (the fee
// account, or the insurance fund for a liquidation fee).
func (e *Engine) settlePerp(m *market, o *order, lots, q, fee int64, feeTo AccountID, src Source) {
	dq, dQ := lots, q
	if o.side == Ask {
		dq, dQ = -lots, -q
	}
	i := e.slotFor(o)
	p := &e.accounts[o.account].positions[i]
	before := p.qty
	pnl, _ := p.trade(dq, dQ) // bounded by validateOrder
	p.fees += fee
	if p.isolated {
		e.moveIsolatedMargin(m, p, before, pnl-fee)
	}
	e.trackOpenInterest(m, o.account, i, before)
	_ = e.transfer(m.clearing, o.account, e.settle, pnl, SourceRealizePnl, m.id)
	_ = e.transfer(o.account, feeTo, e.settle, fee, src, m.id)
	e.emitPosition(o.account, i, before)
	e.releaseSlot(o.account, i)
	e.ensureLocksCovered(o.account)
}

// trackOpenInterest updates the market's open interest and holder list after
// a position moved from before to its current quantity.
func (e *Engine) trackOpenInterest(m *market, acct AccountID, i int, before int64) {
	p := &e.accounts[acct].positions[i]
	m.oiLong += max(p.qty, 0) - max(before, 0)
	m.oiShort += max(-p.qty, 0) - max(-before, 0)
	switch {
	case before == 0 && p.qty != 0:
		p.holder = m.addHolder(acct, int32(i)) //nolint:gosec // few slots
	case before != 0 && p.qty == 0:
		if moved, ok := m.removeHolder(p.holder); ok {
			e.accounts[moved.account].positions[moved.slot].holder = p.holder
		}
		p.holder = -1
	}
}

// emitPosition reports a position change.
func (e *Engine) emitPosition(acct AccountID, i int, before int64) {
	p := &e.accounts[acct].positions[i]
	what := PositionAdjusted
	switch {
	case before == 0 && p.qty != 0:
		what = PositionOpened
	case p.qty == 0:
		what = PositionClosed
	}
	ev := e.emit(EvPosition)
	ev.Account, ev.Market, ev.PositionEvent = acct, p.market, what
	ev.PositionSide = sideOfSlot(p.hedge)
	ev.NetQuantity, ev.EntryCost = p.qty, p.cost
	ev.RealizedPnl, ev.FundingPaid, ev.Fee = p.realized, p.funding, p.fees
	ev.Isolated, ev.Margin = p.isolated, p.margin
	e.liqTouch(acct)
	e.noteADL(acct)
}

// settleSpot exchanges base for quote between the two sides of a spot fill.
// Each side pays its fee in the asset it receives. Returns the fees.
func (e *Engine) settleSpot(m *market, taker, maker *order, lots, q int64) (takerFee, makerFee int64) {
	buyer, seller := taker, maker
	buyerRate, sellerRate := m.cfg.TakerFee, m.cfg.MakerFee
	if taker.side == Ask {
		buyer, seller = maker, taker
		buyerRate, sellerRate = m.cfg.MakerFee, m.cfg.TakerFee
	}
	base := lots * m.cfg.StepSize
	bFee, sFee := fee(base, buyerRate), fee(q, sellerRate)
	// A resting order's lock covers what it pays; release it before paying.
	e.unlockFilled(m, maker, lots)
	_ = e.transfer(buyer.account, seller.account, m.cfg.Quote, q, SourceTrade, m.id)
	_ = e.transfer(seller.account, buyer.account, m.cfg.Base, base, SourceTrade, m.id)
	if buyer.origin == OriginCollateralConversion {
		bFee = e.conversionFee(buyer.account, m, q) // a buy-back (borrowliq.go): the liquidation fee, in quote
	} else {
		_ = e.transfer(buyer.account, AccountFees, m.cfg.Base, bFee, SourceTradingFees, m.id)
	}
	if seller.origin == OriginCollateralConversion {
		sFee = e.conversionFee(seller.account, m, q) // the liquidation fee, in place of the trading fee
	} else {
		_ = e.transfer(seller.account, AccountFees, m.cfg.Quote, sFee, SourceTradingFees, m.id)
	}
	if taker == buyer {
		return bFee, sFee
	}
	return sFee, bFee
}

// unlockFilled releases the part of a resting spot order's lock that lots
// filled at the order's own price consume.
func (e *Engine) unlockFilled(m *market, o *order, lots int64) {
	left := o.quantity - o.executed - lots
	newLock := m.spotLock(o.side, o.price, left)
	e.accounts[o.account].locked[e.lockAsset(o)] -= o.locked - newLock
	o.locked = newLock
}

// emitFill reports one side of a trade as an orderFill update.
func (e *Engine) emitFill(m *market, o *order, f *book.Fill, tradeID uint64, fee int64, maker bool) {
	status := StatusPartiallyFilled
	if o.executed == o.quantity {
		status = StatusFilled
	}
	ev := e.emitOrder(o, OrderFill, status, o.origin)
	ev.FillPrice, ev.FillQty = f.Price, f.Qty
	ev.Fee, ev.FeeAsset = fee, e.feeAsset(m, o)
	ev.Maker, ev.TradeID = maker, tradeID
	ev.FillType, ev.SystemType = fillTypeOf(o.origin)
}

func (e *Engine) feeAsset(m *market, o *order) config.AssetID {
	if !m.perp() && o.side == Bid && o.origin != OriginCollateralConversion {
		return m.cfg.Base
	}
	return m.cfg.Quote
}

// fillTypeOf maps an order's origin to Backpack's fillType and systemOrderType.
func fillTypeOf(o Origin) (FillType, SystemOrderType) {
	switch o {
	case OriginLiquidation:
		return FillBookLiquidation, SystemLiquidatePositionOnBook
	case OriginADL:
		return FillAdl, SystemLiquidatePositionOnAdl
	case OriginBackstop:
		return FillBackstop, SystemLiquidatePositionOnBackstop
	case OriginCollateralConversion:
		return FillCollateralConversion, SystemCollateralConversion
	case OriginSettlement:
		return FillUser, SystemOrderBookClosed
	}
	return FillUser, SystemNone
}
