package run

import (
	"cmp"
	"slices"

	"github.com/waterfallrisk/waterfall/engine"
)

// stop is a trader's stop-loss: a reduce-only market order for lots, sent
// when the mark reaches trigger (fixed.Price).
type stop struct {
	trigger  int64
	account  engine.AccountID
	lots     int64
	side     engine.Side // the closing order's side
	isolated bool
}

// stopBook holds one market's stop-losses sorted by how soon a falling
// (sells) or rising (buys) mark reaches them; next[i] is the first not yet
// sent. Checking a tick costs O(log n + fired), whatever the population.
//
// The simulator watches stop-losses itself instead of parking them as
// engine trigger orders: the engine keeps a market's trigger orders in one
// list, so while some are due every check looks at all of them and each
// one fired leaves the list at O(n) (engine/trigger.go), which with tens of
// thousands of stops firing in a crash dominated the run. The semantics are those of a
// stop-market order triggered by the mark, checked once per tick after the
// tick's index price is set.
type stopBook struct {
	sells, buys []stop // sells: trigger descending; buys: ascending
	nextSell    int
	nextBuy     int
}

func (b *stopBook) add(st stop) {
	if st.side == engine.Ask {
		b.sells = append(b.sells, st)
	} else {
		b.buys = append(b.buys, st)
	}
}

func (b *stopBook) sort() {
	slices.SortStableFunc(b.sells, func(x, y stop) int {
		return cmp.Or(cmp.Compare(y.trigger, x.trigger), cmp.Compare(x.account, y.account))
	})
	slices.SortStableFunc(b.buys, func(x, y stop) int {
		return cmp.Or(cmp.Compare(x.trigger, y.trigger), cmp.Compare(x.account, y.account))
	})
}

// fireStops sends market i's stop-losses the mark has reached. An order
// the engine refuses (the position is gone, or being liquidated) is
// dropped.
func (s *sim) fireStops(i int) {
	m := &s.markets[i]
	b := &m.stops
	mark := m.mark
	if mark <= 0 {
		return
	}
	for b.nextSell < len(b.sells) && b.sells[b.nextSell].trigger >= mark {
		s.sendStop(m, &b.sells[b.nextSell])
		b.nextSell++
	}
	for b.nextBuy < len(b.buys) && b.buys[b.nextBuy].trigger <= mark {
		s.sendStop(m, &b.buys[b.nextBuy])
		b.nextBuy++
	}
}

func (s *sim) sendStop(m *mkt, st *stop) {
	mode := engine.Cross
	if st.isolated {
		mode = engine.Isolated
	}
	s.cmd = engine.Command{Kind: engine.CmdPlaceOrder, Account: st.account, Market: m.id, Side: st.side,
		Type: engine.Market, ReduceOnly: true, Quantity: st.lots, MarginMode: mode}
	if _, err := s.apply(); err == nil {
		s.col.stopsFired++
	}
}
