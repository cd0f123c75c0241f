package engine

import (
	"math"
	"math/bits"

	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
	"github.com/waterfallrisk/waterfall/engine/risk"
)

// The liquidation index (issue #3 point 4): per perpetual market, the price
// at which each position could start its liquidation, so that a mark move
// finds the accounts it made liquidatable without evaluating every holder.
// detect.go uses it; this file keeps it true.
//
// # What is indexed
//
// A position's liquidatability depends on the mark of its own market only
// when nothing else in its margin moves with a price:
//
//   - an isolated position (its equity is its margin plus its own PnL);
//   - a "simple" cross account: exactly one cross position slot with a
//     quantity, and no balance in any asset but the settlement asset (other
//     assets are valued at their index). Isolated positions beside it do not
//     count: cross margin sees only their margin, a constant, and their
//     initial margin, which the trigger does not read.
//
// Each such position has a trigger entry in its market's long or short heap.
// Every other account with a cross position (positions in several markets,
// both hedge-mode sides, collateral in another asset, or an input the solver
// cannot take) has an "always" entry in each market it holds: it is checked
// with the full margin evaluation on every move of any of those markets, as
// every holder was before. A liquidating account's cross part is parked (no
// entry) until its liquidation ends: the liquidation loop looks after it.
//
// # Keys: conservative, so that no liquidation is missed
//
// The key comes from risk.LiquidationPrice, the trigger's own predicate
// solved on the tick grid (DESIGN.md §5), with everything but this position's
// mark held still. The mark, though, is a fixed.Price, not a tick, and the
// engine values a position Floor and its notional Ceil at it. With P the mark,
// T = ⌈P/tick⌉, c the value of the position per tick and M the maintenance
// requirement (non-decreasing in the notional), the engine's
// g(P) = equity − maintenance is bounded below on the grid:
//
//   - short: value(P) ≥ −c·T and notional(P) ≤ c·T, so g(P) ≥ g(T). With A
//     the solver's boundary for the position (safe at every tick below A), the
//     short is a candidate when T ≥ A.
//   - long: value(P) ≥ c·(T−1) and notional(P) ≤ c·T, so
//     g(P) ≥ g(T) − c = g′(T), the same position with c less other equity.
//     With A′ the solver's boundary for that (safe at every tick above A′),
//     the long is a candidate when T ≤ A′: about one tick of slack.
//
// Stored as a danger key d (A′ for a long, −A for a short), a position is a
// candidate exactly when d ≥ the market's threshold (T for longs, −T for
// shorts): both heaps are max-heaps and the candidates are their tops. A
// position liquidatable at every tick has d = keyLimit (2^62, above every
// threshold); one safe at every tick (a long with no liquidation price) has
// no entry.
//
// Both bounds need g monotone away from the boundary. For a short it always
// is. For a long it is while the requirement grows by at most c per tick
// (risk/liqprice.go): always for bracket tables (between their caps, which
// the solver handles), and for a square-root function while
// 1.5·MMF + 2e-12·T ≤ 1. Each market keeps a ceiling, the first tick at
// which that may fail for its largest long (MMF above 60%, or T above
// 5·10^10), from a count of its longs by size class (within 1/8), so that
// the ceiling comes back up when the largest long shrinks. A mark at or
// above the ceiling, or a mark of zero, makes detection fall back to
// evaluating every holder, exactly as before the index. Under the default
// configuration the BTC ceiling is 5 billion USDC a BTC while every long is
// below about 0.3 BTC; above that, it is where a long 1/8 larger than the
// largest would reach 1.6 billion USDC of notional (MMF 60%): about 1.5
// million USDC a BTC with a 1,000 BTC long, 150,000 with a 10,000 BTC one.
//
// # Candidates are confirmed
//
// The index only narrows. Every candidate is checked with marginOf (cross)
// or isolatedOf (isolated) before anything starts, so a key may be loose
// (too early) but never late. Keys loosen on purpose in two cases:
//
//   - a credit of the settlement asset (a deposit, a funding receipt, a
//     transfer in) only makes the account safer: the old key stays, and the
//     account is marked loose; if it later turns up as a candidate and is
//     healthy, its key is recomputed;
//   - a debit of the settlement asset alone (a funding payment, a fee) moves
//     the key toward danger by a gallop from the old key on the trigger's own
//     predicate (risk.LiquidatableAt): usually one requirement evaluation,
//     where a full solve takes 15 to 60; the new key is conservative and
//     loose by about an eighth of the move.
//
// Any other change (a fill, an isolated margin change, a balance in another
// asset, the start or end of a liquidation) recomputes the account's entries
// in full.
//
// # When keys are recomputed
//
// The engine reports every balance movement through emitBalance and every
// position change through emitPosition; each calls in here (liqBalance,
// liqTouch) to queue the account. Queued accounts are recomputed lazily, once
// each, when the next detection starts (refresh), so a command that fills a
// thousand orders costs one recomputation per account touched, not per fill.
// Because the hooks sit on the two event emitters, the index is as complete
// as the event stream, which the property tests check reproduces every
// balance and every position.
//
// # Data structure
//
// Per market: two binary max-heaps of (key, entry) in parallel arrays, and a
// list of "always" entries. Entries live in a slab with a free list and are
// chained per account. Inserting, removing and re-keying are O(log n); the
// candidates of a mark move are found by a pruned walk from the top of each
// heap, O(k) for k candidates, whichever way the mark moved (an account
// whose key moved past the mark since the last detection, because a fill or
// a fee put it there, is found on the next move of its market in either
// direction, as the full scan found it). Nothing allocates in steady state:
// the arrays grow to the number of positions and are reused.
//
// The index is derived state: it is not hashed and never decides an outcome
// by itself. Replaying the same commands rebuilds it identically, and
// liquidations start in ascending account id as the full scan started them.

