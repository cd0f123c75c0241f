package sequencer

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
	"github.com/waterfallrisk/waterfall/journal"
	"github.com/waterfallrisk/waterfall/journal/record"
)

// Many goroutines submit at once: every reply arrives after its command is
// durable, every event reaches a lossless subscriber exactly once and in
// sequence order, and each caller's events are in order.
func TestConcurrentSubmitsAreOrderedAndDurable(t *testing.T) {
	q, cs, _ := openCounting(t)
	accts := fund(t, q, 8)
	usdc, _, _ := ids(t, q)
	sub := must[*Subscription](t)(q.Subscribe(context.Background(), SubscribeOptions{Lossless: true, Buffer: 1}))

	var got []engine.Event
	subDone := make(chan struct{})
	go func() {
		defer close(subDone)
		for b := range sub.C {
			if b.JournalSeq > cs.log.syncedSeq.Load() {
				t.Errorf("batch up to record %d published before it was durable (%d)", b.JournalSeq, cs.log.syncedSeq.Load())
			}
			got = append(got, b.Events...)
		}
	}()

	const workers, each = 16, 50
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := accts[w%len(accts)]
			last := uint64(0)
			for i := range each {
				c := engine.Command{Kind: engine.CmdDeposit, Account: a, Asset: usdc, Amount: int64(1 + i)}
				evs, err := q.Submit(context.Background(), &c)
				if err != nil {
					t.Error(err)
					return
				}
				if len(evs) == 0 || evs[0].Seq <= last {
					t.Errorf("events out of order: %v after %d", evs, last)
					return
				}
				last = evs[0].Seq
				if durable := cs.log.syncedCmds.Load(); last > durable {
					t.Errorf("reply for command %d before it was durable (%d)", last, durable)
				}
			}
		}()
	}
	wg.Wait()
	if st := q.Stats(); st.Syncs >= st.Commands {
		t.Logf("no group commit happened: %d syncs for %d commands", st.Syncs, st.Commands)
	}
	seq, _ := state(t, q)
	sub.Close()
	_ = q.Close()
	<-subDone
	// The subscription started after fund's commands: it saw every later one.
	if len(got) == 0 {
		t.Fatal("subscriber saw nothing")
	}
	for i := 1; i < len(got); i++ {
		if got[i].Seq < got[i-1].Seq {
			t.Fatalf("event %d has seq %d after %d", i, got[i].Seq, got[i-1].Seq)
		}
	}
	if got[0].Seq != sub.From+1 || got[len(got)-1].Seq != seq {
		t.Fatalf("subscriber saw seq %d..%d, want %d..%d", got[0].Seq, got[len(got)-1].Seq, sub.From+1, seq)
	}
	if n := uint64(len(got)); n != seq-sub.From {
		t.Fatalf("subscriber saw %d events, want %d (one balance event per deposit)", n, seq-sub.From)
	}
}

// A refused command journals nothing and changes nothing; the caller gets
// the engine's error.
func TestRefusedCommandIsNotJournaled(t *testing.T) {
	q, cs, _ := openCounting(t)
	accts := fund(t, q, 1)
	usdc, _, _ := ids(t, q)
	seq, h := state(t, q)
	before := cs.log.appended.Load()
	for _, c := range []engine.Command{
		{Kind: engine.CmdWithdraw, Account: accts[0], Asset: usdc, Amount: 1 << 50},
		{Kind: engine.CmdDeposit, Account: 999, Asset: usdc, Amount: 1},
		{Kind: engine.CmdAdvanceTime, Amount: t0 + 1000},
		{Kind: engine.CmdKinds},
	} {
		_, err := q.Submit(context.Background(), &c)
		var ee *engine.Error
		if !errors.As(err, &ee) {
			t.Fatalf("%v: got %v, want an *engine.Error", c.Kind, err)
		}
	}
	if n := cs.log.appended.Load(); n != before {
		t.Fatalf("%d records journaled by refused commands", n-before)
	}
	if s2, h2 := state(t, q); s2 != seq || h2 != h {
		t.Fatal("a refused command changed the state")
	}
	if st := q.Stats(); st.Refused != 4 {
		t.Fatalf("Stats.Refused = %d, want 4", st.Refused)
	}
}

