package config

import (
	"fmt"
	"math/big"

	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// notionalRatios returns every market's (NotionalNum, NotionalDen) and checks
// the rules about them: both fit an int64, and one lot at one tick is a whole
// number of quote smallest units (TickSize × NotionalNum is a multiple of
// NotionalDen, and fits an int64), so a fill at a book price has an exact
// notional. It changes nothing; Validate stores the result.
func (c *Config) notionalRatios() ([][2]int64, error) {
	ratios := make([][2]int64, len(c.Markets))
	for i := range c.Markets {
		m := &c.Markets[i]
		base, quote := &c.Assets[m.Base], &c.Assets[m.Quote]
		num, den, ok := notionalRatio(m.StepSize, base.Decimals, quote.Decimals)
		if !ok {
			return nil, fieldErr(fmt.Sprintf("markets[%d].stepSize", i),
				"the notional ratio of a %d-unit step does not fit an int64", m.StepSize)
		}
		if lotTick, err := fixed.Mul(m.TickSize, num); err != nil || lotTick%den != 0 {
			return nil, fieldErr(fmt.Sprintf("markets[%d].tickSize", i),
				"one lot (%s %s) at one tick (%s) is not a whole number of %s's smallest unit (1e-%d)",
				fixed.FormatDecimal(m.StepSize, base.Decimals), base.Symbol,
				fixed.FormatDecimal(m.TickSize, fixed.PriceDecimals), quote.Symbol, quote.Decimals)
		}
		ratios[i] = [2]int64{num, den}
	}
	return ratios, nil
}

// notionalRatio returns, in lowest terms, the exact ratio that turns
// lots × price (a fixed.Price, 1e-8 quote per base) into quote smallest units:
//
//	lots × step (base units) × 10^-baseDecimals      = base tokens
//	× price × 1e-8                                    = quote tokens
//	× 10^quoteDecimals                                = quote units
//
// so num/den = step × 10^quoteDecimals / (1e8 × 10^baseDecimals). ok is false
// when either term of the reduced ratio overflows an int64. The arithmetic is
// done once, at load, in math/big, so no intermediate can overflow.
func notionalRatio(step int64, baseDecimals, quoteDecimals int) (num, den int64, ok bool) {
	n := new(big.Int).Mul(big.NewInt(step), pow10(quoteDecimals))
	d := pow10(fixed.PriceDecimals + baseDecimals)
	g := new(big.Int).GCD(nil, nil, n, d)
	n.Quo(n, g)
	d.Quo(d, g)
	if !n.IsInt64() || !d.IsInt64() {
		return 0, 0, false
	}
	return n.Int64(), d.Int64(), true
}

func pow10(e int) *big.Int {
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(e)), nil)
}
