package engine

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
	"github.com/waterfallrisk/waterfall/engine/liquidation"
)

// Liquidation detection benchmarks (issue #3 point 13, docs/benchmarks.md).
// They build their state through Apply, once per process and size, which is
// not timed (2.4 s for a million accounts, 41 s for ten million); `go test`
// without -bench runs none of them.
//
//	go test -run='^$' -bench='Detection' -benchmem -count=5 -timeout=60m ./engine/ -args -detect.accounts=1000000
//	go test -run='^$' -bench='Detection/.*/(tick|scan|find=.*|sweep|floor|shift|recompute)$' -benchmem -count=3 -timeout=90m ./engine/ -args -detect.accounts=10000000
//	go test -run='^$' -bench='LiquidationBurst|ADLRanking' -benchmem -count=5 ./engine/

var detectAccounts = flag.String("detect.accounts", "1000000",
	"comma-separated account counts for BenchmarkDetection (10000000 takes 3.3 GiB and 41 s to build)")

// detectState is a BTC perpetual market where every account holds a position:
// pairs of accounts trade with each other at 100,000, the long and the short
// each with collateral drawn so that liquidation prices spread over 80,000 –
// 95,000 (longs) and 105,000 – 120,000 (shorts). The book is left empty, so
// the mark is the index.
type detectState struct {
	e     *Engine
	perp  config.MarketID
	btc   config.AssetID
	build time.Duration
	heap  uint64 // live heap after building, bytes
}

var detectStates = map[int]*detectState{}

// Prices of the detection benchmarks, in fixed.Price.
const (
	benchMid   = 100_000 * fixed.PriceScale
	benchLotQ  = 100 // lots per position: 0.01 BTC, 1,000 USDC at the mid
	benchTicks = 1_000_000
)

func detectStateFor(b *testing.B, n int) *detectState {
	if s, ok := detectStates[n]; ok {
		return s
	}
	for k := range detectStates { // one at a time: the big ones are big
		delete(detectStates, k)
	}
	runtime.GC()
	start := time.Now()
	cfg := config.Default()
	e, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	s := &detectState{e: e}
	s.perp, _ = cfg.MarketBySymbol("BTC_USDC_PERP")
	s.btc, _ = cfg.AssetBySymbol("BTC")
	usdc, _ := cfg.AssetBySymbol("USDC")
	must := func(c Command) {
		if _, err := e.Apply(&c); err != nil {
			b.Fatalf("%v: %v", c.Kind, err)
		}
	}
	must(Command{Kind: CmdAdvanceTime, Amount: 1_700_000_000_000})
	must(Command{Kind: CmdSetIndexPrice, Asset: s.btc, Amount: benchMid})
	rng := rand.New(rand.NewPCG(7, 11))
	// Collateral (USDC smallest units) for a liquidation price at p USDC:
	// 0.01 BTC × (100,000 − p × (1 − MMF)), plus a little for the fee.
	collateral := func(long bool) int64 {
		p := 80_000 + rng.Float64()*15_000
		c := 0.01 * (100_000 - p*(1-0.0066667))
		if !long {
			p = 105_000 + rng.Float64()*15_000
			c = 0.01 * (p*(1+0.0066667) - 100_000)
		}
		return int64((c + 1) * 1e6)
	}
	for i := 0; i < n; i += 2 {
		short, long := e.FirstUser()+AccountID(i), e.FirstUser()+AccountID(i+1)
		must(Command{Kind: CmdCreateAccount})
		must(Command{Kind: CmdCreateAccount})
		must(Command{Kind: CmdDeposit, Account: short, Asset: usdc, Amount: collateral(false)})
		must(Command{Kind: CmdDeposit, Account: long, Asset: usdc, Amount: collateral(true)})
		must(Command{Kind: CmdPlaceOrder, Account: short, Market: s.perp, Side: Ask, Type: Limit, Price: benchTicks, Quantity: benchLotQ})
		must(Command{Kind: CmdPlaceOrder, Account: long, Market: s.perp, Side: Bid, Type: Market, Quantity: benchLotQ})
	}
	e.refresh() // the index of every account, once
	s.build = time.Since(start)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s.heap = ms.HeapAlloc
	detectStates[n] = s
	return s
}

