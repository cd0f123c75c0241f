package demo

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/journal"
	"github.com/waterfallrisk/waterfall/server/sequencer"
)

const t0 = 1_700_000_000_000

// openSeq opens a sequencer on dir with the manual clock pinned at t0 (so
// two runs begin alike) and an unsynced journal (fast).
func openSeq(t testing.TB, dir string) *sequencer.Sequencer {
	t.Helper()
	q, err := sequencer.Open(sequencer.Options{
		Store: sequencer.Dir{Path: filepath.Join(dir, "journal"), Options: journal.Options{NoSync: true}},
		Clock: sequencer.ClockManual, Now: func() time.Time { return time.UnixMilli(t0) },
		Logger: quiet(), SnapshotEvery: -1,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = q.Close() })
	return q
}

// quiet discards logs unless DEMO_LOG is set.
func quiet() *slog.Logger {
	if os.Getenv("DEMO_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// runDemo runs a demo of steps steps on q and returns it stopped, with every
// event the sequencer published meanwhile.
func runDemo(t *testing.T, q *sequencer.Sequencer, dir string, seed uint64, steps int) (*Demo, []engine.Event) {
	t.Helper()
	sub, err := q.Subscribe(context.Background(), sequencer.SubscribeOptions{Lossless: true, Buffer: 1 << 16})
	if err != nil {
		t.Fatal(err)
	}
	var evs []engine.Event
	got := make(chan struct{})
	go func() {
		defer close(got)
		for b := range sub.C {
			evs = append(evs, b.Events...)
		}
	}()
	d, err := Start(context.Background(), q, Options{Seed: seed, Interval: time.Microsecond, Dir: dir, Logger: quiet(), MaxSteps: steps})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-d.Done():
	case <-time.After(60 * time.Second):
		t.Fatalf("the demo did not finish %d steps in a minute: %+v", steps, d.Stats())
	}
	d.Stop()
	sub.Close()
	if _, err := q.Submit(context.Background(), &engine.Command{Kind: engine.CmdCancelAll, Account: d.members[0].id, Market: engine.AllMarkets}); err != nil {
		t.Fatal(err) // a batch, so the closed subscription sees its end
	}
	<-got
	if st := d.Stats(); st.Steps != uint64(steps) || st.Commands == 0 {
		t.Fatalf("stats %+v after %d steps", st, steps)
	}
	return d, evs
}

func stateOf(t *testing.T, q *sequencer.Sequencer) (uint64, [32]byte, error, int) {
	t.Helper()
	var seq uint64
	var h [32]byte
	var inv error
	var n int
	if err := q.Read(context.Background(), func(e *engine.Engine) {
		seq, h, inv, n = e.Seq(), e.StateHash(), e.CheckInvariants(), e.Accounts()
	}); err != nil {
		t.Fatal(err)
	}
	return seq, h, inv, n
}

// The engine, not the demo, liquidates: within the first 100 steps of every
// seed tried, an account or isolated position enters a liquidation stage
// (an EvLiquidation the engine emits while applying a price the demo set),
// with trades and positions on the way, and the invariants hold.
func TestEngineLiquidatesWithinAHundredSteps(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		dir := t.TempDir()
		q := openSeq(t, dir)
		d, evs := runDemo(t, q, dir, seed, 100)
		first, trades, positions := -1, 0, 0
		for _, ev := range evs {
			switch {
			case ev.Kind == engine.EvLiquidation && ev.Stage != engine.StageNone && first < 0:
				first = int((ev.Time - t0) / DefaultStepMs)
			case ev.Kind == engine.EvTrade:
				trades++
			case ev.Kind == engine.EvPosition && ev.PositionEvent == engine.PositionOpened:
				positions++
			}
		}
		if first < 0 || trades == 0 || positions == 0 {
			t.Fatalf("seed %d: first liquidation at step %d, %d trades, %d positions opened; stats %+v", seed, first, trades, positions, d.Stats())
		}
		if _, _, inv, _ := stateOf(t, q); inv != nil {
			t.Fatalf("seed %d: %v", seed, inv)
		}
		t.Logf("seed %d: first liquidation at step %d; %+v", seed, first, d.Stats())
	}
}

