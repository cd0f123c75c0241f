package backpack

import (
	"fmt"
	"net/http"

	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// Catalog converts between the engine's integers and Backpack's decimal
// strings and symbols for one configuration: prices are ticks × tick size,
// quantities lots × step size, amounts an asset's smallest units. It is
// immutable, so safe for concurrent use.
type Catalog struct {
	cfg     *config.Config
	settle  config.AssetID
	markets map[string]config.MarketID
	assets  map[string]config.AssetID
}

// NewCatalog indexes a validated configuration.
func NewCatalog(cfg *config.Config) (*Catalog, error) {
	settle, ok := cfg.AssetBySymbol(cfg.SettlementAsset)
	if !ok {
		return nil, fmt.Errorf("backpack: settlement asset %q is not configured", cfg.SettlementAsset)
	}
	c := &Catalog{cfg: cfg, settle: settle, markets: map[string]config.MarketID{}, assets: map[string]config.AssetID{}}
	for i := range cfg.Markets {
		c.markets[cfg.Markets[i].Symbol] = config.MarketID(i) //nolint:gosec // few markets
	}
	for i := range cfg.Assets {
		c.assets[cfg.Assets[i].Symbol] = config.AssetID(i) //nolint:gosec // few assets
	}
	return c, nil
}

// Config returns the configuration the catalog describes.
func (c *Catalog) Config() *config.Config { return c.cfg }

// Settlement returns the settlement asset.
func (c *Catalog) Settlement() config.AssetID { return c.settle }

// Market resolves a market symbol ("BTC_USDC_PERP"); an unknown or missing
// one is a 400 INVALID_MARKET.
func (c *Catalog) Market(symbol string) (config.MarketID, *Error) {
	if symbol == "" {
		return 0, Errorf(http.StatusBadRequest, CodeInvalidMarket, "symbol is required")
	}
	m, ok := c.markets[symbol]
	if !ok {
		return 0, Errorf(http.StatusBadRequest, CodeInvalidMarket, "unknown market symbol %q", symbol)
	}
	return m, nil
}

// Asset resolves an asset symbol ("USDC"); an unknown one is a 400
// INVALID_ASSET.
func (c *Catalog) Asset(symbol string) (config.AssetID, *Error) {
	a, ok := c.assets[symbol]
	if !ok {
		return 0, Errorf(http.StatusBadRequest, CodeInvalidAsset, "unknown asset symbol %q", symbol)
	}
	return a, nil
}

// MarketSymbol and AssetSymbol name a market and an asset.
func (c *Catalog) MarketSymbol(m config.MarketID) string { return c.cfg.Markets[m].Symbol }

// AssetSymbol names an asset.
func (c *Catalog) AssetSymbol(a config.AssetID) string { return c.cfg.Assets[a].Symbol }

// Price renders a price in ticks of market m.
func (c *Catalog) Price(m config.MarketID, ticks int64) string {
	return formatScaled(ticks, c.cfg.Markets[m].TickSize, fixed.PriceDecimals)
}

// Quantity renders lots of market m in base units.
func (c *Catalog) Quantity(m config.MarketID, lots int64) string {
	mk := &c.cfg.Markets[m]
	return formatScaled(lots, mk.StepSize, c.cfg.Assets[mk.Base].Decimals)
}

// Amount renders smallest units of an asset.
func (c *Catalog) Amount(a config.AssetID, units int64) string {
	return fixed.FormatDecimal(units, c.cfg.Assets[a].Decimals)
}

// Settle renders settlement units.
func (c *Catalog) Settle(units int64) string { return c.Amount(c.settle, units) }

// Quote renders smallest units of market m's quote asset.
func (c *Catalog) Quote(m config.MarketID, units int64) string {
	return c.Amount(c.cfg.Markets[m].Quote, units)
}

// FixedPrice renders a fixed.Price (index and mark prices, entry prices).
func FixedPrice(p int64) string { return fixed.FormatDecimal(p, fixed.PriceDecimals) }

// Rate renders a fixed.Rate (fractions: 0.0125).
func Rate(r int64) string { return fixed.FormatDecimal(r, fixed.RateDecimals) }

// BasisPoints renders a fixed.Rate in basis points (0.01 → "100").
func BasisPoints(r int64) string { return fixed.FormatDecimal(r, fixed.RateDecimals-4) }

// ParsePrice reads a price of market m into ticks, exactly: more decimals
// than a fixed.Price holds, a negative or out-of-range value is a 400
// INVALID_CLIENT_REQUEST; a price between ticks is a 400 INVALID_PRICE.
// Unset is 0.
func (c *Catalog) ParsePrice(m config.MarketID, field string, d Decimal) (int64, *Error) {
	p, err := d.parse(field, fixed.PriceDecimals)
	if err != nil {
		return 0, err
	}
	tick := c.cfg.Markets[m].TickSize
	if p%tick != 0 {
		return 0, Errorf(http.StatusBadRequest, CodeInvalidPrice, "%s %s is not a multiple of the tick size %s",
			field, d.Text, FixedPrice(tick))
	}
	return p / tick, nil
}

// ParseQuantity reads a quantity of market m's base asset into lots,
// exactly: errors as ParsePrice, INVALID_QUANTITY for a quantity between
// steps.
func (c *Catalog) ParseQuantity(m config.MarketID, field string, d Decimal) (int64, *Error) {
	mk := &c.cfg.Markets[m]
	q, err := d.parse(field, c.cfg.Assets[mk.Base].Decimals)
	if err != nil {
		return 0, err
	}
	if q%mk.StepSize != 0 {
		return 0, Errorf(http.StatusBadRequest, CodeInvalidQuantity, "%s %s is not a multiple of the step size %s",
			field, d.Text, c.Quantity(m, 1))
	}
	return q / mk.StepSize, nil
}

// ParseQuote reads an amount of market m's quote asset into smallest units.
func (c *Catalog) ParseQuote(m config.MarketID, field string, d Decimal) (int64, *Error) {
	return d.parse(field, c.cfg.Assets[c.cfg.Markets[m].Quote].Decimals)
}

// ParseSettleSigned reads a signed amount of the settlement asset.
func (c *Catalog) ParseSettleSigned(field string, d Decimal) (int64, *Error) {
	return d.parseSigned(field, c.cfg.Assets[c.settle].Decimals)
}