// Entry kinds.
const (
	kindLong   uint8 = iota // in the market's long heap
	kindShort               // in the market's short heap
	kindAlways              // in the market's always list
	kindNever               // a long safe at every tick: in no heap, counted by size
	kindDone                // a want already matched (reconcile's marker)
)

// Account flags.
const (
	flagQueued uint8 = 1 << iota // in liqIndex.queue
	flagFull                     // recompute every entry
	flagLoose                    // a key may be looser than it needs to be
	flagParked                   // a liquidating account's cross part is set aside
)

// keyLimit bounds stored keys and thresholds (±2^62), far beyond any tick
// a mark reaches (MaxIndexPrice is 10^18 fixed.Price units), so that the
// sweep may subtract them (trigHeap.scan). A key of keyLimit is a candidate
// at every mark.
const keyLimit = 1 << 62

// Limits of the monotonicity a long's key relies on (see above).
const (
	monotoneMMF   = 600_000_000_000 // 60% as a fixed.Rate
	monotoneTicks = 50_000_000_000  // 2e-12·T ≤ 0.1
)

// liqIndex is the engine's liquidation index (its zero value is empty and
// ready).
type liqIndex struct {
	markets []mktIndex  // per MarketID; perpetuals only are used
	entries []liqEntry  // slab, entry 0 unused (0 = none)
	free    int32       // head of the free list of entries
	accts   []acctIndex // per AccountID
	queue   []AccountID // accounts to recompute before the next detection
	version uint64      // counts changes to entries and ceilings
	parked  []AccountID // accounts whose cross part is parked

	borrowers []AccountID // accounts that owe anything, ascending (borrowliq.go)
	found     []AccountID // scratch: borrowers a scan found liquidatable

	wants     []want            // scratch: an account's entries as they should be
	hits      []int32           // scratch: entries a detection found
	fallbacks []config.MarketID // scratch: markets a detection scans by their holders
	iso       []isoHit          // scratch: isolated candidates with their order
}