// With the manual clock a run is a function of the seed and the journal it
// starts from: two fresh runs end on the same state hash, and another seed
// on another.
func TestManualClockRunIsDeterministic(t *testing.T) {
	hash := func(seed uint64) [32]byte {
		dir := t.TempDir()
		q := openSeq(t, dir)
		runDemo(t, q, dir, seed, 60)
		_, h, inv, _ := stateOf(t, q)
		if inv != nil {
			t.Fatal(inv)
		}
		return h
	}
	a, b, c := hash(7), hash(7), hash(8)
	if a != b {
		t.Fatal("two runs of seed 7 differ")
	}
	if a == c {
		t.Fatal("seeds 7 and 8 ran alike")
	}
}

// A restart on the same data directory finds every demo account by its
// derived key (no account created), and goes on.
func TestRestartKeepsAccounts(t *testing.T) {
	dir := t.TempDir()
	q := openSeq(t, dir)
	d1, _ := runDemo(t, q, dir, 1, 30)
	_, _, _, n1 := stateOf(t, q)
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	q2 := openSeq(t, dir)
	d2, _ := runDemo(t, q2, dir, 1, 30)
	seq2, _, inv, n2 := stateOf(t, q2)
	if inv != nil {
		t.Fatal(inv)
	}
	if n2 != n1 {
		t.Fatalf("accounts: %d before the restart, %d after", n1, n2)
	}
	a1, a2 := d1.Accounts(), d2.Accounts()
	if len(a1) != len(a2) || len(a1) != len(d1.members) {
		t.Fatalf("accounts %v then %v", a1, a2)
	}
	for name, id := range a1 {
		if a2[name] != id {
			t.Fatalf("%s was account %d, is %d after the restart", name, id, a2[name])
		}
	}
	if seq2 == 0 {
		t.Fatal("nothing happened after the restart")
	}
	fi, err := os.Stat(filepath.Join(dir, KeyFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("%s: %v %v", KeyFile, err, fi)
	}
	if fi, err := os.Stat(filepath.Join(dir, AccountsFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("%s: %v %v", AccountsFile, err, fi)
	}
}

// A data directory whose demo.key is not a hex secret is refused with a
// message naming the file, and nothing is created.
func TestBadKeyFileRefused(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, KeyFile), []byte("not hex\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	q := openSeq(t, dir)
	_, err := Start(context.Background(), q, Options{Dir: dir, Logger: quiet()})
	if err == nil || !strings.Contains(err.Error(), KeyFile) {
		t.Fatalf("err = %v", err)
	}
	if seq, _, _, _ := stateOf(t, q); seq != 0 {
		t.Fatalf("sequence %d after a refused start", seq)
	}
}

// Stop ends a demo that would run forever, promptly, and twice is harmless;
// so does ending the context Start was given.
func TestStop(t *testing.T) {
	dir := t.TempDir()
	q := openSeq(t, dir)
	d, err := Start(context.Background(), q, Options{Interval: time.Millisecond, Dir: dir, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	for d.Stats().Steps < 3 {
		time.Sleep(time.Millisecond)
	}
	stopped := make(chan struct{})
	go func() { d.Stop(); d.Stop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("Stop did not return")
	}
	n := d.Stats().Steps
	time.Sleep(20 * time.Millisecond)
	if d.Stats().Steps != n {
		t.Fatal("the demo stepped after Stop")
	}

	// Ending Start's context stops it too.
	ctx, cancel := context.WithCancel(context.Background())
	d, err = Start(ctx, q, Options{Interval: time.Millisecond, Dir: dir, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case <-d.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the demo ran on after its context ended")
	}
}

// Markets the operator closed are left alone: no quotes, no orders, so no
// stream of refusals.
func TestClosedMarketsLeftAlone(t *testing.T) {
	dir := t.TempDir()
	q := openSeq(t, dir)
	runDemo(t, q, dir, 1, 10)
	for _, sym := range []string{"ETH_USDC_PERP", "ETH_USDC"} {
		m, _ := q.Config().MarketBySymbol(sym)
		if _, err := q.Submit(context.Background(), &engine.Command{Kind: engine.CmdCloseMarket, Market: m}); err != nil {
			t.Fatal(err)
		}
	}
	d, evs := runDemo(t, q, dir, 1, 100)
	eth, _ := q.Config().MarketBySymbol("ETH_USDC_PERP")
	for _, ev := range evs {
		if ev.Kind == engine.EvOrder && ev.Market == eth && ev.OrderEvent == engine.OrderAccepted {
			t.Fatalf("an order was accepted on the closed %v: %+v", eth, ev)
		}
	}
	if st := d.Stats(); st.Refused > 20 {
		t.Fatalf("%d refusals in 100 steps", st.Refused)
	}
}
