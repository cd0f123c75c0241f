package engine

import (
	"fmt"

	"github.com/waterfallrisk/waterfall/engine/book"
	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// checkRestored checks the structure of a decoded snapshot before anything
// walks it by index (CheckInvariants, StateHash, the liquidation index):
// every enum in range, every index in bounds, and every cross-reference
// both ways: position slots and market holders, account order lists and the
// order slab, the free list, trigger lists and books, the liquidation list.
// Together with CheckInvariants it makes the restored state one the engine's
// code can run on.
func (e *Engine) checkRestored() error {
	if len(e.accounts) != e.ledger.Accounts() {
		return fmt.Errorf("%d accounts, %d in the ledger", len(e.accounts), e.ledger.Accounts())
	}
	if len(e.accounts) < int(e.firstUser) {
		return fmt.Errorf("%d accounts, fewer than the %d system accounts", len(e.accounts), e.firstUser)
	}
	if err := e.checkIndexPrices(); err != nil {
		return err
	}
	if err := e.checkAccounts(); err != nil {
		return err
	}
	if err := e.checkHolders(); err != nil {
		return err
	}
	if err := e.checkOrderSlab(); err != nil {
		return err
	}
	if err := e.checkBooks(); err != nil {
		return err
	}
	return e.checkLiquidationState()
}

func (e *Engine) checkIndexPrices() error {
	for a, p := range e.index {
		if p < 0 || p > MaxIndexPrice {
			return fmt.Errorf("index price %d of asset %d out of range", p, a)
		}
	}
	if e.index[e.settle] != fixed.PriceScale {
		return fmt.Errorf("settlement asset index %d", e.index[e.settle])
	}
	return nil
}

func (e *Engine) checkAccounts() error {
	for i := range e.accounts {
		a := &e.accounts[i]
		id := AccountID(i) //nolint:gosec // i < len(accounts) = ledger accounts < 2^32
		switch {
		case a.system != (id < e.firstUser):
			return fmt.Errorf("account %d: system flag %v", id, a.system)
		case a.positionMode > Hedge || a.marginMode > Isolated || a.stage > StageADL || a.lendFlags > allLendingFlags:
			return fmt.Errorf("account %d: mode %d/%d or stage %d out of range", id, a.positionMode, a.marginMode, a.stage)
		case a.orderHead < -1 || int(a.orderHead) >= len(e.orders):
			return fmt.Errorf("account %d: first order %d outside the slab", id, a.orderHead)
		}
		for j := range a.positions {
			p := &a.positions[j]
			if int(p.market) >= len(e.markets) || !e.markets[p.market].perp() || p.hedge < -1 || p.hedge > 1 {
				return fmt.Errorf("account %d slot %d: market %d side %d", id, j, p.market, p.hedge)
			}
			for k := range j {
				if q := &a.positions[k]; q.market == p.market && q.hedge == p.hedge {
					return fmt.Errorf("account %d: two slots for market %d side %d", id, p.market, p.hedge)
				}
			}
			m := &e.markets[p.market]
			switch {
			case (p.holder >= 0) != (p.qty != 0):
				return fmt.Errorf("account %d slot %d: holder %d with quantity %d", id, j, p.holder, p.qty)
			case p.holder >= 0 && (int(p.holder) >= len(m.holders) || m.holders[p.holder] != holding{id, int32(j)}): //nolint:gosec // few slots
				return fmt.Errorf("account %d slot %d: holder %d of %s does not point back", id, j, p.holder, m.cfg.Symbol)
			}
		}
	}
	return nil
}

// checkHolders: every holder names a slot that names it back.
func (e *Engine) checkHolders() error {
	for i := range e.markets {
		m := &e.markets[i]
		for k, h := range m.holders {
			if int(h.account) >= len(e.accounts) || h.slot < 0 || int(h.slot) >= len(e.accounts[h.account].positions) {
				return fmt.Errorf("%s holder %d: account %d slot %d", m.cfg.Symbol, k, h.account, h.slot)
			}
			if p := &e.accounts[h.account].positions[h.slot]; p.market != m.id || int(p.holder) != k {
				return fmt.Errorf("%s holder %d: slot of account %d does not point back", m.cfg.Symbol, k, h.account)
			}
		}
	}
	return nil
}

// checkOrderSlab: each slab entry is on exactly one list, the free list or
// its account's open orders, with valid fields and links.
func (e *Engine) checkOrderSlab() error {
	seen := make([]bool, len(e.orders))
	visit := func(ref int32) error {
		if ref < 0 || int(ref) >= len(e.orders) || seen[ref] {
			return fmt.Errorf("order link %d outside the slab or repeated", ref)
		}
		seen[ref] = true
		return nil
	}
	for ref := e.freeOrder; ref != -1; ref = e.orders[ref].next {
		if err := visit(ref); err != nil {
			return fmt.Errorf("free list: %w", err)
		}
		if e.orders[ref].live {
			return fmt.Errorf("free list: order %d is live", ref)
		}
	}
	for i := range e.accounts {
		id := AccountID(i) //nolint:gosec // i < len(accounts)
		n, prev := 0, int32(-1)
		for ref := e.accounts[i].orderHead; ref != -1; ref = e.orders[ref].next {
			if err := visit(ref); err != nil {
				return fmt.Errorf("account %d orders: %w", id, err)
			}
			o := &e.orders[ref]
			if err := e.checkOrder(o, id, prev); err != nil {
				return fmt.Errorf("account %d order %d: %w", id, ref, err)
			}
			n++
			prev = ref
		}
		if n != e.accounts[i].openOrders {
			return fmt.Errorf("account %d: %d orders listed, %d counted", id, n, e.accounts[i].openOrders)
		}
	}
	for ref, ok := range seen {
		if !ok {
			return fmt.Errorf("order slab entry %d is neither open nor free", ref)
		}
	}
	return nil
}

func (e *Engine) checkOrder(o *order, id AccountID, prev int32) error {
	switch {
	case !o.live:
		return fmt.Errorf("not live")
	case o.account != id || o.prev != prev:
		return fmt.Errorf("account %d, previous %d", o.account, o.prev)
	case int(o.market) >= len(e.markets):
		return fmt.Errorf("market %d", o.market)
	case !o.side.Valid() || o.typ > Market || o.tif > FOK || o.stp > RejectBoth ||
		o.origin > OriginBackstop || o.triggerBy > TriggerByLast || o.slot < -1 || o.slot > 1:
		return fmt.Errorf("a field is out of range: %+v", *o)
	}
	return nil
}

// checkBooks: the books and trigger lists hold exactly the open orders,
// each resting order as its slab entry records it.
func (e *Engine) checkBooks() error {
	resting, pending := 0, 0
	for i := range e.orders {
		if o := &e.orders[i]; o.live && o.pending {
			pending++
		} else if o.live {
			resting++
		}
	}
	inTriggers := make([]bool, len(e.orders))
	for i := range e.markets {
		m := &e.markets[i]
		for _, ref := range m.triggers {
			if ref < 0 || int(ref) >= len(e.orders) || inTriggers[ref] {
				return fmt.Errorf("%s trigger list: ref %d outside the slab or repeated", m.cfg.Symbol, ref)
			}
			inTriggers[ref] = true
			if o := &e.orders[ref]; !o.live || !o.pending || o.market != m.id {
				return fmt.Errorf("%s trigger list: entry %d is not a pending order of the market", m.cfg.Symbol, ref)
			}
			pending--
		}
		var bad error
		m.book.Each(func(bo *book.Order) {
			if bad != nil {
				return
			}
			if bo.Ref < 0 || int(bo.Ref) >= len(e.orders) {
				bad = fmt.Errorf("%s book: order %d ref %d outside the slab", m.cfg.Symbol, bo.ID, bo.Ref)
				return
			}
			o := &e.orders[bo.Ref]
			if !o.live || o.pending || o.market != m.id || o.id != bo.ID || uint32(o.account) != bo.Owner ||
				o.side != bo.Side || o.price != bo.Price || o.quantity-o.executed != bo.Qty {
				bad = fmt.Errorf("%s book: order %d differs from slab entry %d", m.cfg.Symbol, bo.ID, bo.Ref)
			}
			resting--
		})
		if bad != nil {
			return bad
		}
	}
	if resting != 0 || pending != 0 {
		return fmt.Errorf("open orders and the books and trigger lists differ (%d resting, %d pending unmatched)", resting, pending)
	}
	return nil
}

// checkLiquidationState: the liquidation list is the accounts flagged
// liquidating, ascending; backstop providers are user accounts in
// perpetual markets, one registration per pair.
func (e *Engine) checkLiquidationState() error {
	flagged := 0
	for i := range e.accounts {
		if e.accounts[i].liquidating {
			flagged++
		}
	}
	if flagged != len(e.liquidating) {
		return fmt.Errorf("%d accounts liquidating, %d listed", flagged, len(e.liquidating))
	}
	for i, id := range e.liquidating {
		if int(id) >= len(e.accounts) || id < e.firstUser || !e.accounts[id].liquidating || (i > 0 && id <= e.liquidating[i-1]) {
			return fmt.Errorf("liquidation list entry %d: account %d", i, id)
		}
	}
	for i, b := range e.backstops {
		if int(b.account) >= len(e.accounts) || b.account < e.firstUser || int(b.market) >= len(e.markets) || !e.markets[b.market].perp() {
			return fmt.Errorf("backstop provider %d: account %d market %d", i, b.account, b.market)
		}
		for _, c := range e.backstops[:i] {
			if c.account == b.account && c.market == b.market {
				return fmt.Errorf("backstop provider %d registered twice", i)
			}
		}
	}
	return nil
}
