package api

import (
	"net/http"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/risk"
	"github.com/waterfallrisk/waterfall/server/backpack"
)

// Account endpoints: positions, balances, collateral, settings, isolated
// margin.

// positions is GET /api/v1/position: open positions (flat ones left out),
// optionally of one market, with estLiquidationPrice, estBankruptcyPrice and
// adlRank.
func (h *Handler) positions(w http.ResponseWriter, r *http.Request, acct engine.AccountID, _ []byte) {
	filter := engine.AllMarkets
	if s := r.URL.Query().Get("symbol"); s != "" {
		var err *backpack.Error
		if filter, err = h.cat.Market(s); err != nil {
			writeError(w, err)
			return
		}
	}
	out, err := h.positionList(r, acct, filter, engine.NoSide, false)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// positionList renders the account's open positions in market filter (or
// all); with bySide, only the position of that side (NoSide: one-way).
func (h *Handler) positionList(r *http.Request, acct engine.AccountID, filter config.MarketID, side engine.PositionSide, bySide bool) ([]backpack.Position, *backpack.Error) {
	var risks []engine.PositionRisk
	var marks []int64
	if err := h.read(r.Context(), func(e *engine.Engine) {
		risks = e.PositionRisks(acct)
		marks = make([]int64, len(risks))
		for i := range risks {
			marks[i] = e.Mark(risks[i].Market)
		}
	}); err != nil {
		return nil, err
	}
	out := []backpack.Position{}
	for i := range risks {
		p := &risks[i]
		if filter != engine.AllMarkets && p.Market != filter {
			continue
		}
		if bySide && backpack.HedgeSide(p.Hedge) != side {
			continue
		}
		out = append(out, h.cat.Position(acct, p, marks[i]))
	}
	return out, nil
}

// capital is GET /api/v1/capital.
func (h *Handler) capital(w http.ResponseWriter, r *http.Request, acct engine.AccountID, _ []byte) {
	var items []engine.CollateralView
	if err := h.read(r.Context(), func(e *engine.Engine) { items = e.Collateral(acct) }); err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, h.cat.Balances(items))
}

// collateral is GET /api/v1/capital/collateral.
func (h *Handler) collateral(w http.ResponseWriter, r *http.Request, acct engine.AccountID, _ []byte) {
	var items []engine.CollateralView
	var positions []engine.PositionView
	var margin risk.Account
	if err := h.read(r.Context(), func(e *engine.Engine) {
		items, positions, margin = e.Collateral(acct), e.Positions(acct), e.Margin(acct)
	}); err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, h.cat.Collateral(margin, items, positions))
}

// account is GET /api/v1/account.
func (h *Handler) account(w http.ResponseWriter, r *http.Request, acct engine.AccountID, _ []byte) {
	a, err := h.accountInfo(r, acct)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

func (h *Handler) accountInfo(r *http.Request, acct engine.AccountID) (backpack.Account, *backpack.Error) {
	var v engine.AccountView
	var ok bool
	var limit, trigger int
	if err := h.read(r.Context(), func(e *engine.Engine) {
		v, ok = e.AccountInfo(acct)
		for _, o := range e.OpenOrderList(acct, engine.AllMarkets) {
			if o.Pending {
				trigger++
			} else {
				limit++
			}
		}
	}); err != nil {
		return backpack.Account{}, err
	}
	if !ok {
		return backpack.Account{}, backpack.Errorf(http.StatusNotFound, backpack.CodeResourceNotFound, "account %d does not exist", acct)
	}
	return h.cat.Account(v, limit, trigger), nil
}

// updateAccount is PATCH /api/v1/account: position mode, margin mode,
// leverage limit and lending flags (autoBorrowSettlements, autoLend,
// autoRepayBorrows: any subset, merged into the account's current flags),
// applied in that order, each its own command (a refusal stops there,
// leaving the earlier ones applied). It answers the account.
func (h *Handler) updateAccount(w http.ResponseWriter, r *http.Request, acct engine.AccountID, body []byte) {
	var req backpack.AccountUpdate
	if err := backpack.Decode(body, &req); err != nil {
		writeError(w, err)
		return
	}
	var flags engine.LendingFlags
	if req.SetsLendingFlags() {
		if err := h.read(r.Context(), func(e *engine.Engine) {
			v, _ := e.AccountInfo(acct)
			flags = v.LendingFlags
		}); err != nil {
			writeError(w, err)
			return
		}
	}
	cmds, err := req.Commands(acct, flags)
	if err != nil {
		writeError(w, err)
		return
	}
	for i := range cmds {
		if _, err := h.submit(r.Context(), &cmds[i]); err != nil {
			writeError(w, err)
			return
		}
	}
	h.account(w, r, acct, nil)
}

// adjustMargin is POST /api/v1/position/margin (an extension): moves
// settlement asset into (quantity > 0) or out of (< 0) an isolated position
// and answers the position.
func (h *Handler) adjustMargin(w http.ResponseWriter, r *http.Request, acct engine.AccountID, body []byte) {
	var req backpack.MarginRequest
	if err := backpack.Decode(body, &req); err != nil {
		writeError(w, err)
		return
	}
	cmd, err := h.cat.MarginCommand(&req, acct)
	if err != nil {
		writeError(w, err)
		return
	}
	if _, err := h.submit(r.Context(), &cmd); err != nil {
		writeError(w, err)
		return
	}
	out, err := h.positionList(r, acct, cmd.Market, cmd.PositionSide, true)
	if err != nil {
		writeError(w, err)
		return
	}
	if len(out) == 0 {
		writeJSON(w, http.StatusOK, struct{}{}) // closed in the meantime
		return
	}
	writeJSON(w, http.StatusOK, out[0])
}
