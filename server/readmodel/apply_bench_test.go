//go:build unix

package readmodel

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// applyBenchOrders is the orders each iteration of BenchmarkApply writes.
const applyBenchOrders = 20_000

// benchBatch is one batch of events as the sequencer publishes it.
type benchBatch struct {
	evs []engine.Event
	seq uint64
	now int64
}

// BenchmarkApply (issue #4 point 11): the read model's cost per order, in
// µs, on a new database: the events of BenchmarkHTTPOrders' order flow (GTC
// limit orders of random side, 1-5 lots, bids at 100,000 to 100,010 and asks
// at 99,990 to 100,000, self-trade prevention RejectMaker, 64 accounts:
// most orders trade) applied in batches of `orders` orders, each batch one
// DB.Apply (one transaction), as the model applies the sequencer's batches
// (a signed request of 20 orders; 64 of them joined; a replay chunk).
// cpu-µs/order is the process's CPU time in Apply per order (it includes
// SQLite's WAL writes; the database is on the temporary directory's disk).
func BenchmarkApply(b *testing.B) {
	cfg := config.Default()
	e, err := engine.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	batches := benchOrderFlow(b, e, applyBenchOrders)
	var evs int
	for _, bt := range batches {
		evs += len(bt.evs)
	}
	for _, per := range []int{20, 1280, applyBenchOrders} {
		// Join the 20-order batches as the model joins waiting batches.
		var joined []benchBatch
		for i := 0; i < len(batches); i += per / 20 {
			j := min(i+per/20, len(batches))
			bt := benchBatch{seq: batches[j-1].seq, now: batches[j-1].now}
			for _, x := range batches[i:j] {
				bt.evs = append(bt.evs, x.evs...)
			}
			joined = append(joined, bt)
		}
		b.Run(fmt.Sprintf("orders=%d", per), func(b *testing.B) {
			ctx := context.Background()
			var cpu time.Duration
			for b.Loop() {
				b.StopTimer()
				db, err := Open(filepath.Join(b.TempDir(), FileName), cfg, e.FirstUser())
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				c0 := cpuTime()
				for _, bt := range joined {
					if err := db.Apply(ctx, bt.evs, bt.seq, bt.now); err != nil {
						b.Fatal(err)
					}
				}
				cpu += cpuTime() - c0
				b.StopTimer()
				_ = db.Close()
				b.StartTimer()
			}
			us := b.Elapsed().Seconds() * 1e6 / float64(b.N) / applyBenchOrders
			b.ReportMetric(us, "µs/order")
			b.ReportMetric(cpu.Seconds()*1e6/float64(b.N)/applyBenchOrders, "cpu-µs/order")
			b.ReportMetric(float64(evs)/applyBenchOrders, "events/order")
		})
	}
}

// benchOrderFlow funds 64 accounts on e and places n orders, returning the
// events in batches of 20 orders (the first batch: the setup).
func benchOrderFlow(b *testing.B, e *engine.Engine, n int) []benchBatch {
	cfg := e.Config()
	usdc, _ := cfg.AssetBySymbol("USDC")
	btc, _ := cfg.AssetBySymbol("BTC")
	perp, _ := cfg.MarketBySymbol("BTC_USDC_PERP")
	var out []benchBatch
	var cur []engine.Event
	apply := func(c engine.Command) {
		evs, err := e.Apply(&c)
		if err != nil {
			b.Fatalf("%v: %v", c.Kind, err)
		}
		cur = append(cur, evs...)
	}
	flush := func() {
		out = append(out, benchBatch{evs: cur, seq: e.Seq(), now: e.Now()})
		cur = nil
	}
	apply(engine.Command{Kind: engine.CmdAdvanceTime, Amount: 1_700_000_000_000})
	apply(engine.Command{Kind: engine.CmdSetIndexPrice, Asset: btc, Amount: 100_000 * fixed.PriceScale})
	var accts []engine.AccountID
	for range 64 {
		apply(engine.Command{Kind: engine.CmdCreateAccount})
		a := engine.AccountID(e.Accounts() - 1)
		accts = append(accts, a)
		apply(engine.Command{Kind: engine.CmdDeposit, Account: a, Asset: usdc, Amount: 1_000_000_000 * 1_000_000})
	}
	flush()
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range n {
		side, px := engine.Bid, int64(1_000_000+rng.IntN(101))
		if rng.IntN(2) == 1 {
			side, px = engine.Ask, int64(1_000_000-rng.IntN(101))
		}
		c := engine.Command{Kind: engine.CmdPlaceOrder, Account: accts[rng.IntN(len(accts))], Market: perp, Side: side,
			Price: px, Quantity: 1 + rng.Int64N(5), ClientID: uint32(i + 1), STP: engine.RejectMaker} //nolint:gosec // < 2^32
		if evs, err := e.Apply(&c); err == nil {
			cur = append(cur, evs...)
		}
		if (i+1)%20 == 0 {
			apply(engine.Command{Kind: engine.CmdAdvanceTime, Amount: e.Now() + 1})
			flush()
		}
	}
	return out
}

// cpuTime returns the process's CPU time (user and system) so far: the
// machine is shared, and CPU time per order varies much less with its load
// than wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
