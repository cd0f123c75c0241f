package engine

import (
	"sort"

	"github.com/waterfallrisk/waterfall/engine/config"
)

// BorrowLendView is one account's position in one pool (amounts in the
// asset's smallest units, accrued interest included).
type BorrowLendView struct {
	Asset          config.AssetID
	Lent, Borrowed int64 // claim (rounded down) and debt (rounded up)
	LendShares     int64
	BorrowShares   int64
}

// BorrowLendPositions returns the account's open lending positions, in pool
// order.
func (e *Engine) BorrowLendPositions(id AccountID) []BorrowLendView {
	var out []BorrowLendView
	if int(id) >= len(e.accounts) {
		return nil
	}
	a := &e.accounts[id]
	for i := range e.pools {
		if a.lent[i] == 0 && a.borrowed[i] == 0 {
			continue
		}
		claim, debt, _ := e.lendPosition(id, i)
		out = append(out, BorrowLendView{Asset: e.pools[i].asset, Lent: claim, Borrowed: debt,
			LendShares: a.lent[i], BorrowShares: a.borrowed[i]})
	}
	return out
}

// PoolView is one lending pool: totals (smallest units), indices (1e12 =
// 1.0), rates (fixed.Rate, per year) and utilization (fixed.Rate).
type PoolView struct {
	Asset                  config.AssetID
	Cash, Lent, Borrowed   int64 // Lent, Borrowed: total claims (down) and debts (up)
	LendIndex, BorrowIndex int64
	BorrowRate, LendRate   int64
	Utilization            int64
	Throttled              bool
	House                  int64 // fee and rounding kept, whole units (down)
}

// Pools returns every lending pool, in configuration order.
func (e *Engine) Pools() []PoolView {
	out := make([]PoolView, 0, len(e.pools))
	for i := range e.pools {
		pl := &e.pools[i]
		v := PoolView{Asset: pl.asset, Cash: pl.p.Cash, LendIndex: pl.p.LendIndex, BorrowIndex: pl.p.BorrowIndex}
		v.Lent, _ = pl.p.LentAmount()
		v.Borrowed, _ = pl.p.BorrowedAmount()
		v.BorrowRate, v.LendRate, _ = pl.p.Rates(pl.par)
		v.Utilization, _ = pl.p.Utilization()
		v.Throttled, _ = pl.p.Throttled(pl.par)
		v.House, _ = pl.p.HouseAmount()
		out = append(out, v)
	}
	return out
}

// BorrowLendLiquidationPrice returns the index price (fixed.Price) of asset
// at which the account would start liquidating, everything else held still:
// the lowest price at or above which MMR ≥ 100% when the account is short
// the asset on net (it owes more than it holds and lends), the highest at or
// below which it is when it is long. ok is false for the settlement asset,
// for an account with no position in the asset's pool, when it already
// liquidates at the current index, or when no price in (0, 2^62) makes it.
// A view for the API: it evaluates the account at trial prices and puts the
// index back before it returns.
func (e *Engine) BorrowLendLiquidationPrice(id AccountID, asset config.AssetID) (int64, bool) {
	if !e.IsUser(id) || asset == e.settle || int(asset) >= len(e.index) || e.index[asset] <= 0 {
		return 0, false
	}
	i, err := e.poolOf(asset)
	if err != nil {
		return 0, false
	}
	a := &e.accounts[id]
	if a.lent[i] == 0 && a.borrowed[i] == 0 {
		return 0, false
	}
	claim, debt, lerr := e.lendPosition(id, i)
	if lerr != nil {
		return 0, false
	}
	net := e.ledger.Balance(uint32(id), int(asset)) + claim - debt
	saved := e.index[asset]
	defer func() { e.index[asset] = saved }()
	liquidatesAt := func(p int64) bool {
		e.index[asset] = p
		r := e.marginOf(id, nil)
		return r.Liquidatable()
	}
	if liquidatesAt(saved) {
		return 0, false
	}
	const top = int64(1) << 62
	if net < 0 { // rising prices hurt: the least p in (saved, top] that liquidates
		if !liquidatesAt(top) {
			return 0, false
		}
		k := sort.Search(int(top-saved), func(k int) bool { return liquidatesAt(saved + 1 + int64(k)) })
		return saved + 1 + int64(k), true
	}
	// Falling prices hurt: the greatest p in [1, saved) that liquidates, the
	// one below the least that does not.
	if !liquidatesAt(1) {
		return 0, false
	}
	k := sort.Search(int(saved-1), func(k int) bool { return !liquidatesAt(1 + int64(k)) })
	return int64(k), true
}
