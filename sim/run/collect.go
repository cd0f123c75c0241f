package run

import (
	"math"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// Liquidation stages as the metrics count them.
const (
	stageBook = iota
	stageBackstop
	stageInsurance
	stageADL
	stages
)

var stageNames = [stages]string{"Book", "Backstop", "Insurance fund", "ADL"}

// collector measures a run from the engine's events alone (docs/scenarios.md
// "Metrics" defines each number). Amounts are in the settlement asset's
// smallest units; a fill's notional is lots × price at the fill price
// unless "at mark" says otherwise, rounded down.
type collector struct {
	firstTrader engine.AccountID
	running     bool // setup is over: the insurance fund minimum counts

	fund, fundMin int64
	stage         [stages]int64
	backstopTaken int64 // every backstop takeover, payout or not
	badDebt       int64
	insurancePaid int64

	adlLoss     int64 // deficit ADL counterparties absorbed
	adlNotional int64 // counterparty side, at mark
	adlBankrupt int64 // bankrupt side, at mark
	adlFills    int   // counterparty fills
	adlAccounts int
	adlLow      int
	adlHedged   int
	adlAgents   int
	adlSeen     []bool // per AccountID

	stopsFired int

	liquidated      []bool // per AccountID
	liquidatedCount int

	slipSum, slipW     float64 // Σ bps × notional, Σ notional
	impactSum, impactW float64
	impactMax          float64

	paid  []engine.AccountID // scratch: accounts paid by the fund in this command
	walks []walk             // scratch: book liquidation fills of this command
}

// walk is how far one command's book liquidation fills on one market and
// side walked the book.
type walk struct {
	market         int
	side           engine.Side
	first, extreme int64 // ticks
	notional       int64
}

func (c *collector) init(*sim) {}

// observe takes one command's events, in order.
func (c *collector) observe(s *sim, evs []engine.Event) {
	c.paid, c.walks = c.paid[:0], c.walks[:0]
	for i := range evs {
		ev := &evs[i]
		if ev.Kind == engine.EvBalance && ev.Source == engine.SourceInsurancePayout && ev.Account != engine.AccountInsurance && ev.Amount > 0 {
			c.paid = append(c.paid, ev.Account)
			c.insurancePaid += ev.Amount
			c.badDebt += ev.Amount
		}
	}
	for i := range evs {
		ev := &evs[i]
		switch ev.Kind {
		case engine.EvMarkPrice:
			if mi := s.byEngine[ev.Market]; mi >= 0 {
				s.markets[mi].mark = ev.Value
			}
		case engine.EvBalance:
			if ev.Account == engine.AccountInsurance && ev.Asset == s.settle {
				c.fund = ev.Balance
				if c.running {
					c.fundMin = min(c.fundMin, c.fund)
				}
			}
		case engine.EvLiquidation:
			if ev.Stage != engine.StageNone {
				c.markLiquidated(ev.Account)
			}
		case engine.EvOrder:
			if ev.OrderEvent == engine.OrderFill {
				if ev.Maker && int(ev.Account) < len(s.role) && s.role[ev.Account] == roleMaker {
					s.makers[ev.Account-s.makers[0].id].dirty = true
				}
				c.fill(s, ev)
			}
		}
	}
	for _, w := range c.walks {
		bps := math.Abs(float64(w.first-w.extreme)) / float64(w.first) * 1e4
		c.impactMax = max(c.impactMax, bps)
		c.impactSum += bps * float64(w.notional)
		c.impactW += float64(w.notional)
	}
}

func (c *collector) markLiquidated(id engine.AccountID) {
	c.liquidated = grow(c.liquidated, id)
	if !c.liquidated[id] {
		c.liquidated[id] = true
		c.liquidatedCount++
	}
}

func grow(b []bool, id engine.AccountID) []bool {
	for int(id) >= len(b) {
		b = append(b, make([]bool, max(64, len(b)))...)
	}
	return b
}

// fill classifies one fill: the liquidated side of a book, backstop or ADL
// fill (the insurance fund's stage when the fund paid the account's deficit
// in the same command), and the ADL counterparty side.
func (c *collector) fill(s *sim, ev *engine.Event) {
	mi := s.byEngine[ev.Market]
	if mi < 0 {
		return
	}
	m := &s.markets[mi]
	switch ev.FillType {
	case engine.FillBookLiquidation:
		if ev.Maker {
			return
		}
		n := notionalAt(m, ev.FillQty, ev.FillPrice*m.cfg.TickSize)
		c.stage[c.stageOf(ev.Account, stageBook)] += n
		c.slippage(m, ev, n)
		c.walk(mi, ev, n)
	case engine.FillBackstop:
		if ev.ReduceOnly {
			n := notionalAt(m, ev.FillQty, ev.FillPrice*m.cfg.TickSize)
			c.stage[c.stageOf(ev.Account, stageBackstop)] += n
			c.backstopTaken += n
		}
	case engine.FillAdl:
		atMark := notionalAt(m, ev.FillQty, m.mark)
		if !ev.ReduceOnly {
			c.counterparty(s, ev.Account, atMark)
			return
		}
		atFill := notionalAt(m, ev.FillQty, ev.FillPrice*m.cfg.TickSize)
		c.stage[stageADL] += atFill
		c.adlBankrupt += atMark
		loss := atFill - atMark // a bankrupt long sells above the mark
		if ev.Side == engine.Bid {
			loss = -loss // a bankrupt short buys below it
		}
		if loss > 0 {
			c.adlLoss += loss
			c.badDebt += loss
		}
	}
}

func (c *collector) stageOf(id engine.AccountID, st int) int {
	for _, p := range c.paid {
		if p == id {
			return stageInsurance
		}
	}
	return st
}

// slippage adds a book liquidation fill's shortfall against the mark, in
// bps (positive: worse for the liquidated account).
func (c *collector) slippage(m *mkt, ev *engine.Event, n int64) {
	if m.mark <= 0 {
		return
	}
	p := float64(ev.FillPrice * m.cfg.TickSize)
	bps := (float64(m.mark) - p) / float64(m.mark) * 1e4
	if ev.Side == engine.Bid {
		bps = -bps
	}
	c.slipSum += bps * float64(n)
	c.slipW += float64(n)
}

func (c *collector) walk(mi int, ev *engine.Event, n int64) {
	for i := range c.walks {
		w := &c.walks[i]
		if w.market == mi && w.side == ev.Side {
			if ev.Side == engine.Ask {
				w.extreme = min(w.extreme, ev.FillPrice)
			} else {
				w.extreme = max(w.extreme, ev.FillPrice)
			}
			w.notional += n
			return
		}
	}
	c.walks = append(c.walks, walk{market: mi, side: ev.Side, first: ev.FillPrice, extreme: ev.FillPrice, notional: n})
}

// counterparty records an ADL counterparty's fill.
func (c *collector) counterparty(s *sim, id engine.AccountID, atMark int64) {
	c.adlNotional += atMark
	c.adlFills++
	c.adlSeen = grow(c.adlSeen, id)
	if c.adlSeen[id] {
		return
	}
	c.adlSeen[id] = true
	c.adlAccounts++
	if tr := s.traderOf(id); tr != nil {
		if float64(tr.leverage) <= s.sc.Traders.LowLeverage {
			c.adlLow++
		}
		if tr.hedged {
			c.adlHedged++
		}
	} else if int(id) < len(s.role) && s.role[id] != roleNone {
		c.adlAgents++
	}
}

// notionalAt is lots × price (fixed.Price) in the settlement asset's
// smallest units, rounded down; saturating.
func notionalAt(m *mkt, lots, price int64) int64 {
	a, err := fixed.Mul(lots, m.cfg.NotionalNum)
	if err == nil {
		var v int64
		if v, err = fixed.MulDiv(a, price, m.cfg.NotionalDen, fixed.Floor); err == nil {
			return v
		}
	}
	return math.MaxInt64 / 4
}
