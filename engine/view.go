package engine

import (
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/risk"
)

// Read-only views of the state, for the API, reports and tests. None of them
// changes anything; slices they return are fresh copies.

// FirstUser returns the id the first user account gets.
func (e *Engine) FirstUser() AccountID { return e.firstUser }

// Accounts returns the number of accounts, system accounts included.
func (e *Engine) Accounts() int { return len(e.accounts) }

// Clearing returns the clearing account of a perpetual market.
func (e *Engine) Clearing(m config.MarketID) AccountID { return e.markets[m].clearing }

// Balance returns an account's balance of an asset (negative: a liability).
func (e *Engine) Balance(id AccountID, asset config.AssetID) int64 {
	return e.ledger.Balance(uint32(id), int(asset))
}

// Locked returns what open spot orders reserve of an account's asset.
func (e *Engine) Locked(id AccountID, asset config.AssetID) int64 {
	return e.accounts[id].locked[asset]
}

// Index returns an asset's index price (fixed.Price; 0 = none yet).
func (e *Engine) Index(asset config.AssetID) int64 { return e.index[asset] }

// Mark returns a market's mark price (fixed.Price; 0 = none yet).
func (e *Engine) Mark(m config.MarketID) int64 { return e.markets[m].mark }

// LastPrice returns a market's last user trade price in ticks (0 = none).
func (e *Engine) LastPrice(m config.MarketID) int64 { return e.markets[m].lastPrice }

// FundingRate returns the rate of the last settled funding interval.
func (e *Engine) FundingRate(m config.MarketID) int64 { return e.markets[m].fundRate }

// OpenInterest returns a perpetual market's open interest in lots.
func (e *Engine) OpenInterest(m config.MarketID) int64 { return e.markets[m].oiLong }

// Depth returns up to n price levels of a side, best first: (price ticks, lots).
func (e *Engine) Depth(m config.MarketID, side Side, n int) [][2]int64 {
	b := e.markets[m].book
	n = min(n, b.Levels(side))
	out := make([][2]int64, n)
	for i := range n {
		p, q, _ := b.Level(side, i)
		out[i] = [2]int64{p, q}
	}
	return out
}

// PositionView is one position as the API shows it.
type PositionView struct {
	Market       config.MarketID
	Hedge        int8  // 0 one-way, +1 hedge long, −1 hedge short
	NetQuantity  int64 // lots, negative for shorts
	EntryCost    int64 // settlement units, negative for shorts
	RealizedPnl  int64
	FundingPaid  int64
	FeesPaid     int64
	OpenBids     int64 // lots resting on each side
	OpenAsks     int64
	NetExposure  int64 // lots, signed (Backpack's netExposureQuantity)
	UnrealizedAt int64 // unrealized PnL at the mark, Floor
	// EntryPrice: cost ÷ quantity; BreakEvenPrice: the price at which closing
	// returns the cost plus the fees and funding paid. Both fixed.Price,
	// rounded toward zero (display values; 0 when flat).
	EntryPrice     int64
	BreakEvenPrice int64
	// Isolated positions carry their own Margin (settlement units).
	Isolated bool
	Margin   int64
}

// Positions returns the account's position slots, in slot order.
func (e *Engine) Positions(id AccountID) []PositionView {
	a := &e.accounts[id]
	out := make([]PositionView, 0, len(a.positions))
	for i := range a.positions {
		p := &a.positions[i]
		m := &e.markets[p.market]
		v, _ := m.valueAt(p.qty, m.mark, 0)
		out = append(out, PositionView{
			Market: p.market, Hedge: p.hedge, NetQuantity: p.qty, EntryCost: p.cost,
			RealizedPnl: p.realized, FundingPaid: p.funding, FeesPaid: p.fees,
			OpenBids: p.bids, OpenAsks: p.asks, NetExposure: p.exposure(), UnrealizedAt: v - p.cost,
			EntryPrice:     m.priceOf(p.cost, p.qty),
			BreakEvenPrice: m.priceOf(p.cost+p.fees+p.funding, p.qty),
			Isolated:       p.isolated, Margin: p.margin,
		})
	}
	return out
}

// Margin returns the account's margin at the current marks (formulas.md §1).
func (e *Engine) Margin(id AccountID) risk.Account { return e.marginOf(id, nil) }

// OpenOrders returns the number of the account's open orders.
func (e *Engine) OpenOrders(id AccountID) int { return e.accounts[id].openOrders }

// Liquidating reports whether the account is being liquidated.
func (e *Engine) Liquidating(id AccountID) bool { return e.accounts[id].liquidating }
