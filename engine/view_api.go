package engine

import (
	"cmp"
	"slices"

	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
	"github.com/waterfallrisk/waterfall/engine/risk"
)

// Read-only views for the trading API (server/api): open orders with every
// field Backpack shows, positions with their liquidation and bankruptcy
// price estimates and ADL indicator, account settings and collateral. Like
// view.go's, none of them changes anything, and every slice they return is a
// fresh copy. They take any AccountID: one that names no user account gets
// an empty answer (or ok=false), never a panic.

// IsUser reports whether id names a user account (not a system account).
func (e *Engine) IsUser(id AccountID) bool {
	_, err := e.user(id)
	return err == nil
}

// OrderView is one open order as the API shows it. Prices are ticks,
// quantities lots, quote amounts settlement units.
type OrderView struct {
	ID           uint64
	ClientID     uint32 // 0: none
	Account      AccountID
	Market       config.MarketID
	Side         Side
	Type         OrderType
	TimeInForce  TimeInForce
	STP          SelfTradePrevention
	PostOnly     bool
	ReduceOnly   bool
	Price        int64 // ticks; 0 for a market order
	Quantity     int64 // lots ordered (a quote order: MaxAmount, its cap)
	Executed     int64 // lots filled
	ExecutedQt   int64 // settlement units filled
	QuoteQty     int64 // a market order by quote: its budget
	Status       OrderStatus
	Origin       Origin
	CreatedTime  int64 // engine time, ms
	PositionSide PositionSide
	Isolated     bool
	// A trigger order still waiting off the book: TriggerPrice (ticks) and
	// the price it watches.
	Pending      bool
	TriggerPrice int64
	TriggerBy    TriggerBy
}

func (e *Engine) orderView(o *order) OrderView {
	v := OrderView{
		ID: o.id, ClientID: o.clientID, Account: o.account, Market: o.market,
		Side: o.side, Type: o.typ, TimeInForce: o.tif, STP: o.stp,
		PostOnly: o.postOnly, ReduceOnly: o.reduceOnly,
		Price: o.price, Quantity: o.quantity, Executed: o.executed, ExecutedQt: o.executedQt,
		QuoteQty: o.quoteQty, Status: statusOf(o), Origin: o.origin, CreatedTime: o.createdTime,
		PositionSide: sideOfSlot(o.slot), Isolated: o.isolated,
		Pending: o.pending,
	}
	if o.pending {
		v.TriggerPrice, v.TriggerBy = o.trigger, o.triggerBy
	}
	return v
}

