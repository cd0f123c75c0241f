//go:build unix

package sequencer

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
	"github.com/waterfallrisk/waterfall/journal"
	"github.com/waterfallrisk/waterfall/journal/record"
)

// replayCommands is the size of the journals BenchmarkReplay reads.
const replayCommands = 200_000

// The mixes of the replay benchmarks, journaled by the sequencer (64
// accounts, one market at about 100,000):
//
//	orders    40% GTC limit orders within ±5 of the mark, 15% IOC orders
//	          that cross, 40% cancels of open orders, 5% index price moves;
//	          about half the orders trade, the book stays at a few hundred
//	deposits  deposits only, the cheapest command: the pipeline's ceiling
//	mixed     20% deposits, 5% withdrawals, 20% GTC, 10% IOC, 25% cancels,
//	          5% order moves, 2% cancel-alls, 5% index moves, 3% leverage
//	          limits, 5% margin adjustments (most refused: not journaled);
//	          and per batch of 4,096 one account created (a command and a
//	          key binding) and the clock advanced by a second
var replayMixes = []string{"orders", "deposits", "mixed"}

// BenchmarkReplay (issue #4 point 11): recovery's replay rate in journal
// commands per second, by stage, on journals of replayCommands commands:
//
//	read    journal.Read: every record's CRC-32C, sequence and SHA-256
//	        chain link (the links on GOMAXPROCS goroutines)
//	decode  record.DecodeCommand alone, of payloads in memory
//	apply   engine.Apply alone, of decoded commands in memory, on a fresh
//	        engine
//	open    sequencer.Open of the journal without snapshots: what a
//	        restarting server does (journal.Open verifies every record once,
//	        then a reader goroutine reads and decodes while the engine
//	        applies)
func BenchmarkReplay(b *testing.B) {
	for _, mix := range replayMixes {
		dir := b.TempDir()
		j := writeReplayJournal(b, dir, mix, replayCommands, -1)
		run := func(name string, fn func(b *testing.B)) {
			b.Run(mix+"/"+name, func(b *testing.B) {
				cpu0 := cpuTime()
				for b.Loop() {
					fn(b)
				}
				s := b.Elapsed().Seconds() / float64(b.N) / float64(j.cmds)
				b.ReportMetric(1/s, "commands/s")
				b.ReportMetric(s*1e9, "ns/command")
				b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N)/float64(j.cmds), "cpu-ns/command")
			})
		}
		run("read", func(b *testing.B) {
			if err := journal.Read(dir, 1, func(uint64, []byte) error { return nil }); err != nil {
				b.Fatal(err)
			}
		})
		run("decode", func(b *testing.B) {
			var c engine.Command
			for _, p := range j.payloads {
				if err := record.DecodeCommand(p, &c); err != nil {
					b.Fatal(err)
				}
			}
		})
		run("apply", func(b *testing.B) {
			b.StopTimer()
			e := j.engine(b)
			b.StartTimer()
			for i := range j.commands {
				if _, err := e.Apply(&j.commands[i]); err != nil {
					b.Fatal(err)
				}
			}
		})
		run("open", func(b *testing.B) { restart(b, dir, j.cmds) })
	}
}

// BenchmarkApplyKinds: engine.Apply's cost per command kind, in ns, in the
// mixed journal. Each call is timed, every iteration replays the same
// commands on the same states, and a call's time is its least over the
// iterations (the one without a preemption or a page fault on the way);
// the clock's own cost (two readings, 100-150 ns on this machine, more
// than a deposit), measured the same way around nothing, is subtracted.
func BenchmarkApplyKinds(b *testing.B) {
	j := writeReplayJournal(b, b.TempDir(), "mixed", replayCommands, -1)
	best := make([]time.Duration, len(j.commands))
	clock := make([]time.Duration, len(j.commands))
	least := func(p *time.Duration, d time.Duration) {
		if *p == 0 || d < *p {
			*p = d
		}
	}
	for b.Loop() {
		b.StopTimer()
		e := j.engine(b)
		for i := range clock {
			t := time.Now()
			least(&clock[i], time.Since(t))
		}
		b.StartTimer()
		for i := range j.commands {
			t := time.Now()
			if _, err := e.Apply(&j.commands[i]); err != nil {
				b.Fatal(err)
			}
			least(&best[i], time.Since(t))
		}
	}
	slices.Sort(clock)
	c := clock[len(clock)/2]
	var sum [engine.CmdKinds]time.Duration
	var count [engine.CmdKinds]int
	for i := range j.commands {
		k := j.commands[i].Kind
		sum[k] += best[i] - c
		count[k]++
	}
	var lines []string
	for k := range engine.CmdKinds {
		if count[k] > 0 {
			ns := float64(sum[k]) / float64(count[k])
			b.ReportMetric(ns, k.String()+"-ns")
			lines = append(lines, fmt.Sprintf("%s %.0f ns (%d)", k, ns, count[k]))
		}
	}
	b.Logf("clock %v; %s", c, strings.Join(lines, "; "))
}

