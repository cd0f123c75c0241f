package history

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/server/backpack"
	"github.com/waterfallrisk/waterfall/server/readmodel"
)

// Page defaults and bounds (Backpack's: limit 100 by default, at most 1000;
// funding rates at most 10,000).
const (
	DefaultLimit        = 100
	MaxLimit            = 1000
	MaxFundingRateLimit = 10000
	maxOffset           = 1 << 40
)

// intParam reads an optional whole number in [lo, hi]; def when absent.
func intParam(q url.Values, name string, def, lo, hi int64) (int64, *backpack.Error) {
	s := q.Get(name)
	if s == "" {
		return def, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < lo || v > hi {
		return 0, backpack.BadRequest("%s must be a whole number from %d to %d, not %q", name, lo, hi, s)
	}
	return v, nil
}

// page reads limit, offset, sortDirection (Asc | Desc; default desc, the
// newest first) and, when times is set, from and to (ms).
func page(q url.Values, maxLimit int64, times bool) (readmodel.Page, *backpack.Error) {
	var p readmodel.Page
	limit, err := intParam(q, "limit", DefaultLimit, 1, maxLimit)
	if err != nil {
		return p, err
	}
	offset, err := intParam(q, "offset", 0, 0, maxOffset)
	if err != nil {
		return p, err
	}
	p.Limit, p.Offset = int(limit), int(offset)
	switch s := q.Get("sortDirection"); s {
	case "", "Desc":
		p.Desc = true
	case "Asc":
	default:
		return p, backpack.BadRequest("sortDirection must be Asc or Desc, not %q", s)
	}
	if !times {
		return p, nil
	}
	if p.From, err = intParam(q, "from", 0, 0, 1<<53); err != nil {
		return p, err
	}
	if p.To, err = intParam(q, "to", 0, 0, 1<<53); err != nil {
		return p, err
	}
	if p.To != 0 && p.From > p.To {
		return p, backpack.BadRequest("from (%d) is after to (%d)", p.From, p.To)
	}
	return p, nil
}

// marketTypes are Backpack's market types; Waterfall lists SPOT and PERP
// markets, the others select nothing.
var marketTypes = map[string]bool{"SPOT": true, "PERP": true, "IPERP": true, "DATED": true, "PREDICTION": true, "RFQ": true}

// markets resolves the optional symbol and marketType filters (marketType
// may repeat or be comma separated) into the markets they select; all is
// true when neither filters anything.
func (h *Handler) markets(q url.Values) (ms []config.MarketID, all bool, err *backpack.Error) {
	var m config.MarketID
	symbol := q.Get("symbol")
	if symbol != "" {
		if m, err = h.cat.Market(symbol); err != nil {
			return nil, false, err
		}
	}
	types := map[string]bool{}
	for _, v := range q["marketType"] {
		for t := range strings.SplitSeq(v, ",") {
			if !marketTypes[t] {
				return nil, false, backpack.BadRequest("marketType must be one of SPOT, PERP, IPERP, DATED, PREDICTION, RFQ, not %q", t)
			}
			types[t] = true
		}
	}
	if symbol == "" && len(types) == 0 {
		return nil, true, nil
	}
	ms = []config.MarketID{}
	for i, mk := range h.cat.Config().Markets {
		id := config.MarketID(i) //nolint:gosec // few markets
		kind := "SPOT"
		if mk.Kind == config.Perp {
			kind = "PERP"
		}
		if (symbol == "" || id == m) && (len(types) == 0 || types[kind]) {
			ms = append(ms, id)
		}
	}
	return ms, false, nil
}

// market resolves the required symbol.
func (h *Handler) market(q url.Values) (config.MarketID, *backpack.Error) {
	return h.cat.Market(q.Get("symbol"))
}

// fillTypes are Backpack's fillType filter values and the fill types each
// selects. Liquidation is the liquidated side's book and backstop fills;
// AllLiquidation adds ADL; there is no spot liquidation beside collateral
// conversion.
var fillTypes = map[string][]engine.FillType{
	"User":                                   {engine.FillUser},
	"BookLiquidation":                        {engine.FillBookLiquidation},
	"Adl":                                    {engine.FillAdl},
	"Backstop":                               {engine.FillBackstop},
	"Liquidation":                            {engine.FillBookLiquidation, engine.FillBackstop},
	"AllLiquidation":                         {engine.FillBookLiquidation, engine.FillBackstop, engine.FillAdl},
	"CollateralConversion":                   {engine.FillCollateralConversion},
	"CollateralConversionAndSpotLiquidation": {engine.FillCollateralConversion},
}

// settlementSources are the balance sources the settlement history lists
// (everything but deposits, withdrawals, spot asset exchanges and lending
// movements, which the borrow-lend history lists), by
// Backpack's name; Backpack's Culled* sources exist but select nothing.
var settlementSources = map[string][]engine.Source{
	"RealizePnl":                      {engine.SourceRealizePnl},
	"TradingFees":                     {engine.SourceTradingFees},
	"TradingFeesSystem":               {engine.SourceTradingFeesSystem},
	"FundingPayment":                  {engine.SourceFundingPayment},
	"BackstopLiquidation":             {engine.SourceBackstopLiquidation},
	"LiquidationFee":                  {engine.SourceLiquidationFee},
	"InsurancePayout":                 {engine.SourceInsurancePayout},
	"LiquidationSurplus":              {engine.SourceLiquidationSurplus},
	"DefaultCompensation":             {engine.SourceDefaultCompensation},
	"LendAdl":                         {engine.SourceLendAdl},
	"CulledBorrowInterest":            {},
	"CulledRealizePnl":                {},
	"CulledRealizePnlBookUtilization": {},
}

// allSettlementSources is what the settlement history lists unfiltered.
var allSettlementSources = []engine.Source{
	engine.SourceRealizePnl, engine.SourceTradingFees, engine.SourceTradingFeesSystem, engine.SourceFundingPayment,
	engine.SourceBackstopLiquidation, engine.SourceLiquidationFee, engine.SourceInsurancePayout,
	engine.SourceLiquidationSurplus, engine.SourceDefaultCompensation, engine.SourceLendAdl,
}