// mktIndex is one market's part of the index.
type mktIndex struct {
	long, short trigHeap
	always      []int32 // entries checked on every move
	// ceiling is the first tick at which longs' keys may no longer hold
	// (see above): from it up, detection evaluates every holder.
	ceiling int64
	limitN  int64 // the notional at which the MMF reaches monotoneMMF
	lotTick int64 // the market's settlement units per lot × tick
	// longs counts the long entries and kindNever entries (the positions
	// that rely on monotonicity) by size class (sizeClass); top is the
	// largest class in use, so every such long is below classBound(top).
	longs [512]int32
	top   uint16
}

// trigHeap is a binary max-heap of danger keys.
type trigHeap struct {
	keys []int64
	refs []int32
}

// liqEntry is one position's place in the index.
type liqEntry struct {
	key     int64
	account AccountID
	next    int32 // the account's next entry (or the next free one)
	pos     int32 // index in its heap or always list
	market  config.MarketID
	hedge   int8
	kind    uint8
	iso     bool
	class   uint16 // a long's size class in mktIndex.longs, 0 for others
}

// acctIndex is one account's state in the index.
type acctIndex struct {
	head  int32 // first entry
	flags uint8
	debit int64 // settlement debits since the last refresh (flagQueued without flagFull)
}

// want is an entry an account should have.
type want struct {
	key    int64
	market config.MarketID
	hedge  int8
	kind   uint8
	iso    bool
	class  uint16
}

// isoHit is an isolated candidate and the order it is handled in.
type isoHit struct {
	order int64
	ref   slotRef
}

// acct returns id's index state, growing the table for new accounts.
func (x *liqIndex) acct(id AccountID) *acctIndex {
	if int(id) >= len(x.accts) {
		x.accts = append(x.accts, make([]acctIndex, int(id)+1-len(x.accts))...)
	}
	return &x.accts[id]
}

// enqueue marks id for recomputation before the next detection; full asks for
// every entry (else only a settlement debit of amount is pending).
func (x *liqIndex) enqueue(id AccountID, full bool, debit int64) {
	s := x.acct(id)
	if s.flags&flagQueued == 0 {
		s.flags |= flagQueued
		x.queue = append(x.queue, id)
	}
	if full {
		s.flags |= flagFull
		return
	}
	if d, err := fixed.Add(s.debit, debit); err == nil {
		s.debit = d
	} else {
		s.flags |= flagFull
	}
}

// liqTouch is the hook for a change to one of an account's positions (its
// quantity, cost or isolated margin): its entries are recomputed before the
// next detection.
func (e *Engine) liqTouch(id AccountID) {
	if id >= e.firstUser {
		e.liq.enqueue(id, true, 0)
	}
}

// liqBalance is the hook for a balance movement of amount (negative: out of
// the account). A settlement credit leaves the keys conservative; a
// settlement debit shifts them; any other asset recomputes them.
func (e *Engine) liqBalance(id AccountID, asset config.AssetID, amount int64) {
	switch {
	case id < e.firstUser:
	case asset != e.settle:
		e.liq.enqueue(id, true, 0)
	case amount > 0:
		e.liq.acct(id).flags |= flagLoose
	default:
		e.liq.enqueue(id, false, -amount)
	}
}

// refresh brings the index up to date with the state: accounts whose
// liquidation ended are recomputed, then every queued account. Detection
// calls it before each query.
func (e *Engine) refresh() {
	x := &e.liq
	if len(x.markets) != len(e.markets) {
		x.init(e)
	}
	n := 0
	for _, id := range x.parked {
		s := &x.accts[id]
		switch {
		case s.flags&flagParked == 0: // recomputed since, not liquidating
		case e.accounts[id].liquidating:
			x.parked[n] = id
			n++
		default:
			s.flags &^= flagParked
			x.enqueue(id, true, 0)
		}
	}
	x.parked = x.parked[:n]
	for i := 0; i < len(x.queue); i++ {
		id := x.queue[i]
		s := &x.accts[id]
		full, debit := s.flags&flagFull != 0, s.debit
		s.flags &^= flagQueued | flagFull
		s.debit = 0
		if full || !e.shiftKeys(id, debit) {
			e.recompute(id)
		}
	}
	x.queue = x.queue[:0]
}

