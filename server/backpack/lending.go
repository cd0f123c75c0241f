package backpack

import (
	"net/http"
	"strconv"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
	"github.com/waterfallrisk/waterfall/engine/risk"
)

// Borrow-lend shapes: GET /api/v1/borrowLend/positions, GET
// /api/v1/borrowLend/markets and the body of POST /api/v1/borrowLend.

// BorrowLendPosition is one item of GET /api/v1/borrowLend/positions:
// netQuantity is the claim less the debt, accrued interest included
// (negative: a borrow). estLiquidationPrice (the index price of the asset
// at which the account starts liquidating, everything else held still; "0"
// when there is none) is Waterfall's extension.
type BorrowLendPosition struct {
	CumulativeInterest  string          `json:"cumulativeInterest"`
	ID                  string          `json:"id"`
	Imf                 string          `json:"imf"`
	ImfFunction         *MarginFunction `json:"imfFunction"`
	MarkPrice           string          `json:"markPrice"`
	Mmf                 string          `json:"mmf"`
	MmfFunction         *MarginFunction `json:"mmfFunction"`
	NetExposureNotional string          `json:"netExposureNotional"`
	NetExposureQuantity string          `json:"netExposureQuantity"`
	NetQuantity         string          `json:"netQuantity"`
	Symbol              string          `json:"symbol"`
	EstLiquidationPrice string          `json:"estLiquidationPrice"`
}

// BorrowLendPositionID is a borrow-lend position's stable id: account and
// asset, with low bits 3 so it never equals a perpetual position's id
// (PositionID uses 0..2 there).
func BorrowLendPositionID(acct engine.AccountID, a config.AssetID) string {
	return strconv.FormatUint(uint64(acct)<<18|uint64(a)<<2|3, 10)
}

// AssetNotional values amount of asset a at index (fixed.Price) in
// settlement units, rounded down (a debt: its magnitude rounded up), as the
// engine values collateral.
func (c *Catalog) AssetNotional(a config.AssetID, amount, index int64) (int64, error) {
	w, err := fixed.Wide(amount, index).MulInt64(fixed.Pow10(c.cfg.Assets[c.settle].Decimals))
	if err != nil {
		return 0, err
	}
	return w.Div(fixed.PriceScale*fixed.Pow10(c.cfg.Assets[a].Decimals), fixed.Floor)
}

// BorrowLendPosition renders an account's position in one pool: index is
// the asset's index price, interest the accrued interest (signed: received
// on a lend, negative when paid on a borrow), liq the liquidation estimate
// (ok false: none). imf and mmf are the pool's functions at the position's
// notional (a debt counts in exposure with them; a claim requires nothing).
func (c *Catalog) BorrowLendPosition(acct engine.AccountID, v *engine.BorrowLendView, index, interest, liq int64, hasLiq bool) BorrowLendPosition {
	net := v.Lent - v.Borrowed
	out := BorrowLendPosition{
		CumulativeInterest: c.Amount(v.Asset, interest), ID: BorrowLendPositionID(acct, v.Asset),
		MarkPrice: FixedPrice(index), NetQuantity: c.Amount(v.Asset, net), NetExposureQuantity: c.Amount(v.Asset, net),
		Symbol: c.AssetSymbol(v.Asset), EstLiquidationPrice: "0", Imf: "0", Mmf: "0", NetExposureNotional: "0",
	}
	if i, ok := c.cfg.PoolByAsset(v.Asset); ok {
		lp := &c.cfg.Lending[i]
		out.ImfFunction, out.MmfFunction = marginFunction(lp.IMF), marginFunction(lp.MMF)
		if n, err := c.AssetNotional(v.Asset, net, index); err == nil {
			out.NetExposureNotional = c.Settle(n)
			if n < 0 {
				n = -n
			}
			if imf, mmf, err := risk.Fractions(lp.IMF, lp.MMF, n, c.cfg.Assets[c.settle].Decimals, 0); err == nil {
				out.Imf, out.Mmf = Rate(imf), Rate(mmf)
			}
		}
	}
	if hasLiq {
		out.EstLiquidationPrice = FixedPrice(liq)
	}
	return out
}