// A killed process (no drain, no Close) comes back with every acknowledged
// command: the same sequence, state hash and key bindings.
func TestCrashRecovery(t *testing.T) {
	dir := t.TempDir()
	q := open(t, dir, nil)
	key := newKey(t)
	id := must[engine.AccountID](t)(q.CreateAccount(context.Background(), "k", key))
	accts := fund(t, q, 3)
	_, _, perp := ids(t, q)
	submit(t, q, engine.Command{Kind: engine.CmdPlaceOrder, Account: accts[0], Market: perp, Side: engine.Bid, Price: 990_000, Quantity: 10_000})
	submit(t, q, engine.Command{Kind: engine.CmdPlaceOrder, Account: accts[1], Market: perp, Side: engine.Ask, Type: engine.Market, Quantity: 5_000})
	must[[]engine.Event](t)(q.AdvanceClock(context.Background(), 3_600_000))
	seq, h := state(t, q)
	crash(q)

	q2 := open(t, dir, nil)
	if s2, h2 := state(t, q2); s2 != seq || h2 != h {
		t.Fatalf("after a crash: seq %d hash %x, want %d %x", s2, h2, seq, h)
	}
	if got, ok := q2.AccountByKey(key); !ok || got != id {
		t.Fatalf("AccountByKey after a crash = %d, %v; want %d", got, ok, id)
	}
}

// A torn tail (part of a batch that never finished its fsync) is cut on
// open: the state is the one before that batch.
func TestTornTailIsCut(t *testing.T) {
	dir := t.TempDir()
	q := open(t, dir, nil)
	accts := fund(t, q, 1)
	usdc, _, _ := ids(t, q)
	seq, h := state(t, q)
	submit(t, q, engine.Command{Kind: engine.CmdDeposit, Account: accts[0], Asset: usdc, Amount: 5})
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	segs, _ := filepath.Glob(filepath.Join(dir, "*.wal"))
	last := segs[len(segs)-1]
	fi, err := os.Stat(last)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(last, fi.Size()-3); err != nil { // cut inside the last record
		t.Fatal(err)
	}
	q2 := open(t, dir, nil)
	if s2, h2 := state(t, q2); s2 != seq || h2 != h {
		t.Fatalf("after a torn tail: seq %d, want %d (hash equal: %v)", s2, seq, h2 == h)
	}
	// And the journal goes on from there.
	submit(t, q2, engine.Command{Kind: engine.CmdDeposit, Account: accts[0], Asset: usdc, Amount: 5})
	s3, h3 := state(t, q2)
	_ = q2.Close()
	q3 := open(t, dir, nil)
	if s4, h4 := state(t, q3); s4 != s3 || h4 != h3 {
		t.Fatal("state after writing past a cut tail does not recover")
	}
}

