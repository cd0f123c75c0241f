package sequencer

import (
	"bytes"
	"context"
	"math/rand/v2"
	"testing"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
	"github.com/waterfallrisk/waterfall/journal"
	"github.com/waterfallrisk/waterfall/journal/record"
)

// replayCommands is the size of the journals the replay benchmarks read.
const replayCommands = 200_000

// BenchmarkReplay (issue #4 point 11): recovery's replay rate, in journal
// commands per second, of a journal of replayCommands commands written by
// the sequencer, for two mixes: "orders" (64 accounts: 40% GTC limit orders
// within ±5 of the mark, 15% IOC orders that cross, 40% cancels of open
// orders, 5% index price moves; about half the orders trade, and the book
// stays at a few hundred orders) and
// "deposits" (the cheapest command: the pipeline's ceiling). Stages, each
// including the ones before it:
//
//	read    journal.Read: every record's CRC-32C and SHA-256 chain link
//	decode  + record.DecodeCommand
//	apply   + engine.Apply on a fresh engine (what recovery does)
//	open    sequencer.Open: journal.Open (which verifies the journal too)
//	        then the replay, as a restarting server
func BenchmarkReplay(b *testing.B) {
	for _, mix := range []string{"orders", "deposits"} {
		dir := b.TempDir()
		cmds := writeReplayJournal(b, dir, mix)
		run := func(name string, fn func(b *testing.B)) {
			b.Run(mix+"/"+name, func(b *testing.B) {
				for b.Loop() {
					fn(b)
				}
				b.ReportMetric(float64(b.N)*float64(cmds)/b.Elapsed().Seconds(), "commands/s")
			})
		}
		run("read", func(b *testing.B) {
			if err := journal.Read(dir, 1, func(uint64, []byte) error { return nil }); err != nil {
				b.Fatal(err)
			}
		})
		run("decode", func(b *testing.B) {
			var c engine.Command
			if err := journal.Read(dir, 1, func(_ uint64, p []byte) error {
				if t, _ := record.TypeOf(p); t == record.TypeCommand {
					return record.DecodeCommand(p, &c)
				}
				return nil
			}); err != nil {
				b.Fatal(err)
			}
		})
		run("apply", func(b *testing.B) {
			var e *engine.Engine
			var c engine.Command
			if err := journal.Read(dir, 1, func(_ uint64, p []byte) error {
				switch t, _ := record.TypeOf(p); t {
				case record.TypeGenesis:
					g, err := record.DecodeGenesis(p)
					if err != nil {
						return err
					}
					cfg, err := config.Load(bytes.NewReader(g.Config))
					if err != nil {
						return err
					}
					e, err = engine.New(cfg)
					return err
				case record.TypeCommand:
					if err := record.DecodeCommand(p, &c); err != nil {
						return err
					}
					_, err := e.Apply(&c)
					return err
				}
				return nil
			}); err != nil {
				b.Fatal(err)
			}
		})
		run("open", func(b *testing.B) {
			q, err := Open(Options{Store: Dir{Path: dir, Options: journal.Options{NoSync: true}}, Clock: ClockManual,
				Logger: quietLogger(), SnapshotEvery: -1})
			if err != nil {
				b.Fatal(err)
			}
			if st := q.Stats(); st.Seq < uint64(cmds) {
				b.Fatalf("recovered to %d, want %d commands", st.Seq, cmds)
			}
			crash(q) // journals nothing
		})
	}
}

// writeReplayJournal writes a journal of mix through the sequencer (no
// fsync) and returns its command count.
func writeReplayJournal(b *testing.B, dir, mix string) int {
	q := open(b, dir, nil)
	usdc, btc, perp := ids(b, q)
	ctx := context.Background()
	const accounts = 64
	accts := make([]engine.AccountID, accounts)
	for i := range accts {
		accts[i] = must[engine.AccountID](b)(q.CreateAccount(ctx, "", newKey(b)))
	}
	cmds := []engine.Command{{Kind: engine.CmdSetIndexPrice, Asset: btc, Amount: 100_000 * fixed.PriceScale}}
	for _, a := range accts {
		cmds = append(cmds, engine.Command{Kind: engine.CmdDeposit, Account: a, Asset: usdc, Amount: 1_000_000_000 * 1_000_000})
	}
	must[[]Result](b)(q.SubmitBatch(ctx, cmds))

	rng := rand.New(rand.NewPCG(1, 2))
	open := make([][]uint64, accounts) // order ids placed, by account index
	closed := map[uint64]bool{}        // of those, the ones no longer open
	idx := map[engine.AccountID]int{}
	for i, a := range accts {
		idx[a] = i
	}
	for {
		seq, _ := state(b, q)
		if seq >= replayCommands {
			break
		}
		cmds = cmds[:0]
		for range 4096 {
			i := rng.IntN(accounts)
			a := accts[i]
			r := rng.IntN(100)
			switch {
			case mix == "deposits":
				cmds = append(cmds, engine.Command{Kind: engine.CmdDeposit, Account: a, Asset: usdc, Amount: 1 + rng.Int64N(1000)})
			case r < 40:
				side := engine.Side(rng.IntN(2))
				cmds = append(cmds, engine.Command{Kind: engine.CmdPlaceOrder, Account: a, Market: perp, Side: side,
					Price: 1_000_000 + rng.Int64N(101) - 50, Quantity: 1 + rng.Int64N(10)})
			case r < 55:
				side, px := engine.Bid, int64(1_000_030)
				if rng.IntN(2) == 1 {
					side, px = engine.Ask, 999_970
				}
				cmds = append(cmds, engine.Command{Kind: engine.CmdPlaceOrder, Account: a, Market: perp, Side: side,
					TimeInForce: engine.IOC, Price: px, Quantity: 1 + rng.Int64N(10)})
			case r < 95 && len(open[i]) > 0:
				k := rng.IntN(len(open[i]))
				id := open[i][k]
				open[i][k] = open[i][len(open[i])-1]
				open[i] = open[i][:len(open[i])-1]
				if closed[id] {
					delete(closed, id)
					continue // filled or cancelled since: draw again next time
				}
				cmds = append(cmds, engine.Command{Kind: engine.CmdCancelOrder, Account: a, Market: perp, OrderID: id})
			default:
				cmds = append(cmds, engine.Command{Kind: engine.CmdSetIndexPrice, Asset: btc,
					Amount: (99_990 + rng.Int64N(21)) * fixed.PriceScale})
			}
		}
		res := must[[]Result](b)(q.SubmitBatch(ctx, cmds))
		for k := range res {
			for _, ev := range res[k].Events {
				if ev.Kind != engine.EvOrder || ev.Origin != engine.OriginUser {
					continue
				}
				if i, ok := idx[ev.Account]; ok && ev.OrderEvent == engine.OrderAccepted {
					open[i] = append(open[i], ev.OrderID)
				}
				if ev.Status >= engine.StatusFilled {
					closed[ev.OrderID] = true
				}
			}
		}
	}
	seq, _ := state(b, q)
	st := q.Stats()
	var resting int
	if err := q.Read(ctx, func(e *engine.Engine) {
		for _, a := range accts {
			resting += e.OpenOrders(a)
		}
	}); err != nil {
		b.Fatal(err)
	}
	b.Logf("%s: %d commands journaled, %d refused (not journaled), %d orders resting at the end", mix, seq, st.Refused, resting)
	if err := q.Close(); err != nil {
		b.Fatal(err)
	}
	return int(seq)
}
