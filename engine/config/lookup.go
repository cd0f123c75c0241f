package config

// AssetBySymbol returns the ID of the asset named s ("BTC"). It scans the
// assets in order (configurations hold a handful), so a caller on a hot path
// should resolve once and keep the ID.
func (c *Config) AssetBySymbol(s string) (AssetID, bool) {
	for i := range c.Assets {
		if c.Assets[i].Symbol == s {
			return AssetID(i), true
		}
	}
	return 0, false
}

// MarketBySymbol returns the ID of the market named s ("BTC_USDC_PERP"), with
// the same cost as AssetBySymbol.
func (c *Config) MarketBySymbol(s string) (MarketID, bool) {
	for i := range c.Markets {
		if c.Markets[i].Symbol == s {
			return MarketID(i), true
		}
	}
	return 0, false
}
