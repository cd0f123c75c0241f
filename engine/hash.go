package engine

import (
	"crypto/sha256"
	"encoding/binary"
	"hash"

	"github.com/waterfallrisk/waterfall/engine/book"
)

// StateHash returns a SHA-256 digest of the whole engine state in a fixed
// order: clock and counters, the random generator, prices, market state,
// the lending pools, every balance, lending shares, every account's settings, locks and positions, and every
// resting order in book order. Equal commands give equal hashes.
func (e *Engine) StateHash() [32]byte {
	h := hasher{sum: sha256.New(), buf: make([]byte, 0, 1<<12)}
	h.u(e.seq, e.nextOrderID, e.nextTradeID)
	h.i(e.now)
	rng, _ := e.rng.MarshalBinary()
	h.buf = append(h.buf, rng...)
	h.i(e.index...)
	for i := range e.markets {
		m := &e.markets[i]
		h.i(m.lastPrice, m.mark, m.basis, m.nextSample, m.premiumSum, m.premiumN,
			m.nextFund, m.fundRate, m.oiLong, m.oiShort, m.marks.sum, int64(m.marks.next))
		h.i(m.marks.ring...)
		for _, hd := range m.holders {
			h.u(uint64(hd.account), uint64(hd.slot)) //nolint:gosec // slot ≥ 0
		}
	}
	h.i(e.nextAccrual)
	for i := range e.pools {
		p := &e.pools[i].p
		h.i(p.Cash, p.Lent, p.Borrowed, p.LendIndex, p.BorrowIndex, p.FeeAccrued.Hi, int64(p.FeeAccrued.Lo), //nolint:gosec // bit pattern
			p.Residue.Hi, int64(p.Residue.Lo), e.pools[i].moved) //nolint:gosec // bit pattern
	}
	for id := range e.accounts {
		e.hashAccount(&h, AccountID(id)) //nolint:gosec // id < len(accounts)
	}
	for i := range e.markets {
		for _, ref := range e.markets[i].triggers {
			r := &e.orders[ref]
			h.u(r.id, uint64(r.account), uint64(r.side), uint64(r.typ), uint64(r.triggerBy), uint64(r.clientID))
			h.i(r.trigger, r.price, r.quantity, int64(r.slot), r.createdTime)
			h.b(r.above, r.reduceOnly)
		}
		e.markets[i].book.Each(func(o *book.Order) {
			r := &e.orders[o.Ref]
			h.u(o.ID, uint64(o.Owner), uint64(o.Side), uint64(r.clientID), uint64(r.tif), uint64(r.stp))
			h.i(o.Price, o.Qty, r.quantity, r.executed, r.executedQt, r.locked, r.createdTime)
			h.b(r.postOnly, r.reduceOnly)
			h.flush()
		})
	}
	h.flush()
	var out [32]byte
	copy(out[:], h.sum.Sum(nil))
	return out
}

func (e *Engine) hashAccount(h *hasher, id AccountID) {
	a := &e.accounts[id]
	h.u(uint64(id), uint64(a.positionMode), uint64(a.marginMode), uint64(len(a.positions)), uint64(a.openOrders)) //nolint:gosec // counts ≥ 0
	h.i(a.leverage, a.cooldown, int64(a.stage), int64(a.lendFlags))
	h.b(a.system, a.liquidating, a.frozen)
	for asset := range e.cfg.Assets {
		h.i(e.ledger.Balance(uint32(id), asset), a.locked[asset])
	}
	h.i(a.lent...)
	h.i(a.borrowed...)
	for _, p := range a.positions {
		h.u(uint64(p.market), uint64(int64(p.hedge))) //nolint:gosec // sign folded, deterministic
		h.i(p.qty, p.cost, p.realized, p.funding, p.fees, p.bids, p.asks, int64(p.holder))
	}
	h.flush()
}

// hasher streams fixed-width little-endian fields into SHA-256.
type hasher struct {
	sum hash.Hash
	buf []byte
}

// flush writes the buffered fields into the digest.
func (h *hasher) flush() {
	_, _ = h.sum.Write(h.buf)
	h.buf = h.buf[:0]
}

func (h *hasher) u(v ...uint64) {
	for _, x := range v {
		h.buf = binary.LittleEndian.AppendUint64(h.buf, x)
	}
}

func (h *hasher) i(v ...int64) {
	for _, x := range v {
		h.buf = binary.LittleEndian.AppendUint64(h.buf, uint64(x)) //nolint:gosec // bit pattern
	}
}

func (h *hasher) b(v ...bool) {
	for _, x := range v {
		var c byte
		if x {
			c = 1
		}
		h.buf = append(h.buf, c)
	}
}