// Recovery from a snapshot plus the later records equals a full replay and
// the live state.
func TestSnapshotPlusReplayEqualsFullReplay(t *testing.T) {
	dir := t.TempDir()
	q := open(t, dir, func(o *Options) { o.SnapshotEvery = 7 })
	keys := [][]byte{newKey(t), newKey(t)}
	for _, k := range keys {
		must[engine.AccountID](t)(q.CreateAccount(context.Background(), "", k))
	}
	accts := fund(t, q, 4)
	usdc, btc, perp := ids(t, q)
	for i := range 20 {
		a, b := accts[i%4], accts[(i+1)%4]
		submit(t, q, engine.Command{Kind: engine.CmdPlaceOrder, Account: a, Market: perp, Side: engine.Bid, Price: int64(995_000 + i), Quantity: 1_000})
		submit(t, q, engine.Command{Kind: engine.CmdPlaceOrder, Account: b, Market: perp, Side: engine.Ask, Type: engine.Market, Quantity: 500})
		submit(t, q, engine.Command{Kind: engine.CmdDeposit, Account: b, Asset: usdc, Amount: 1})
		if i%5 == 0 {
			submit(t, q, engine.Command{Kind: engine.CmdSetIndexPrice, Asset: btc, Amount: int64(100_000+i) * fixed.PriceScale})
			must[[]engine.Event](t)(q.AdvanceClock(context.Background(), 61_000))
		}
	}
	seq, h := state(t, q)
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	if q.Stats().Snapshots == 0 {
		t.Fatal("no snapshot was written")
	}
	snaps, _ := filepath.Glob(filepath.Join(dir, "*.snap"))
	if len(snaps) == 0 {
		t.Fatal("no snapshot file")
	}

	q2 := open(t, dir, nil) // from the latest snapshot
	if s2, h2 := state(t, q2); s2 != seq || h2 != h {
		t.Fatalf("snapshot + replay: seq %d, want %d (hash equal: %v)", s2, seq, h2 == h)
	}
	for _, k := range keys {
		if _, ok := q2.AccountByKey(k); !ok {
			t.Fatal("key binding lost through the snapshot")
		}
	}
	_ = q2.Close()

	for _, s := range snaps {
		_ = os.Remove(s)
	}
	q3 := open(t, dir, nil) // full replay
	if s3, h3 := state(t, q3); s3 != seq || h3 != h {
		t.Fatalf("full replay: seq %d, want %d (hash equal: %v)", s3, seq, h3 == h)
	}
	_ = q3.Close()

	// A damaged snapshot is passed over: the journal replays in full.
	q4 := open(t, dir, func(o *Options) { o.SnapshotEvery = 1 })
	submit(t, q4, engine.Command{Kind: engine.CmdDeposit, Account: accts[0], Asset: usdc, Amount: 1})
	seq, h = state(t, q4)
	_ = q4.Close()
	snaps, _ = filepath.Glob(filepath.Join(dir, "*.snap"))
	if len(snaps) == 0 {
		t.Fatal("no snapshot file")
	}
	b, _ := os.ReadFile(snaps[len(snaps)-1])
	b[len(b)/2] ^= 0xff
	_ = os.WriteFile(snaps[len(snaps)-1], b, 0o644)
	q5 := open(t, dir, nil)
	if s5, h5 := state(t, q5); s5 != seq || h5 != h {
		t.Fatal("recovery past a damaged snapshot differs")
	}
}

// The manual clock starts at the wall time of the first start, moves only by
// AdvanceClock (1 ms .. 7 days), and survives a restart.
func TestManualClock(t *testing.T) {
	dir := t.TempDir()
	clk := newTestClock(t0)
	q := open(t, dir, func(o *Options) { o.Now = clk.now })
	if q.ClockStart() != t0 {
		t.Fatalf("clock start %d, want %d", q.ClockStart(), t0)
	}
	fund(t, q, 1)
	clk.add(50_000) // the wall clock is ignored
	now := func(q *Sequencer) (n int64) {
		_ = q.Read(context.Background(), func(e *engine.Engine) { n = e.Now() })
		return n
	}
	if got := now(q); got != t0 {
		t.Fatalf("engine time %d, want the clock start %d", got, t0)
	}
	evs := must[[]engine.Event](t)(q.AdvanceClock(context.Background(), 3_600_000))
	if got := now(q); got != t0+3_600_000 {
		t.Fatalf("engine time %d after advancing an hour", got)
	}
	funding := false
	for _, ev := range evs {
		funding = funding || ev.Kind == engine.EvFundingRate
	}
	if !funding {
		t.Fatal("an hour's advance ran no funding settlement")
	}
	for _, ms := range []int64{0, -1, engine.MaxTimeStep + 1} {
		if _, err := q.AdvanceClock(context.Background(), ms); err == nil {
			t.Fatalf("AdvanceClock(%d) accepted", ms)
		}
	}
	must[[]engine.Event](t)(q.AdvanceClock(context.Background(), engine.MaxTimeStep))
	want := now(q)
	_ = q.Close()

	clk.add(10 * engine.MaxTimeStep)
	q2 := open(t, dir, func(o *Options) { o.Now = clk.now })
	if q2.ClockStart() != t0 || now(q2) != want {
		t.Fatalf("after restart: start %d time %d, want %d %d", q2.ClockStart(), now(q2), t0, want)
	}

	w := open(t, t.TempDir(), func(o *Options) { o.Clock = ClockWall })
	if _, err := w.AdvanceClock(context.Background(), 1); !errors.Is(err, ErrWallClock) {
		t.Fatalf("AdvanceClock on the wall clock: %v", err)
	}
}

