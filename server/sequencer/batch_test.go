package sequencer

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/waterfallrisk/waterfall/engine"
)

// SubmitBatch applies its commands in order, gives each its own events or
// its refusal, journals only the accepted ones, costs one fsync when nothing
// else is queued, and recovers to the same state.
func TestSubmitBatch(t *testing.T) {
	q, cs, dir := openCounting(t)
	accts := fund(t, q, 2)
	usdc, _, perp := ids(t, q)

	syncs, appended := cs.log.syncs.Load(), cs.log.appended.Load()
	cmds := []engine.Command{
		{Kind: engine.CmdPlaceOrder, Account: accts[0], Market: perp, Side: engine.Bid, Price: 990_000, Quantity: 10_000, ClientID: 1},
		{Kind: engine.CmdWithdraw, Account: accts[0], Asset: usdc, Amount: 1 << 50}, // refused
		{Kind: engine.CmdPlaceOrder, Account: accts[1], Market: perp, Side: engine.Ask, Type: engine.Market, Quantity: 4_000},
		{Kind: engine.CmdAdvanceTime, Amount: t0 + 1}, // refused: time is the sequencer's
		{Kind: engine.CmdCancelOrder, Account: accts[0], Market: perp, ClientID: 1},
	}
	res, err := q.SubmitBatch(context.Background(), cmds)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != len(cmds) {
		t.Fatalf("%d results for %d commands", len(res), len(cmds))
	}
	for _, i := range []int{1, 3} {
		var ee *engine.Error
		if !errors.As(res[i].Err, &ee) || res[i].Events != nil {
			t.Fatalf("command %d: %+v, want a refusal without events", i, res[i])
		}
	}
	// Accepted: events of their own command only, sequences rising in order.
	var last uint64
	for _, i := range []int{0, 2, 4} {
		r := res[i]
		if r.Err != nil || len(r.Events) == 0 {
			t.Fatalf("command %d: %+v, want events", i, r)
		}
		s := r.Events[0].Seq
		for _, ev := range r.Events {
			if ev.Seq != s {
				t.Fatalf("command %d holds events of sequences %d and %d", i, s, ev.Seq)
			}
		}
		if s <= last {
			t.Fatalf("command %d at sequence %d after %d: not applied in order", i, s, last)
		}
		last = s
	}
	// The taker filled 4,000 of the resting bid, so the cancel found 6,000
	// left: proof that 0, 2 and 4 ran in that order.
	var cancelled bool
	for _, ev := range res[4].Events {
		if ev.Kind == engine.EvOrder && ev.OrderEvent == engine.OrderCancelled && ev.Executed == 4_000 {
			cancelled = true
		}
	}
	if !cancelled {
		t.Fatalf("cancel events %+v: want the bid cancelled with 4,000 executed", res[4].Events)
	}
	if got := cs.log.appended.Load() - appended; got != 3 {
		t.Fatalf("%d records journaled, want 3 (refusals journal nothing)", got)
	}
	if got := cs.log.syncs.Load() - syncs; got != 1 {
		t.Fatalf("%d syncs for one uncontended SubmitBatch, want 1", got)
	}
	if st := q.Stats(); st.Refused != 2 {
		t.Fatalf("Stats.Refused = %d, want 2", st.Refused)
	}

	seq, h := state(t, q)
	if seq != last {
		t.Fatalf("engine sequence %d, want the batch's last %d", seq, last)
	}
	crash(q)
	q2 := open(t, dir, nil)
	if s2, h2 := state(t, q2); s2 != seq || h2 != h {
		t.Fatal("a SubmitBatch does not recover to the same state")
	}
}

// A batch whose commands are all refused journals nothing and syncs nothing
// (manual clock: no time advance either); an empty batch is a no-op.
func TestSubmitBatchAllRefused(t *testing.T) {
	q, cs, _ := openCounting(t)
	accts := fund(t, q, 1)
	usdc, _, _ := ids(t, q)
	seq, h := state(t, q)
	syncs, appended := cs.log.syncs.Load(), cs.log.appended.Load()
	res, err := q.SubmitBatch(context.Background(), []engine.Command{
		{Kind: engine.CmdWithdraw, Account: accts[0], Asset: usdc, Amount: 1 << 50},
		{Kind: engine.CmdDeposit, Account: 999, Asset: usdc, Amount: 1},
	})
	if err != nil || len(res) != 2 || res[0].Err == nil || res[1].Err == nil {
		t.Fatalf("%+v, %v: want two refusals", res, err)
	}
	if res, err := q.SubmitBatch(context.Background(), nil); err != nil || len(res) != 0 {
		t.Fatalf("empty batch: %+v, %v", res, err)
	}
	if cs.log.appended.Load() != appended || cs.log.syncs.Load() != syncs {
		t.Fatal("refused commands journaled or synced something")
	}
	if s2, h2 := state(t, q); s2 != seq || h2 != h {
		t.Fatal("refused commands changed the state")
	}
}

// Concurrent SubmitBatch calls are never interleaved: each batch's
// sequences are consecutive, and each reply comes after its records are
// durable.
func TestSubmitBatchConcurrentNotInterleaved(t *testing.T) {
	q, cs, _ := openCounting(t)
	accts := fund(t, q, 4)
	usdc, _, _ := ids(t, q)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for range 20 {
				cmds := make([]engine.Command, 10)
				for i := range cmds {
					cmds[i] = engine.Command{Kind: engine.CmdDeposit, Account: accts[w%4], Asset: usdc, Amount: int64(i + 1)}
				}
				res, err := q.SubmitBatch(context.Background(), cmds)
				if err != nil {
					t.Error(err)
					return
				}
				first := res[0].Events[0].Seq
				for i, r := range res {
					if r.Err != nil || r.Events[0].Seq != first+uint64(i) {
						t.Errorf("result %d: %+v; want sequence %d", i, r, first+uint64(i))
						return
					}
				}
				if durable := cs.log.syncedCmds.Load(); first+9 > durable {
					t.Errorf("reply for command %d before it was durable (%d)", first+9, durable)
				}
			}
		})
	}
	wg.Wait()
}

// A context that is already over is answered with its error and applies
// nothing.
func TestSubmitBatchCancelledContext(t *testing.T) {
	q := open(t, t.TempDir(), nil)
	accts := fund(t, q, 1)
	usdc, _, _ := ids(t, q)
	seq, _ := state(t, q)
	ctx, cancel := context.WithTimeout(context.Background(), -time.Second)
	defer cancel()
	_, err := q.SubmitBatch(ctx, []engine.Command{{Kind: engine.CmdDeposit, Account: accts[0], Asset: usdc, Amount: 1}})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want the context's error", err)
	}
	if s2, _ := state(t, q); s2 != seq {
		t.Fatal("a cancelled SubmitBatch applied a command")
	}
}
