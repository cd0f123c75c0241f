package backpack

import (
	"strconv"
	"time"

	"github.com/waterfallrisk/waterfall/engine/config"
)

// Public market data shapes (GET /api/v1/assets, markets, market, depth,
// markPrices, fundingRates, openInterest). Numbers are decimal strings where
// Backpack sends strings; nullable fields are pointers.

// Asset is one item of GET /api/v1/assets. Waterfall has no blockchains:
// tokens is empty (deposits and withdrawals go through the operator API).
type Asset struct {
	Symbol      string   `json:"symbol"`
	DisplayName string   `json:"displayName"`
	CoingeckoID *string  `json:"coingeckoId"`
	Tokens      []string `json:"tokens"`
}

// Assets lists every configured asset.
func (c *Catalog) Assets() []Asset {
	out := make([]Asset, len(c.cfg.Assets))
	for i, a := range c.cfg.Assets {
		out[i] = Asset{Symbol: a.Symbol, DisplayName: a.Symbol, Tokens: []string{}}
	}
	return out
}

// Market is one item of GET /api/v1/markets (and GET /api/v1/market).
type Market struct {
	Symbol                string          `json:"symbol"`
	BaseSymbol            string          `json:"baseSymbol"`
	QuoteSymbol           string          `json:"quoteSymbol"`
	MarketType            string          `json:"marketType"` // SPOT | PERP
	Filters               MarketFilters   `json:"filters"`
	ImfFunction           *MarginFunction `json:"imfFunction"`
	MmfFunction           *MarginFunction `json:"mmfFunction"`
	FundingInterval       *int64          `json:"fundingInterval"`
	FundingRateUpperBound *string         `json:"fundingRateUpperBound"` // basis points
	FundingRateLowerBound *string         `json:"fundingRateLowerBound"`
	OpenInterestLimit     string          `json:"openInterestLimit"`
	OrderBookState        string          `json:"orderBookState"` // Open | Closed
	CreatedAt             *string         `json:"createdAt"`
}

// MarketFilters are a market's price and quantity rules.
type MarketFilters struct {
	Price    PriceFilter    `json:"price"`
	Quantity QuantityFilter `json:"quantity"`
}

// PriceFilter is Backpack's filters.price.
type PriceFilter struct {
	MinPrice            string          `json:"minPrice"`
	MaxPrice            *string         `json:"maxPrice"`
	TickSize            string          `json:"tickSize"`
	MaxMultiplier       string          `json:"maxMultiplier"`
	MinMultiplier       string          `json:"minMultiplier"`
	MaxImpactMultiplier string          `json:"maxImpactMultiplier"`
	MinImpactMultiplier string          `json:"minImpactMultiplier"`
	MeanMarkPriceBand   *MultiplierBand `json:"meanMarkPriceBand"`
	MeanPremiumBand     *PremiumBand    `json:"meanPremiumBand"`
}

// MultiplierBand is a {minMultiplier, maxMultiplier} pair.
type MultiplierBand struct {
	MaxMultiplier string `json:"maxMultiplier"`
	MinMultiplier string `json:"minMultiplier"`
}

// PremiumBand is Backpack's meanPremiumBand.
type PremiumBand struct {
	TolerancePct string `json:"tolerancePct"`
}

// QuantityFilter is Backpack's filters.quantity.
type QuantityFilter struct {
	MinQuantity string  `json:"minQuantity"`
	MaxQuantity *string `json:"maxQuantity"`
	StepSize    string  `json:"stepSize"`
}

// MarginFunction is Backpack's imfFunction / mmfFunction.
type MarginFunction struct {
	Type   string `json:"type"`
	Base   string `json:"base"`
	Factor string `json:"factor"`
}

// marginFunction renders a sqrt function; a bracket table has none (null).
func marginFunction(f config.MarginFunction) *MarginFunction {
	if f.Kind != config.MarginSqrt {
		return nil
	}
	return &MarginFunction{Type: "sqrt", Base: Rate(f.Base), Factor: Rate(f.Factor)}
}

