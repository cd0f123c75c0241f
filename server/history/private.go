package history

import (
	"net/http"
	"strings"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/server/backpack"
	"github.com/waterfallrisk/waterfall/server/readmodel"
)

// Signed history endpoints: the caller's own account only. Each takes
// limit (default 100, at most 1000), offset and sortDirection (Asc | Desc,
// default Desc: newest first); from and to (ms, inclusive) where a time
// bounds the rows.

// GET /wapi/v1/history/fills?symbol&marketType&orderId&fillType&from&to…:
// the account's fills of every kind (user, book liquidation, backstop, ADL),
// or of the kinds fillType selects (User, BookLiquidation, Adl, Backstop,
// Liquidation, AllLiquidation, CollateralConversion,
// CollateralConversionAndSpotLiquidation).
func (h *Handler) fills(r *http.Request, acct engine.AccountID) (any, *backpack.Error) {
	q := r.URL.Query()
	f := readmodel.FillFilter{Account: acct}
	var err *backpack.Error
	if f.Page, err = page(q, MaxLimit, true); err != nil {
		return nil, err
	}
	ms, all, err := h.markets(q)
	if err != nil {
		return nil, err
	}
	f.Markets = ms
	if s := q.Get("fillType"); s != "" {
		types, ok := fillTypes[s]
		if !ok {
			return nil, backpack.BadRequest("fillType must be one of User, BookLiquidation, Adl, Backstop, Liquidation, AllLiquidation, CollateralConversion, CollateralConversionAndSpotLiquidation, not %q", s)
		}
		f.FillTypes = types
	}
	if f.OrderID, err = orderID(r); err != nil {
		return nil, err
	}
	if !all && len(ms) == 0 {
		return []Fill{}, nil
	}
	fs, qerr := h.m.Fills(r.Context(), f)
	if qerr != nil {
		return nil, dbError(qerr)
	}
	out := make([]Fill, len(fs))
	for i := range fs {
		out[i] = h.fill(&fs[i])
	}
	return out, nil
}

// orderID reads the optional orderId filter (a whole number).
func orderID(r *http.Request) (uint64, *backpack.Error) {
	id, err := backpack.ParseUint64("orderId", r.URL.Query().Get("orderId"))
	if err != nil {
		return 0, err
	}
	return id.Value, nil
}

// GET /wapi/v1/history/orders?symbol&marketType&orderId&from&to…: every
// order of the account as its last update left it (filled, cancelled,
// expired, still open), system orders (liquidation, backstop, ADL) with
// their systemOrderType; from and to bound the creation time.
func (h *Handler) orders(r *http.Request, acct engine.AccountID) (any, *backpack.Error) {
	q := r.URL.Query()
	f := readmodel.OrderFilter{Account: acct}
	var err *backpack.Error
	if f.Page, err = page(q, MaxLimit, true); err != nil {
		return nil, err
	}
	ms, all, err := h.markets(q)
	if err != nil {
		return nil, err
	}
	f.Markets = ms
	if f.OrderID, err = orderID(r); err != nil {
		return nil, err
	}
	if !all && len(ms) == 0 {
		return []Order{}, nil
	}
	os, qerr := h.m.Orders(r.Context(), f)
	if qerr != nil {
		return nil, dbError(qerr)
	}
	out := make([]Order, len(os))
	for i := range os {
		out[i] = h.order(&os[i])
	}
	return out, nil
}

// GET /wapi/v1/history/funding?symbol&from&to…: the account's funding
// payments, positive when received.
func (h *Handler) funding(r *http.Request, acct engine.AccountID) (any, *backpack.Error) {
	q := r.URL.Query()
	f := readmodel.FundingFilter{Account: acct}
	var err *backpack.Error
	if f.Page, err = page(q, MaxLimit, true); err != nil {
		return nil, err
	}
	ms, all, err := h.markets(q)
	if err != nil {
		return nil, err
	}
	f.Markets = ms
	if !all && len(ms) == 0 {
		return []FundingPayment{}, nil
	}
	ps, qerr := h.m.Funding(r.Context(), f)
	if qerr != nil {
		return nil, dbError(qerr)
	}
	out := make([]FundingPayment, len(ps))
	for i, p := range ps {
		out[i] = FundingPayment{UserID: p.Account, Symbol: h.cat.MarketSymbol(p.Market), Quantity: h.cat.Settle(p.Amount),
			IntervalEndTimestamp: backpack.Timestamp(p.Time), FundingRate: backpack.Rate(p.Rate)}
	}
	return out, nil
}

// GET /wapi/v1/history/settlement?source&from&to…: the account's
// settlements (realized PnL, fees, funding, liquidation fees, backstop
// transfers, insurance payouts); source (one, or several separated by
// commas) selects by cause.
func (h *Handler) settlements(r *http.Request, acct engine.AccountID) (any, *backpack.Error) {
	q := r.URL.Query()
	f := readmodel.MovementFilter{Account: acct, Sources: allSettlementSources}
	var err *backpack.Error
	if f.Page, err = page(q, MaxLimit, true); err != nil {
		return nil, err
	}
	if s := q.Get("source"); s != "" {
		f.Sources = []engine.Source{}
		for name := range strings.SplitSeq(s, ",") {
			srcs, ok := settlementSources[name]
			if !ok {
				return nil, backpack.BadRequest("source must be one of RealizePnl, TradingFees, TradingFeesSystem, FundingPayment, BackstopLiquidation, LiquidationFee, InsurancePayout, LiquidationSurplus, CulledBorrowInterest, CulledRealizePnl, CulledRealizePnlBookUtilization, not %q", name)
			}
			f.Sources = append(f.Sources, srcs...)
		}
		if len(f.Sources) == 0 {
			return []Settlement{}, nil
		}
	}
	mvs, qerr := h.m.Movements(r.Context(), f)
	if qerr != nil {
		return nil, dbError(qerr)
	}
	out := make([]Settlement, len(mvs))
	for i, mv := range mvs {
		out[i] = Settlement{Quantity: h.cat.Amount(mv.Asset, mv.Amount), Source: mv.Source.String(),
			Timestamp: backpack.Timestamp(mv.Time), UserID: mv.Account, Symbol: h.cat.AssetSymbol(mv.Asset)}
	}
	return out, nil
}

// GET /wapi/v1/history/borrowLend: always empty until lending exists; the
// parameters are still checked.
func (h *Handler) borrowLend(r *http.Request, _ engine.AccountID) (any, *backpack.Error) {
	q := r.URL.Query()
	if _, err := page(q, MaxLimit, true); err != nil {
		return nil, err
	}
	if s := q.Get("symbol"); s != "" {
		if _, err := h.cat.Asset(s); err != nil {
			return nil, err
		}
	}
	switch t := q.Get("type"); t {
	case "", "Borrow", "Lend":
	default:
		return nil, backpack.BadRequest("type must be Borrow or Lend, not %q", t)
	}
	return []struct{}{}, nil
}
