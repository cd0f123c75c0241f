package admin

import (
	"net/http"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/server/backpack"
)

// POST /admin/v1/backstop {"accountId","symbol","maxNotional","minEquity"?}
// registers (or updates) a backstop liquidity provider for a perpetual
// market: it takes up to maxNotional (settlement asset, each side) of
// liquidated positions while keeping at least minEquity (default 0). A
// maxNotional of 0 withdraws the provider. → the registration as given.
func (h *Handler) backstop(w http.ResponseWriter, r *http.Request) *backpack.Error {
	var req struct {
		AccountID   Integer          `json:"accountId"`
		Symbol      string           `json:"symbol"`
		MaxNotional backpack.Decimal `json:"maxNotional"`
		MinEquity   backpack.Decimal `json:"minEquity"`
	}
	if err := h.decode(w, r, &req); err != nil {
		return err
	}
	id, err := accountID(req.AccountID)
	if err != nil {
		return err
	}
	m, err := h.market(req.Symbol)
	if err != nil {
		return err
	}
	if h.cfg.Markets[m].Kind != config.Perp {
		return backpack.Errorf(http.StatusBadRequest, backpack.CodeInvalidMarket, "%s is not a perpetual market: backstop providers serve perpetuals", req.Symbol)
	}
	dec := h.cfg.Assets[h.cat.Settlement()].Decimals
	maxNotional, err := amount("maxNotional", req.MaxNotional, dec, true)
	if err != nil {
		return err
	}
	minEquity := int64(0)
	if req.MinEquity.Set {
		if minEquity, err = amount("minEquity", req.MinEquity, dec, true); err != nil {
			return err
		}
	}
	if maxNotional > engine.MaxAmount || minEquity > engine.MaxAmount {
		return backpack.Errorf(http.StatusBadRequest, backpack.CodeInvalidQuantity, "maxNotional and minEquity must be at most %s", h.cat.Settle(engine.MaxAmount))
	}
	c := engine.Command{Kind: engine.CmdRegisterBackstop, Account: id, Market: m, Amount: maxNotional, MinEquity: minEquity}
	if _, err := h.seq.Submit(r.Context(), &c); err != nil {
		return fromSequencer(err)
	}
	return writeJSON(w, map[string]any{
		"accountId": id, "symbol": req.Symbol,
		"maxNotional": h.cat.Settle(maxNotional), "minEquity": h.cat.Settle(minEquity),
	})
}

// GET /admin/v1/liquidations → [{"accountId","stage","mmr"}]: the accounts
// now in liquidation, ascending id; stage is Book, Backstop or ADL, mmr the
// maintenance margin ratio as a decimal fraction (1.0 = 100%).
func (h *Handler) liquidations(w http.ResponseWriter, r *http.Request) *backpack.Error {
	var views []engine.LiquidationView
	if err := h.seq.Read(r.Context(), func(e *engine.Engine) { views = e.Liquidations() }); err != nil {
		return fromSequencer(err)
	}
	type item struct {
		AccountID engine.AccountID `json:"accountId"`
		Stage     string           `json:"stage"`
		MMR       string           `json:"mmr"`
	}
	out := make([]item, 0, len(views))
	for _, v := range views {
		out = append(out, item{AccountID: v.Account, Stage: v.Stage.String(), MMR: backpack.Rate(v.MMR)})
	}
	return writeJSON(w, out)
}

// GET /admin/v1/insurance → {"balance","history":[...]}: the insurance
// fund's settlement-asset balance and every movement of its balances,
// oldest first: {"sequence","time","symbol","amount","balance","source",
// "counterparty"} (amount negative for an outflow; source the cause:
// LiquidationFee, InsurancePayout, ...).
func (h *Handler) insurance(w http.ResponseWriter, r *http.Request) *backpack.Error {
	settle := h.cat.Settlement()
	var balance int64
	if err := h.seq.Read(r.Context(), func(e *engine.Engine) { balance = e.Balance(engine.AccountInsurance, settle) }); err != nil {
		return fromSequencer(err)
	}
	var evs []engine.Event
	if h.history != nil {
		var err error
		if evs, err = h.history.InsuranceHistory(r.Context()); err != nil {
			return backpack.Errorf(http.StatusServiceUnavailable, backpack.CodeServerError, "insurance history: %v", err)
		}
	}
	type entry struct {
		Sequence     uint64           `json:"sequence"`
		Time         int64            `json:"time"`
		Symbol       string           `json:"symbol"`
		Amount       string           `json:"amount"`
		Balance      string           `json:"balance"`
		Source       string           `json:"source"`
		Counterparty engine.AccountID `json:"counterparty"`
	}
	history := make([]entry, 0, len(evs))
	for i := range evs {
		ev := &evs[i]
		history = append(history, entry{
			Sequence: ev.Seq, Time: ev.Time, Symbol: h.cat.AssetSymbol(ev.Asset),
			Amount: h.cat.Amount(ev.Asset, ev.Amount), Balance: h.cat.Amount(ev.Asset, ev.Balance),
			Source: ev.Source.String(), Counterparty: ev.Counterparty,
		})
	}
	return writeJSON(w, map[string]any{"balance": h.cat.Settle(balance), "history": history})
}

// POST /admin/v1/markets/close {"symbol"} closes a market: its book is
// cancelled (SETTLEMENT_AUTOCLOSE) and every position settled at the mark
// (OrderBookClosed). → {"symbol","sequence"}.
func (h *Handler) closeMarket(w http.ResponseWriter, r *http.Request) *backpack.Error {
	var req struct {
		Symbol string `json:"symbol"`
	}
	if err := h.decode(w, r, &req); err != nil {
		return err
	}
	m, err := h.market(req.Symbol)
	if err != nil {
		return err
	}
	evs, serr := h.seq.Submit(r.Context(), &engine.Command{Kind: engine.CmdCloseMarket, Market: m})
	if serr != nil {
		return fromSequencer(serr)
	}
	var seq uint64
	if len(evs) > 0 {
		seq = evs[0].Seq
	}
	return writeJSON(w, map[string]any{"symbol": req.Symbol, "sequence": seq})
}

// GET /admin/v1/state → {"sequence","stateHash"}: the engine sequence and
// its state hash, lowercase hex (as `waterfall audit` prints it).
func (h *Handler) state(w http.ResponseWriter, r *http.Request) *backpack.Error {
	var seq uint64
	var hash [32]byte
	if err := h.seq.Read(r.Context(), func(e *engine.Engine) { seq, hash = e.Seq(), e.StateHash() }); err != nil {
		return fromSequencer(err)
	}
	return writeJSON(w, map[string]any{"sequence": seq, "stateHash": hexString(hash[:])})
}

// GET /admin/v1/invariants → {"ok","violations":[...]}: the engine's
// invariant check over the whole state (O(accounts + orders)).
func (h *Handler) invariants(w http.ResponseWriter, r *http.Request) *backpack.Error {
	var err error
	if rerr := h.seq.Read(r.Context(), func(e *engine.Engine) { err = e.CheckInvariants() }); rerr != nil {
		return fromSequencer(rerr)
	}
	violations := []string{}
	if err != nil {
		violations = append(violations, err.Error())
	}
	return writeJSON(w, map[string]any{"ok": err == nil, "violations": violations})
}
