package history

import (
	"net/http"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/server/backpack"
	"github.com/waterfallrisk/waterfall/server/readmodel"
)

// Public endpoints. A market that never traded answers an empty list of
// trades and klines, and a ticker of zeros, never a 404.

// GET /api/v1/trades?symbol&limit: the limit (default 100, at most 1000)
// most recent trades, oldest first.
func (h *Handler) recentTrades(r *http.Request, _ int64) (any, *backpack.Error) {
	return h.trades(r, false)
}

// GET /api/v1/trades/history?symbol&limit&offset: as /trades, after
// skipping the offset most recent.
func (h *Handler) tradeHistory(r *http.Request, _ int64) (any, *backpack.Error) {
	return h.trades(r, true)
}

func (h *Handler) trades(r *http.Request, withOffset bool) (any, *backpack.Error) {
	q := r.URL.Query()
	m, err := h.market(q)
	if err != nil {
		return nil, err
	}
	limit, err := intParam(q, "limit", DefaultLimit, 1, MaxLimit)
	if err != nil {
		return nil, err
	}
	var offset int64
	if withOffset {
		if offset, err = intParam(q, "offset", 0, 0, maxOffset); err != nil {
			return nil, err
		}
	}
	ts, qerr := h.m.Trades(r.Context(), m, int(limit), int(offset))
	return rendered(ts, qerr, h.trade)
}

// maxSeconds bounds startTime and endTime (year 5138): ms stay in range.
const maxSeconds = 1e11

// GET /api/v1/klines?symbol&interval&startTime&endTime&priceType: the
// candles of the user trades (never liquidation, backstop or ADL fills)
// that overlap [startTime, endTime) (seconds; endTime defaults to now),
// oldest first, at most 1000, only those with trades.
func (h *Handler) klines(r *http.Request, now int64) (any, *backpack.Error) {
	q := r.URL.Query()
	m, err := h.market(q)
	if err != nil {
		return nil, err
	}
	iv, ok := readmodel.ParseInterval(q.Get("interval"))
	if !ok {
		return nil, backpack.BadRequest("interval must be one of 1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 8h, 12h, 1d, 3d, 1w, 1month, not %q", q.Get("interval"))
	}
	switch p := q.Get("priceType"); p {
	case "", "Last", "LastPrice":
	case "Index", "Mark", "IndexPrice", "MarkPrice":
		return nil, backpack.BadRequest("priceType %s is not served: klines are built from trades (priceType Last)", p)
	default:
		return nil, backpack.BadRequest("priceType must be Last, Index or Mark, not %q", p)
	}
	if q.Get("startTime") == "" {
		return nil, backpack.BadRequest("startTime is required (UTC seconds)")
	}
	start, err := intParam(q, "startTime", 0, 0, maxSeconds)
	if err != nil {
		return nil, err
	}
	end := now
	if q.Get("endTime") != "" {
		s, err := intParam(q, "endTime", 0, 0, maxSeconds)
		if err != nil {
			return nil, err
		}
		end = s * 1000
	}
	cs, qerr := h.m.Klines(r.Context(), m, iv, start*1000, end)
	return rendered(cs, qerr, func(c *readmodel.Candle) Kline { return h.kline(m, c) })
}

// tickerWindow reads the optional interval of a ticker: 1d (default) or 1w.
func tickerWindow(r *http.Request) (int64, *backpack.Error) {
	switch s := r.URL.Query().Get("interval"); s {
	case "", "1d":
		return 24 * 3_600_000, nil
	case "1w":
		return 7 * 24 * 3_600_000, nil
	default:
		return 0, backpack.BadRequest("interval must be 1d or 1w, not %q", s)
	}
}

// GET /api/v1/ticker?symbol&interval: statistics of the user trades of the
// last 24 hours (or week) up to now.
func (h *Handler) ticker(r *http.Request, now int64) (any, *backpack.Error) {
	m, err := h.market(r.URL.Query())
	if err != nil {
		return nil, err
	}
	window, err := tickerWindow(r)
	if err != nil {
		return nil, err
	}
	return h.tickerOf(r, m, now-window, now)
}

// GET /api/v1/tickers?interval: the ticker of every market.
func (h *Handler) tickers(r *http.Request, now int64) (any, *backpack.Error) {
	window, err := tickerWindow(r)
	if err != nil {
		return nil, err
	}
	out := make([]Ticker, len(h.cat.Config().Markets))
	for i := range out {
		t, err := h.tickerOf(r, config.MarketID(i), now-window, now) //nolint:gosec // few markets
		if err != nil {
			return nil, err
		}
		out[i] = t
	}
	return out, nil
}

// tickerOf summarizes market m over [from, to]. With no trade in the window
// every price is the last price (zeros for a market that never traded).
func (h *Handler) tickerOf(r *http.Request, m config.MarketID, from, to int64) (Ticker, *backpack.Error) {
	t, err := h.m.Ticker(r.Context(), m, from, to)
	if err != nil {
		return Ticker{}, dbError(err)
	}
	if t.Trades == 0 {
		t.Open, t.High, t.Low, t.Close = t.Last, t.Last, t.Last, t.Last
	}
	return Ticker{Symbol: h.cat.MarketSymbol(m), FirstPrice: h.cat.Price(m, t.Open), LastPrice: h.cat.Price(m, t.Close),
		PriceChange: h.cat.Price(m, t.Close-t.Open), PriceChangePercent: percent(t.Close-t.Open, t.Open),
		High: h.cat.Price(m, t.High), Low: h.cat.Price(m, t.Low), Volume: h.cat.Quantity(m, t.Volume),
		QuoteVolume: h.cat.Quote(m, t.QuoteVolume), Trades: itoa(t.Trades)}, nil
}

// GET /api/v1/fundingRates?symbol&limit&offset&sortDirection: the market's
// closed funding intervals, newest first by default (limit at most 10,000).
func (h *Handler) fundingRates(r *http.Request, _ int64) (any, *backpack.Error) {
	q := r.URL.Query()
	m, err := h.market(q)
	if err != nil {
		return nil, err
	}
	p, err := page(q, MaxFundingRateLimit, false)
	if err != nil {
		return nil, err
	}
	rs, qerr := h.m.FundingRates(r.Context(), m, p)
	return rendered(rs, qerr, func(x *readmodel.FundingRate) backpack.FundingRate {
		return h.cat.FundingRate(x.Market, x.Rate, x.Time)
	})
}

// GET /api/v1/insuranceFund?limit&offset&sortDirection&from&to (extension):
// the insurance fund's settlement-asset balance and its movements, newest
// first by default, each with its cause.
func (h *Handler) insuranceFund(r *http.Request, _ int64) (any, *backpack.Error) {
	p, err := page(r.URL.Query(), MaxLimit, true)
	if err != nil {
		return nil, err
	}
	settle := h.cat.Settlement()
	bal, qerr := h.m.InsuranceBalance(r.Context(), settle)
	if qerr != nil {
		return nil, dbError(qerr)
	}
	mvs, qerr := h.m.Movements(r.Context(), readmodel.MovementFilter{Account: engine.AccountInsurance, Page: p})
	moves, err := rendered(mvs, qerr, h.insuranceMovement)
	if err != nil {
		return nil, err
	}
	return InsuranceFund{Symbol: h.cat.AssetSymbol(settle), Balance: h.cat.Settle(bal), History: moves}, nil
}
