package engine

import (
	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// MaxIndexPrice bounds an index price: 10^10 quote units per base unit.
const MaxIndexPrice = 10_000_000_000 * fixed.PriceScale

// setIndexPrice sets an asset's index price (fixed.Price) and recomputes
// every mark that depends on it, in market order.
func (e *Engine) setIndexPrice(c *Command) *Error {
	if err := e.asset(c.Asset); err != nil {
		return err
	}
	if c.Amount <= 0 || c.Amount > MaxIndexPrice {
		return errorf(CodeInvalidPrice, "index price %d is out of range", c.Amount)
	}
	if c.Asset == e.settle && c.Amount != fixed.PriceScale {
		return errorf(CodeInvalidPrice, "the settlement asset's index price is 1 by definition")
	}
	for i := range e.markets {
		if m := &e.markets[i]; m.perp() && m.cfg.Base == c.Asset && !m.openValueFits(m.oiLong, c.Amount) {
			return errorf(CodeInvalidPrice, "index price %d would value %s's open interest beyond the engine's range", c.Amount, m.cfg.Symbol)
		}
	}
	e.index[c.Asset] = c.Amount
	ev := e.emit(EvIndexPrice)
	ev.Asset, ev.Value = c.Asset, c.Amount
	for i := range e.markets {
		if m := &e.markets[i]; m.cfg.Base == c.Asset {
			moved := e.updateMark(m)
			e.checkTriggers(m)
			if moved && m.perp() {
				e.scanMarket(m)
			}
		}
	}
	e.scanBorrowers(c.Asset, false) // borrowers with no position there: borrowliq.go
	return nil
}

// updateMark recomputes a market's mark, reports it if it moved and returns
// whether it did.
//
// Perpetuals: mark = index + smoothed basis, clamped to index × (1 ± band)
// (DESIGN.md §5); the clamp's bounds round inward (lower Ceil, upper Floor)
// so the mark never leaves the band. Spot: mark = index.
func (e *Engine) updateMark(m *market) bool {
	idx := e.index[m.cfg.Base]
	if idx == 0 {
		return false
	}
	mark := idx
	if m.perp() {
		lo, _ := fixed.MulDiv(idx, fixed.RateScale-m.cfg.Mark.Band, fixed.RateScale, fixed.Ceil)
		hi, _ := fixed.MulDiv(idx, fixed.RateScale+m.cfg.Mark.Band, fixed.RateScale, fixed.Floor)
		mark = fixed.Clamp(idx+m.basis, lo, hi)
	}
	if mark == m.mark {
		return false
	}
	m.mark = mark
	ev := e.emit(EvMarkPrice)
	ev.Market, ev.Value = m.id, mark
	return true
}

// sampleBasis folds one basis sample into the smoothed basis, and scans the
// market for liquidations if the mark moved: an EWMA with
// weight SampleMs / BasisWindowMs. The sample is mid − index when the book is
// two-sided and 0 otherwise, so with no book an index move reaches the mark at
// once. The EWMA step rounds toward −∞ (Floor); it moves no money itself.
func (e *Engine) sampleBasis(m *market) {
	idx := e.index[m.cfg.Base]
	if idx == 0 {
		return
	}
	var sample int64
	bid, okB := m.book.BestBid()
	ask, okA := m.book.BestAsk()
	if okB && okA {
		mid, _ := fixed.MulDiv(bid+ask, m.cfg.TickSize, 2, fixed.Floor)
		sample = mid - idx
	}
	step, _ := fixed.MulDiv(sample-m.basis, m.cfg.Funding.SampleMs, m.cfg.Mark.BasisWindowMs, fixed.Floor)
	m.basis += step
	if e.updateMark(m) {
		e.scanMarket(m)
	}
}

// samplePremium records (mark − index) / index for the funding interval,
// rounded toward −∞ (Floor), and the mark for the mean-mark band.
func (e *Engine) samplePremium(m *market) {
	idx := e.index[m.cfg.Base]
	if idx == 0 {
		return
	}
	p, _ := fixed.MulDiv(m.mark-idx, fixed.RateScale, idx, fixed.Floor)
	m.premiumSum += p
	m.premiumN++
	m.marks.add(m.mark)
}

// meanMark returns the mean of the marks sampled over the mean-mark window,
// or the mark itself before any sample (Floor).
func (m *market) meanMark() int64 {
	if mean, ok := m.marks.mean(); ok {
		return mean
	}
	return m.mark
}

// meanPremium returns the mean premium sampled so far in the funding
// interval (fixed.Rate, toward zero), 0 before any sample.
func (m *market) meanPremium() int64 {
	if m.premiumN == 0 {
		return 0
	}
	return truncDiv(m.premiumSum, m.premiumN)
}

// markWindow is a ring of the last marks sampled, for the mean-mark band.
type markWindow struct {
	ring []int64
	next int
	full bool
	sum  int64
}

func newMarkWindow(n int64) markWindow {
	return markWindow{ring: make([]int64, max(n, 1))}
}

func (w *markWindow) add(v int64) {
	if w.full {
		w.sum -= w.ring[w.next]
	}
	w.ring[w.next] = v
	w.sum += v
	w.next++
	if w.next == len(w.ring) {
		w.next, w.full = 0, true
	}
}

func (w *markWindow) mean() (int64, bool) {
	n := int64(w.next)
	if w.full {
		n = int64(len(w.ring))
	}
	if n == 0 {
		return 0, false
	}
	v, _ := fixed.Div(w.sum, n, fixed.Floor)
	return v, true
}
