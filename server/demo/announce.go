package demo

import (
	"fmt"
	"path/filepath"
	"strings"
)

// announce prints what runs and where to look.
func (d *Demo) announce() {
	if d.opts.Out == nil {
		return
	}
	var assets []string
	for _, w := range d.feed.walks {
		assets = append(assets, w.symbol)
	}
	perps, traders := 0, 0
	for i := range d.markets {
		if d.markets[i].perp {
			perps++
		}
	}
	for i := range d.members {
		if d.members[i].role >= roleDegen {
			traders++
		}
	}
	clock := "engine time follows the wall clock"
	if d.manual {
		clock = fmt.Sprintf("each step advances the manual clock %d ms", d.opts.StepMs)
	}
	const pad = "\n                   "
	var b strings.Builder
	fmt.Fprintf(&b, "  demo:            running (seed %d): %s index prices every %s (%s),", d.opts.Seed, strings.Join(assets, ", "), d.opts.Interval, clock)
	fmt.Fprintf(&b, "%sa market maker on %d markets, %d traders, a backstop provider on %d perpetuals.", pad, len(d.markets), traders, perps)
	fmt.Fprintf(&b, "%sThe engine liquidates on its own, the first after about a minute. Watch", pad)
	fmt.Fprintf(&b, "%sGET /admin/v1/liquidations, /admin/v1/insurance, /api/v1/insuranceFund, /api/v1/depth?symbol=ETH_USDC_PERP", pad)
	fmt.Fprintf(&b, "%sand the WebSocket stream \"liquidation\".", pad)
	if d.opts.Dir != "" {
		fmt.Fprintf(&b, " Demo accounts and their API keys: %s", filepath.Join(d.opts.Dir, AccountsFile))
	}
	fmt.Fprintln(d.opts.Out, b.String())
}