// init sizes the per-market tables and finds each market's monotonicity
// limit (once per engine).
func (x *liqIndex) init(e *Engine) {
	x.markets = make([]mktIndex, len(e.markets))
	for i := range e.markets {
		m := &e.markets[i]
		mi := &x.markets[i]
		mi.limitN = monotoneLimit(m.cfg, e.cfg.Assets[e.settle].Decimals, e.closingFee())
		mi.lotTick = m.lotTick
		mi.ceiling = ceilingTick(mi)
	}
	if len(x.entries) == 0 {
		x.entries = append(x.entries, liqEntry{}) // entry 0 means none
	}
}

// monotoneLimit returns the notional from which a square-root MMF plus the
// trigger's closing fee exceeds monotoneMMF (MaxInt64: never, as for bracket
// tables and flat functions below it).
func monotoneLimit(mc *config.Market, sdec int, closingFee int64) int64 {
	if mc.MMF.Kind != config.MarginSqrt {
		return math.MaxInt64
	}
	limit := monotoneMMF - closingFee
	if mc.MMF.Base > limit {
		return 0
	}
	if mc.MMF.Factor == 0 {
		return math.MaxInt64
	}
	above := func(n int64) bool {
		f, err := risk.Fraction(mc.MMF, n, sdec, 0)
		return err != nil || f > limit
	}
	if !above(math.MaxInt64) {
		return math.MaxInt64
	}
	lo, hi := int64(0), int64(math.MaxInt64) // above(lo) false, above(hi) true
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if above(mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}

// ceilingTick is the first tick at which a long below classBound(top) lots
// may leave the monotone range.
func ceilingTick(mi *mktIndex) int64 {
	if mi.limitN == math.MaxInt64 {
		return math.MaxInt64
	}
	t := int64(monotoneTicks)
	if mi.top > 0 {
		if c, err := fixed.Mul(classBound(mi.top), mi.lotTick); err == nil {
			t = min(t, mi.limitN/c)
		} else {
			t = 0
		}
	}
	return t
}

// sizeClass returns a long's size class: its bit length, then the three
// bits after its leading one. Classes grow with the size, and every long of
// a class is below classBound(class), at most 1/8 above it.
func sizeClass(qty int64) uint16 {
	n := bits.Len64(uint64(qty)) //nolint:gosec // qty > 0
	if n < 4 {
		return uint16(n) << 3 //nolint:gosec // n < 4
	}
	return uint16(n)<<3 | uint16(qty>>(n-4)&7) //nolint:gosec // n ≤ 63
}

// classBound is an upper bound of the sizes of a class (strict but for the
// last class, whose bound saturates at MaxInt64).
func classBound(class uint16) int64 {
	n, sub := int(class>>3), int64(class&7)
	switch {
	case n < 4:
		return int64(1) << n
	case n == 63 && sub == 7:
		return math.MaxInt64
	}
	return (9 + sub) << (n - 4)
}

// countLong adds delta to the count of longs of a size class in market
// mid, and moves the ceiling if the largest class in use changed.
func (x *liqIndex) countLong(mid config.MarketID, class uint16, delta int32) {
	if class == 0 {
		return
	}
	mi := &x.markets[mid]
	mi.longs[class] += delta
	top := mi.top
	switch {
	case delta > 0 && class > top:
		top = class
	case delta < 0 && class == top:
		for top > 0 && mi.longs[top] == 0 {
			top--
		}
	}
	if top != mi.top {
		mi.top = top
		mi.ceiling = ceilingTick(mi)
		x.version++
	}
}

// thresholds returns the long and short thresholds of market m at its mark,
// and false when m must fall back to evaluating every holder (a mark of
// zero, or one at or above the market's ceiling).
func (x *liqIndex) thresholds(m *market) (long, short int64, ok bool) {
	if m.mark == 0 {
		return 0, 0, false
	}
	t := m.priceTicks(m.mark, fixed.Ceil)
	if t >= x.markets[m.id].ceiling || t >= keyLimit {
		return 0, 0, false
	}
	return t, -t, true
}

// recompute rebuilds an account's entries from its state.
func (e *Engine) recompute(id AccountID) {
	x := &e.liq
	a := &e.accounts[id]
	w := x.wants[:0]
	cross, slot := 0, -1
	for i := range a.positions {
		p := &a.positions[i]
		if p.qty == 0 {
			continue
		}
		m := &e.markets[p.market]
		if !p.isolated {
			cross++
			slot = i
			continue
		}
		oe, err := fixed.Sub(p.margin, p.cost)
		w = e.appendWant(w, m, p.hedge, true, p.qty, oe, err)
	}
	s := x.acct(id)
	switch {
	case cross == 0:
	case a.liquidating:
		if s.flags&flagParked == 0 {
			s.flags |= flagParked
			x.parked = append(x.parked, id)
		}
	case cross == 1:
		p := &a.positions[slot]
		oe, simple, err := e.crossOtherEquity(id, p)
		if simple {
			w = e.appendWant(w, &e.markets[p.market], p.hedge, false, p.qty, oe, err)
			break
		}
		fallthrough
	default:
		for i := range a.positions {
			p := &a.positions[i]
			if p.qty != 0 && !p.isolated {
				w = appendAlways(w, p.market, 0, false)
			}
		}
	}
	if cross > 0 && !a.liquidating {
		s.flags &^= flagParked
	}
	s.flags &^= flagLoose
	x.wants = w
	x.reconcile(id, w)
}

// crossOtherEquity returns a cross account's equity without position p's
// value (its OtherEquity for the solver: the settlement balance, less the
// isolated margins, less p's cost), and whether the account is simple:
// nothing but the settlement asset in its balances.
func (e *Engine) crossOtherEquity(id AccountID, p *position) (int64, bool, error) {
	if e.accounts[id].hasLending() { // claims and debts move with time and prices
		return 0, false, nil
	}
	for asset := range e.cfg.Assets {
		if config.AssetID(asset) != e.settle && e.ledger.Balance(uint32(id), asset) != 0 { //nolint:gosec // asset < len(Assets)
			return 0, false, nil
		}
	}
	oe, err := fixed.Sub(e.ledger.Balance(uint32(id), int(e.settle)), p.cost)
	for i := range e.accounts[id].positions {
		if q := &e.accounts[id].positions[i]; q.isolated && err == nil {
			oe, err = fixed.Sub(oe, q.margin)
		}
	}
	return oe, true, err
}

// appendWant appends the entry a position of qty lots in m should have,
// with other equity oe: a trigger entry, an always entry when the solver
// cannot take it (err), or none when it is safe at every tick.
func (e *Engine) appendWant(w []want, m *market, hedge int8, iso bool, qty, oe int64, err error) []want {
	var key int64
	none := false
	if err == nil {
		key, none, err = e.triggerKey(m, qty, oe, iso)
	}
	switch {
	case err != nil:
		return appendAlways(w, m.id, hedge, iso)
	case qty < 0 && none:
		return w
	case qty < 0:
		return append(w, want{key: key, market: m.id, hedge: hedge, kind: kindShort, iso: iso})
	}
	kind := kindLong
	if none {
		kind = kindNever // no trigger, but counted: it relies on monotonicity
	}
	return append(w, want{key: key, market: m.id, hedge: hedge, kind: kind, iso: iso, class: sizeClass(qty)})
}

// appendAlways appends an always entry unless the account has one there.
func appendAlways(w []want, mid config.MarketID, hedge int8, iso bool) []want {
	for _, x := range w {
		if x.kind == kindAlways && x.market == mid && x.hedge == hedge && x.iso == iso {
			return w
		}
	}
	return append(w, want{market: mid, hedge: hedge, kind: kindAlways, iso: iso})
}

// priceInputs returns the solver's inputs for a position of qty lots in m
// with other equity oe (a long's already less one tick of value: see the
// file comment), but for Maintenance and Breaks, which the caller sets where
// it calls the solver (withRequirement), so that the requirement's closure
// stays on its stack.
func priceInputs(m *market, qty, oe int64) (risk.PriceInputs, error) {
	if qty > 0 {
		c, err := fixed.Mul(qty, m.lotTick)
		if err != nil {
			return risk.PriceInputs{}, err
		}
		if oe, err = fixed.Sub(oe, c); err != nil {
			return risk.PriceInputs{}, err
		}
	}
	return risk.PriceInputs{
		Qty: qty, OtherEquity: oe,
		NotionalNum: m.cfg.NotionalNum, NotionalDen: m.cfg.NotionalDen, TickSize: m.cfg.TickSize,
	}, nil
}

// triggerKey returns the danger key of a position of qty lots in m whose
// other equity is oe, nothing else needing maintenance; none when it is safe
// at every tick.
func (e *Engine) triggerKey(m *market, qty, oe int64, iso bool) (key int64, none bool, err error) {
	in, err := priceInputs(m, qty, oe)
	if err != nil {
		return 0, false, err
	}
	var brk [config.MaxBrackets]int64
	in.Maintenance = e.triggerRequirement(m, iso)
	in.Breaks = risk.MarketBreaks(m.cfg, brk[:0])
	t, ok, err := risk.LiquidationPrice(in)
	switch {
	case err != nil:
		return 0, false, err
	case !ok:
		// Safe at every tick, or liquidatable at every tick.
		if liq, err := risk.LiquidatableAt(in, 1); err == nil && !liq {
			return 0, true, nil
		}
		return keyLimit, false, nil
	case qty > 0:
		return min(t, keyLimit), false, nil
	}
	return max(-t, -keyLimit), false, nil
}

// shiftKeys moves a simple cross account's trigger toward danger after
// settlement debits of debit in all: from the old key, a gallop on the
// trigger's predicate finds a tick past which the position is still safe.
// It returns false when the account needs a full recomputation instead.
func (e *Engine) shiftKeys(id AccountID, debit int64) bool {
	x := &e.liq
	a := &e.accounts[id]
	var en *liqEntry
	for ref := x.accts[id].head; ref != 0; ref = x.entries[ref].next {
		switch c := &x.entries[ref]; {
		case c.iso:
		case c.kind == kindAlways:
			return true // checked on every move anyway
		default:
			en = c
		}
	}
	switch {
	case en == nil: // no cross entry: parked, or nothing to shift
		return a.liquidating || !a.hasCrossPosition()
	case en.kind == kindNever: // a long with no liquidation price, which a debit may give it
		return false
	case en.key == keyLimit:
		return true // a candidate at every mark already
	}
	i := e.slot(id, en.market, en.hedge, false)
	if i < 0 || a.liquidating {
		return false
	}
	p := &a.positions[i]
	m := &e.markets[en.market]
	oe, simple, err := e.crossOtherEquity(id, p)
	if !simple || err != nil {
		return false
	}
	in, err := priceInputs(m, p.qty, oe)
	if err != nil {
		return false
	}
	var brk [config.MaxBrackets]int64
	in.Maintenance = e.triggerRequirement(m, false)
	in.Breaks = risk.MarketBreaks(m.cfg, brk[:0])
	c, err := fixed.Mul(abs(p.qty), m.lotTick)
	if err != nil {
		return false
	}
	// The debit moves the boundary by about debit/c ticks, a little more
	// as maintenance grows with the notional: try an eighth more first (one
	// evaluation, usually), then double. Less than a tick's value may leave
	// the key where it is.
	first := int64(0)
	if debit >= c {
		first = debit/c + debit/c/8 + 1
	}
	// Long: safe at every tick ≥ t keeps the key at t−1. Short: safe at
	// every tick ≤ t makes the boundary t+1, the key −(t+1).
	from, dir := en.key+1, int64(1)
	if en.kind == kindShort {
		from, dir = -en.key-1, -1
	}
	for d := first; ; d = min(2*d+1, math.MaxInt64/4) {
		t := from + dir*d
		if t < 1 {
			if dir > 0 {
				return false
			}
			x.rekey(en, -1) // a short with no safe tick: a candidate at every mark
			break
		}
		liq, err := risk.LiquidatableAt(in, t)
		if err != nil || d >= math.MaxInt64/4 {
			return false
		}
		if !liq {
			if dir > 0 {
				x.rekey(en, min(t-1, keyLimit))
			} else {
				x.rekey(en, max(-(t+1), -keyLimit))
			}
			break
		}
	}
	x.acct(id).flags |= flagLoose
	return true
}

// rekey changes an entry's key and restores its heap.
func (x *liqIndex) rekey(en *liqEntry, key int64) {
	if en.key == key {
		return
	}
	x.version++
	en.key = key
	h := x.heapOf(en)
	h.keys[en.pos] = key
	x.fix(h, int(en.pos))
}

// reconcile makes id's entries match w: entries that stay are re-keyed in
// place, the others removed, the missing ones added.
func (x *liqIndex) reconcile(id AccountID, w []want) {
	s := &x.accts[id]
	prev, ref := int32(0), s.head
	for ref != 0 {
		en := &x.entries[ref]
		next := en.next
		j := -1
		for k := range w {
			if w[k].kind == en.kind && w[k].market == en.market && w[k].hedge == en.hedge && w[k].iso == en.iso {
				j = k
				break
			}
		}
		if j >= 0 {
			if en.kind == kindLong || en.kind == kindShort {
				x.rekey(en, w[j].key)
			}
			if en.class != w[j].class {
				x.countLong(en.market, en.class, -1)
				x.countLong(en.market, w[j].class, +1)
				en.class = w[j].class
			}
			w[j].kind = kindDone
			prev = ref
		} else {
			x.detach(en)
			if prev == 0 {
				s.head = next
			} else {
				x.entries[prev].next = next
			}
			en.next, x.free = x.free, ref
		}
		ref = next
	}
	for _, wn := range w {
		if wn.kind == kindDone {
			continue
		}
		ref := x.free
		if ref != 0 {
			x.free = x.entries[ref].next
		} else {
			ref = int32(len(x.entries)) //nolint:gosec // entries ≤ positions
			x.entries = append(x.entries, liqEntry{})
		}
		x.entries[ref] = liqEntry{key: wn.key, account: id, next: s.head, market: wn.market,
			hedge: wn.hedge, kind: wn.kind, iso: wn.iso, class: wn.class}
		s.head = ref
		x.attach(ref)
	}
}

// heapOf returns the heap an entry lives in.
func (x *liqIndex) heapOf(en *liqEntry) *trigHeap {
	if en.kind == kindLong {
		return &x.markets[en.market].long
	}
	return &x.markets[en.market].short
}

// attach puts entry ref into its heap or always list.
func (x *liqIndex) attach(ref int32) {
	x.version++
	en := &x.entries[ref]
	x.countLong(en.market, en.class, +1)
	switch en.kind {
	case kindNever:
		return
	case kindAlways:
		mi := &x.markets[en.market]
		en.pos = int32(len(mi.always)) //nolint:gosec // entries ≤ positions
		mi.always = append(mi.always, ref)
		return
	}
	h := x.heapOf(en)
	h.keys = append(h.keys, en.key)
	h.refs = append(h.refs, ref)
	x.up(h, len(h.keys)-1)
}

// detach takes an entry out of its heap or always list.
func (x *liqIndex) detach(en *liqEntry) {
	x.version++
	x.countLong(en.market, en.class, -1)
	i := int(en.pos)
	switch en.kind {
	case kindNever:
		return
	case kindAlways:
		mi := &x.markets[en.market]
		last := len(mi.always) - 1
		mi.always[i] = mi.always[last]
		x.entries[mi.always[i]].pos = int32(i) //nolint:gosec // i < len
		mi.always = mi.always[:last]
		return
	}
	h := x.heapOf(en)
	last := len(h.keys) - 1
	if i != last {
		h.keys[i], h.refs[i] = h.keys[last], h.refs[last]
		x.entries[h.refs[i]].pos = int32(i) //nolint:gosec // i < len
	}
	h.keys, h.refs = h.keys[:last], h.refs[:last]
	if i != last {
		x.fix(h, i)
	}
}

// fix restores the heap order around index i after its key changed.
func (x *liqIndex) fix(h *trigHeap, i int) {
	if !x.down(h, i) {
		x.up(h, i)
	}
}

func (x *liqIndex) up(h *trigHeap, i int) {
	key, ref := h.keys[i], h.refs[i]
	for i > 0 {
		p := (i - 1) / 2
		if h.keys[p] >= key {
			break
		}
		h.keys[i], h.refs[i] = h.keys[p], h.refs[p]
		x.entries[h.refs[i]].pos = int32(i) //nolint:gosec // i < len
		i = p
	}
	h.keys[i], h.refs[i] = key, ref
	x.entries[ref].pos = int32(i) //nolint:gosec // i < len
}

// down sifts index i toward the leaves; it reports whether it moved.
func (x *liqIndex) down(h *trigHeap, i0 int) bool {
	i, n := i0, len(h.keys)
	key, ref := h.keys[i], h.refs[i]
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if r := c + 1; r < n && h.keys[r] > h.keys[c] {
			c = r
		}
		if h.keys[c] <= key {
			break
		}
		h.keys[i], h.refs[i] = h.keys[c], h.refs[c]
		x.entries[h.refs[i]].pos = int32(i) //nolint:gosec // i < len
		i = c
	}
	h.keys[i], h.refs[i] = key, ref
	x.entries[ref].pos = int32(i) //nolint:gosec // i < len
	return i != i0
}