// With the wall clock, commands are stamped with the wall time; an idle
// engine journals nothing while time passes (so a restart shows the same
// state), and a live one has its timers run by the ticker.
func TestWallClock(t *testing.T) {
	dir := t.TempDir()
	clk := newTestClock(t0)
	wall := func(o *Options) { o.Clock, o.Now, o.Tick = ClockWall, clk.now, time.Millisecond }
	q := open(t, dir, wall)
	accts := fund(t, q, 2)
	clk.add(1234)
	usdc, _, perp := ids(t, q)
	evs := submit(t, q, engine.Command{Kind: engine.CmdDeposit, Account: accts[0], Asset: usdc, Amount: 1})
	if evs[0].Time != t0+1234 {
		t.Fatalf("command stamped %d, want the wall time %d", evs[0].Time, t0+1234)
	}
	seq, h := state(t, q)
	clk.add(10_000)
	time.Sleep(30 * time.Millisecond) // many ticks
	if s2, h2 := state(t, q); s2 != seq || h2 != h {
		t.Fatal("an idle engine's state changed with the wall clock alone")
	}
	_ = q.Close()
	q = open(t, dir, wall)
	time.Sleep(30 * time.Millisecond)
	if s2, h2 := state(t, q); s2 != seq || h2 != h {
		t.Fatal("the state after a restart differs")
	}

	// A resting order makes the engine live: the ticker moves time.
	submit(t, q, engine.Command{Kind: engine.CmdPlaceOrder, Account: accts[1], Market: perp, Side: engine.Bid, Price: 990_000, Quantity: 100})
	clk.add(5_000)
	deadline := time.Now().Add(5 * time.Second)
	for {
		var n int64
		_ = q.Read(context.Background(), func(e *engine.Engine) { n = e.Now() })
		if n == clk.ms.Load() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("engine time %d, wall %d: the ticker did not advance a live engine", n, clk.ms.Load())
		}
		time.Sleep(time.Millisecond)
	}
}

// A failed Sync stops the sequencer: the caller of the batch gets the
// error, nothing is published, and every later request fails.
func TestSyncFailureStops(t *testing.T) {
	q, cs, _ := openCounting(t)
	accts := fund(t, q, 1)
	usdc, _, _ := ids(t, q)
	sub := must[*Subscription](t)(q.Subscribe(context.Background(), SubscribeOptions{}))
	cs.log.failSync.Store(true)
	c := engine.Command{Kind: engine.CmdDeposit, Account: accts[0], Asset: usdc, Amount: 1}
	if _, err := q.Submit(context.Background(), &c); !errors.Is(err, errInjected) {
		t.Fatalf("Submit during a failed sync: %v", err)
	}
	<-q.Done()
	if !errors.Is(q.Err(), errInjected) {
		t.Fatalf("Err = %v", q.Err())
	}
	if _, ok := <-sub.C; ok {
		t.Fatal("a batch was published although its sync failed")
	}
	if _, err := q.Submit(context.Background(), &c); err == nil {
		t.Fatal("Submit after a fatal error succeeded")
	}
	if err := q.Close(); !errors.Is(err, errInjected) {
		t.Fatalf("Close = %v", err)
	}
}

