package sequencer

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/waterfallrisk/waterfall/engine"
)

// BenchmarkSubmitBatch (issue #4 point 11): commands per second through the
// sequencer with the journal fsynced: concurrent callers, each with its own
// account, each call a SubmitBatch of 20 commands (what one signed
// POST /api/v1/orders becomes). mix=orders: GTC limit orders of random
// side, bids at 100,000 to 100,010 and asks at 99,990 to 100,000, so an
// order trades whenever the other side rests, and self-trade prevention
// RejectMaker cancels the caller's own resting orders in its way (the book
// stays small: the imbalance's random walk); mix=deposits: the cheapest
// command. One op is one call (20 commands). No HTTP, no signatures: the
// engine goroutine's and the journal's capacity.
func BenchmarkSubmitBatch(b *testing.B) {
	for _, mix := range []string{"orders", "deposits"} {
		for _, callers := range []int{1, 16, 256} {
			b.Run(fmt.Sprintf("mix=%s/callers=%d", mix, callers), func(b *testing.B) {
				benchSubmitBatch(b, mix, callers)
			})
		}
	}
}

func benchSubmitBatch(b *testing.B, mix string, callers int) {
	const batch = 20
	q := open(b, b.TempDir(), func(o *Options) {
		o.Store = Dir{Path: o.Store.(Dir).Path} // fsync on
		o.SnapshotEvery = 0                     // the default
	})
	accts := fund(b, q, callers)
	usdc, _, perp := ids(b, q)
	var left atomic.Int64
	left.Store(int64(b.N))
	st0 := q.Stats()
	var wg sync.WaitGroup
	b.ResetTimer()
	for c := range callers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(c), 3))
			cmds := make([]engine.Command, batch)
			for left.Add(-1) >= 0 {
				for j := range cmds {
					if mix == "deposits" {
						cmds[j] = engine.Command{Kind: engine.CmdDeposit, Account: accts[c], Asset: usdc, Amount: 1}
						continue
					}
					side, px := engine.Bid, 1_000_000+rng.Int64N(101)
					if rng.IntN(2) == 1 {
						side, px = engine.Ask, 1_000_000-rng.Int64N(101)
					}
					cmds[j] = engine.Command{Kind: engine.CmdPlaceOrder, Account: accts[c], Market: perp,
						Side: side, Price: px, Quantity: 1 + rng.Int64N(5), STP: engine.RejectMaker}
				}
				if _, err := q.SubmitBatch(context.Background(), cmds); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	var resting int
	_ = q.Read(context.Background(), func(e *engine.Engine) {
		for _, a := range accts {
			resting += e.OpenOrders(a)
		}
	})
	b.ReportMetric(float64(resting), "resting")
	st := q.Stats()
	n := st.Commands + st.Refused - st0.Commands - st0.Refused
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "commands/s")
	if s := st.Syncs - st0.Syncs; s > 0 {
		b.ReportMetric(float64(st.Commands-st0.Commands)/float64(s), "cmds/fsync")
	}
}
