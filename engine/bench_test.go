package engine

import (
	"math/rand/v2"
	"testing"

	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// mixBench drives an exchange-core-like order mix through Engine.Apply:
// 9% GTC, 3% IOC, 6% cancel, 82% move, about 1,000 resting orders over a few
// hundred price levels, 100 accounts. Live orders are tracked by client id
// (the slot index + 1), read back from the events, so the harness allocates
// nothing and the allocations reported are the engine's.
type mixBench struct {
	e     *Engine
	rng   *rand.Rand
	perp  config.MarketID
	users []AccountID
	slots []uint64 // order id resting under client id i+1, 0 = free
	cmd   Command
}

const mixMid = 1_000_000 // ticks: BTC at 100,000.0

func newMixBench(tb testing.TB) *mixBench {
	cfg := config.Default()
	e, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	btc, _ := cfg.AssetBySymbol("BTC")
	usdc, _ := cfg.AssetBySymbol("USDC")
	perp, _ := cfg.MarketBySymbol("BTC_USDC_PERP")
	b := &mixBench{e: e, rng: rand.New(rand.NewPCG(1, 2)), perp: perp, slots: make([]uint64, 1000)}
	b.must(tb, Command{Kind: CmdAdvanceTime, Amount: 1_700_000_000_000})
	b.must(tb, Command{Kind: CmdSetIndexPrice, Asset: btc, Amount: 100_000 * fixed.PriceScale})
	for i := range 100 {
		id := e.FirstUser() + AccountID(i)
		b.users = append(b.users, id)
		b.must(tb, Command{Kind: CmdCreateAccount})
		b.must(tb, Command{Kind: CmdDeposit, Account: id, Asset: usdc, Amount: 1 << 50})
	}
	for i := range b.slots { // fill the book: bids below the mid, asks above
		side, price := Bid, int64(mixMid-1-b.rng.IntN(300))
		if i%2 == 1 {
			side, price = Ask, mixMid+1+int64(b.rng.IntN(300))
		}
		b.place(i, side, GTC, price)
		b.apply()
	}
	return b
}

func (b *mixBench) must(tb testing.TB, c Command) {
	if _, err := b.e.Apply(&c); err != nil {
		tb.Fatal(err)
	}
}

func (b *mixBench) place(slot int, side Side, tif TimeInForce, price int64) {
	b.cmd = Command{Kind: CmdPlaceOrder, Account: b.users[b.rng.IntN(len(b.users))], Market: b.perp,
		Side: side, Type: Limit, TimeInForce: tif, Price: price, Quantity: 1 + int64(b.rng.IntN(20)),
		ClientID: uint32(slot + 1)} //nolint:gosec // slot < 1000
}

// next prepares the next command of the mix in b.cmd.
func (b *mixBench) next() {
	slot := b.rng.IntN(len(b.slots))
	id := b.slots[slot]
	roll := b.rng.IntN(100)
	side := Bid
	if b.rng.IntN(2) == 1 {
		side = Ask
	}
	// Prices straddle the mid so that some orders cross and trade.
	price := int64(mixMid + b.rng.IntN(600) - 300)
	switch {
	case id == 0 || roll < 9:
		if id != 0 {
			slot = b.free(slot)
		}
		b.place(slot, side, GTC, price)
	case roll < 12:
		b.place(len(b.slots), side, IOC, price) // client id past the slots: never rests
	case roll < 18:
		b.cmd = Command{Kind: CmdCancelOrder, Account: b.owner(slot), Market: b.perp, OrderID: id}
	default:
		b.cmd = Command{Kind: CmdMoveOrder, Account: b.owner(slot), Market: b.perp, OrderID: id, Price: price}
	}
}

func (b *mixBench) free(from int) int {
	for i := range b.slots {
		if j := (from + i) % len(b.slots); b.slots[j] == 0 {
			return j
		}
	}
	return from
}

func (b *mixBench) owner(slot int) AccountID {
	ref, _ := b.e.markets[b.perp].book.Get(b.slots[slot])
	return AccountID(ref.Owner)
}

// apply runs b.cmd and updates the live-order slots from its events.
func (b *mixBench) apply() {
	evs, err := b.e.Apply(&b.cmd)
	if err != nil {
		return // refused (e.g. a post-cross move): state unchanged
	}
	for i := range evs {
		ev := &evs[i]
		if ev.Kind != EvOrder || ev.ClientID == 0 || int(ev.ClientID) > len(b.slots) {
			continue
		}
		s := &b.slots[ev.ClientID-1]
		switch {
		case ev.OrderEvent == OrderAccepted || ev.OrderEvent == OrderModified:
			*s = ev.OrderID
		case ev.OrderEvent == OrderCancelled || ev.OrderEvent == OrderExpired ||
			(ev.OrderEvent == OrderFill && ev.Status == StatusFilled):
			if *s == ev.OrderID {
				*s = 0
			}
		}
	}
}

// BenchmarkEngineOrderMix reports ns and allocations per command of the mix,
// pre-trade margin check, matching, settlement and events included.
func BenchmarkEngineOrderMix(b *testing.B) {
	m := newMixBench(b)
	for range 20_000 { // reach steady state: slabs, tables and buffers grown
		m.next()
		m.apply()
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		m.next()
		m.apply()
	}
}

// BenchmarkPreTradeMargin measures the margin check of one order for an
// account holding positions in all three perpetual markets.
func BenchmarkPreTradeMargin(b *testing.B) {
	e, ids := newTestEngine(b, 2)
	cfg := e.Config()
	for _, sym := range []string{"ETH", "SOL"} {
		a, _ := cfg.AssetBySymbol(sym)
		if _, err := e.Apply(&Command{Kind: CmdSetIndexPrice, Asset: a, Amount: 1_000 * fixed.PriceScale}); err != nil {
			b.Fatal(err)
		}
	}
	for _, sym := range []string{"BTC_USDC_PERP", "ETH_USDC_PERP", "SOL_USDC_PERP"} {
		m, _ := cfg.MarketBySymbol(sym)
		price := e.Mark(m) / cfg.Markets[m].TickSize
		for _, c := range []Command{
			{Kind: CmdPlaceOrder, Account: ids[1], Market: m, Side: Ask, Type: Limit, Price: price, Quantity: 100},
			{Kind: CmdPlaceOrder, Account: ids[0], Market: m, Side: Bid, Type: Market, Quantity: 100},
		} {
			if _, err := e.Apply(&c); err != nil {
				b.Fatal(sym, err)
			}
		}
	}
	perp, _ := cfg.MarketBySymbol("BTC_USDC_PERP")
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if !e.marginAllows(ids[0], perp, 0, Bid, 100) {
			b.Fatal("refused")
		}
	}
}
