package api

import (
	"net/http"
	"strconv"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/server/backpack"
)

// Public market data: no signature, answered from the engine's current
// state.

func (h *Handler) assets(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, h.cat.Assets())
}

func (h *Handler) markets(w http.ResponseWriter, r *http.Request) {
	cfg := h.cat.Config()
	closed := make([]bool, len(cfg.Markets))
	if err := h.read(r.Context(), func(e *engine.Engine) {
		for i := range closed {
			closed[i] = e.MarketClosed(config.MarketID(i)) //nolint:gosec // few markets
		}
	}); err != nil {
		writeError(w, err)
		return
	}
	out := make([]backpack.Market, len(cfg.Markets))
	for i := range out {
		out[i] = h.cat.MarketInfo(config.MarketID(i), closed[i]) //nolint:gosec // few markets
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *Handler) market(w http.ResponseWriter, r *http.Request) {
	m, err := h.cat.Market(r.URL.Query().Get("symbol"))
	if err != nil {
		writeError(w, err)
		return
	}
	var closed bool
	if err := h.read(r.Context(), func(e *engine.Engine) { closed = e.MarketClosed(m) }); err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, h.cat.MarketInfo(m, closed))
}

func (h *Handler) depth(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	m, err := h.cat.Market(q.Get("symbol"))
	if err != nil {
		writeError(w, err)
		return
	}
	limit := DefaultDepthLimit
	if s := q.Get("limit"); s != "" {
		n, perr := strconv.Atoi(s)
		if perr != nil || n < 1 || n > MaxDepthLimit {
			writeError(w, backpack.BadRequest("limit must be a whole number from 1 to %d", MaxDepthLimit))
			return
		}
		limit = n
	}
	var bids, asks [][2]int64
	var seq uint64
	var now int64
	if err := h.read(r.Context(), func(e *engine.Engine) {
		bids, asks = e.Depth(m, engine.Bid, limit), e.Depth(m, engine.Ask, limit)
		seq, now = e.Seq(), e.Now()
	}); err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, h.cat.Depth(m, bids, asks, seq, now))
}

// selected resolves an optional symbol: that market, or every market
// (perpetuals only when perpOnly).
func (h *Handler) selected(symbol string, perpOnly bool) ([]config.MarketID, *backpack.Error) {
	if symbol != "" {
		m, err := h.cat.Market(symbol)
		if err != nil {
			return nil, err
		}
		return []config.MarketID{m}, nil
	}
	var out []config.MarketID
	for i, mk := range h.cat.Config().Markets {
		if !perpOnly || mk.Kind == config.Perp {
			out = append(out, config.MarketID(i)) //nolint:gosec // few markets
		}
	}
	return out, nil
}

func (h *Handler) markPrices(w http.ResponseWriter, r *http.Request) {
	ms, err := h.selected(r.URL.Query().Get("symbol"), true)
	if err != nil {
		writeError(w, err)
		return
	}
	out := make([]backpack.MarkPrice, len(ms))
	cfg := h.cat.Config()
	if err := h.read(r.Context(), func(e *engine.Engine) {
		for i, m := range ms {
			out[i] = h.cat.MarkPrice(m, e.Index(cfg.Markets[m].Base), e.Mark(m), e.FundingRate(m), e.NextFunding(m))
		}
	}); err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *Handler) openInterest(w http.ResponseWriter, r *http.Request) {
	ms, err := h.selected(r.URL.Query().Get("symbol"), true)
	if err != nil {
		writeError(w, err)
		return
	}
	out := make([]backpack.OpenInterest, len(ms))
	if err := h.read(r.Context(), func(e *engine.Engine) {
		for i, m := range ms {
			out[i] = h.cat.OpenInterest(m, e.OpenInterest(m), e.Now())
		}
	}); err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *Handler) status(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, backpack.Status{Status: "Ok"})
}

func (h *Handler) ping(w http.ResponseWriter, _ *http.Request) { writeText(w, "pong") }

// time answers the wall clock in ms, whatever the engine's clock says.
func (h *Handler) time(w http.ResponseWriter, _ *http.Request) {
	writeText(w, strconv.FormatInt(h.now().UnixMilli(), 10))
}
