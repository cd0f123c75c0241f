package engine

import (
	"github.com/waterfallrisk/waterfall/engine/book"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// intent is a validated order request: everything placeOrder decided before
// it changes any state.
type intent struct {
	m        *market
	account  AccountID
	qty      int64 // lots (for a quote-quantity market order: the cap)
	taker    book.Taker
	rests    bool   // a GTC limit order rests what it does not fill
	lock     int64  // spot: balance reserved while resting (per the remainder)
	old      *order // the order being moved, nil for a new one
	oldLeft  int64  // its remaining lots
	hedge    int8   // position slot: 0 one-way, +1 hedge long, −1 hedge short
	isolated bool   // trades an isolated-margin position
	closing  bool   // the order can only reduce its slot (reduce-only, or a hedge close)
}

// marginModeOf decides whether the order trades an isolated position: the
// order asks for it, or the account's mode is Isolated. A position keeps the
// mode it opened with: an order of the other mode for it is refused.
func (e *Engine) marginModeOf(c *Command, a *account, m *market, in *intent) *Error {
	if c.MarginMode > Isolated {
		return errorf(CodeInvalidOrder, "unknown margin mode %d", c.MarginMode)
	}
	in.isolated = c.MarginMode == Isolated || a.marginMode == Isolated
	if !m.perp() {
		if c.MarginMode == Isolated {
			return errorf(CodeInvalidOrder, "isolated margin applies to perpetual markets")
		}
		in.isolated = false
		return nil
	}
	if i := e.slot(c.Account, c.Market, in.hedge, false); i >= 0 && a.positions[i].isolated != in.isolated {
		return errorf(CodeInvalidOrder, "the %s position is %s; the order must be too", m.cfg.Symbol, modeName(a.positions[i].isolated))
	}
	return nil
}

func modeName(isolated bool) string {
	if isolated {
		return "isolated"
	}
	return "cross"
}

// positionSide resolves which position slot the order trades: in hedge mode
// the order names Long or Short, and an order against its slot's direction
// (selling the long, buying back the short) only closes, like reduce-only.
func (e *Engine) positionSide(c *Command, a *account, m *market, in *intent) *Error {
	switch {
	case c.PositionSide > Short:
		return errorf(CodeInvalidOrder, "unknown position side %d", c.PositionSide)
	case !m.perp() || a.positionMode == OneWay:
		if c.PositionSide != NoSide {
			return errorf(CodeInvalidOrder, "a position side applies to hedge mode on perpetual markets only")
		}
		in.closing = c.ReduceOnly
		return nil
	case c.PositionSide == NoSide:
		return errorf(CodeInvalidOrder, "in hedge mode an order must name its position side, Long or Short")
	}
	in.hedge = c.PositionSide.hedge()
	in.closing = c.ReduceOnly || (c.Side == Bid) != (c.PositionSide == Long)
	return nil
}

func (e *Engine) placeOrder(c *Command) *Error {
	if c.TriggerPrice != 0 {
		return e.placeTrigger(c)
	}
	in, err := e.validateOrder(c)
	if err != nil {
		return err
	}
	e.execute(c, &in, OriginUser)
	return nil
}

// validateOrder checks everything about an order request that can refuse it.
func (e *Engine) validateOrder(c *Command) (intent, *Error) {
	return e.validateOrderReplacing(c, nil, 0)
}

// validateOrderReplacing validates c as the replacement of an open order
// (nil: a new order) whose remaining lots and spot lock it may reuse.
func (e *Engine) validateOrderReplacing(c *Command, old *order, oldLeft int64) (intent, *Error) {
	a, err := e.user(c.Account)
	if err != nil {
		return intent{}, err
	}
	m, err := e.market(c.Market)
	if err != nil {
		return intent{}, err
	}
	if err := validateEnums(c); err != nil {
		return intent{}, err
	}
	if e.index[m.cfg.Base] == 0 {
		return intent{}, errorf(CodeTradingPaused, "%s has no index price yet", m.cfg.Symbol)
	}
	if m.closed {
		return intent{}, errorf(CodeTradingPaused, "%s is closed", m.cfg.Symbol)
	}
	if a.frozen {
		return intent{}, errorf(CodeAccountLiquidating, "account %d is frozen while a ladder reduction runs", c.Account)
	}
	if a.liquidating && !c.ReduceOnly && !closesHedge(c) {
		return intent{}, errorf(CodeAccountLiquidating, "account %d is being liquidated: only reduce-only orders are accepted", c.Account)
	}
	in := intent{m: m, account: c.Account, old: old, oldLeft: oldLeft}
	if err := e.positionSide(c, a, m, &in); err != nil {
		return intent{}, err
	}
	if err := e.marginModeOf(c, a, m, &in); err != nil {
		return intent{}, err
	}
	in.taker = book.Taker{Owner: uint32(c.Account), Side: c.Side, STP: c.STP, Caps: e}
	if err := e.sizeOrder(c, &in); err != nil {
		return intent{}, err
	}
	if err := e.priceOrder(c, &in); err != nil {
		return intent{}, err
	}
	if a.liquidating && m.perp() {
		if err := e.capAtBankruptcy(c, &in); err != nil {
			return intent{}, err
		}
	}
	if m.perp() {
		return in, e.checkPerpOrder(c, a, &in)
	}
	return in, e.checkSpotOrder(c, &in)
}

// capAtBankruptcy keeps a liquidating owner's own closing order from
// creating bad debt, as the engine's liquidation orders never do: its fills
// stop at the position's bankruptcy price (the taker limit is capped there)
// and a limit order priced beyond it is refused. An account already
// bankrupt with no price in range may not trade the position at all.
func (e *Engine) capAtBankruptcy(c *Command, in *intent) *Error {
	i := e.slot(c.Account, in.m.id, in.hedge, false)
	if i < 0 || e.accounts[c.Account].positions[i].qty == 0 {
		return nil
	}
	bp, ok := e.bankruptcyTicks(c.Account, i, 0)
	if !ok {
		if r := e.marginOf(c.Account, nil); r.NetEquity < 0 {
			return errorf(CodeAccountLiquidating, "account %d is bankrupt: its position is left to the liquidation", c.Account)
		}
		return nil
	}
	beyond := c.Side == Ask && c.Price < bp || c.Side == Bid && c.Price > bp
	if c.Type == Limit && beyond {
		return errorf(CodeInvalidPrice, "account %d is being liquidated: price %d ticks is beyond the position's bankruptcy price %d", c.Account, c.Price, bp)
	}
	if c.Side == Ask {
		in.taker.Limit = max(in.taker.Limit, bp)
	} else {
		in.taker.Limit = min(in.taker.Limit, bp)
	}
	return nil
}

// closesHedge reports whether c is a hedge-mode order against its side.
func closesHedge(c *Command) bool {
	return c.PositionSide != NoSide && (c.Side == Bid) != (c.PositionSide == Long)
}

func validateEnums(c *Command) *Error {
	switch {
	case !c.Side.Valid():
		return errorf(CodeInvalidOrder, "side must be Bid or Ask")
	case c.Type > Market:
		return errorf(CodeInvalidOrder, "unknown order type %d", c.Type)
	case c.TimeInForce > FOK:
		return errorf(CodeInvalidOrder, "unknown time in force %d", c.TimeInForce)
	case c.STP > RejectBoth:
		return errorf(CodeInvalidOrder, "unknown self-trade prevention %d", c.STP)
	case c.PostOnly && (c.Type != Limit || c.TimeInForce != GTC):
		return errorf(CodeInvalidOrder, "post-only applies to GTC limit orders only")
	case c.Type == Limit && c.QuoteQty != 0:
		return errorf(CodeInvalidOrder, "quote quantity applies to market orders only")
	}
	return nil
}

// sizeOrder validates the quantity.
func (e *Engine) sizeOrder(c *Command, in *intent) *Error {
	mc := in.m.cfg
	if c.Type == Market && c.Quantity == 0 {
		if c.QuoteQty <= 0 || c.QuoteQty > MaxAmount {
			return errorf(CodeInvalidQuantity, "a market order needs a quantity or a quote quantity")
		}
		in.taker.Quote = c.QuoteQty / in.m.lotTick // lots×ticks; Floor: never spend more than asked
		if in.taker.Quote == 0 {
			// Less than one lot at one tick: a zero budget would read as
			// none at all (book.Taker.Quote ≤ 0) and the order as unbounded.
			return errorf(CodeInvalidQuantity, "quote quantity %d buys less than one lot at one tick", c.QuoteQty)
		}
		in.qty = MaxAmount
		in.taker.Qty = in.qty
		return nil
	}
	if c.QuoteQty != 0 {
		return errorf(CodeInvalidOrder, "give a quantity or a quote quantity, not both")
	}
	if c.Quantity < mc.MinQty || (mc.MaxQty > 0 && c.Quantity > mc.MaxQty) || c.Quantity > MaxAmount {
		return errorf(CodeInvalidQuantity, "quantity %d lots is outside the market's limits", c.Quantity)
	}
	if units, err := fixed.Mul(c.Quantity, mc.StepSize); err != nil || units > MaxAmount {
		return errorf(CodeInvalidQuantity, "quantity %d lots is out of range", c.Quantity)
	}
	in.qty, in.taker.Qty = c.Quantity, c.Quantity
	return nil
}

// priceOrder sets the taker's limit from the order price and the price bands
// (formulas.md §1): the limit band refuses, the impact and mean-mark bands cap.
func (e *Engine) priceOrder(c *Command, in *intent) *Error {
	m := in.m
	if c.Type == Limit {
		if c.Price <= 0 {
			return errorf(CodeInvalidPrice, "a limit order needs a positive price")
		}
		if !m.priceInRange(c.Price) {
			return errorf(CodeInvalidPrice, "price is out of range")
		}
		if q, err := m.quote(in.qty, c.Price); err != nil || q > MaxAmount {
			return errorf(CodeInvalidQuantity, "order notional is out of range")
		}
		if !e.withinLimitBand(m, c.Price) {
			return errorf(CodeInvalidPrice, "price is too far from the last active price")
		}
		if c.PostOnly && m.book.WouldCross(c.Side, c.Price) {
			return errorf(CodeInvalidOrder, "post-only order would immediately match")
		}
		in.rests = c.TimeInForce == GTC
	} else if c.Price != 0 {
		return errorf(CodeInvalidOrder, "a market order takes no price")
	}
	limit, ok := e.takerLimit(m, c.Side)
	switch {
	case c.Type == Limit && ok && c.Side == Bid:
		in.taker.Limit = min(c.Price, limit)
	case c.Type == Limit && ok:
		in.taker.Limit = max(c.Price, limit)
	case c.Type == Limit:
		in.taker.Limit = c.Price
	case ok:
		in.taker.Limit = limit
	default:
		in.taker.Limit = 0 // nothing to take: the order will expire
	}
	return nil
}

// checkPerpOrder applies reduce-only, the open-interest limit and the
// pre-trade margin check.
func (e *Engine) checkPerpOrder(c *Command, a *account, in *intent) *Error {
	i := e.slot(c.Account, c.Market, in.hedge, false)
	var pos int64
	if i >= 0 {
		pos = a.positions[i].qty
	}
	if in.closing {
		if pos == 0 || (pos > 0) == (c.Side == Bid) {
			return errorf(CodeInvalidOrder, "reduce-only order would not reduce the position")
		}
		in.qty = min(in.qty, abs(pos))
		in.taker.Qty = in.qty
		return nil
	}
	opens := in.qty // lots by which the order could grow |position|
	if in.taker.Quote > 0 {
		opens = e.quoteLots(in)
	}
	if lim := in.m.cfg.OpenInterestLimit; lim > 0 && in.m.oiLong+opens > lim {
		return errorf(CodePositionLimit, "order would exceed the open-interest limit of %s", in.m.cfg.Symbol)
	}
	if !in.m.openValueFits(in.m.oiLong+opens, max(e.index[in.m.cfg.Base], in.m.tickPrice(in.taker.Limit))) {
		return errorf(CodePositionLimit, "order would take %s's open interest beyond the engine's range", in.m.cfg.Symbol)
	}
	if in.old != nil {
		opens -= in.oldLeft // the moved order's own lots are already counted
	}
	if opens > 0 && !e.marginAllows(c.Account, c.Market, in.hedge, c.Side, opens) {
		return errorf(CodeInsufficientMargin, "order would put the account's IMR at or above 100%%")
	}
	return nil
}

// quoteLots bounds the lots a quote-quantity market order can fill: its
// budget spent entirely at the cheapest price it can trade at (a buy: the
// best ask; a sell: its band limit, the lowest bid it may reach).
func (e *Engine) quoteLots(in *intent) int64 {
	best, ok := in.m.book.BestAsk()
	if in.taker.Side == Ask {
		// A seller's budget buys the most lots at the lowest price it may
		// reach, its band limit, not at the best bid.
		best, ok = in.taker.Limit, in.taker.Limit > 0
	}
	if !ok {
		return 0
	}
	return in.taker.Quote / best
}

// checkSpotOrder refuses spot orders the free balance cannot pay for; spot
// orders lock what they may spend. (Spot margin, borrowing to buy, is the
// lending issue's.)
func (e *Engine) checkSpotOrder(c *Command, in *intent) *Error {
	if c.ReduceOnly {
		return errorf(CodeInvalidOrder, "reduce-only applies to perpetual markets")
	}
	m := in.m
	asset := m.cfg.Base
	var need int64
	if c.Side == Ask {
		if in.taker.Quote > 0 {
			return errorf(CodeInvalidOrder, "a spot sell by quote quantity is not supported; give a quantity")
		}
		need = in.qty * m.cfg.StepSize
	} else {
		asset = m.cfg.Quote
		switch {
		case in.taker.Quote > 0:
			need = in.taker.Quote * m.lotTick
		case c.Type == Limit || in.taker.Limit > 0:
			// A limit order may rest and then locks at its own price, which
			// the band-capped taker limit can be below.
			price := in.taker.Limit
			if c.Type == Limit {
				price = c.Price
			}
			q, err := m.quote(in.qty, price)
			if err != nil {
				return errorf(CodeInvalidQuantity, "order notional is out of range")
			}
			need = q
		}
	}
	free := e.ledger.Balance(uint32(c.Account), int(asset)) - e.accounts[c.Account].locked[asset]
	if in.old != nil {
		free += in.old.locked
	}
	// Beyond the free balance, the lending flags may cover the rest
	// (autolend.go); this is the last check, so nothing refuses after it.
	if need > free && !e.coverShortfall(c.Account, asset, need-free) {
		return errorf(CodeInsufficientFunds, "order needs %d of %s, %d is free", need, e.cfg.Assets[asset].Symbol, free)
	}
	in.lock = need
	return nil
}

// spotLock returns what a resting spot order reserves for lots remaining.
func (m *market) spotLock(side Side, price, lots int64) int64 {
	if side == Ask {
		return lots * m.cfg.StepSize
	}
	return lots * price * m.lotTick
}

// lockAsset returns the asset an order's lock is held in.
func (e *Engine) lockAsset(o *order) config.AssetID {
	mc := e.markets[o.market].cfg
	if mc.Kind == config.Perp || o.side == Bid {
		return mc.Quote
	}
	return mc.Base
}

// priceInRange reports whether a price in ticks is at most MaxIndexPrice as a
// fixed.Price, so that ticks × TickSize cannot overflow in the band checks
// and trigger comparisons that convert it.
func (m *market) priceInRange(ticks int64) bool {
	p, err := fixed.Mul(ticks, m.cfg.TickSize)
	return err == nil && p <= MaxIndexPrice
}

// withinLimitBand reports whether a limit price is inside the limit band
// around the active price, median(best bid, best ask, last); with fewer than
// three of those the mark stands in for the missing ones' median.
func (e *Engine) withinLimitBand(m *market, ticks int64) bool {
	active := e.activePrice(m)
	if active == 0 {
		return true
	}
	p := m.tickPrice(ticks)
	lo, _ := fixed.MulDiv(active, m.cfg.Bands.LimitMin, fixed.RateScale, fixed.Ceil)
	hi, _ := fixed.MulDiv(active, m.cfg.Bands.LimitMax, fixed.RateScale, fixed.Floor)
	return p >= lo && p <= hi
}

// activePrice is median(best bid, best ask, last) in fixed.Price, falling
// back to the mark where the book has no such prices.
func (e *Engine) activePrice(m *market) int64 {
	bid, okB := m.book.BestBid()
	ask, okA := m.book.BestAsk()
	if okB && okA && m.lastPrice > 0 {
		return m.tickPrice(median3(bid, ask, m.lastPrice))
	}
	return m.mark
}

func median3(a, b, c int64) int64 {
	return max(min(a, b), min(max(a, b), c))
}

// takerLimit returns the worst price (ticks) a taker may reach: the impact
// band around the best opposite price, tightened by the mean-mark band and
// the mean-premium band (formulas.md §1). ok=false when the opposite side is
// empty. Each bound rounds inward, toward the better price.
func (e *Engine) takerLimit(m *market, side Side) (int64, bool) {
	b := &m.cfg.Bands
	idx := e.index[m.cfg.Base]
	premium := m.meanPremium()
	if side == Bid {
		best, ok := m.book.BestAsk()
		if !ok {
			return 0, false
		}
		impact, _ := fixed.MulDiv(best, b.ImpactMax, fixed.RateScale, fixed.Floor)
		meanMark, _ := fixed.MulDiv(m.meanMark(), b.MeanMarkMax, fixed.RateScale, fixed.Floor)
		limit := min(impact, m.priceTicks(meanMark, fixed.Floor))
		if m.perp() && b.MeanPremiumTolerance > 0 {
			cap, _ := fixed.MulDiv(idx, fixed.RateScale+premium+b.MeanPremiumTolerance, fixed.RateScale, fixed.Floor)
			limit = min(limit, m.priceTicks(cap, fixed.Floor))
		}
		return max(1, limit), true
	}
	best, ok := m.book.BestBid()
	if !ok {
		return 0, false
	}
	impact, _ := fixed.MulDiv(best, b.ImpactMin, fixed.RateScale, fixed.Ceil)
	meanMark, _ := fixed.MulDiv(m.meanMark(), b.MeanMarkMin, fixed.RateScale, fixed.Ceil)
	limit := max(impact, m.priceTicks(meanMark, fixed.Ceil))
	if m.perp() && b.MeanPremiumTolerance > 0 {
		floor, _ := fixed.MulDiv(idx, fixed.RateScale+premium-b.MeanPremiumTolerance, fixed.RateScale, fixed.Ceil)
		limit = max(limit, m.priceTicks(floor, fixed.Ceil))
	}
	return max(1, limit), true
}