// BenchmarkRestart: a restart (sequencer.Open) of journals of 1,000,000
// commands of the orders and mixed mixes, written with the default
// SnapshotEvery: "full" replays the whole journal (its snapshots removed),
// "snapshot" restores the newest snapshot and replays the records after
// it (tail-records says how many), as a restarting server does;
// "journal-open" is journal.Open alone on that directory (finding the
// snapshot's record in its segment and verifying the records after it).
func BenchmarkRestart(b *testing.B) {
	const n = 1_000_000
	for _, mix := range []string{"orders", "mixed"} {
		dir := b.TempDir()
		j := writeReplayJournal(b, dir, mix, n, 0)
		snap, err := journal.LatestSnapshot(dir)
		if err != nil {
			b.Fatal(err)
		}
		full := b.TempDir()
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if !strings.HasSuffix(e.Name(), ".snap") {
				if err := os.Link(filepath.Join(dir, e.Name()), filepath.Join(full, e.Name())); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.Run(mix+"/full", func(b *testing.B) {
			cpu0 := cpuTime()
			for b.Loop() {
				restart(b, full, j.cmds)
			}
			b.ReportMetric(float64(b.N)*float64(j.cmds)/b.Elapsed().Seconds(), "commands/s")
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N)/float64(j.cmds), "cpu-ns/command")
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)*1e3, "ms/restart")
		})
		b.Run(mix+"/journal-open", func(b *testing.B) {
			for b.Loop() {
				w, err := journal.Open(dir, journal.Options{NoSync: true})
				if err != nil {
					b.Fatal(err)
				}
				_ = w.Close()
			}
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)*1e3, "ms/open")
		})
		b.Run(mix+"/snapshot", func(b *testing.B) {
			for b.Loop() {
				restart(b, dir, j.cmds)
			}
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)*1e3, "ms/restart")
			b.ReportMetric(float64(j.records-snap.Seq), "tail-records")
			b.ReportMetric(float64(len(snap.Data)), "snapshot-bytes")
		})
	}
}

// cpuTime returns the process's CPU time (user and system) so far: the
// benchmarks share the machine, so wall-clock rates vary with its load and
// CPU time per command does much less.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// restart opens the sequencer on dir, checks it recovered cmds commands,
// and stops it without journaling anything.
func restart(b *testing.B, dir string, cmds int) {
	q, err := Open(Options{Store: Dir{Path: dir, Options: journal.Options{NoSync: true}}, Clock: ClockManual,
		Logger: quietLogger(), SnapshotEvery: -1})
	if err != nil {
		b.Fatal(err)
	}
	if st := q.Stats(); st.Seq < uint64(cmds) {
		b.Fatalf("recovered to %d, want %d commands", st.Seq, cmds)
	}
	crash(q) // journals nothing
}

// replayJournal is a journal written for the benchmarks, and its command
// records in memory.
type replayJournal struct {
	cmds     int      // command records
	records  uint64   // all records
	genesis  []byte   // the genesis record's configuration
	payloads [][]byte // command records
	commands []engine.Command
}

// engine returns a fresh engine of the journal's configuration.
func (j *replayJournal) engine(b *testing.B) *engine.Engine {
	cfg, err := config.Load(bytes.NewReader(j.genesis))
	if err != nil {
		b.Fatal(err)
	}
	e, err := engine.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	return e
}