// OpenOrderList returns the account's open orders in market m (AllMarkets:
// every market), trigger orders waiting off the book included, by ascending
// order id.
func (e *Engine) OpenOrderList(id AccountID, m config.MarketID) []OrderView {
	if !e.IsUser(id) {
		return nil
	}
	out := make([]OrderView, 0, e.accounts[id].openOrders)
	for ref := e.accounts[id].orderHead; ref >= 0; ref = e.orders[ref].next {
		if o := &e.orders[ref]; m == AllMarkets || o.market == m {
			out = append(out, e.orderView(o))
		}
	}
	slices.SortFunc(out, func(a, b OrderView) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// OpenOrder finds one of the account's open orders in market m: by orderID,
// or when orderID is 0 by clientID (the newest open order with it, as a
// cancel by client id picks). ok is false when no such order is open.
func (e *Engine) OpenOrder(id AccountID, m config.MarketID, orderID uint64, clientID uint32) (OrderView, bool) {
	if !e.IsUser(id) || (orderID == 0 && clientID == 0) {
		return OrderView{}, false
	}
	for ref := e.accounts[id].orderHead; ref >= 0; ref = e.orders[ref].next {
		o := &e.orders[ref]
		if o.market != m {
			continue
		}
		if (orderID != 0 && o.id == orderID) || (orderID == 0 && o.clientID == clientID) {
			return e.orderView(o), true
		}
	}
	return OrderView{}, false
}

// PositionRisk is a position with what the API adds to it: its margin
// fractions and exposure notional at the mark, the estimated liquidation and
// bankruptcy prices (DESIGN.md §5; ticks, rounded against the trader, ok
// false when none lies in range) and the ADL indicator.
type PositionRisk struct {
	PositionView
	// IMF at the net exposure notional and MMF at the position notional
	// (fixed.Rate, Ceil), as risk.MarketFractions gives them.
	IMF, MMF int64
	// ExposureNotional is NetExposure at the mark in settlement units,
	// signed, rounded toward zero (a display value).
	ExposureNotional int64
	// Liquidation is the mark (ticks) at which the account (an isolated
	// position: the position) starts liquidating, everything else held
	// still; risk.LiquidationPrice, the trigger's own predicate.
	Liquidation    int64
	HasLiquidation bool
	// Bankruptcy is the price (ticks) at which its equity reaches zero.
	Bankruptcy    int64
	HasBankruptcy bool
	// ADLRank is the ADL indicator, 1–5 (5 first in line): the quintile of
	// the position's rank among the positions ADL would close against a
	// bankrupt account on the other side.
	ADLRank int
}

// PositionRisks returns the account's open positions (flat slots, which
// hold only open orders, are left out), in slot order. It evaluates the
// account once and ranks each market it holds for ADL (ADLIndicators: a
// sort of that market's holders, each valued): a caller that serves it at
// a high rate should cache it.
func (e *Engine) PositionRisks(id AccountID) []PositionRisk {
	if !e.IsUser(id) {
		return nil
	}
	r := e.marginOf(id, nil)
	a := &e.accounts[id]
	sdec := e.cfg.Assets[e.settle].Decimals
	var out []PositionRisk
	var ranked []marketLights // the ADL indicators of each market ranked so far
	for i, v := range e.Positions(id) {
		if v.NetQuantity == 0 {
			continue
		}
		m := &e.markets[v.Market]
		pr := PositionRisk{PositionView: v}
		expo, err1 := m.valueAt(abs(v.NetExposure), m.mark, fixed.Ceil)
		notional, err2 := m.valueAt(abs(v.NetQuantity), m.mark, fixed.Ceil)
		if err1 == nil && err2 == nil {
			pr.IMF, pr.MMF, _ = risk.MarketFractions(m.cfg, expo, notional, sdec, a.userBase())
		}
		if en, err := m.valueAt(v.NetExposure, m.mark, truncRounding(v.NetExposure)); err == nil {
			pr.ExposureNotional = en
		}
		pr.Liquidation, pr.HasLiquidation = e.liquidationEstimate(id, i, &r)
		pr.Bankruptcy, pr.HasBankruptcy = e.bankruptcyTicks(id, i, 0)
		if m.mark == 0 {
			pr.HasBankruptcy = false
		}
		k := slices.IndexFunc(ranked, func(x marketLights) bool { return x.market == v.Market })
		if k < 0 {
			ranked = append(ranked, marketLights{market: v.Market, lights: e.ADLIndicators(v.Market)})
			k = len(ranked) - 1
		}
		for _, l := range ranked[k].lights {
			if l.Account == id && l.Hedge == v.Hedge {
				pr.ADLRank = l.Lights
			}
		}
		out = append(out, pr)
	}
	return out
}

// marketLights are one market's ADL indicators.
type marketLights struct {
	market config.MarketID
	lights []ADLLight
}

// liquidationEstimate solves the liquidation price of slot i (DESIGN.md §5)
// on the engine's own trigger (the preset's requirement, detect.go's due):
// for a cross position the account's equity and the other positions'
// requirement held at the mark (r is the account's evaluation), for an
// isolated one its own margin.
func (e *Engine) liquidationEstimate(id AccountID, i int, r *risk.Account) (int64, bool) {
	p := &e.accounts[id].positions[i]
	m := &e.markets[p.market]
	if p.qty == 0 || m.mark == 0 {
		return 0, false
	}
	req := e.triggerRequirement(m, p.isolated)
	var oe, om int64
	if p.isolated {
		v, err := fixed.Sub(p.margin, p.cost)
		if err != nil {
			return 0, false
		}
		oe = v
	} else {
		value, err := m.valueAt(p.qty, m.mark, fixed.Floor)
		if err != nil {
			return 0, false
		}
		notional, err := m.valueAt(abs(p.qty), m.mark, fixed.Ceil)
		if err != nil {
			return 0, false
		}
		_, mm, err := risk.Requirements(m.cfg, notional, notional, e.cfg.Assets[e.settle].Decimals, 0)
		if err != nil {
			return 0, false
		}
		// Everything else's requirement: the account's maintenance less
		// this position's, plus the closing fee on the other notional.
		fee, err := risk.Requirement(max(r.Notional-notional, 0), e.closingFee())
		if err != nil {
			return 0, false
		}
		if oe, err = fixed.Sub(r.NetEquity, value); err != nil {
			return 0, false
		}
		om = max(r.Maintenance-mm, 0) + fee
	}
	in := risk.PriceInputs{
		Qty: p.qty, OtherEquity: oe, OtherMaint: om, Maintenance: req,
		NotionalNum: m.cfg.NotionalNum, NotionalDen: m.cfg.NotionalDen, TickSize: m.cfg.TickSize,
	}
	var brk [config.MaxBrackets]int64
	in.Breaks = risk.MarketBreaks(m.cfg, brk[:0])
	t, ok, err := risk.LiquidationPrice(in)
	return t, ok && err == nil
}

// AccountView is an account's settings and state as the API shows them.
type AccountView struct {
	PositionMode  PositionMode
	MarginMode    MarginMode
	LeverageLimit int64 // whole number; 0: the platform maximum applies
	Liquidating   bool
	Stage         LiquidationStage
	Frozen        bool // ladder preset: a reduction step runs
	OpenOrders    int
	LendingFlags  LendingFlags
}

// AccountInfo returns a user account's settings; ok is false for an id that
// names no user account.
func (e *Engine) AccountInfo(id AccountID) (AccountView, bool) {
	a, err := e.user(id)
	if err != nil {
		return AccountView{}, false
	}
	return AccountView{
		PositionMode: a.positionMode, MarginMode: a.marginMode, LeverageLimit: a.leverage,
		Liquidating: a.liquidating, Stage: a.stage, Frozen: a.frozen, OpenOrders: a.openOrders,
		LendingFlags: a.lendFlags,
	}, true
}

// CollateralView is one asset of an account valued as margin collateral
// (Backpack's capital/collateral item), as the margin evaluation values it:
// on the holding, balance + claim − debt.
type CollateralView struct {
	Asset   config.AssetID
	Balance int64 // smallest units; negative: a liability
	Locked  int64 // reserved by open spot orders
	// Lent and Borrowed are the account's claim (rounded down) and debt
	// (rounded up) in the asset's pool; Holding = Balance + Lent − Borrowed
	// is what the margin values.
	Lent, Borrowed, Holding int64
	// Isolated is the part of a settlement balance set aside as isolated
	// margin (cross margin does not count it).
	Isolated int64
	Index    int64 // fixed.Price (the settlement asset: 1)
	// Notional is Holding at the index in settlement units (Floor), Weight
	// the haircut weight at it (fixed.Rate; 1 for the settlement asset and
	// for a liability, counted in full) and Value the collateral value.
	Notional int64
	Weight   int64
	Value    int64
}

// Collateral returns every asset the account holds, lends or owes, in asset
// order.
func (e *Engine) Collateral(id AccountID) []CollateralView {
	if !e.IsUser(id) {
		return nil
	}
	a := &e.accounts[id]
	sdec := e.cfg.Assets[e.settle].Decimals
	var out []CollateralView
	for i := range e.cfg.Assets {
		asset := config.AssetID(i) //nolint:gosec // i < len(Assets) < 2^16
		v := CollateralView{Asset: asset, Balance: e.ledger.Balance(uint32(id), i), Locked: a.locked[asset],
			Index: e.index[asset], Weight: fixed.RateScale}
		if p := e.poolAt[asset]; p >= 0 && (a.lent[p] != 0 || a.borrowed[p] != 0) {
			v.Lent, v.Borrowed, _ = e.lendPosition(id, p)
		}
		if v.Balance == 0 && v.Locked == 0 && v.Lent == 0 && v.Borrowed == 0 {
			continue
		}
		var err error
		if v.Holding, err = fixed.Add(v.Balance, v.Lent-v.Borrowed); err != nil {
			continue
		}
		if asset == e.settle {
			for j := range a.positions {
				if a.positions[j].isolated {
					v.Isolated += a.positions[j].margin
				}
			}
			v.Notional, v.Value = v.Holding, v.Holding-v.Isolated
			out = append(out, v)
			continue
		}
		n, err := e.assetValue(asset, v.Holding)
		if err != nil {
			continue
		}
		v.Notional, v.Value = n, n
		if n > 0 {
			if w, err := risk.CollateralWeight(e.cfg.Assets[i].Haircut, n, sdec); err == nil {
				v.Weight = w
				v.Value, _ = risk.CollateralValue(n, w)
			}
		}
		out = append(out, v)
	}
	return out
}

// MarketClosed reports whether the operator closed market m.
func (e *Engine) MarketClosed(m config.MarketID) bool { return e.markets[m].closed }

// NextFunding returns the engine time (ms) at which market m's current
// funding interval ends; 0 for a spot market or before engine time starts.
func (e *Engine) NextFunding(m config.MarketID) int64 {
	if !e.markets[m].perp() {
		return 0
	}
	return e.markets[m].nextFund
}
