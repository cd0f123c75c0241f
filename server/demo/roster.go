package demo

import (
	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
)

// role is what a demo account does.
type role uint8

const (
	roleMaker    role = iota // quotes every market
	roleBackstop             // backstop liquidity provider on every perpetual
	roleDegen                // one perpetual, cross margin, 70–90% of its margin used
	roleIsolated             // one perpetual, isolated margin
	roleHedger               // hedge mode: a long and a short on one perpetual
	roleSwing                // any perpetual, modest leverage, up to two positions
	roleSpot                 // buys and sells on the spot markets
)

func (r role) String() string {
	return [...]string{"maker", "backstop", "degen", "isolated", "hedger", "swing", "spot"}[r]
}

// member is one demo account: its part, its parameters and what the bots
// remember about it between steps (forgotten on a restart).
type member struct {
	name     string // unique: the label and the key's derivation
	role     role
	market   int         // index into Demo.markets; -1: none fixed
	side     engine.Side // degen: the side of its first position
	capital  float64     // settlement units it is funded and topped up to
	useLo    float64     // margin use of a new position, from useLo…
	useHi    float64     // …to useHi (fractions of equity)
	leverage int64       // user leverage limit (0: the platform maximum)

	id        engine.AccountID
	holdUntil int // step after which it considers closing
}

// Capital of each role, in settlement units.
const (
	makerCapital    = 20_000_000
	makerBaseValue  = 2_000_000 // per spot base asset, at its starting price
	backstopCapital = 5_000_000
	degenCapital    = 1_000
	isolatedCapital = 3_000
	hedgerCapital   = 10_000
	swingCapital    = 20_000
	spotCapital     = 50_000
	spotBaseValue   = 20_000
	swingTraders    = 3
	spotTraders     = 2
	hedgers         = 2
)

// isolatedLeverage cycles over the isolated traders: the first trades at the
// platform's maximum, the others under a user leverage limit.
var isolatedLeverage = []int64{0, 20, 25}

// roster builds the demo's accounts for the configured markets: a maker, a
// backstop provider, per perpetual a degen long and a degen short and an
// isolated trader, hedgers on the first perpetuals, swing traders, and spot
// traders when there are spot markets. The names depend only on the
// configuration, so a restart derives the same keys.
func roster(cfg *config.Config, markets []mkt) []member {
	ms := []member{
		{name: "maker", role: roleMaker, market: -1, capital: makerCapital},
		{name: "backstop", role: roleBackstop, market: -1, capital: backstopCapital},
	}
	var perps []int
	spot := false
	for i := range markets {
		if markets[i].perp {
			perps = append(perps, i)
		} else {
			spot = true
		}
	}
	for _, i := range perps {
		for _, side := range []engine.Side{engine.Bid, engine.Ask} {
			dir := "long"
			if side == engine.Ask {
				dir = "short"
			}
			ms = append(ms, member{name: "degen-" + markets[i].symbol + "-" + dir, role: roleDegen, market: i, side: side,
				capital: degenCapital, useLo: 0.7, useHi: 0.9})
		}
	}
	for k, i := range perps {
		ms = append(ms, member{name: "isolated-" + markets[i].symbol, role: roleIsolated, market: i,
			capital: isolatedCapital, useLo: 0.6, useHi: 0.85, leverage: isolatedLeverage[k%len(isolatedLeverage)]})
	}
	for k := 0; k < hedgers && k < len(perps); k++ {
		i := perps[k]
		ms = append(ms, member{name: "hedger-" + markets[i].symbol, role: roleHedger, market: i,
			capital: hedgerCapital, useLo: 0.2, useHi: 0.4})
	}
	if len(perps) > 0 {
		for k := range swingTraders {
			ms = append(ms, member{name: "swing-" + string(rune('1'+k)), role: roleSwing, market: -1,
				capital: swingCapital, useLo: 0.1, useHi: 0.3})
		}
	}
	if spot {
		for k := range spotTraders {
			ms = append(ms, member{name: "spot-" + string(rune('1'+k)), role: roleSpot, market: -1, capital: spotCapital})
		}
	}
	return ms
}
