package admin

import (
	"net/http"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
	"github.com/waterfallrisk/waterfall/server/backpack"
)

// PriceEntry is one index price: an asset symbol and a decimal price.
type PriceEntry struct {
	Symbol string           `json:"symbol"`
	Price  backpack.Decimal `json:"price"`
}

// priceOut is the answer's form of a PriceEntry.
type priceOut struct {
	Symbol string `json:"symbol"`
	Price  string `json:"price"`
}

// POST /admin/v1/prices {"prices":[{"symbol":"BTC","price":"100000"}]} sets
// index prices (8 decimals, independent of any market's tick), in the order
// given; every mark that depends on one is recomputed by the same command.
// Asset symbols only (a market symbol is a 400); the settlement asset is
// accepted and must be 1 (it is 1 by definition, so nothing is journaled for
// it). An asset named twice is a 400. Everything is checked before the first
// price is set; should the engine still refuse one (a price that would value
// an open interest beyond its range), the prices before it stand and the
// error names the refused one. → {"sequence","prices":[...]}.
func (h *Handler) prices(w http.ResponseWriter, r *http.Request) *backpack.Error {
	var req struct {
		Prices []PriceEntry `json:"prices"`
	}
	if err := h.decode(w, r, &req); err != nil {
		return err
	}
	if len(req.Prices) == 0 {
		return backpack.BadRequest("prices must list at least one {symbol, price}")
	}
	settle, _ := h.cfg.AssetBySymbol(h.cfg.SettlementAsset)
	seen := make(map[config.AssetID]bool, len(req.Prices))
	cmds := make([]engine.Command, 0, len(req.Prices))
	out := make([]priceOut, 0, len(req.Prices))
	for _, p := range req.Prices {
		asset, err := h.asset(p.Symbol)
		if err != nil {
			return err
		}
		if seen[asset] {
			return backpack.BadRequest("%s is listed twice", p.Symbol)
		}
		seen[asset] = true
		v, err := amount("price of "+p.Symbol, p.Price, fixed.PriceDecimals, false)
		if err != nil {
			err.Code = backpack.CodeInvalidPrice
			return err
		}
		switch {
		case asset == settle && v != fixed.PriceScale:
			return backpack.Errorf(http.StatusBadRequest, backpack.CodeInvalidPrice, "%s is the settlement asset: its price is 1, not %s", p.Symbol, p.Price.Text)
		case v > engine.MaxIndexPrice:
			return backpack.Errorf(http.StatusBadRequest, backpack.CodeInvalidPrice, "price of %s %s is out of range", p.Symbol, p.Price.Text)
		}
		out = append(out, priceOut{Symbol: p.Symbol, Price: backpack.FixedPrice(v)})
		if asset != settle {
			cmds = append(cmds, engine.Command{Kind: engine.CmdSetIndexPrice, Asset: asset, Amount: v})
		}
	}
	for i := range cmds {
		if _, err := h.seq.Submit(r.Context(), &cmds[i]); err != nil {
			e := fromSequencer(err)
			e.Message = "price of " + h.cfg.Assets[cmds[i].Asset].Symbol + " refused: " + e.Message
			return e
		}
	}
	seq, err := h.sequence(r)
	if err != nil {
		return err
	}
	return writeJSON(w, map[string]any{"sequence": seq, "prices": out})
}

// POST /admin/v1/clock {"advanceMs"} (manual clock only): advances engine
// time by 1 ms .. 7 days and runs every timer due on the way, in time order.
// → {"sequence","time"}: the engine sequence and time (ms) after it.
func (h *Handler) clock(w http.ResponseWriter, r *http.Request) *backpack.Error {
	var req struct {
		AdvanceMs Integer `json:"advanceMs"`
	}
	if err := h.decode(w, r, &req); err != nil {
		return err
	}
	if err := required("advanceMs", req.AdvanceMs.Set); err != nil {
		return err
	}
	if ms := req.AdvanceMs.Value; ms <= 0 || ms > engine.MaxTimeStep {
		return backpack.BadRequest("advanceMs must be within 1..%d (7 days), not %d", engine.MaxTimeStep, ms)
	}
	if _, err := h.seq.AdvanceClock(r.Context(), req.AdvanceMs.Value); err != nil {
		return fromSequencer(err)
	}
	var seq uint64
	var now int64
	if err := h.seq.Read(r.Context(), func(e *engine.Engine) { seq, now = e.Seq(), e.Now() }); err != nil {
		return fromSequencer(err)
	}
	return writeJSON(w, map[string]any{"sequence": seq, "time": now})
}

// sequence reads the engine sequence.
func (h *Handler) sequence(r *http.Request) (uint64, *backpack.Error) {
	var seq uint64
	if err := h.seq.Read(r.Context(), func(e *engine.Engine) { seq = e.Seq() }); err != nil {
		return 0, fromSequencer(err)
	}
	return seq, nil
}
