package engine

import (
	"fmt"
	"math/rand/v2"

	"github.com/waterfallrisk/waterfall/engine/book"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/internal/wire"
	"github.com/waterfallrisk/waterfall/engine/ledger"
)

// The state section of a snapshot (snapshot.go), field by field in the
// order written. Every field of Engine and of the structs it holds is either
// written here or named as derived or scratch in snapshot_test.go's guard,
// which fails when a field is added without deciding which.
//
//	engine   seq, now, rng (length-prefixed PCG MarshalBinary), index per
//	         asset, firstUser, nextOrderID, nextTradeID, nextLiqTick, nextSweep
//	ledger   ledger.Ledger.AppendSnapshot
//	accounts count, then each account and its positions
//	orders   count, then each slab entry: live; a free entry (live false)
//	         is only its free-list link, an open one every field; freeOrder
//	liquidating, backstops
//	markets  count, then each market's dynamic state and its book
//	         (book.Book.AppendSnapshot)
//	lending  nextAccrual, count, then each pool: cash, lent, borrowed, lend
//	         and borrow indices, fee and residue (Int128: hi, lo), moved;
//	         per account (in accounts above): counted lend and borrow shares
//
// Lengths are 4 bytes; enums 1 byte; ids at their width; amounts 8 bytes.

// Encoded sizes, lower bounds for wire.Reader.Count.
const (
	positionSize = 2 + 1 + 7*8 + 4 + 1 + 8
	accountSize  = 3 + 8 + 2 + 8 + 1 + 4 + 8 + 4 + 4 + 4 // without locked and shares
	poolSize     = 5*8 + 4*8 + 8
	freeSize     = 1 + 4
	holdingSize  = 4 + 4
	backstopSize = 4 + 2 + 8 + 8
)

// snapshotSizeHint estimates the encoded size, to allocate once.
func (e *Engine) snapshotSizeHint() int {
	n := 1 << 12
	for i := range e.accounts {
		a := &e.accounts[i]
		n += accountSize + 8*(len(a.locked)+len(a.lent)+len(a.borrowed)) + positionSize*len(a.positions)
	}
	n += poolSize * len(e.pools)
	n += len(e.orders)*104 + e.ledger.Accounts()*e.ledger.Assets()*8
	for i := range e.markets {
		m := &e.markets[i]
		n += 8*len(m.marks.ring) + holdingSize*len(m.holders) + 34*m.book.Len()
	}
	return n
}

func (e *Engine) encodeState(w *wire.Writer) error {
	rng, err := e.rng.MarshalBinary()
	if err != nil {
		return fmt.Errorf("engine: snapshot: %w", err)
	}
	w.U64(e.seq)
	w.I64(e.now)
	w.Blob(rng)
	for _, p := range e.index {
		w.I64(p)
	}
	w.U32(uint32(e.firstUser))
	w.U64(e.nextOrderID)
	w.U64(e.nextTradeID)
	w.I64(e.nextLiqTick)
	w.I64(e.nextSweep)
	e.ledger.AppendSnapshot(w)

	w.Count(len(e.accounts))
	for i := range e.accounts {
		encodeAccount(w, &e.accounts[i])
	}
	w.Count(len(e.orders))
	for i := range e.orders {
		if err := encodeOrder(w, &e.orders[i]); err != nil {
			return fmt.Errorf("engine: snapshot: order slab entry %d: %w", i, err)
		}
	}
	w.I32(e.freeOrder)

	w.Count(len(e.liquidating))
	for _, id := range e.liquidating {
		w.U32(uint32(id))
	}
	w.Count(len(e.backstops))
	for i := range e.backstops {
		encodeBackstop(w, &e.backstops[i])
	}
	w.Count(len(e.markets))
	for i := range e.markets {
		encodeMarket(w, &e.markets[i])
	}
	w.I64(e.nextAccrual)
	w.Count(len(e.pools))
	for i := range e.pools {
		encodePool(w, &e.pools[i])
	}
	return nil
}

