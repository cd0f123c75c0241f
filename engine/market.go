package engine

import (
	"github.com/waterfallrisk/waterfall/engine/book"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// market is one market's dynamic state.
type market struct {
	id       config.MarketID
	cfg      *config.Market
	book     *book.Book
	clearing AccountID // perpetuals: the account realized PnL is paid from
	lotTick  int64     // settlement units per lot × tick: every fill's notional is exact

	lastPrice  int64      // ticks; 0 = no trade yet
	mark       int64      // fixed.Price; 0 until the base asset has an index price
	basis      int64      // smoothed basis (mid − index), fixed.Price
	nextSample int64      // engine time of the next basis/premium sample
	premiumSum int64      // Σ premium samples this funding interval, fixed.Rate
	premiumN   int64      // number of samples this funding interval
	nextFund   int64      // engine time of the next funding settlement
	fundRate   int64      // last settled funding rate, fixed.Rate
	marks      markWindow // marks sampled over the mean-mark window

	triggers        []int32       // pending trigger orders (slab refs), oldest first
	nearest         triggerBounds // derived from triggers: nothing is due between them (trigger.go)
	oiLong, oiShort int64         // lots held long and short (equal at rest)
	liqUsed         int64         // liquidation notional filled this liquidation tick
	closed          bool          // closed by the operator: no orders, no funding
	holders         []holding     // positions in this market, for funding
}

// holding locates a position slot: account and index in its positions.
type holding struct {
	account AccountID
	slot    int32
}

func newMarket(e *Engine, id config.MarketID) market {
	mc := &e.cfg.Markets[id]
	m := market{id: id, cfg: mc, book: book.New(1024)}
	if mc.Kind == config.Perp {
		m.clearing = e.openAccount(true)
		if mc.Funding.SampleMs > 0 {
			m.marks = newMarkWindow(mc.Bands.MeanMarkWindowMs / mc.Funding.SampleMs)
		}
	}
	// lots × ticks × TickSize × NotionalNum / NotionalDen; config validation
	// guarantees TickSize × NotionalNum is a whole multiple of NotionalDen.
	m.lotTick = mc.TickSize * mc.NotionalNum / mc.NotionalDen
	return m
}

func (e *Engine) market(id config.MarketID) (*market, *Error) {
	if int(id) >= len(e.markets) {
		return nil, errorf(CodeInvalidMarket, "market %d does not exist", id)
	}
	return &e.markets[id], nil
}

func (m *market) perp() bool { return m.cfg.Kind == config.Perp }

// quote returns the exact settlement notional of lots at a book price.
func (m *market) quote(lots, ticks int64) (int64, error) {
	v, err := fixed.Mul(lots, ticks)
	if err != nil {
		return 0, err
	}
	return fixed.Mul(v, m.lotTick)
}

// valueAt returns lots × price (fixed.Price) in settlement units, rounded r.
// Signed: a short's value is negative.
func (m *market) valueAt(lots, price int64, r fixed.Rounding) (int64, error) {
	w, err := fixed.Wide(lots, price).MulInt64(m.cfg.NotionalNum)
	if err != nil {
		return 0, err
	}
	return w.Div(m.cfg.NotionalDen, r)
}

// priceOf returns the price (fixed.Price) at which lots are worth value
// settlement units: value × NotionalDen ÷ (lots × NotionalNum), toward zero;
// 0 for no lots.
func (m *market) priceOf(value, lots int64) int64 {
	if lots == 0 {
		return 0
	}
	d, err := fixed.Mul(lots, m.cfg.NotionalNum)
	if err != nil {
		return 0
	}
	v, err := fixed.MulDiv(value, m.cfg.NotionalDen, d, truncRounding(value*sign(d)))
	if err != nil {
		return 0
	}
	return v
}

// tickPrice converts ticks to fixed.Price.
func (m *market) tickPrice(ticks int64) int64 { return ticks * m.cfg.TickSize }

// priceTicks converts a fixed.Price to ticks, rounded r.
func (m *market) priceTicks(price int64, r fixed.Rounding) int64 {
	t, _ := fixed.Div(price, m.cfg.TickSize, r)
	return t
}

// MaxOpenValue bounds a perpetual market's open interest valued at the edge
// of its mark band (2^62 settlement units: 4.6e12 USDC). Every position is
// at most the open interest, so no position's value, PnL or funding payment
// can overflow an int64 while it holds.
const MaxOpenValue = 1 << 62

// openValueFits reports whether oi lots stay within MaxOpenValue at the top
// of the mark band around index (fixed.Price).
func (m *market) openValueFits(oi, index int64) bool {
	top, err := fixed.MulDiv(index, fixed.RateScale+m.cfg.Mark.Band, fixed.RateScale, fixed.Ceil)
	if err != nil {
		return false
	}
	v, err := m.valueAt(oi, top, fixed.Ceil)
	return err == nil && v <= MaxOpenValue
}

// addHolder records a new position slot for funding.
func (m *market) addHolder(a AccountID, slot int32) int32 {
	m.holders = append(m.holders, holding{account: a, slot: slot})
	return int32(len(m.holders) - 1) //nolint:gosec // bounded by account count
}

// removeHolder forgets holders[i] by moving the last one into its place and
// returns that moved holding (ok=false if i was last) so its slot can be told.
func (m *market) removeHolder(i int32) (moved holding, ok bool) {
	last := int32(len(m.holders) - 1) //nolint:gosec // bounded by account count
	if i != last {
		m.holders[i] = m.holders[last]
		moved, ok = m.holders[i], true
	}
	m.holders = m.holders[:last]
	return moved, ok
}