// MarketInfo describes market m; closed is whether the operator closed it.
func (c *Catalog) MarketInfo(m config.MarketID, closed bool) Market {
	mk := &c.cfg.Markets[m]
	b := &mk.Bands
	out := Market{
		Symbol: mk.Symbol, BaseSymbol: c.AssetSymbol(mk.Base), QuoteSymbol: c.AssetSymbol(mk.Quote),
		MarketType: "SPOT",
		Filters: MarketFilters{
			Price: PriceFilter{
				MinPrice: FixedPrice(mk.TickSize), TickSize: FixedPrice(mk.TickSize),
				MaxMultiplier: Rate(b.LimitMax), MinMultiplier: Rate(b.LimitMin),
				MaxImpactMultiplier: Rate(b.ImpactMax), MinImpactMultiplier: Rate(b.ImpactMin),
				MeanMarkPriceBand: &MultiplierBand{MaxMultiplier: Rate(b.MeanMarkMax), MinMultiplier: Rate(b.MeanMarkMin)},
				MeanPremiumBand:   &PremiumBand{TolerancePct: Rate(b.MeanPremiumTolerance)},
			},
			Quantity: QuantityFilter{MinQuantity: c.Quantity(m, mk.MinQty), StepSize: c.Quantity(m, 1)},
		},
		OpenInterestLimit: c.Quantity(m, mk.OpenInterestLimit),
		OrderBookState:    "Open",
	}
	if mk.MaxQty > 0 {
		q := c.Quantity(m, mk.MaxQty)
		out.Filters.Quantity.MaxQuantity = &q
	}
	if closed {
		out.OrderBookState = "Closed"
	}
	if mk.Kind == config.Perp {
		out.MarketType = "PERP"
		out.ImfFunction, out.MmfFunction = marginFunction(mk.IMF), marginFunction(mk.MMF)
		iv := mk.Funding.IntervalMs
		up, lo := BasisPoints(mk.Funding.Upper), BasisPoints(mk.Funding.Lower)
		out.FundingInterval, out.FundingRateUpperBound, out.FundingRateLowerBound = &iv, &up, &lo
	}
	return out
}

// Depth is GET /api/v1/depth: levels [price, quantity], both sides in
// ascending price as Backpack sends them; lastUpdateId is the engine
// sequence, timestamp the engine time in µs.
type Depth struct {
	Asks         [][2]string `json:"asks"`
	Bids         [][2]string `json:"bids"`
	LastUpdateID string      `json:"lastUpdateId"`
	Timestamp    int64       `json:"timestamp"`
}

// Depth renders book levels of market m, each side best first as
// engine.Engine.Depth gives them.
func (c *Catalog) Depth(m config.MarketID, bids, asks [][2]int64, seq uint64, engineMs int64) Depth {
	d := Depth{Asks: make([][2]string, len(asks)), Bids: make([][2]string, len(bids)),
		LastUpdateID: strconv.FormatUint(seq, 10), Timestamp: engineMs * 1000}
	for i, l := range asks {
		d.Asks[i] = [2]string{c.Price(m, l[0]), c.Quantity(m, l[1])}
	}
	for i, l := range bids { // best (highest) first → ascending
		d.Bids[len(bids)-1-i] = [2]string{c.Price(m, l[0]), c.Quantity(m, l[1])}
	}
	return d
}

// MarkPrice is one item of GET /api/v1/markPrices.
type MarkPrice struct {
	FundingRate          string `json:"fundingRate"`
	IndexPrice           string `json:"indexPrice"`
	MarkPrice            string `json:"markPrice"`
	NextFundingTimestamp int64  `json:"nextFundingTimestamp"`
	Symbol               string `json:"symbol"`
}

// MarkPrice renders market m's prices: index and mark as fixed.Price, the
// rate of the last settled funding interval as a fixed.Rate.
func (c *Catalog) MarkPrice(m config.MarketID, index, mark, rate, nextFunding int64) MarkPrice {
	return MarkPrice{FundingRate: Rate(rate), IndexPrice: FixedPrice(index), MarkPrice: FixedPrice(mark),
		NextFundingTimestamp: nextFunding, Symbol: c.MarketSymbol(m)}
}

// FundingRate is one item of GET /api/v1/fundingRates.
type FundingRate struct {
	FundingRate          string `json:"fundingRate"`
	IntervalEndTimestamp string `json:"intervalEndTimestamp"`
	Symbol               string `json:"symbol"`
}

// FundingRate renders a settled funding interval ending at endMs.
func (c *Catalog) FundingRate(m config.MarketID, rate, endMs int64) FundingRate {
	return FundingRate{FundingRate: Rate(rate), IntervalEndTimestamp: Timestamp(endMs), Symbol: c.MarketSymbol(m)}
}

// OpenInterest is one item of GET /api/v1/openInterest.
type OpenInterest struct {
	OpenInterest string `json:"openInterest"`
	Symbol       string `json:"symbol"`
	Timestamp    int64  `json:"timestamp"`
}

// OpenInterest renders market m's open interest (lots) at engine time ms.
func (c *Catalog) OpenInterest(m config.MarketID, lots, ms int64) OpenInterest {
	return OpenInterest{OpenInterest: c.Quantity(m, lots), Symbol: c.MarketSymbol(m), Timestamp: ms}
}

// Status is GET /api/v1/status.
type Status struct {
	Status  string  `json:"status"`
	Message *string `json:"message"`
}

// Timestamp renders engine time (ms) as Backpack's ISO 8601 UTC text without
// a zone ("2025-07-27T17:39:00.092"), which ccxt's parse8601 reads as UTC.
func Timestamp(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000")
}