func encodePool(w *wire.Writer, pl *pool) {
	p := &pl.p
	w.I64(p.Cash)
	w.I64(p.Lent)
	w.I64(p.Borrowed)
	w.I64(p.LendIndex)
	w.I64(p.BorrowIndex)
	w.I64(p.FeeAccrued.Hi)
	w.U64(p.FeeAccrued.Lo)
	w.I64(p.Residue.Hi)
	w.U64(p.Residue.Lo)
	w.I64(pl.moved)
}

func decodePool(r *wire.Reader, pl *pool) {
	p := &pl.p
	p.Cash = r.I64()
	p.Lent = r.I64()
	p.Borrowed = r.I64()
	p.LendIndex = r.I64()
	p.BorrowIndex = r.I64()
	p.FeeAccrued.Hi = r.I64()
	p.FeeAccrued.Lo = r.U64()
	p.Residue.Hi = r.I64()
	p.Residue.Lo = r.U64()
	pl.moved = r.I64()
}

func (e *Engine) decodeState(r *wire.Reader) {
	e.seq = r.U64()
	e.now = r.I64()
	rng := &rand.PCG{}
	if err := rng.UnmarshalBinary(r.Blob()); err != nil && r.Err() == nil {
		r.Failf("rng: %v", err)
	}
	e.rng = rng
	for i := range e.index {
		e.index[i] = r.I64()
	}
	if id := AccountID(r.U32()); r.Err() == nil && id != e.firstUser {
		r.Failf("first user account %d, the configuration makes it %d", id, e.firstUser)
	}
	e.nextOrderID = r.U64()
	e.nextTradeID = r.U64()
	e.nextLiqTick = r.I64()
	e.nextSweep = r.I64()
	assets := len(e.cfg.Assets)
	if l := ledger.ReadSnapshot(r, assets); l != nil {
		e.ledger = l
	}

	n := r.Count(accountSize + 8*assets)
	e.accounts = make([]account, n)
	locked := make([]int64, n*assets)
	for i := range e.accounts {
		decodeAccount(r, &e.accounts[i], locked[i*assets:(i+1)*assets:(i+1)*assets])
	}
	e.orders = make([]order, r.Count(freeSize))
	for i := range e.orders {
		decodeOrder(r, &e.orders[i])
	}
	e.freeOrder = r.I32()

	e.liquidating = make([]AccountID, r.Count(4))
	for i := range e.liquidating {
		e.liquidating[i] = AccountID(r.U32())
	}
	e.backstops = make([]backstopProvider, r.Count(backstopSize))
	for i := range e.backstops {
		decodeBackstop(r, &e.backstops[i])
	}
	if n := r.Count(1); r.Err() == nil && n != len(e.markets) {
		r.Failf("%d markets, the configuration has %d", n, len(e.markets))
	}
	for i := range e.markets {
		decodeMarket(r, &e.markets[i])
	}
	e.nextAccrual = r.I64()
	if n := r.Count(poolSize); r.Err() == nil && n != len(e.pools) {
		r.Failf("%d lending pools, the configuration has %d", n, len(e.pools))
	}
	for i := range e.pools {
		decodePool(r, &e.pools[i])
	}
	for i := range e.accounts {
		if a := &e.accounts[i]; r.Err() == nil && (len(a.lent) != len(e.pools) || len(a.borrowed) != len(e.pools)) {
			r.Failf("account %d: lending shares for %d/%d pools, the configuration has %d", i, len(a.lent), len(a.borrowed), len(e.pools))
		}
	}
}

func encodeBackstop(w *wire.Writer, b *backstopProvider) {
	w.U32(uint32(b.account))
	w.U16(uint16(b.market))
	w.I64(b.maxNotional)
	w.I64(b.minEquity)
}

func decodeBackstop(r *wire.Reader, b *backstopProvider) {
	b.account = AccountID(r.U32())
	b.market = config.MarketID(r.U16())
	b.maxNotional = r.I64()
	b.minEquity = r.I64()
}