// A lossy subscriber that does not keep up is dropped; the sequencer goes on.
func TestLossySubscriberIsDropped(t *testing.T) {
	q := open(t, t.TempDir(), nil)
	accts := fund(t, q, 1)
	usdc, _, _ := ids(t, q)
	sub := must[*Subscription](t)(q.Subscribe(context.Background(), SubscribeOptions{Buffer: 1}))
	for range 3 {
		submit(t, q, engine.Command{Kind: engine.CmdDeposit, Account: accts[0], Asset: usdc, Amount: 1})
	}
	n := 0
	for range sub.C {
		n++
	}
	if n != 1 || !errors.Is(sub.Err(), ErrDropped) {
		t.Fatalf("received %d batches, Err %v; want 1 and ErrDropped", n, sub.Err())
	}
	if q.Stats().Dropped != 1 {
		t.Fatal("Stats.Dropped not counted")
	}
}

// Keys bind once; a second binding of the same key is refused and journals
// nothing.
func TestCreateAccountKeys(t *testing.T) {
	dir := t.TempDir()
	q := open(t, dir, nil)
	key := newKey(t)
	id := must[engine.AccountID](t)(q.CreateAccount(context.Background(), "a", key))
	if got, ok := q.AccountByKey(key); !ok || got != id {
		t.Fatal("AccountByKey does not find a new binding")
	}
	seq, _ := state(t, q)
	if _, err := q.CreateAccount(context.Background(), "b", key); !errors.Is(err, ErrKeyBound) {
		t.Fatalf("second binding: %v", err)
	}
	if _, err := q.CreateAccount(context.Background(), "c", key[:31]); err == nil {
		t.Fatal("a 31-byte key was accepted")
	}
	if s2, _ := state(t, q); s2 != seq {
		t.Fatal("a refused binding changed the state")
	}
	if _, ok := q.AccountByKey(newKey(t)); ok {
		t.Fatal("an unknown key was found")
	}
}

// The journal's configuration wins; a different one is refused.
func TestConfigMismatch(t *testing.T) {
	dir := t.TempDir()
	q := open(t, dir, nil)
	_ = q.Close()
	cfg := config.Default()
	cfg.Seed++
	_, err := Open(Options{Store: Dir{Path: dir}, Config: cfg, Logger: quietLogger()})
	if !errors.Is(err, ErrConfigMismatch) {
		t.Fatalf("Open with another configuration: %v", err)
	}
	q2, err := Open(Options{Store: Dir{Path: dir}, Config: config.Default(), Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	_ = q2.Close()
}

// A replayed command the engine refuses is corruption.
func TestReplayRefusalIsCorruption(t *testing.T) {
	dir := t.TempDir()
	q := open(t, dir, nil)
	_ = q.Close()
	w, err := journal.Open(dir, journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := engine.Command{Kind: engine.CmdDeposit, Account: 999, Amount: 1}
	if _, err := w.Append(appendCommandRecord(nil, &c)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(Options{Store: Dir{Path: dir}, Logger: quietLogger()}); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Open over a refused record: %v", err)
	}
}

// A snapshot file's engine part restores to the state an independent replay
// of the journal reaches at the snapshot's record (what audit checks).
func TestEngineSnapshotRestores(t *testing.T) {
	dir := t.TempDir()
	q := open(t, dir, func(o *Options) { o.SnapshotEvery = 1 })
	fund(t, q, 2)
	_ = q.Close()
	snap, err := journal.LatestSnapshot(dir)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := record.DecodeSnapshot(snap.Data)
	data := rs.Engine
	if err != nil {
		t.Fatal(err)
	}
	e, err := engine.Restore(q.Config(), data)
	if err != nil {
		t.Fatal(err)
	}
	replayed, _ := engine.New(q.Config())
	err = journal.Read(dir, 2, func(seq uint64, p []byte) error {
		var c engine.Command
		if seq > snap.Seq || record.DecodeCommand(p, &c) != nil {
			return nil // key bindings and records past the snapshot
		}
		_, err := replayed.Apply(&c)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if e.StateHash() != replayed.StateHash() || e.Seq() == 0 {
		t.Fatal("the snapshot's engine state differs from a replay to its record")
	}
	if _, err := record.DecodeSnapshot(data); err == nil {
		t.Fatal("a bare engine snapshot was taken for a server snapshot")
	}
}