// top appends to out the entries of h with key ≥ thr, walking down from the
// root only where the heap order allows one: O(results).
func (h *trigHeap) top(thr int64, i int, out []int32) []int32 {
	for i < len(h.keys) && h.keys[i] >= thr {
		out = append(out, h.refs[i])
		out = h.top(thr, 2*i+1, out)
		i = 2*i + 2
	}
	return out
}

// scan appends to out the entries of h with key ≥ thr by reading every key
// in order: the full sweep, which relies on no ordering at all. Keys and
// thresholds lie within ±2^62 (keyLimit), so k − thr cannot overflow and is
// negative exactly when k is safe: eight keys are safe together when the
// AND of their differences is negative, one branch for eight keys, so that
// reading them, not comparing them, is the limit.
func (h *trigHeap) scan(thr int64, out []int32) []int32 {
	k, base := h.keys, 0
	for len(k) >= 8 {
		if (k[0]-thr)&(k[1]-thr)&(k[2]-thr)&(k[3]-thr)&(k[4]-thr)&(k[5]-thr)&(k[6]-thr)&(k[7]-thr) >= 0 {
			for j, v := range k[:8] {
				if v >= thr {
					out = append(out, h.refs[base+j])
				}
			}
		}
		k, base = k[8:], base+8
	}
	for j, v := range k {
		if v >= thr {
			out = append(out, h.refs[base+j])
		}
	}
	return out
}