// BorrowLendMarket is one item of GET /api/v1/borrowLend/markets (public).
// Rates are yearly fractions. openBorrowLendLimit "0" is no limit;
// throttleUtilizationBound is the maximum utilization and
// throttleUpdateFraction "1" (Waterfall pauses at the threshold instead of
// easing utilization up). baseRate, slopeBelowOptimal, slopeAboveOptimal
// (the curve, config.LendingPool) and throttled (redemptions and new
// borrows paused now) are Waterfall's extensions.
type BorrowLendMarket struct {
	State                        string `json:"state"`
	AssetMarkPrice               string `json:"assetMarkPrice"`
	BorrowInterestRate           string `json:"borrowInterestRate"`
	BorrowedQuantity             string `json:"borrowedQuantity"`
	Fee                          string `json:"fee"`
	LendInterestRate             string `json:"lendInterestRate"`
	LentQuantity                 string `json:"lentQuantity"`
	MaxUtilization               string `json:"maxUtilization"`
	OpenBorrowLendLimit          string `json:"openBorrowLendLimit"`
	OptimalUtilization           string `json:"optimalUtilization"`
	Symbol                       string `json:"symbol"`
	Timestamp                    string `json:"timestamp"`
	ThrottleUtilizationThreshold string `json:"throttleUtilizationThreshold"`
	ThrottleUtilizationBound     string `json:"throttleUtilizationBound"`
	ThrottleUpdateFraction       string `json:"throttleUpdateFraction"`
	Utilization                  string `json:"utilization"`
	StepSize                     string `json:"stepSize"`
	BaseRate                     string `json:"baseRate"`
	SlopeBelowOptimal            string `json:"slopeBelowOptimal"`
	SlopeAboveOptimal            string `json:"slopeAboveOptimal"`
	Throttled                    bool   `json:"throttled"`
}

// BorrowLendMarket renders pool v; index is its asset's index price, now
// the engine time (ms).
func (c *Catalog) BorrowLendMarket(v *engine.PoolView, index, now int64) BorrowLendMarket {
	out := BorrowLendMarket{
		State: "Open", AssetMarkPrice: FixedPrice(index), BorrowInterestRate: Rate(v.BorrowRate),
		BorrowedQuantity: c.Amount(v.Asset, v.Borrowed), LendInterestRate: Rate(v.LendRate),
		LentQuantity: c.Amount(v.Asset, v.Lent), OpenBorrowLendLimit: "0", Symbol: c.AssetSymbol(v.Asset),
		Timestamp: Timestamp(now), ThrottleUpdateFraction: "1", Utilization: Rate(v.Utilization),
		StepSize: c.Amount(v.Asset, 1), Throttled: v.Throttled,
	}
	if i, ok := c.cfg.PoolByAsset(v.Asset); ok {
		lp := &c.cfg.Lending[i]
		out.Fee, out.MaxUtilization, out.OptimalUtilization = Rate(lp.Fee), Rate(lp.MaxUtilization), Rate(lp.OptimalUtilization)
		out.ThrottleUtilizationThreshold, out.ThrottleUtilizationBound = Rate(lp.ThrottleThreshold), Rate(lp.MaxUtilization)
		out.BaseRate, out.SlopeBelowOptimal, out.SlopeAboveOptimal = Rate(lp.BaseRate), Rate(lp.SlopeBelowOptimal), Rate(lp.SlopeAboveOptimal)
	}
	return out
}

// BorrowLendRequest is the body of POST /api/v1/borrowLend: side Borrow or
// Lend, quantity of asset symbol.
type BorrowLendRequest struct {
	Symbol   string  `json:"symbol"`
	Side     string  `json:"side"`
	Quantity Decimal `json:"quantity"`
}

// Borrow-lend sides.
const (
	SideBorrow = "Borrow"
	SideLend   = "Lend"
)

// ParseBorrowLend checks the request and returns the asset, whether it borrows
// (side Borrow) and the quantity in the asset's smallest units (> 0).
func (c *Catalog) ParseBorrowLend(r *BorrowLendRequest) (a config.AssetID, borrow bool, qty int64, err *Error) {
	if r.Symbol == "" {
		return 0, false, 0, Errorf(http.StatusBadRequest, CodeInvalidAsset, "symbol is required")
	}
	if a, err = c.Asset(r.Symbol); err != nil {
		return 0, false, 0, err
	}
	if _, ok := c.cfg.PoolByAsset(a); !ok {
		return 0, false, 0, Errorf(http.StatusBadRequest, CodeInvalidAsset, "%s has no borrow-lend market", r.Symbol)
	}
	switch r.Side {
	case SideBorrow:
		borrow = true
	case SideLend:
	default:
		return 0, false, 0, BadRequest("side must be Borrow or Lend, not %q", r.Side)
	}
	if !r.Quantity.Set {
		return 0, false, 0, Errorf(http.StatusBadRequest, CodeInvalidQuantity, "quantity is required")
	}
	if qty, err = r.Quantity.parse("quantity", c.cfg.Assets[a].Decimals); err != nil {
		return 0, false, 0, err
	}
	if qty == 0 {
		return 0, false, 0, Errorf(http.StatusBadRequest, CodeInvalidQuantity, "quantity must be positive")
	}
	return a, borrow, qty, nil
}

