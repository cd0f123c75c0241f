package config

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Indexes into Default(): assets USDC, BTC, ETH, SOL; markets BTC_USDC_PERP,
// ETH_USDC_PERP, SOL_USDC_PERP, BTC_USDC, ETH_USDC, SOL_USDC.
const (
	usdc, btc        = 0, 1
	btcPerp, btcSpot = 0, 3
)

// TestValidateRefuses: every rule of Validate, each case breaking one rule of
// an otherwise valid configuration (Default).
func TestValidateRefuses(t *testing.T) {
	perp := func(f func(m *Market)) func(c *Config) { return func(c *Config) { f(&c.Markets[btcPerp]) } }
	spot := func(f func(m *Market)) func(c *Config) { return func(c *Config) { f(&c.Markets[btcSpot]) } }
	cases := []struct {
		rule       string
		mutate     func(c *Config)
		path, want string
	}{
		// Assets.
		{"asset symbols are unique", func(c *Config) { c.Assets[2].Symbol = "BTC" },
			"assets[2].symbol", `"BTC" is also assets[1]`},
		{"asset symbols are letters and digits", func(c *Config) { c.Assets[btc].Symbol = "B_TC" },
			"assets[1].symbol", "letters and digits"},
		{"asset symbols are not empty", func(c *Config) { c.Assets[btc].Symbol = "" },
			"assets[1].symbol", "letters and digits"},
		{"decimals 0..18: not negative", func(c *Config) { c.Assets[btc].Decimals = -1 },
			"assets[1].decimals", "-1 is outside 0..18"},
		{"decimals 0..18: at most 18", func(c *Config) { c.Assets[btc].Decimals = 19 },
			"assets[1].decimals", "19 is outside 0..18"},
		{"haircut weight at most 1", func(c *Config) { c.Assets[btc].Haircut.Weight = one + 1 },
			"assets[1].haircutFunction.weight", "outside 0..1"},
		{"haircut weight not negative", func(c *Config) { c.Assets[btc].Haircut.Weight = -1 },
			"assets[1].haircutFunction.weight", "outside 0..1"},
		{"identity haircut has no base", func(c *Config) { c.Assets[usdc].Haircut.Base = 1 },
			"assets[0].haircutFunction.kind", "identity takes no base"},
		{"inverseSqrt base positive", func(c *Config) { c.Assets[btc].Haircut.Base = 0 },
			"assets[1].haircutFunction.kind.base", "must be positive"},
		{"inverseSqrt penalty not negative", func(c *Config) { c.Assets[btc].Haircut.Penalty = -1 },
			"assets[1].haircutFunction.kind.positiveCurvePenalty", "must not be negative"},
		{"haircut kind known", func(c *Config) { c.Assets[btc].Haircut.Kind = 9 },
			"assets[1].haircutFunction.kind.type", "unknown haircut kind 9"},
		// Settlement asset.
		{"settlement asset exists", func(c *Config) { c.SettlementAsset = "USDT" },
			"settlementAsset", `"USDT" is not one of the assets`},
		{"settlement asset counts in full", func(c *Config) { c.Assets[usdc].Haircut.Weight = one / 2 },
			"assets[0].haircutFunction", "weight 1, kind identity"},
		// Market identity.
		{"market symbols are unique", func(c *Config) { c.Markets[4] = c.Markets[btcSpot] },
			"markets[4].symbol", `"BTC_USDC" is also markets[3]`},
		{"market kind known", perp(func(m *Market) { m.Kind = 7 }), "markets[0].marketType", "unknown market kind 7"},
		{"markets reference existing assets: base", perp(func(m *Market) { m.Base = 4 }),
			"markets[0].baseSymbol", "asset 4 does not exist"},
		{"markets reference existing assets: quote", perp(func(m *Market) { m.Quote = 99 }),
			"markets[0].quoteSymbol", "asset 99 does not exist"},
		{"base and quote differ", spot(func(m *Market) { m.Quote = btc }),
			"markets[3].quoteSymbol", "base and quote are both BTC"},
		{"symbol spells BASE_QUOTE_PERP", perp(func(m *Market) { m.Symbol = "BTC-PERP" }),
			"markets[0].symbol", `"BTC-PERP": this market's symbol is "BTC_USDC_PERP"`},
		{"symbol spells BASE_QUOTE for spot", perp(func(m *Market) { m.Kind = Spot }),
			"markets[0].symbol", `this market's symbol is "BTC_USDC"`},
		{"perpetuals quote the settlement asset", func(c *Config) {
			m := &c.Markets[1] // ETH_USDC_PERP → ETH_BTC_PERP
			m.Symbol, m.Quote = "ETH_BTC_PERP", btc
		}, "markets[1].quoteSymbol", "quoted in the settlement asset USDC, not BTC"},
		// Quantities.
		{"tick positive", perp(func(m *Market) { m.TickSize = 0 }), "markets[0].tickSize", "must be positive"},
		{"step positive", perp(func(m *Market) { m.StepSize = -1 }), "markets[0].stepSize", "must be positive"},
		{"minQty positive", perp(func(m *Market) { m.MinQty = 0 }), "markets[0].minQuantity", "must be positive"},
		{"maxQty not negative", perp(func(m *Market) { m.MaxQty = -1 }), "markets[0].maxQuantity", "must not be negative"},
		{"maxQty at least minQty", perp(func(m *Market) { m.MinQty, m.MaxQty = 5, 4 }),
			"markets[0].maxQuantity", "below minQuantity"},
		{"open-interest limit not negative", perp(func(m *Market) { m.OpenInterestLimit = -1 }),
			"markets[0].openInterestLimit", "must not be negative"},
		{"quantity in base units fits int64", perp(func(m *Market) { m.MaxQty = 1 << 62 }),
			"markets[0].maxQuantity", "overflow an int64"},
		// Fees.
		{"maker fee not negative", perp(func(m *Market) { m.MakerFee = -1 }), "markets[0].makerFee", "outside 0..0.1"},
		{"taker fee at most 0.1", perp(func(m *Market) { m.TakerFee = one/10 + 1 }), "markets[0].takerFee", "outside 0..0.1"},
		// Spot markets carry no perpetual fields.
		{"spot has no IMF", spot(func(m *Market) { m.IMF.Base = 1 }), "markets[3].marketType", "a SPOT market has no IMF"},
		{"spot has no MMF", spot(func(m *Market) { m.MMF.Factor = 1 }), "markets[3].marketType", "a SPOT market has no IMF"},
		{"spot has no funding", spot(func(m *Market) { m.Funding.IntervalMs = 1 }), "markets[3].marketType", "funding"},
		{"spot has no open-interest limit", spot(func(m *Market) { m.OpenInterestLimit = 1 }), "markets[3].marketType", "open-interest"},
		// Margin functions.
		{"IMF kind known", perp(func(m *Market) { m.IMF.Kind = 3 }), "markets[0].imfFunction.type", "unknown function kind 3"},
		{"MMF kind known", perp(func(m *Market) { m.MMF.Kind = 3 }), "markets[0].mmfFunction.type", "unknown function kind 3"},
		{"MMF base > 0", perp(func(m *Market) { m.MMF.Base = 0 }), "markets[0].mmfFunction.base", "must be positive"},
		{"IMF base > MMF base", perp(func(m *Market) { m.IMF.Base = m.MMF.Base }),
			"markets[0].imfFunction.base", "must exceed the MMF base"},
		{"IMF base at most 1", perp(func(m *Market) { m.IMF.Base = one + 1 }), "markets[0].imfFunction.base", "above 1"},
		{"MMF factor not negative", perp(func(m *Market) { m.MMF.Factor = -1 }),
			"markets[0].mmfFunction.factor", "must not be negative"},
		{"IMF factor at least MMF factor", perp(func(m *Market) { m.IMF.Factor = m.MMF.Factor - 1 }),
			"markets[0].imfFunction.factor", "IMF must be at least MMF at every size"},
		// Funding.
		{"funding interval positive", perp(func(m *Market) { m.Funding.IntervalMs = 0 }),
			"markets[0].fundingInterval", "outside 1.."},
		{"funding sample positive", perp(func(m *Market) { m.Funding.SampleMs = 0 }),
			"markets[0].fundingSampleInterval", "must be positive and divide"},
		{"funding sample divides the interval", perp(func(m *Market) { m.Funding.SampleMs = 7 }),
			"markets[0].fundingSampleInterval", "divide fundingInterval (3600000 ms)"},
		{"funding bounds: Upper ≥ 0", perp(func(m *Market) { m.Funding.Upper = -1 }),
			"markets[0].fundingRateUpperBound", "must not be negative"},
		{"funding bounds: Lower ≤ 0", perp(func(m *Market) { m.Funding.Lower = 1 }),
			"markets[0].fundingRateLowerBound", "must not be positive"},
		{"funding premium clamp not negative", perp(func(m *Market) { m.Funding.PremiumClamp = -1 }),
			"markets[0].fundingPremiumClamp", "must not be negative"},
		{"funding period positive", perp(func(m *Market) { m.Funding.PeriodHours = 0 }),
			"markets[0].fundingPeriodHours", "outside 1.."},
		// Price bands: 0 < min < 1 < max.
		{"limit band min below 1", perp(func(m *Market) { m.Bands.LimitMin = one }),
			"markets[0].priceBands.minMultiplier", "1 is outside (0, 1)"},
		{"limit band min positive", perp(func(m *Market) { m.Bands.LimitMin = 0 }),
			"markets[0].priceBands.minMultiplier", "0 is outside (0, 1)"},
		{"limit band max above 1", perp(func(m *Market) { m.Bands.LimitMax = one }),
			"markets[0].priceBands.maxMultiplier", "1 is not above 1"},
		{"impact band min below 1", perp(func(m *Market) { m.Bands.ImpactMin = 2 * one }),
			"markets[0].priceBands.minImpactMultiplier", "outside (0, 1)"},
		{"impact band max above 1", perp(func(m *Market) { m.Bands.ImpactMax = one / 2 }),
			"markets[0].priceBands.maxImpactMultiplier", "0.5 is not above 1"},
		{"mean-mark band min below 1", spot(func(m *Market) { m.Bands.MeanMarkMin = one }),
			"markets[3].priceBands.meanMarkPriceBand.minMultiplier", "outside (0, 1)"},
		{"mean-mark band max above 1", spot(func(m *Market) { m.Bands.MeanMarkMax = 1 }),
			"markets[3].priceBands.meanMarkPriceBand.maxMultiplier", "not above 1"},
		{"mean-mark window positive", perp(func(m *Market) { m.Bands.MeanMarkWindowMs = 0 }),
			"markets[0].priceBands.meanMarkPriceBand.window", "0 ms is outside 1.."},
		{"mean-premium tolerance below 1", perp(func(m *Market) { m.Bands.MeanPremiumTolerance = one }),
			"markets[0].priceBands.meanPremiumBand.tolerancePct", "outside [0, 1)"},
		{"mean-premium tolerance not negative", perp(func(m *Market) { m.Bands.MeanPremiumTolerance = -1 }),
			"markets[0].priceBands.meanPremiumBand.tolerancePct", "outside [0, 1)"},
		// Mark price.
		{"mark basis window positive", perp(func(m *Market) { m.Mark.BasisWindowMs = -5 }),
			"markets[0].markPrice.basisWindow", "-5 ms is outside 1.."},
		{"mark band positive", perp(func(m *Market) { m.Mark.Band = 0 }), "markets[0].markPrice.band", "outside (0, 1)"},
		{"mark band below 1", perp(func(m *Market) { m.Mark.Band = one }), "markets[0].markPrice.band", "outside (0, 1)"},
		// Sampling: a perpetual's mark is sampled every fundingSampleInterval.
		{"mean-mark window a whole number of samples", perp(func(m *Market) { m.Bands.MeanMarkWindowMs = 1500 }),
			"markets[0].priceBands.meanMarkPriceBand.window", "1500 ms is not a whole number of fundingSampleInterval (1000 ms)"},
		{"basis window at least one sample", perp(func(m *Market) { m.Mark.BasisWindowMs = 999 }),
			"markets[0].markPrice.basisWindow", "999 ms is shorter than fundingSampleInterval (1000 ms)"},
		// Derived notional ratio.
		{"notional ratio fits int64", func(c *Config) {
			c.Assets[btc].Decimals = 18 // 1 unit = 1e-18 BTC: den = 1e26 / gcd
			c.Markets[btcPerp].StepSize = 1
		}, "markets[0].stepSize", "notional ratio of a 1-unit step does not fit an int64"},
		{"one lot at one tick is a whole number of quote units", func(c *Config) { c.Markets[5].TickSize = 1 },
			"markets[5].tickSize", "one lot (0.01 SOL) at one tick (0.00000001) is not a whole number of USDC's smallest unit (1e-6)"},
		{"one lot at one tick fits int64", func(c *Config) {
			c.Assets[usdc].Decimals = 18                     // BTC_USDC_PERP: num = 1e4·1e18/1e16 = 1e6
			c.Markets[btcPerp].TickSize = 10_000_000_000_000 // × 1e6 = 1e19 > MaxInt64
		}, "markets[0].tickSize", "is not a whole number of USDC's smallest unit (1e-18)"},
	}
	for _, tc := range cases {
		t.Run(tc.rule, func(t *testing.T) {
			c := Default()
			tc.mutate(c)
			before := *c
			before.Markets = append([]Market(nil), c.Markets...)
			err := c.Validate()
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("got %v, want a *FieldError", err)
			}
			if fe.Path != tc.path || !strings.Contains(fe.Err.Error(), tc.want) {
				t.Errorf("got %q (path %q), want path %q and %q", err, fe.Path, tc.path, tc.want)
			}
			if errors.Unwrap(err) != fe.Err {
				t.Errorf("Unwrap does not return the reason")
			}
			if diff := cmp.Diff(before.Markets, c.Markets); diff != "" {
				t.Errorf("a refused Validate changed the markets (-before +after):\n%s", diff)
			}
		})
	}
}

// TestValidateDerives: a Config built in code gets its notional ratio from
// Validate, whatever it held before.
func TestValidateDerives(t *testing.T) {
	c := Default()
	for i := range c.Markets {
		c.Markets[i].NotionalNum, c.Markets[i].NotionalDen = 0, 0
	}
	c.Markets[btcPerp].NotionalNum = 77
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Default(), c); diff != "" {
		t.Errorf("Validate did not derive the ratios (-want +got):\n%s", diff)
	}
}
