package sequencer

import (
	"context"
	"crypto/ed25519"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
	"github.com/waterfallrisk/waterfall/journal"
)

// testClock is a settable wall clock.
type testClock struct{ ms atomic.Int64 }

func newTestClock(ms int64) *testClock { c := &testClock{}; c.ms.Store(ms); return c }
func (c *testClock) now() time.Time    { return time.UnixMilli(c.ms.Load()) }
func (c *testClock) add(ms int64)      { c.ms.Add(ms) }

const t0 = 1_700_000_000_000

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// open opens a sequencer on dir with test defaults; mod adjusts the options.
func open(t testing.TB, dir string, mod func(*Options)) *Sequencer {
	t.Helper()
	o := Options{Store: Dir{Path: dir, Options: journal.Options{NoSync: true}}, Clock: ClockManual,
		Now: newTestClock(t0).now, Logger: quietLogger(), SnapshotEvery: -1}
	if mod != nil {
		mod(&o)
	}
	q, err := Open(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = q.Close() })
	return q
}

// crash stops q as a killed process would: no draining, no Sync, no Close.
func crash(q *Sequencer) {
	q.abandon.Store(true)
	_ = q.Close()
}

// state returns the engine sequence and state hash.
func state(t testing.TB, q *Sequencer) (uint64, [32]byte) {
	t.Helper()
	var seq uint64
	var h [32]byte
	if err := q.Read(context.Background(), func(e *engine.Engine) { seq, h = e.Seq(), e.StateHash() }); err != nil {
		t.Fatal(err)
	}
	return seq, h
}

func ids(t testing.TB, q *Sequencer) (usdc, btc config.AssetID, perp config.MarketID) {
	t.Helper()
	cfg := q.Config()
	usdc, _ = cfg.AssetBySymbol("USDC")
	btc, _ = cfg.AssetBySymbol("BTC")
	perp, _ = cfg.MarketBySymbol("BTC_USDC_PERP")
	return
}

func newKey(t testing.TB) []byte {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

func must[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func submit(t testing.TB, q *Sequencer, c engine.Command) []engine.Event {
	t.Helper()
	return must[[]engine.Event](t)(q.Submit(context.Background(), &c))
}

// fund creates n accounts with 100,000 USDC each and sets BTC at 100,000.
func fund(t testing.TB, q *Sequencer, n int) []engine.AccountID {
	t.Helper()
	usdc, btc, _ := ids(t, q)
	submit(t, q, engine.Command{Kind: engine.CmdSetIndexPrice, Asset: btc, Amount: 100_000 * fixed.PriceScale})
	out := make([]engine.AccountID, n)
	for i := range out {
		out[i] = must[engine.AccountID](t)(q.CreateAccount(context.Background(), "t", newKey(t)))
		submit(t, q, engine.Command{Kind: engine.CmdDeposit, Account: out[i], Asset: usdc, Amount: 100_000_000_000})
	}
	return out
}

// openCounting opens a sequencer (test defaults) on a new directory dir
// through a countingStore.
func openCounting(t testing.TB) (q *Sequencer, cs *countingStore, dir string) {
	t.Helper()
	dir = t.TempDir()
	cs = &countingStore{Store: Dir{Path: dir, Options: journal.Options{NoSync: true}}}
	return open(t, dir, func(o *Options) { o.Store = cs }), cs, dir
}

// countingStore wraps a Store so tests can watch durability and inject a
// failing Sync.
type countingStore struct {
	Store
	log *countingLog
}

func (s *countingStore) Open() (Log, error) {
	l, err := s.Store.Open()
	if err != nil {
		return nil, err
	}
	s.log = &countingLog{Log: l}
	return s.log, nil
}

type countingLog struct {
	Log
	mu              sync.Mutex
	appendedCmds    uint64
	syncedCmds      atomic.Uint64 // command records durable
	syncedSeq       atomic.Uint64
	failSync        atomic.Bool
	syncs, appended atomic.Uint64
}

var errInjected = errors.New("injected sync failure")

func (l *countingLog) Append(p []byte) (uint64, error) {
	l.mu.Lock()
	if isCommandRecord(p) {
		l.appendedCmds++
	}
	l.mu.Unlock()
	l.appended.Add(1)
	return l.Log.Append(p)
}

func (l *countingLog) Sync() error {
	if l.failSync.Load() {
		return errInjected
	}
	if err := l.Log.Sync(); err != nil {
		return err
	}
	l.mu.Lock()
	l.syncedCmds.Store(l.appendedCmds)
	l.mu.Unlock()
	l.syncedSeq.Store(l.Log.LastSeq())
	l.syncs.Add(1)
	return nil
}
