package config

import (
	"fmt"
	"math/big"

	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// deriveNotional sets every market's NotionalNum and NotionalDen, or none of
// them if one does not fit.
func (c *Config) deriveNotional() error {
	ratios := make([][2]int64, len(c.Markets))
	for i := range c.Markets {
		m := &c.Markets[i]
		num, den, ok := notionalRatio(m.StepSize, c.Assets[m.Base].Decimals, c.Assets[m.Quote].Decimals)
		if !ok {
			return fieldErr(fmt.Sprintf("markets[%d].stepSize", i),
				"the notional ratio of a %d-unit step does not fit an int64", m.StepSize)
		}
		ratios[i] = [2]int64{num, den}
	}
	for i, r := range ratios {
		c.Markets[i].NotionalNum, c.Markets[i].NotionalDen = r[0], r[1]
	}
	return nil
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
