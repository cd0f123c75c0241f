package ws

import "github.com/waterfallrisk/waterfall/engine/fixed"

// rolling keeps a market's 24-hour trade statistics for the ticker stream,
// in one-minute buckets of engine time. Only user trades count (DESIGN.md
// §5: liquidation, backstop and ADL fills never set the last price, the
// ticker or klines). It starts empty when the feed starts: trades from
// before are not in it (the read models hold the history).
type rolling struct {
	buckets [windowMinutes]bucket
	last    int64 // last price, ticks (kept past the window; 0: never traded)
}

const (
	windowMinutes = 24 * 60
	minuteMs      = 60_000
)

type bucket struct {
	minute                 int64 // engine time / 60,000; 0: empty
	open, high, low, close int64 // ticks
	lots, quote, trades    int64
}

// stats are 24-hour statistics: prices in ticks, volume in lots, quote
// volume in the quote asset's smallest units.
type stats struct {
	open, high, low, close int64
	lots, quote, trades    int64
}

// add records a trade at engine time ms.
func (r *rolling) add(ms, price, lots, quote int64) {
	minute := ms/minuteMs + 1 // + 1: minute 0 means empty
	b := &r.buckets[minute%windowMinutes]
	if b.minute != minute {
		*b = bucket{minute: minute, open: price, high: price, low: price}
	}
	b.high, b.low, b.close = max(b.high, price), min(b.low, price), price
	b.lots, b.quote, b.trades = fixed.SatAdd(b.lots, lots), fixed.SatAdd(b.quote, quote), b.trades+1
	r.last = price
}

// stats returns the statistics of the 24 hours up to engine time now.
// With no trade in the window every price is the last one (0 if the market
// never traded) and the volumes are zero.
func (r *rolling) stats(now int64) stats {
	cur := now/minuteMs + 1
	var s stats
	first, lastMin := int64(0), int64(0)
	for i := range r.buckets {
		b := &r.buckets[i]
		if b.minute == 0 || b.minute <= cur-windowMinutes || b.minute > cur {
			continue
		}
		if s.trades == 0 {
			s.high, s.low = b.high, b.low
		}
		s.high, s.low = max(s.high, b.high), min(s.low, b.low)
		s.lots, s.quote, s.trades = fixed.SatAdd(s.lots, b.lots), fixed.SatAdd(s.quote, b.quote), s.trades+b.trades
		if first == 0 || b.minute < first {
			first, s.open = b.minute, b.open
		}
		if b.minute > lastMin {
			lastMin, s.close = b.minute, b.close
		}
	}
	if s.trades == 0 {
		return stats{open: r.last, high: r.last, low: r.last, close: r.last}
	}
	return s
}