func encodeAccount(w *wire.Writer, a *account) {
	w.Bool(a.system)
	w.U8(uint8(a.positionMode))
	w.U8(uint8(a.marginMode))
	w.I64(a.leverage)
	w.U8(uint8(a.lendFlags))
	w.Bool(a.liquidating)
	w.U8(uint8(a.stage))
	w.I64(a.cooldown)
	w.Bool(a.frozen)
	w.I32(a.orderHead)
	w.I64(int64(a.openOrders))
	for _, v := range a.locked {
		w.I64(v)
	}
	w.Count(len(a.lent))
	for _, v := range a.lent {
		w.I64(v)
	}
	w.Count(len(a.borrowed))
	for _, v := range a.borrowed {
		w.I64(v)
	}
	w.Count(len(a.positions))
	for i := range a.positions {
		p := &a.positions[i]
		w.U16(uint16(p.market))
		w.I8(p.hedge)
		w.I64(p.qty)
		w.I64(p.cost)
		w.I64(p.realized)
		w.I64(p.funding)
		w.I64(p.fees)
		w.I64(p.bids)
		w.I64(p.asks)
		w.I32(p.holder)
		w.Bool(p.isolated)
		w.I64(p.margin)
	}
}

// decodeAccount reads an account into a, with locked as its lock slice
// (len = the number of assets).
func decodeAccount(r *wire.Reader, a *account, locked []int64) {
	a.system = r.Bool()
	a.positionMode = PositionMode(r.U8())
	a.marginMode = MarginMode(r.U8())
	a.leverage = r.I64()
	a.lendFlags = LendingFlags(r.U8())
	a.liquidating = r.Bool()
	a.stage = LiquidationStage(r.U8())
	a.cooldown = r.I64()
	a.frozen = r.Bool()
	a.orderHead = r.I32()
	open := r.I64()
	if open < 0 || open > 1<<31 {
		r.Failf("open order count %d", open)
	}
	a.openOrders = int(open)
	for i := range locked {
		locked[i] = r.I64()
	}
	a.locked = locked
	a.lent = readShares(r)
	a.borrowed = readShares(r)
	if n := r.Count(positionSize); n > 0 {
		a.positions = make([]position, n)
	}
	for i := range a.positions {
		p := &a.positions[i]
		p.market = config.MarketID(r.U16())
		p.hedge = r.I8()
		p.qty = r.I64()
		p.cost = r.I64()
		p.realized = r.I64()
		p.funding = r.I64()
		p.fees = r.I64()
		p.bids = r.I64()
		p.asks = r.I64()
		p.holder = r.I32()
		p.isolated = r.Bool()
		p.margin = r.I64()
	}
}

// readShares reads a counted list of lending shares (nil when empty, as
// openAccount makes it without pools).
func readShares(r *wire.Reader) []int64 {
	n := r.Count(8)
	if n == 0 {
		return nil
	}
	s := make([]int64, n)
	for i := range s {
		s[i] = r.I64()
	}
	return s
}

// encodeOrder writes a slab entry. A free entry (not live) must be exactly
// what freeOrderRef leaves: nothing but its free-list link.
func encodeOrder(w *wire.Writer, o *order) error {
	w.Bool(o.live)
	if !o.live {
		if *o != (order{next: o.next}) {
			return fmt.Errorf("neither open nor free: %+v", *o)
		}
		w.I32(o.next)
		return nil
	}
	w.U64(o.id)
	w.U32(o.clientID)
	w.U32(uint32(o.account))
	w.U16(uint16(o.market))
	w.I8(o.slot)
	w.Bool(o.isolated)
	w.U8(uint8(o.side))
	w.U8(uint8(o.typ))
	w.U8(uint8(o.tif))
	w.U8(uint8(o.stp))
	w.Bool(o.postOnly)
	w.Bool(o.reduceOnly)
	w.I64(o.price)
	w.I64(o.quantity)
	w.I64(o.executed)
	w.I64(o.executedQt)
	w.I64(o.locked)
	w.I32(o.prev)
	w.I32(o.next)
	w.U8(uint8(o.origin))
	w.I64(o.createdTime)
	w.I64(o.quoteQty)
	w.Bool(o.pending)
	w.I64(o.trigger)
	w.U8(uint8(o.triggerBy))
	w.Bool(o.above)
	return nil
}