// writeReplayJournal writes a journal of mix with n commands at least
// through the sequencer (no fsync; snapshotEvery as Options.SnapshotEvery)
// and loads its commands.
func writeReplayJournal(b *testing.B, dir, mix string, n uint64, snapshotEvery int) *replayJournal {
	q := open(b, dir, func(o *Options) { o.SnapshotEvery = snapshotEvery })
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
	// pick returns an open order of account i, if any.
	pick := func(i int) (uint64, bool) {
		for len(open[i]) > 0 {
			k := rng.IntN(len(open[i]))
			id := open[i][k]
			open[i][k] = open[i][len(open[i])-1]
			open[i] = open[i][:len(open[i])-1]
			if !closed[id] {
				return id, true
			}
			delete(closed, id)
		}
		return 0, false
	}
	for {
		seq, _ := state(b, q)
		if seq >= n {
			break
		}
		cmds = cmds[:0]
		for range 4096 {
			i := rng.IntN(accounts)
			a := accts[i]
			r := rng.IntN(100)
			gtc := func() engine.Command {
				return engine.Command{Kind: engine.CmdPlaceOrder, Account: a, Market: perp, Side: engine.Side(rng.IntN(2)),
					Price: 1_000_000 + rng.Int64N(101) - 50, Quantity: 1 + rng.Int64N(10)}
			}
			ioc := func() engine.Command {
				side, px := engine.Bid, int64(1_000_030)
				if rng.IntN(2) == 1 {
					side, px = engine.Ask, 999_970
				}
				return engine.Command{Kind: engine.CmdPlaceOrder, Account: a, Market: perp, Side: side,
					TimeInForce: engine.IOC, Price: px, Quantity: 1 + rng.Int64N(10)}
			}
			index := func() engine.Command {
				return engine.Command{Kind: engine.CmdSetIndexPrice, Asset: btc, Amount: (99_990 + rng.Int64N(21)) * fixed.PriceScale}
			}
			switch mix {
			case "deposits":
				cmds = append(cmds, engine.Command{Kind: engine.CmdDeposit, Account: a, Asset: usdc, Amount: 1 + rng.Int64N(1000)})
			case "orders":
				switch {
				case r < 40:
					cmds = append(cmds, gtc())
				case r < 55:
					cmds = append(cmds, ioc())
				case r < 95:
					if id, ok := pick(i); ok {
						cmds = append(cmds, engine.Command{Kind: engine.CmdCancelOrder, Account: a, Market: perp, OrderID: id})
					}
				default:
					cmds = append(cmds, index())
				}
			case "mixed":
				switch {
				case r < 20:
					cmds = append(cmds, engine.Command{Kind: engine.CmdDeposit, Account: a, Asset: usdc, Amount: 1 + rng.Int64N(1000)})
				case r < 25:
					cmds = append(cmds, engine.Command{Kind: engine.CmdWithdraw, Account: a, Asset: usdc, Amount: 1 + rng.Int64N(1000)})
				case r < 45:
					cmds = append(cmds, gtc())
				case r < 55:
					cmds = append(cmds, ioc())
				case r < 80:
					if id, ok := pick(i); ok {
						cmds = append(cmds, engine.Command{Kind: engine.CmdCancelOrder, Account: a, Market: perp, OrderID: id})
					}
				case r < 85:
					if id, ok := pick(i); ok {
						open[i] = append(open[i], id) // a moved order stays open
						cmds = append(cmds, engine.Command{Kind: engine.CmdMoveOrder, Account: a, Market: perp, OrderID: id,
							Price: 1_000_000 + rng.Int64N(101) - 50})
					}
				case r < 87:
					cmds = append(cmds, engine.Command{Kind: engine.CmdCancelAll, Account: a, Market: perp})
				case r < 92:
					cmds = append(cmds, index())
				case r < 95:
					cmds = append(cmds, engine.Command{Kind: engine.CmdSetLeverageLimit, Account: a, Amount: 10 + rng.Int64N(41)})
				default:
					cmds = append(cmds, engine.Command{Kind: engine.CmdAdjustMargin, Account: a, Market: perp, Amount: 1 + rng.Int64N(1000)})
				}
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
		if mix == "mixed" {
			must[engine.AccountID](b)(q.CreateAccount(ctx, "", newKey(b)))
			must[[]engine.Event](b)(q.AdvanceClock(ctx, 1000))
		}
	}
	st := q.Stats()
	var resting int
	if err := q.Read(ctx, func(e *engine.Engine) {
		for _, a := range accts {
			resting += e.OpenOrders(a)
		}
	}); err != nil {
		b.Fatal(err)
	}
	if err := q.Close(); err != nil {
		b.Fatal(err)
	}

	j := &replayJournal{records: st.JournalSeq}
	var kinds [engine.CmdKinds]int
	if err := journal.Read(dir, 1, func(_ uint64, p []byte) error {
		switch t, _ := record.TypeOf(p); t {
		case record.TypeGenesis:
			g, err := record.DecodeGenesis(p)
			j.genesis = g.Config
			return err
		case record.TypeCommand:
			var c engine.Command
			if err := record.DecodeCommand(p, &c); err != nil {
				return err
			}
			j.payloads = append(j.payloads, bytes.Clone(p))
			j.commands = append(j.commands, c)
			kinds[c.Kind]++
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	j.cmds = len(j.commands)
	var shares []string
	for k, c := range kinds {
		if c > 0 {
			shares = append(shares, fmt.Sprintf("%s %.1f%%", engine.CommandKind(k), 100*float64(c)/float64(j.cmds)))
		}
	}
	b.Logf("%s: %d commands journaled (%s), %d refused (not journaled), %d records, %d snapshots, %d orders resting at the end",
		mix, j.cmds, strings.Join(shares, ", "), st.Refused, j.records, st.Snapshots, resting)
	return j
}
