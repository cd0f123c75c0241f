package engine

import (
	"fmt"

	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// CheckInvariants verifies, exactly, what must hold after every command:
//
//   - the ledger balances: per asset, Σ balances = deposits − withdrawals;
//   - per perpetual market, long open interest = short open interest, and
//     both equal the positions' sums;
//   - per perpetual market, the clearing account holds minus the sum of its
//     positions' costs (realized PnL has an exact counterpart);
//   - fee, insurance, backstop and funding accounts never go negative;
//   - a user balance is negative only in the settlement asset, where it is a
//     recorded liability that net equity counts;
//   - spot locks are within balances, and every open order is on its book;
//   - lending (lend.go): each pool's exact identity (lending.Pool.Check), its
//     cash = the net amount the ledger moved into it, so Σ balances + pool
//     cash = external deposits − withdrawals, and Σ account shares = the
//     pool's share totals.
//
// It walks all state, so it costs O(accounts + orders): tests call it after
// every command; production can call it on demand.
func (e *Engine) CheckInvariants() error {
	if err := e.ledger.Check(); err != nil {
		return err
	}
	if err := e.checkMarkets(); err != nil {
		return err
	}
	if err := e.checkBalances(); err != nil {
		return err
	}
	if err := e.checkLending(); err != nil {
		return err
	}
	return e.checkOrders()
}

func (e *Engine) checkMarkets() error {
	long := make([]int64, len(e.markets))
	short := make([]int64, len(e.markets))
	costs := make([]fixed.Int128, len(e.markets))
	holders := make([]int, len(e.markets))
	for id := range e.accounts {
		for _, p := range e.accounts[id].positions {
			long[p.market] += max(p.qty, 0)
			short[p.market] += max(-p.qty, 0)
			costs[p.market] = costs[p.market].Add(fixed.From64(p.cost))
			if p.qty != 0 {
				holders[p.market]++
			}
			if p.qty == 0 && p.cost != 0 {
				return fmt.Errorf("account %d %s: flat position with cost %d", id, e.markets[p.market].cfg.Symbol, p.cost)
			}
		}
	}
	for i := range e.markets {
		m := &e.markets[i]
		if !m.perp() {
			continue
		}
		switch {
		case long[i] != short[i]:
			return fmt.Errorf("%s: long open interest %d ≠ short %d", m.cfg.Symbol, long[i], short[i])
		case m.oiLong != long[i] || m.oiShort != short[i]:
			return fmt.Errorf("%s: open interest counters %d/%d ≠ positions %d/%d", m.cfg.Symbol, m.oiLong, m.oiShort, long[i], short[i])
		case len(m.holders) != holders[i]:
			return fmt.Errorf("%s: %d holders recorded, %d positions", m.cfg.Symbol, len(m.holders), holders[i])
		}
		clearing := fixed.From64(e.ledger.Balance(uint32(m.clearing), int(e.settle)))
		if clearing.Add(costs[i]).Sign() != 0 {
			return fmt.Errorf("%s: clearing balance is not minus the sum of position costs", m.cfg.Symbol)
		}
	}
	return nil
}

func (e *Engine) checkBalances() error {
	for id := range e.accounts {
		a := &e.accounts[id]
		isClearing := a.system && AccountID(id) >= firstClearing //nolint:gosec // id < len(accounts)
		for asset := range e.cfg.Assets {
			bal := e.ledger.Balance(uint32(id), asset) //nolint:gosec // id < len(accounts)
			switch {
			case bal < 0 && a.system && !isClearing:
				return fmt.Errorf("system account %d: %s balance %d < 0", id, e.cfg.Assets[asset].Symbol, bal)
			case bal < 0 && !a.system && asset != int(e.settle):
				return fmt.Errorf("account %d: %s balance %d < 0 is no recorded liability", id, e.cfg.Assets[asset].Symbol, bal)
			case a.locked[asset] < 0 || (a.locked[asset] > 0 && a.locked[asset] > bal):
				return fmt.Errorf("account %d: %s lock %d outside balance %d", id, e.cfg.Assets[asset].Symbol, a.locked[asset], bal)
			}
		}
	}
	return nil
}

func (e *Engine) checkOrders() error {
	open := 0
	for id := range e.accounts {
		a := &e.accounts[id]
		n := 0
		for ref := a.orderHead; ref >= 0; ref = e.orders[ref].next {
			o := &e.orders[ref]
			n++
			if o.pending {
				if e.findTrigger(&e.markets[o.market], o.id) != ref {
					return fmt.Errorf("trigger order %d of account %d is not in its market's list", o.id, id)
				}
				continue
			}
			bo, ok := e.markets[o.market].book.Get(o.id)
			if !ok || bo.Ref != ref || bo.Qty != o.quantity-o.executed || bo.Price != o.price {
				return fmt.Errorf("order %d of account %d is not on its book as recorded", o.id, id)
			}
		}
		if n != a.openOrders {
			return fmt.Errorf("account %d: %d orders listed, %d counted", id, n, a.openOrders)
		}
		open += n
	}
	onBooks := 0
	for i := range e.markets {
		onBooks += e.markets[i].book.Len() + len(e.markets[i].triggers)
	}
	if onBooks != open {
		return fmt.Errorf("%d orders on the books, %d open in accounts", onBooks, open)
	}
	return nil
}
