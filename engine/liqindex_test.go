package engine

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"testing"

	"pgregory.net/rapid"

	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
	"github.com/waterfallrisk/waterfall/engine/risk"
)

// Detections in this package's tests (the scenarios, the property and fuzz
// tests, the tests below) compare what the liquidation index finds with a
// full recompute over every holder, and panic on a difference: the fast path
// must find exactly the accounts, in exactly the order, that evaluating
// everything finds. Every detection of this file's tests is checked;
// elsewhere one in checkEvery, which keeps the long property run's time in
// bounds (the recompute costs what a detection without the index cost). The
// scenarios' expected output already pins what their detections find.
var (
	checkEvery  = 8
	detections  int
	checkAllNow bool
)

func init() {
	detectCheck = func(e *Engine, m *market) {
		detections++
		if !checkAllNow && detections%checkEvery != 0 {
			return
		}
		if err := checkFound(e, m); err != nil {
			panic(err)
		}
	}
}

// checkAll makes every detection of the test checked.
func checkAll(t *testing.T) {
	checkAllNow = true
	t.Cleanup(func() { checkAllNow = false })
}

// exactCross is the full recompute: every cross account holding a position
// in m (any market for nil), not liquidating, whose MMR is at or above 100%,
// ascending.
func exactCross(e *Engine, m *market) []AccountID {
	var out []AccountID
	for id := e.firstUser; int(id) < len(e.accounts); id++ {
		a := &e.accounts[id]
		if a.liquidating || a.system {
			continue
		}
		holds := false
		for _, p := range a.positions {
			holds = holds || p.qty != 0 && !p.isolated && (m == nil || p.market == m.id)
		}
		if holds && e.liquidatable(id) {
			out = append(out, id)
		}
	}
	return out
}

// exactIsolated is the full recompute for isolated positions, in the order
// the full scan met them: m's holders in order, or (nil) account then slot.
func exactIsolated(e *Engine, m *market) []slotRef {
	var out []slotRef
	check := func(id AccountID, i int) {
		if p := &e.accounts[id].positions[i]; p.isolated && p.qty != 0 {
			if r := e.isolatedOf(id, i); r.Liquidatable() {
				out = append(out, slotRef{id, p.market, p.hedge})
			}
		}
	}
	if m != nil {
		for _, h := range m.holders {
			check(h.account, int(h.slot))
		}
		return out
	}
	for id := e.firstUser; int(id) < len(e.accounts); id++ {
		for i := range e.accounts[id].positions {
			check(id, i)
		}
	}
	return out
}

// checkFound compares what the detection in m (nil: the sweep) found
// through the index, the cross accounts in e.scan and the isolated
// positions findIsolated lists, confirmed, with the full recompute. The
// index must be refreshed.
func checkFound(e *Engine, m *market) error {
	cross := e.scan
	e.findIsolated(m)
	var iso []slotRef
	for _, r := range e.isoScan {
		i := e.slot(r.account, r.market, r.hedge, false)
		if i < 0 {
			continue
		}
		if p := &e.accounts[r.account].positions[i]; !p.isolated || p.qty == 0 {
			continue
		}
		if x := e.isolatedOf(r.account, i); x.Liquidatable() {
			iso = append(iso, r)
		}
	}
	wantCross, wantIso := exactCross(e, m), exactIsolated(e, m)
	name := "sweep"
	if m != nil {
		name = m.cfg.Symbol
	}
	if !slices.Equal(cross, wantCross) {
		return fmt.Errorf("detection in %s at seq %d: index finds cross %v, full recompute %v", name, e.seq, cross, wantCross)
	}
	if !slices.Equal(iso, wantIso) {
		return fmt.Errorf("detection in %s at seq %d: index finds isolated %v, full recompute %v", name, e.seq, iso, wantIso)
	}
	return nil
}

// checkDetection runs the index's side of a detection in m (nil: the
// sweep) without starting anything, and compares it with the full
// recompute.
func checkDetection(e *Engine, m *market) error {
	e.refresh()
	e.collect(m)
	e.findCross(m)
	return checkFound(e, m)
}

