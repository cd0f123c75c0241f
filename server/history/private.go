package history

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
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
	var none bool
	var err *backpack.Error
	if f.Page, f.Markets, none, err = h.scope(q); err != nil {
		return nil, err
	}
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
	if none {
		return []Fill{}, nil
	}
	fs, qerr := h.m.Fills(r.Context(), f)
	return rendered(fs, qerr, h.fill)
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
	f := readmodel.OrderFilter{Account: acct}
	var none bool
	var err *backpack.Error
	if f.Page, f.Markets, none, err = h.scope(r.URL.Query()); err != nil {
		return nil, err
	}
	if f.OrderID, err = orderID(r); err != nil {
		return nil, err
	}
	if none {
		return []Order{}, nil
	}
	os, qerr := h.m.Orders(r.Context(), f)
	return rendered(os, qerr, h.order)
}

// GET /wapi/v1/history/funding?symbol&from&to…: the account's funding
// payments, positive when received.
func (h *Handler) funding(r *http.Request, acct engine.AccountID) (any, *backpack.Error) {
	f := readmodel.FundingFilter{Account: acct}
	var none bool
	var err *backpack.Error
	if f.Page, f.Markets, none, err = h.scope(r.URL.Query()); err != nil {
		return nil, err
	}
	if none {
		return []FundingPayment{}, nil
	}
	ps, qerr := h.m.Funding(r.Context(), f)
	return rendered(ps, qerr, h.fundingPayment)
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
				return nil, backpack.BadRequest("source must be one of RealizePnl, TradingFees, TradingFeesSystem, FundingPayment, BackstopLiquidation, LiquidationFee, InsurancePayout, LiquidationSurplus, DefaultCompensation, LendAdl, CulledBorrowInterest, CulledRealizePnl, CulledRealizePnlBookUtilization, not %q", name)
			}
			f.Sources = append(f.Sources, srcs...)
		}
		if len(f.Sources) == 0 {
			return []Settlement{}, nil
		}
	}
	mvs, qerr := h.m.Movements(r.Context(), f)
	return rendered(mvs, qerr, h.settlement)
}

// scope reads what the lists of fills, orders and funding payments take:
// the page and the markets the symbol and marketType filters select
// (nil: every market). none reports that the filters select no market; the
// answer is then an empty list, once the other parameters are checked.
func (h *Handler) scope(q url.Values) (p readmodel.Page, ms []config.MarketID, none bool, err *backpack.Error) {
	if p, err = page(q, MaxLimit, true); err != nil {
		return p, nil, false, err
	}
	ms, all, err := h.markets(q)
	if err != nil {
		return p, nil, false, err
	}
	return p, ms, !all && len(ms) == 0, nil
}

// rendered is the answer of a list query: each row rendered, in order (an
// empty list, never null); a failed query is a 500.
func rendered[R, S any](rows []R, err error, render func(*R) S) ([]S, *backpack.Error) {
	if err != nil {
		return nil, dbError(err)
	}
	out := make([]S, len(rows))
	for i := range rows {
		out[i] = render(&rows[i])
	}
	return out, nil
}