func benchSizes(b *testing.B) []int {
	var out []int
	for _, f := range strings.Split(*detectAccounts, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 2 {
			b.Fatalf("-detect.accounts: %q", f)
		}
		out = append(out, n)
	}
	return out
}

// BenchmarkDetection: one mark tick over n accounts that all hold BTC
// positions (none crossed), found through the index (tick: the whole
// Apply of an index price; scan: the detection alone); finding 100 and
// 25,000 liquidatable accounts at a mark past their triggers (confirmed,
// not started); the full sweep over every trigger, the memory-bandwidth
// floor for the same bytes; a funding settlement, the index's share of it
// (shift) and a cold rebuild; and the full recompute that every tick cost
// before the index.
func BenchmarkDetection(b *testing.B) {
	saved := detectCheck
	detectCheck = nil
	defer func() { detectCheck = saved }()
	for _, n := range benchSizes(b) {
		b.Run(fmt.Sprintf("accounts=%d", n), func(b *testing.B) {
			s := detectStateFor(b, n)
			e, m := s.e, &s.e.markets[s.perp]
			mi := &e.liq.markets[s.perp]
			keys := len(mi.long.keys) + len(mi.short.keys)
			b.Logf("%d accounts, %d triggers indexed, built in %v, live heap %.0f MiB (%.0f B/account)",
				n, keys, s.build.Round(time.Millisecond), float64(s.heap)/(1<<20), float64(s.heap)/float64(n))
			b.Run("tick", func(b *testing.B) {
				prices := [2]int64{benchMid + 10*fixed.PriceScale, benchMid}
				c := Command{Kind: CmdSetIndexPrice, Asset: s.btc}
				i := 0
				for b.Loop() {
					c.Amount = prices[i&1]
					i++
					if _, err := e.Apply(&c); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("scan", func(b *testing.B) {
				for b.Loop() {
					e.scanMarket(m)
				}
			})
			for _, k := range []int{100, 25_000} {
				// Finding k liquidatable accounts: the mark set where k
				// longs' triggers lie above it, the candidates taken and
				// each confirmed by the full evaluation, nothing started.
				b.Run(fmt.Sprintf("find=%d", k), func(b *testing.B) {
					keys := slices.Clone(mi.long.keys)
					slices.Sort(keys)
					saved := m.mark
					defer func() { m.mark = saved }()
					m.mark = keys[len(keys)-k] * m.cfg.TickSize
					found := 0
					for b.Loop() {
						e.refresh()
						e.collect(m)
						e.findCross(m)
						e.findIsolated(m)
						found = len(e.scan)
					}
					b.ReportMetric(float64(found), "found")
				})
			}
			b.Run("sweep", func(b *testing.B) {
				b.SetBytes(int64(8 * keys))
				for b.Loop() {
					e.sweep()
				}
			})
			b.Run("floor", func(b *testing.B) {
				// The same bytes the sweep reads, summed: 8 per trigger.
				buf := make([]int64, keys)
				for i := range buf {
					buf[i] = int64(i)
				}
				b.SetBytes(int64(8 * keys))
				for b.Loop() {
					benchSink += sumFloor(buf)
				}
			})
			b.Run("funding", func(b *testing.B) {
				// A funding settlement: every holder pays or receives
				// (longs pay the default interest), then the scan, whose
				// refresh shifts every payer's key.
				for b.Loop() {
					e.events = e.events[:0]
					e.settleFunding(m)
				}
			})
			b.Run("shift", func(b *testing.B) {
				// The index's part of a funding settlement: every long pays
				// 0.0125 USDC (0.00125% of 1,000), then the refresh shifts
				// each payer's key from the old one.
				for b.Loop() {
					b.StopTimer()
					for _, h := range m.holders {
						if e.accounts[h.account].positions[h.slot].qty > 0 {
							_ = e.ledger.Transfer(uint32(h.account), uint32(AccountFunding), int(e.settle), 12_500)
							e.liq.enqueue(h.account, false, 12_500)
						}
					}
					b.StartTimer()
					e.refresh()
				}
			})
			b.Run("rebuild", func(b *testing.B) {
				// Every account's trigger solved again: a cold start.
				for b.Loop() {
					for id := e.firstUser; int(id) < len(e.accounts); id++ {
						e.liq.enqueue(id, true, 0)
					}
					e.refresh()
				}
			})
			b.Run("recompute", func(b *testing.B) {
				// What a tick cost before the index: every holder evaluated.
				for b.Loop() {
					found := 0
					for _, h := range m.holders {
						if e.liquidatable(h.account) {
							found++
						}
					}
					benchSink = int64(found)
				}
			})
		})
	}
}

var benchSink int64

// sumFloor reads every byte of buf once, as fast as the core can add: four
// independent sums, so that memory, not the adder, is the limit.
//
//go:noinline
func sumFloor(buf []int64) int64 {
	var s0, s1, s2, s3 int64
	for len(buf) >= 4 {
		s0 += buf[0]
		s1 += buf[1]
		s2 += buf[2]
		s3 += buf[3]
		buf = buf[4:]
	}
	for _, v := range buf {
		s0 += v
	}
	return s0 + s1 + s2 + s3
}

// BenchmarkLiquidationBurst: one index tick from 100,000 to 96,000 makes
// 25,000 of 100,000 BTC longs liquidatable at once; the benchmark times that
// command (detection and every first step), then the liquidation ticks, one
// engine second each, until no account is liquidating: stage 1 on a book of
// bids, stage 2 to a backstop provider, stage 3 (ADL) against 100 shorts.
// Actions are the liquidated accounts' liquidation fills (book, backstop
// and ADL).
func BenchmarkLiquidationBurst(b *testing.B) {
	saved := detectCheck
	detectCheck = nil
	defer func() { detectCheck = saved }()
	const liquidated, healthy, shorts = 25_000, 75_000, 100
	var actions, stages, ticks, first int64
	var byStage [4]int64
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		e, drop, longs := buildBurst(b, liquidated, healthy, shorts)
		// A running engine's event buffer has grown to its largest command
		// long before; a fresh one would time the growth.
		e.events = make([]Event, 0, 1<<20)
		runtime.GC()
		b.StartTimer()
		t0 := time.Now()
		evs, err := e.Apply(&drop)
		if err != nil {
			b.Fatal(err)
		}
		first += int64(time.Since(t0))
		count := func(evs []Event) {
			for k := range evs {
				ev := &evs[k]
				switch {
				case ev.Kind == EvLiquidation:
					stages++
				case ev.Kind == EvOrder && ev.OrderEvent == OrderFill && ev.Account >= longs && ev.FillType != FillUser:
					actions++
					byStage[min(int(ev.FillType), 3)]++
				}
			}
		}
		count(evs)
		adv := Command{Kind: CmdAdvanceTime, Amount: e.now}
		for len(e.liquidating) > 0 {
			adv.Amount += 1_000
			evs, err := e.Apply(&adv)
			if err != nil {
				b.Fatal(err)
			}
			count(evs)
			ticks++
			if ticks > int64(b.N)*1_000 {
				b.Fatal("the burst does not end")
			}
		}
	}
	n := float64(b.N)
	b.ReportMetric(float64(actions)/b.Elapsed().Seconds(), "actions/s")
	b.ReportMetric(float64(actions)/n, "actions")
	b.ReportMetric(float64(stages)/n, "stage-events")
	b.ReportMetric(float64(ticks)/n, "ticks")
	b.ReportMetric(float64(first)/n/1e6, "ms-first-command")
	b.Logf("liquidated accounts' fills per burst: book %.0f, ADL %.0f, backstop %.0f", float64(byStage[FillBookLiquidation])/n, float64(byStage[FillAdl])/n, float64(byStage[FillBackstop])/n)
}

// BenchmarkADLRanking: what auto-deleveraging one position costs before
// its first fill, by the number of positions on the other side (adl.go
// ranks every opposite holder for each bankrupt position): the reason the
// burst above deleverages against 100 shorts rather than 75,000.
func BenchmarkADLRanking(b *testing.B) {
	saved := detectCheck
	detectCheck = nil
	defer func() { detectCheck = saved }()
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("opposite=%d", n/2), func(b *testing.B) {
			s := detectStateFor(b, n)
			m := &s.e.markets[s.perp]
			for b.Loop() {
				cands, _ := s.e.adlCandidates(noAccount, m, true)
				benchSink += int64(len(liquidation.Rank(cands, nil)))
			}
		})
	}
}