// checkIndex checks the index's structure (heap order, positions, account
// chains) and that it is what recomputing every account from scratch gives:
// the same entries, with keys equal, or for a loose account at least as
// early (never later) than the fresh ones. Refreshes the index first.
func checkIndex(e *Engine) error {
	e.refresh()
	x := &e.liq
	live := 0
	for mid := range x.markets {
		mi := &x.markets[mid]
		for _, h := range []*trigHeap{&mi.long, &mi.short} {
			for i, ref := range h.refs {
				en := &x.entries[ref]
				if int(en.pos) != i || en.key != h.keys[i] || int(en.market) != mid {
					return fmt.Errorf("heap slot %d of market %d: entry %+v", i, mid, *en)
				}
				if i > 0 && h.keys[(i-1)/2] < h.keys[i] {
					return fmt.Errorf("heap order broken at %d in market %d", i, mid)
				}
			}
			live += len(h.refs)
		}
		for i, ref := range mi.always {
			if en := &x.entries[ref]; int(en.pos) != i || en.kind != kindAlways || int(en.market) != mid {
				return fmt.Errorf("always slot %d of market %d: entry %+v", i, mid, *en)
			}
		}
		live += len(mi.always)
	}
	chained := 0
	longs := make([][512]int32, len(x.markets))
	for id := range x.accts {
		for ref := x.accts[id].head; ref != 0; ref = x.entries[ref].next {
			en := &x.entries[ref]
			if en.account != AccountID(id) { //nolint:gosec // test
				return fmt.Errorf("account %d chains entry %d of account %d", id, ref, en.account)
			}
			if en.kind != kindNever {
				chained++
			}
			if (en.class > 0) != (en.kind == kindLong || en.kind == kindNever) {
				return fmt.Errorf("entry %+v: size class on the wrong kind", *en)
			}
			longs[en.market][en.class]++
		}
	}
	if chained != live {
		return fmt.Errorf("%d entries chained to accounts, %d in heaps and lists", chained, live)
	}
	for mid := range x.markets {
		mi := &x.markets[mid]
		longs[mid][0] = 0
		top := uint16(0)
		for c, n := range longs[mid] {
			if n > 0 {
				top = uint16(c) //nolint:gosec // < 512
			}
		}
		if longs[mid] != mi.longs || top != mi.top || mi.ceiling != ceilingTick(mi) {
			return fmt.Errorf("market %d: long size classes (top %d, ceiling %d) differ from a recount (top %d)", mid, mi.top, mi.ceiling, top)
		}
	}

	old := e.liq
	e.liq = liqIndex{}
	for id := e.firstUser; int(id) < len(e.accounts); id++ {
		e.liq.enqueue(id, true, 0)
	}
	e.refresh()
	fresh := e.liq
	e.liq = old
	type ent struct {
		market config.MarketID
		hedge  int8
		kind   uint8
		iso    bool
		key    int64
	}
	entriesOf := func(x *liqIndex, id AccountID) []ent {
		var out []ent
		if int(id) < len(x.accts) {
			for ref := x.accts[id].head; ref != 0; ref = x.entries[ref].next {
				en := &x.entries[ref]
				out = append(out, ent{en.market, en.hedge, en.kind, en.iso, en.key})
			}
		}
		slices.SortFunc(out, func(a, b ent) int {
			return cmp.Or(cmp.Compare(a.market, b.market), cmp.Compare(a.hedge, b.hedge), cmp.Compare(a.kind, b.kind), cmp.Compare(btoi(a.iso), btoi(b.iso)))
		})
		return out
	}
	for id := e.firstUser; int(id) < len(e.accounts); id++ {
		got, want := entriesOf(&old, id), entriesOf(&fresh, id)
		loose := int(id) < len(old.accts) && old.accts[id].flags&flagLoose != 0
		if !loose {
			if !slices.Equal(got, want) {
				return fmt.Errorf("account %d: index has %+v, a fresh recompute %+v", id, got, want)
			}
			continue
		}
		// Loose: every fresh trigger has an always entry, or a trigger whose
		// first tick past the key is safe (the solver's own key may be one
		// tick earlier still: its boundary tick itself may be safe).
		for _, w := range want {
			ok := false
			for _, g := range got {
				ok = ok || g.market == w.market && g.hedge == w.hedge && g.iso == w.iso &&
					(g.kind == kindAlways || w.kind == kindNever && g.kind == kindLong ||
						g.kind == w.kind && (g.key >= w.key || keyHolds(e, id, g.market, g.hedge, g.kind, g.key)))
			}
			if !ok {
				return fmt.Errorf("loose account %d: index has %+v, a fresh recompute %+v", id, got, want)
			}
		}
	}
	return nil
}