func decodeOrder(r *wire.Reader, o *order) {
	o.live = r.Bool()
	if !o.live {
		o.next = r.I32()
		return
	}
	o.id = r.U64()
	o.clientID = r.U32()
	o.account = AccountID(r.U32())
	o.market = config.MarketID(r.U16())
	o.slot = r.I8()
	o.isolated = r.Bool()
	o.side = Side(r.U8())
	o.typ = OrderType(r.U8())
	o.tif = TimeInForce(r.U8())
	o.stp = SelfTradePrevention(r.U8())
	o.postOnly = r.Bool()
	o.reduceOnly = r.Bool()
	o.price = r.I64()
	o.quantity = r.I64()
	o.executed = r.I64()
	o.executedQt = r.I64()
	o.locked = r.I64()
	o.prev = r.I32()
	o.next = r.I32()
	o.origin = Origin(r.U8())
	o.createdTime = r.I64()
	o.quoteQty = r.I64()
	o.pending = r.Bool()
	o.trigger = r.I64()
	o.triggerBy = TriggerBy(r.U8())
	o.above = r.Bool()
}

// encodeMarket writes a market's dynamic state; id, cfg and lotTick come
// from the configuration, clearing is written to be checked against it.
func encodeMarket(w *wire.Writer, m *market) {
	w.U32(uint32(m.clearing))
	w.I64(m.lastPrice)
	w.I64(m.mark)
	w.I64(m.basis)
	w.I64(m.nextSample)
	w.I64(m.premiumSum)
	w.I64(m.premiumN)
	w.I64(m.nextFund)
	w.I64(m.fundRate)
	w.Count(len(m.marks.ring))
	for _, v := range m.marks.ring {
		w.I64(v)
	}
	w.I64(int64(m.marks.next))
	w.Bool(m.marks.full)
	w.I64(m.marks.sum)
	w.Count(len(m.triggers))
	for _, ref := range m.triggers {
		w.I32(ref)
	}
	w.I64(m.oiLong)
	w.I64(m.oiShort)
	w.I64(m.liqUsed)
	w.Bool(m.closed)
	w.Count(len(m.holders))
	for _, h := range m.holders {
		w.U32(uint32(h.account))
		w.I32(h.slot)
	}
	m.book.AppendSnapshot(w)
}

// decodeMarket reads into m, which New made from the configuration.
func decodeMarket(r *wire.Reader, m *market) {
	if c := AccountID(r.U32()); r.Err() == nil && c != m.clearing {
		r.Failf("%s: clearing account %d, the configuration makes it %d", m.cfg.Symbol, c, m.clearing)
	}
	m.lastPrice = r.I64()
	m.mark = r.I64()
	m.basis = r.I64()
	m.nextSample = r.I64()
	m.premiumSum = r.I64()
	m.premiumN = r.I64()
	m.nextFund = r.I64()
	m.fundRate = r.I64()
	if n := r.Count(8); r.Err() == nil && n != len(m.marks.ring) {
		r.Failf("%s: mark window of %d, the configuration makes it %d", m.cfg.Symbol, n, len(m.marks.ring))
	}
	for i := range m.marks.ring {
		m.marks.ring[i] = r.I64()
	}
	if next := r.I64(); next >= 0 && next < int64(max(len(m.marks.ring), 1)) {
		m.marks.next = int(next)
	} else {
		r.Failf("%s: mark window position %d", m.cfg.Symbol, next)
	}
	m.marks.full = r.Bool()
	m.marks.sum = r.I64()
	if n := r.Count(4); n > 0 {
		m.triggers = make([]int32, n)
	}
	for i := range m.triggers {
		m.triggers[i] = r.I32()
	}
	m.oiLong = r.I64()
	m.oiShort = r.I64()
	m.liqUsed = r.I64()
	m.closed = r.Bool()
	if n := r.Count(holdingSize); n > 0 {
		m.holders = make([]holding, n)
	}
	for i := range m.holders {
		h := &m.holders[i]
		h.account = AccountID(r.U32())
		h.slot = r.I32()
	}
	if b := book.ReadSnapshot(r, 1024); b != nil {
		m.book = b
	}
}