// buildBurst returns an engine with `liquidated` longs whose collateral puts
// their liquidation price between 96,000 and about 96,800 (the drop takes
// each to stage 1, 2 or 3 depending on how far past it they are), `healthy`
// longs that survive the drop, `shorts` shorts holding the other side, a
// market maker's bids from 95,900 down, and a backstop provider; and the
// command that drops the index. Longs are the accounts from the returned id.
func buildBurst(b *testing.B, liquidated, healthy, shorts int) (*Engine, Command, AccountID) {
	cfg := config.Default()
	e, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	perp, _ := cfg.MarketBySymbol("BTC_USDC_PERP")
	btc, _ := cfg.AssetBySymbol("BTC")
	usdc, _ := cfg.AssetBySymbol("USDC")
	must := func(c Command) {
		if _, err := e.Apply(&c); err != nil {
			b.Fatalf("%v: %v", c.Kind, err)
		}
	}
	account := func(usd float64) AccountID {
		id := AccountID(len(e.accounts)) //nolint:gosec // bench
		must(Command{Kind: CmdCreateAccount})
		must(Command{Kind: CmdDeposit, Account: id, Asset: usdc, Amount: int64(usd * 1e6)})
		return id
	}
	must(Command{Kind: CmdAdvanceTime, Amount: 1_700_000_000_000})
	must(Command{Kind: CmdSetIndexPrice, Asset: btc, Amount: benchMid})
	longs := liquidated + healthy
	per := int64(longs*benchLotQ/shorts) + 1
	for range shorts {
		id := account(10_000_000)
		must(Command{Kind: CmdPlaceOrder, Account: id, Market: perp, Side: Ask, Type: Limit, Price: benchTicks, Quantity: per})
	}
	provider := account(50_000_000)
	must(Command{Kind: CmdRegisterBackstop, Account: provider, Market: perp, Amount: 8_000_000 * 1_000_000})
	rng := rand.New(rand.NewPCG(3, 5))
	first := AccountID(len(e.accounts)) //nolint:gosec // bench
	for i := range longs {
		// At 96,000 a position of 0.01 BTC has lost 40 USDC and needs
		// 6.4 USDC of maintenance (3.2 at ACMF): collateral 38–46.4 USDC
		// spreads the liquidated over the stages; 200 survives.
		usd := 200.0
		if i < liquidated {
			usd = 38 + rng.Float64()*8.4
		}
		id := account(usd)
		must(Command{Kind: CmdPlaceOrder, Account: id, Market: perp, Side: Bid, Type: Market, Quantity: benchLotQ})
	}
	mm := account(100_000_000)
	for k := range 200 {
		must(Command{Kind: CmdPlaceOrder, Account: mm, Market: perp, Side: Bid, Type: Limit, Price: 959_000 - int64(k)*100, Quantity: 2_000})
	}
	e.refresh()
	return e, Command{Kind: CmdSetIndexPrice, Asset: btc, Amount: 96_000 * fixed.PriceScale}, first
}