// keyHolds reports whether the position's state makes it safe at the first
// tick past key (on the side of safety), which, the predicate being
// monotone, makes key a valid (conservative) key.
func keyHolds(e *Engine, id AccountID, mid config.MarketID, hedge int8, kind uint8, key int64) bool {
	i := e.slot(id, mid, hedge, false)
	if i < 0 {
		return false
	}
	p := &e.accounts[id].positions[i]
	oe, err := fixed.Sub(p.margin, p.cost)
	if !p.isolated {
		oe, _, err = e.crossOtherEquity(id, p)
	}
	var brk [config.MaxBrackets]int64
	m := &e.markets[mid]
	in, err2 := priceInputs(m, p.qty, oe)
	if err != nil || err2 != nil {
		return false
	}
	in.Maintenance = e.triggerRequirement(m, p.isolated)
	in.Breaks = risk.MarketBreaks(m.cfg, brk[:0])
	t := key + 1
	if kind == kindShort {
		t = -key - 1
	}
	if t < 1 {
		return true
	}
	liq, err := risk.LiquidatableAt(in, t)
	return err == nil && !liq
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestDetectionMatchesFullRecompute drives random trades (cross, isolated,
// hedge mode, several markets), deposits and withdrawals in USDC and in
// other assets, margin moves, index moves, basis samples, funding and the
// liquidation loop, and after every command checks that the index finds
// exactly what a full recompute finds, for every market and for the sweep,
// and that it equals an index rebuilt from scratch. The init above checks
// the same inside every detection the commands trigger.
// It runs under the default preset and under ladder, whose cross trigger
// reserves the closing fee on top of maintenance.
func TestDetectionMatchesFullRecompute(t *testing.T) {
	for _, policy := range []config.LiquidationPolicy{config.PolicyBackpack, config.PolicyLadder} {
		t.Run(policy.String(), func(t *testing.T) { detectionMatches(t, policy) })
	}
}

func detectionMatches(t *testing.T, policy config.LiquidationPolicy) {
	checkAll(t)
	var started, isolated, commands, shifts int
	defer func() {
		t.Logf("%d commands: %d cross liquidations started, %d isolated liquidations, %d keys shifted", commands, started, isolated, shifts)
	}()
	rapid.Check(t, func(rt *rapid.T) {
		cfg := config.Default()
		cfg.Liquidation.Policy = policy
		e, err := New(cfg)
		if err != nil {
			rt.Fatal(err)
		}
		usdc, _ := cfg.AssetBySymbol("USDC")
		assets := []config.AssetID{}
		prices := []int64{100_000, 3_000, 150}
		for _, s := range []string{"BTC", "ETH", "SOL"} {
			a, _ := cfg.AssetBySymbol(s)
			assets = append(assets, a)
		}
		var perps, spots []config.MarketID
		for i := range cfg.Markets {
			if cfg.Markets[i].Kind == config.Perp {
				perps = append(perps, config.MarketID(i)) //nolint:gosec // test
			} else {
				spots = append(spots, config.MarketID(i)) //nolint:gosec // test
			}
		}
		try := func(c Command) error {
			evs, err := e.Apply(&c)
			commands++
			for _, ev := range evs {
				if ev.Kind == EvLiquidation && ev.Stage == StageBook {
					if ev.Isolated {
						isolated++
					} else {
						started++
					}
				}
			}
			return err
		}
		must := func(c Command) {
			if err := try(c); err != nil {
				rt.Fatalf("%v: %v", c.Kind, err)
			}
		}
		must(Command{Kind: CmdAdvanceTime, Amount: 1_700_000_000_000})
		for i, a := range assets {
			must(Command{Kind: CmdSetIndexPrice, Asset: a, Amount: prices[i] * fixed.PriceScale})
		}
		newAccount := func(usd int64) AccountID {
			id := AccountID(len(e.accounts)) //nolint:gosec // test
			must(Command{Kind: CmdCreateAccount})
			must(Command{Kind: CmdDeposit, Account: id, Asset: usdc, Amount: usd * 1_000_000})
			return id
		}
		mm := newAccount(1_000_000_000)
		provider := newAccount(100_000_000)
		for _, m := range perps {
			if rapid.Bool().Draw(rt, "backstop") {
				must(Command{Kind: CmdRegisterBackstop, Account: provider, Market: m, Amount: 2_000_000 * 1_000_000})
			}
		}
		n := rapid.IntRange(3, 10).Draw(rt, "users")
		users := []AccountID{}
		for range n {
			id := newAccount(rapid.Int64Range(300, 30_000).Draw(rt, "usdc"))
			switch rapid.IntRange(0, 3).Draw(rt, "mode") {
			case 1:
				must(Command{Kind: CmdSetMarginMode, Account: id, MarginMode: Isolated})
			case 2:
				must(Command{Kind: CmdSetPositionMode, Account: id, PositionMode: Hedge})
			}
			users = append(users, id)
		}
		markTicks := func(m config.MarketID) int64 {
			return max(1, e.markets[m].mark/e.cfg.Markets[m].TickSize)
		}
		quote := func(m config.MarketID) {
			_ = try(Command{Kind: CmdCancelAll, Account: mm, Market: m})
			t := markTicks(m)
			w := rapid.Int64Range(1, 200).Draw(rt, "spread‱")
			lots := rapid.Int64Range(1_000, 200_000).Draw(rt, "mm lots")
			_ = try(Command{Kind: CmdPlaceOrder, Account: mm, Market: m, Side: Bid, Type: Limit, Price: max(1, t-t*w/10_000-1), Quantity: lots})
			_ = try(Command{Kind: CmdPlaceOrder, Account: mm, Market: m, Side: Ask, Type: Limit, Price: t + t*w/10_000 + 1, Quantity: lots})
		}
		for _, m := range perps {
			quote(m)
		}
		steps := rapid.IntRange(20, 150).Draw(rt, "steps")
		for range steps {
			id := users[rapid.IntRange(0, len(users)-1).Draw(rt, "user")]
			m := perps[rapid.IntRange(0, len(perps)-1).Draw(rt, "market")]
			side := []Side{Bid, Ask}[rapid.IntRange(0, 1).Draw(rt, "side")]
			ps := NoSide
			if e.accounts[id].positionMode == Hedge {
				ps = PositionSide(rapid.IntRange(1, 2).Draw(rt, "position side")) //nolint:gosec // test
			}
			switch rapid.IntRange(0, 19).Draw(rt, "action") {
			case 0, 1, 2, 3, 4:
				// Sized by leverage on the account's equity, so that some
				// orders reach the initial margin and some positions the
				// maintenance margin after a move.
				lev := rapid.Int64Range(5, 80).Draw(rt, "leverage")
				r := e.marginOf(id, nil)
				lots := max(1, r.NetEquity*lev/max(1, markTicks(m)*e.markets[m].lotTick))
				slot := e.slot(id, m, ps.hedge(), false)
				c := Command{Kind: CmdPlaceOrder, Account: id, Market: m, Side: side, Type: Market, Quantity: lots,
					PositionSide: ps, ReduceOnly: slot >= 0 && e.accounts[id].positions[slot].qty != 0 && rapid.IntRange(0, 5).Draw(rt, "reduce") == 0}
				if rapid.Bool().Draw(rt, "limit") {
					off := rapid.Int64Range(-300, 300).Draw(rt, "offset‱")
					c.Type, c.Price = Limit, max(1, markTicks(m)+markTicks(m)*off/10_000)
				}
				switch {
				case slot < 0 && rapid.IntRange(0, 3).Draw(rt, "iso order") == 0:
					c.MarginMode = Isolated
				case slot >= 0:
					p := &e.accounts[id].positions[slot]
					if p.isolated {
						c.MarginMode = Isolated
					}
					if c.ReduceOnly && p.qty != 0 {
						c.Side = Bid
						if p.qty > 0 {
							c.Side = Ask
						}
					}
				}
				_ = try(c)
			case 5:
				quote(m)
			case 6, 7, 16, 17:
				a := rapid.IntRange(0, len(assets)-1).Draw(rt, "asset")
				ppm := rapid.Int64Range(-250_000, 250_000).Draw(rt, "move ppm")
				p := e.index[assets[a]]
				_ = try(Command{Kind: CmdSetIndexPrice, Asset: assets[a], Amount: max(fixed.PriceScale, p+p/1_000_000*ppm)})
			case 8, 9:
				ms := []int64{1_000, 5_000, 60_000, 3_600_000}[rapid.IntRange(0, 3).Draw(rt, "advance")]
				_ = try(Command{Kind: CmdAdvanceTime, Amount: e.now + ms})
			case 10:
				_ = try(Command{Kind: CmdDeposit, Account: id, Asset: usdc, Amount: rapid.Int64Range(1, 5_000_000_000).Draw(rt, "deposit")})
			case 11:
				a := assets[rapid.IntRange(0, len(assets)-1).Draw(rt, "collateral")]
				_ = try(Command{Kind: CmdDeposit, Account: id, Asset: a, Amount: rapid.Int64Range(1, 100_000_000).Draw(rt, "amount")})
			case 12:
				a := usdc
				if rapid.Bool().Draw(rt, "withdraw other") {
					a = assets[rapid.IntRange(0, len(assets)-1).Draw(rt, "asset")]
				}
				_ = try(Command{Kind: CmdWithdraw, Account: id, Asset: a, Amount: rapid.Int64Range(1, 5_000_000_000).Draw(rt, "withdraw")})
			case 13:
				_ = try(Command{Kind: CmdAdjustMargin, Account: id, Market: m, PositionSide: ps, Amount: rapid.Int64Range(-2_000_000_000, 2_000_000_000).Draw(rt, "margin")})
			case 14:
				s := spots[rapid.IntRange(0, len(spots)-1).Draw(rt, "spot")]
				_ = try(Command{Kind: CmdPlaceOrder, Account: id, Market: s, Side: Bid, Type: Market, QuoteQty: rapid.Int64Range(1_000_000, 3_000_000_000).Draw(rt, "spot quote")})
			case 15:
				_ = try(Command{Kind: CmdCancelAll, Account: id})
			case 18, 19:
				// Move the mark to within two ticks of a trigger, on or
				// between ticks: the boundary where keys must be exact.
				e.refresh()
				mi := &e.liq.markets[m]
				h, sign := &mi.long, int64(1)
				if rapid.Bool().Draw(rt, "short trigger") {
					h, sign = &mi.short, -1
				}
				if len(h.keys) == 0 {
					break
				}
				k := h.keys[rapid.IntRange(0, len(h.keys)-1).Draw(rt, "trigger")] * sign
				if k <= 2 || k > 1<<40 {
					break
				}
				tick := e.cfg.Markets[m].TickSize
				target := (k+rapid.Int64Range(-2, 2).Draw(rt, "ticks off"))*tick + rapid.Int64Range(0, tick-1).Draw(rt, "between")
				base := e.cfg.Markets[m].Base
				_ = try(Command{Kind: CmdSetIndexPrice, Asset: base, Amount: max(fixed.PriceScale, target-e.markets[m].basis)})
			}
			for _, id := range e.liq.queue {
				if e.liq.accts[id].flags&flagFull == 0 {
					shifts++
				}
			}
			if err := checkIndex(e); err != nil {
				rt.Fatal(err)
			}
			for _, m := range perps {
				if err := checkDetection(e, &e.markets[m]); err != nil {
					rt.Fatal(err)
				}
			}
			if err := checkDetection(e, nil); err != nil {
				rt.Fatal(err)
			}
		}
	})
}

// TestTriggerKeyIsConservative checks the keys against the engine's own
// evaluation at marks on and between ticks: wherever a position is
// liquidatable, its key makes it a candidate, and one tick past the key it
// is not liquidatable (on the grid), so keys are tight.
func TestTriggerKeyIsConservative(t *testing.T) {
	checkAll(t)
	rapid.Check(t, func(rt *rapid.T) {
		e, ids := newTestEngine(t, 1)
		id := ids[0]
		m := &e.markets[rapid.IntRange(0, 2).Draw(rt, "market")]
		if !m.perp() {
			rt.Skip("spot")
		}
		qty := rapid.Int64Range(1, 5_000_000).Draw(rt, "lots")
		if rapid.Bool().Draw(rt, "short") {
			qty = -qty
		}
		p := &e.accounts[id].positions
		m.mark = 1_000 * fixed.PriceScale // any: valuations below set it
		*p = append((*p)[:0], position{market: m.id, qty: qty, holder: -1})
		tick := m.cfg.TickSize
		entry := rapid.Int64Range(1, 2_000_000).Draw(rt, "entry ticks")
		(*p)[0].cost, _ = m.quote(qty, entry)
		oe := rapid.Int64Range(-1<<40, 1<<44).Draw(rt, "balance")
		bal := e.ledger.Balance(uint32(id), int(e.settle))
		_ = e.ledger.Withdraw(uint32(id), int(e.settle), bal)
		if oe > 0 {
			_ = e.ledger.Deposit(uint32(id), int(e.settle), oe)
		}
		other, simple, err := e.crossOtherEquity(id, &(*p)[0])
		if !simple || err != nil {
			rt.Fatal("not simple", err)
		}
		key, none, err := e.triggerKey(m, qty, other, false)
		if err != nil {
			rt.Skip(err)
		}
		e.refresh()
		if qty > 0 {
			e.liq.countLong(m.id, sizeClass(qty), +1)
		}
		candidate := func(price int64) bool {
			m.mark = price
			l, s, ok := e.liq.thresholds(m)
			switch {
			case !ok:
				return true // the fallback evaluates every holder
			case none:
				return false
			case qty > 0:
				return key >= l
			}
			return key >= s
		}
		for range 40 {
			price := rapid.Int64Range(1, 4_000_000*tick).Draw(rt, "mark")
			if !none && key != keyLimit && rapid.Bool().Draw(rt, "near") {
				k := key
				if qty < 0 {
					k = -key
				}
				price = max(1, k*tick+rapid.Int64Range(-3*tick, 3*tick).Draw(rt, "near offset"))
			}
			m.mark = price
			if e.liquidatable(id) && !candidate(price) {
				rt.Fatalf("liquidatable at mark %d but not a candidate (key %d, none %v)", price, key, none)
			}
		}
		if none || key == keyLimit || key == -1 {
			return
		}
		// Tight: one tick beyond the key (on the grid, then the tick after) is safe.
		safe := (key + 1) * tick
		if qty < 0 {
			safe = (-key - 1) * tick
		}
		if safe > 0 {
			m.mark = safe
			if e.liquidatable(id) {
				rt.Fatalf("liquidatable one tick past the key %d", key)
			}
		}
	})
}

// TestShiftKeysStaysConservative: after a settlement debit the shifted key
// still makes the position a candidate wherever it is liquidatable.
func TestShiftKeysStaysConservative(t *testing.T) {
	checkAll(t)
	rapid.Check(t, func(rt *rapid.T) {
		e, ids := newTestEngine(t, 2)
		id, other := ids[0], ids[1]
		perp, _ := e.cfg.MarketBySymbol("BTC_USDC_PERP")
		m := &e.markets[perp]
		lots := rapid.Int64Range(1, 20_000).Draw(rt, "lots")
		side := []Side{Bid, Ask}[rapid.IntRange(0, 1).Draw(rt, "side")]
		apply(t, e, Command{Kind: CmdPlaceOrder, Account: other, Market: perp, Side: side.Opposite(), Type: Limit, Price: 1_000_000, Quantity: lots})
		if _, err := e.Apply(&Command{Kind: CmdPlaceOrder, Account: id, Market: perp, Side: side, Type: Market, Quantity: lots}); err != nil {
			rt.Skip(err)
		}
		e.refresh()
		debit := rapid.Int64Range(1, 60_000_000_000).Draw(rt, "debit")
		_ = e.transfer(id, AccountFunding, e.settle, min(debit, e.ledger.Balance(uint32(id), int(e.settle))), SourceFundingPayment, perp)
		e.refresh()
		if err := checkIndex(e); err != nil {
			rt.Fatal(err)
		}
		for range 50 {
			m.mark = rapid.Int64Range(50_000, 150_000).Draw(rt, "mark") * fixed.PriceScale / 1_000 * 1_000
			m.mark += rapid.Int64Range(0, fixed.PriceScale).Draw(rt, "fraction")
			if err := checkDetection(e, m); err != nil {
				rt.Fatal(err)
			}
		}
	})
}

// TestSizeClasses: classes grow with the size and bound it within 1/8.
func TestSizeClasses(t *testing.T) {
	prev := uint16(0)
	for _, q := range []int64{1, 2, 3, 7, 8, 9, 15, 16, 17, 18, 100, 1_000, 4_095, 4_096, 1<<40 + 12345, 1<<62 - 1, math.MaxInt64} {
		c := sizeClass(q)
		if c < prev || q >= classBound(c) && q != math.MaxInt64 || classBound(c) > q+q/8+2 && q < 1<<60 {
			t.Fatalf("size %d: class %d bound %d (previous class %d)", q, c, classBound(c), prev)
		}
		prev = c
	}
}

// TestMonotoneLimit: the default BTC function reaches 60% near 1.6 billion
// USDC, so the fallback ceiling is far above any price a position of a
// realistic size meets.
func TestMonotoneLimit(t *testing.T) {
	cfg := config.Default()
	perp, _ := cfg.MarketBySymbol("BTC_USDC_PERP")
	n := monotoneLimit(&cfg.Markets[perp], 6, 0)
	f, _ := risk.Fraction(cfg.Markets[perp].MMF, n, 6, 0)
	g, _ := risk.Fraction(cfg.Markets[perp].MMF, n-1, 6, 0)
	if f <= monotoneMMF || g > monotoneMMF {
		t.Fatalf("limit %d: fraction %d there, %d one unit below", n, f, g)
	}
	if usdc := n / 1_000_000; usdc < 1_000_000_000 || usdc > 2_000_000_000 {
		t.Fatalf("limit %d USDC, want about 1.6 billion", usdc)
	}
}

// TestCeilingFallsBackToHolders: a mark above a market's ceiling makes
// detection evaluate every holder, and it still finds what the full
// recompute finds.
func TestCeilingFallsBackToHolders(t *testing.T) {
	checkAll(t)
	e, ids := newTestEngine(t, 2)
	perp, _ := e.cfg.MarketBySymbol("BTC_USDC_PERP")
	btc, _ := e.cfg.AssetBySymbol("BTC")
	apply(t, e, Command{Kind: CmdPlaceOrder, Account: ids[0], Market: perp, Side: Bid, Type: Limit, Price: 1_000_000, Quantity: 50_000})
	apply(t, e, Command{Kind: CmdPlaceOrder, Account: ids[1], Market: perp, Side: Ask, Type: Market, Quantity: 50_000})
	e.refresh()
	mi := &e.liq.markets[perp]
	mi.limitN = 1_100_000 * classBound(mi.top) * mi.lotTick // pretend: a ceiling at 110,000
	mi.ceiling = ceilingTick(mi)
	saved, fellBack := detectCheck, false
	detectCheck = func(e *Engine, m *market) {
		fellBack = fellBack || m != nil && m.id == perp && slices.Contains(e.liq.fallbacks, perp)
		saved(e, m)
	}
	defer func() { detectCheck = saved }()
	started := false
	for _, ev := range apply(t, e, Command{Kind: CmdSetIndexPrice, Asset: btc, Amount: 120_000 * fixed.PriceScale}) {
		started = started || ev.Kind == EvLiquidation && ev.Account == ids[1] && ev.Stage == StageBook
	}
	if !fellBack {
		t.Fatal("a mark above the ceiling used the index")
	}
	if !started {
		t.Fatal("the short was not found above the ceiling")
	}
}
