package api

import (
	"context"
	"net/http"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/server/backpack"
)

// Borrow-lend endpoints (issue #5 point 6): POST /api/v1/borrowLend, GET
// /api/v1/borrowLend/positions and the public GET /api/v1/borrowLend/markets.

// LendingHistory is what the positions' cumulativeInterest needs of the
// read model (server/readmodel.Model implements it).
type LendingHistory interface {
	// BorrowLendPrincipal returns, per asset, the principal of the
	// account's current lending position (into the pool positive) as of
	// engine sequence upTo.
	BorrowLendPrincipal(ctx context.Context, acct engine.AccountID, upTo uint64) (map[config.AssetID]int64, error)
}

// executeBorrowLend is POST /api/v1/borrowLend {symbol, side, quantity}:
// side Lend lends, or first repays what the account owes in the asset;
// side Borrow borrows, or first redeems what it lends. It is one engine
// command (engine.CmdBorrowLend), all or nothing: a refusal changes
// nothing. It answers the position after ({} when flat).
func (h *Handler) executeBorrowLend(w http.ResponseWriter, r *http.Request, acct engine.AccountID, body []byte) {
	var req backpack.BorrowLendRequest
	if err := backpack.Decode(body, &req); err != nil {
		writeError(w, err)
		return
	}
	asset, borrow, qty, err := h.cat.ParseBorrowLend(&req)
	if err != nil {
		writeError(w, err)
		return
	}
	side := engine.Bid
	if borrow {
		side = engine.Ask
	}
	c := engine.Command{Kind: engine.CmdBorrowLend, Account: acct, Asset: asset, Amount: qty, Side: side}
	if _, err := h.submit(r.Context(), &c); err != nil {
		writeError(w, err)
		return
	}
	out, err := h.borrowLendList(r, acct, asset)
	if err != nil {
		writeError(w, err)
		return
	}
	if len(out) == 0 {
		writeJSON(w, http.StatusOK, struct{}{})
		return
	}
	writeJSON(w, http.StatusOK, out[0])
}

// borrowLendPositions is GET /api/v1/borrowLend/positions: the account's
// open lending positions, in pool order.
func (h *Handler) borrowLendPositions(w http.ResponseWriter, r *http.Request, acct engine.AccountID, _ []byte) {
	out, err := h.borrowLendList(r, acct, allAssets)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// allAssets selects every asset in borrowLendList.
const allAssets = config.AssetID(1<<16 - 1)

// borrowLendList renders the account's positions (of asset only, unless
// allAssets). cumulativeInterest is the net quantity less the principal
// the read model holds for the position ("0" without Options.Lending).
func (h *Handler) borrowLendList(r *http.Request, acct engine.AccountID, asset config.AssetID) ([]backpack.BorrowLendPosition, *backpack.Error) {
	type row struct {
		v        engine.BorrowLendView
		index    int64
		liq      int64
		hasLiq   bool
		interest int64
	}
	var rows []row
	var seq uint64
	if err := h.read(r.Context(), func(e *engine.Engine) {
		seq = e.Seq()
		for _, v := range e.BorrowLendPositions(acct) {
			if asset != allAssets && v.Asset != asset {
				continue
			}
			x := row{v: v, index: e.Index(v.Asset)}
			x.liq, x.hasLiq = e.BorrowLendLiquidationPrice(acct, v.Asset)
			rows = append(rows, x)
		}
	}); err != nil {
		return nil, err
	}
	if h.lending != nil && len(rows) > 0 {
		principal, err := h.lending.BorrowLendPrincipal(r.Context(), acct, seq)
		if err != nil {
			return nil, backpack.Errorf(http.StatusServiceUnavailable, backpack.CodeServerError, "borrow-lend history: %v", err)
		}
		for i := range rows {
			if p, ok := principal[rows[i].v.Asset]; ok {
				rows[i].interest = rows[i].v.Lent - rows[i].v.Borrowed - p
			}
		}
	}
	out := make([]backpack.BorrowLendPosition, 0, len(rows))
	for i := range rows {
		x := &rows[i]
		out = append(out, h.cat.BorrowLendPosition(acct, &x.v, x.index, x.interest, x.liq, x.hasLiq))
	}
	return out, nil
}

// borrowLendMarkets is GET /api/v1/borrowLend/markets (public): every
// lending pool, in configuration order.
func (h *Handler) borrowLendMarkets(w http.ResponseWriter, r *http.Request) {
	var pools []engine.PoolView
	var index []int64
	var now int64
	if err := h.read(r.Context(), func(e *engine.Engine) {
		pools, now = e.Pools(), e.Now()
		for i := range pools {
			index = append(index, e.Index(pools[i].Asset))
		}
	}); err != nil {
		writeError(w, err)
		return
	}
	out := make([]backpack.BorrowLendMarket, 0, len(pools))
	for i := range pools {
		out = append(out, h.cat.BorrowLendMarket(&pools[i], index[i], now))
	}
	writeJSON(w, http.StatusOK, out)
}
