package demo

import (
	"context"
	"fmt"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// acctState is what the bots know of one demo account at a step's start.
type acctState struct {
	positions   []engine.PositionView // open positions only (flat slots left out)
	balances    []int64               // per asset, smallest units
	locked      []int64               // per asset, reserved by open spot orders
	equity      float64               // net equity, settlement units
	liquidating bool
	orders      [][]engine.OrderView // maker only: open orders per market
}

// snapshot is the state the bots decide on, read once per step between two
// commands.
type snapshot struct {
	index  []float64 // per asset, quote units (0: none)
	closed []bool    // per market: the operator closed it
	accts  []acctState
}

// snapshot reads the demo accounts and the index prices.
func (d *Demo) snapshot(ctx context.Context) (*snapshot, error) {
	s := &snapshot{index: make([]float64, len(d.cfg.Assets)), closed: make([]bool, len(d.markets)), accts: make([]acctState, len(d.members))}
	err := d.seq.Read(ctx, func(e *engine.Engine) {
		for m := range d.markets {
			s.closed[m] = e.MarketClosed(d.markets[m].id)
		}
		for a := range d.cfg.Assets {
			s.index[a] = float64(e.Index(config.AssetID(a))) / fixed.PriceScale
		}
		for i := range d.members {
			id := d.members[i].id
			st := &s.accts[i]
			for _, p := range e.Positions(id) {
				if p.NetQuantity != 0 {
					st.positions = append(st.positions, p)
				}
			}
			st.balances = make([]int64, len(d.cfg.Assets))
			st.locked = make([]int64, len(d.cfg.Assets))
			for a := range d.cfg.Assets {
				st.balances[a] = e.Balance(id, config.AssetID(a))
				st.locked[a] = e.Locked(id, config.AssetID(a))
			}
			st.equity = d.amount(d.settle, e.Margin(id).NetEquity)
			st.liquidating = e.Liquidating(id)
			if i == d.maker {
				st.orders = make([][]engine.OrderView, len(d.markets))
				for m := range d.markets {
					st.orders[m] = e.OpenOrderList(id, d.markets[m].id)
				}
			}
		}
	})
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	return s, nil
}

// position returns an account's position in market m on a hedge side (0
// one-way, +1 hedge long, −1 hedge short), in lots, and whether it is
// isolated.
func (st *acctState) position(m config.MarketID, hedge int8) (int64, bool) {
	for _, p := range st.positions {
		if p.Market == m && p.Hedge == hedge {
			return p.NetQuantity, p.Isolated
		}
	}
	return 0, false
}

// free returns an asset's balance not reserved by open orders.
func (st *acctState) free(a config.AssetID) int64 { return st.balances[a] - st.locked[a] }