// BorrowLendMove is how a borrow-lend movement (EvBorrowLend) shows in
// Backpack's borrow-lend history: its source, its eventType (Borrow,
// BorrowRepay, Lend, LendRedeem) and Into, whether the quantity moved into
// the position's favour (a lend, a repay or a debt written off: the net
// quantity rises) or against it (a redemption, a borrow or a claim written
// off: it falls).
type BorrowLendMove struct {
	Source    string
	EventType string
	Into      bool
}

// BorrowLendSourceNames are Backpack's borrow-lend sources, in a fixed
// order (a source's index is how the read model stores it).
var BorrowLendSourceNames = []string{"AdlProvider", "AutoBorrowRepay", "AutoLend", "BackstopProvider",
	"DustConversion", "Interest", "Liquidation", "LiquidationAdl", "LiquidationBackstop", "Manual", "Reconciliation",
	"SpotMargin", "Withdrawal"}

// Event types of a borrow-lend movement.
const (
	EventBorrow      = "Borrow"
	EventBorrowRepay = "BorrowRepay"
	EventLend        = "Lend"
	EventLendRedeem  = "LendRedeem"
)

// moveKind is how an engine source moves a position.
type moveKind uint8

const (
	moveLend   moveKind = iota + 1 // opens or adds to a claim
	moveRedeem                     // takes from a claim
	moveBorrow                     // opens or adds to a debt
	moveRepay                      // takes from a debt
	moveClose                      // takes from whichever side the position is on (liquidation, write-off, ADL)
)

// borrowLendSources is the one table from engine sources to Backpack's:
// its source (for a moveClose source, on a debt and on a claim) and how it
// moves the position (docs/api.md "Borrow-lend history").
var borrowLendSources = map[engine.Source]struct {
	kind        moveKind
	debt, claim string
}{
	engine.SourceLend:             {moveLend, "", "Manual"},
	engine.SourceRedeem:           {moveRedeem, "", "Manual"},
	engine.SourceBorrow:           {moveBorrow, "Manual", ""},
	engine.SourceRepay:            {moveRepay, "Manual", ""},
	engine.SourceAutoBorrow:       {moveBorrow, "AutoBorrowRepay", ""},
	engine.SourceSpotMargin:       {moveBorrow, "SpotMargin", ""},
	engine.SourceAutoRepay:        {moveRepay, "AutoBorrowRepay", ""},
	engine.SourceAutoLend:         {moveLend, "", "AutoLend"},
	engine.SourceAutoRedeem:       {moveRedeem, "", "AutoLend"},
	engine.SourceLiquidationRepay: {moveClose, "Liquidation", "Liquidation"},
	engine.SourceDefault:          {moveClose, "Liquidation", "AdlProvider"},
	engine.SourceLendAdl:          {moveClose, "AdlProvider", "LiquidationAdl"},
}

// BorrowLendMoveOf maps an EvBorrowLend to Backpack's names: s its source,
// net the position after (claim − debt) and prev the position after the
// account's previous movement in the same asset (0 for the first). A source
// that closes either side (liquidation, default, lend-side ADL) is read on
// the side the position was on: net's, or prev's once flat. A source the
// table does not know (a newer engine) degrades to source "Reconciliation",
// its direction read from net against prev: never a panic, never an error.
func BorrowLendMoveOf(s engine.Source, net, prev int64) BorrowLendMove {
	k, ok := borrowLendSources[s]
	if !ok {
		into := net > prev
		switch {
		case into && prev < 0:
			return BorrowLendMove{"Reconciliation", EventBorrowRepay, true}
		case into:
			return BorrowLendMove{"Reconciliation", EventLend, true}
		case prev > 0:
			return BorrowLendMove{"Reconciliation", EventLendRedeem, false}
		}
		return BorrowLendMove{"Reconciliation", EventBorrow, false}
	}
	switch k.kind {
	case moveLend:
		return BorrowLendMove{k.claim, EventLend, true}
	case moveRedeem:
		return BorrowLendMove{k.claim, EventLendRedeem, false}
	case moveBorrow:
		return BorrowLendMove{k.debt, EventBorrow, false}
	case moveRepay:
		return BorrowLendMove{k.debt, EventBorrowRepay, true}
	}
	if net < 0 || (net == 0 && prev < 0) {
		return BorrowLendMove{k.debt, EventBorrowRepay, true}
	}
	return BorrowLendMove{k.claim, EventLendRedeem, false}
}
