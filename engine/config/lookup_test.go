package config

import "testing"

func TestLookup(t *testing.T) {
	c := Default()
	for i, a := range c.Assets {
		if id, ok := c.AssetBySymbol(a.Symbol); !ok || int(id) != i {
			t.Errorf("AssetBySymbol(%q) = %d, %v; want %d, true", a.Symbol, id, ok, i)
		}
	}
	for i, m := range c.Markets {
		if id, ok := c.MarketBySymbol(m.Symbol); !ok || int(id) != i {
			t.Errorf("MarketBySymbol(%q) = %d, %v; want %d, true", m.Symbol, id, ok, i)
		}
	}
	for _, s := range []string{"", "usdc", "BTC_USDC_PERP", "DOGE"} {
		if _, ok := c.AssetBySymbol(s); ok {
			t.Errorf("AssetBySymbol(%q) found an asset", s)
		}
	}
	for _, s := range []string{"", "btc_usdc_perp", "BTC", "BTC_USDT_PERP"} {
		if _, ok := c.MarketBySymbol(s); ok {
			t.Errorf("MarketBySymbol(%q) found a market", s)
		}
	}
}
