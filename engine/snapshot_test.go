package engine_test

// Snapshot tests (snapshot.go). The stream tests draw commands with the
// property test's generator (property_test.go, liq_property_test.go: every
// command checked by its checker), snapshot the engine at random points,
// restore it, and run the restored twin beside the original: the same
// accept/refuse decisions, events (go-cmp) and StateHash after every
// command, CheckInvariants on the twin, and at the next snapshot point the
// twin's snapshot equal, byte for byte, to the original's. The scenario
// test does the same from every command of the datadriven scenarios in
// testdata/liquidation, where liquidations are set up by hand. The field
// guard is in snapshot_internal_test.go.

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"pgregory.net/rapid"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// snapshotRestore snapshots e, restores the snapshot and checks the result:
// Restore accepts it, the state hash is e's, the invariants hold, and the
// restored engine's own snapshot is the same bytes. It returns the restored
// engine and the snapshot.
func snapshotRestore(cfg *config.Config, e *engine.Engine) (*engine.Engine, []byte, error) {
	data, err := e.Snapshot()
	if err != nil {
		return nil, nil, fmt.Errorf("Snapshot: %w", err)
	}
	r, err := engine.Restore(cfg, data)
	if err != nil {
		return nil, nil, fmt.Errorf("Restore: %w", err)
	}
	if r.StateHash() != e.StateHash() {
		return nil, nil, errors.New("restored state hash differs")
	}
	if r.Seq() != e.Seq() || r.Now() != e.Now() {
		return nil, nil, fmt.Errorf("restored at seq %d time %d, original %d %d", r.Seq(), r.Now(), e.Seq(), e.Now())
	}
	if err := r.CheckInvariants(); err != nil {
		return nil, nil, fmt.Errorf("restored engine: %w", err)
	}
	again, err := r.Snapshot()
	if err != nil {
		return nil, nil, fmt.Errorf("Snapshot of the restored engine: %w", err)
	}
	if !bytes.Equal(again, data) {
		return nil, nil, fmt.Errorf("snapshot of the restored engine differs (%d bytes, original %d, first difference at %d)",
			len(again), len(data), firstDiff(again, data))
	}
	return r, data, nil
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// sameOutcome applies cmd to the twin and compares with what the original
// did: refused or not, the events, then the state hash.
func sameOutcome(twin *engine.Engine, cmd engine.Command, refused bool, want []engine.Event, wantHash [32]byte) error {
	c := cmd
	got, err := twin.Apply(&c)
	if (err != nil) != refused {
		return fmt.Errorf("%s: original refused=%v, restored twin: %v", fmtCmd(cmd), refused, err)
	}
	if !slices.Equal(want, got) { // the diff only on failure: go-cmp is slow
		return fmt.Errorf("%s: events differ (-original +restored):\n%s", fmtCmd(cmd), cmp.Diff(want, got, cmpopts.EquateEmpty()))
	}
	if twin.StateHash() != wantHash {
		return fmt.Errorf("%s: state hash differs after the command", fmtCmd(cmd))
	}
	if err := twin.CheckInvariants(); err != nil {
		return fmt.Errorf("%s: restored twin: %w", fmtCmd(cmd), err)
	}
	return nil
}

func anyLiquidating(e *engine.Engine) bool {
	for id := e.FirstUser(); int(id) < e.Accounts(); id++ {
		if e.Liquidating(id) {
			return true
		}
	}
	return false
}

// TestSnapshotRandomStreams: random command streams (a share of them
// liquidation scenarios: leveraged positions, price shocks, declines,
// ticks, backstop providers), under each liquidation preset, snapshot and
// restore at random points, the twin following the original to the end.
func TestSnapshotRandomStreams(t *testing.T) {
	setFlagUnlessGiven(t, "rapid.nofailfile", "true")
	setFlagUnlessGiven(t, "rapid.shrinktime", "5s")
	var snaps, duringLiq, twinSteps int
	rapid.Check(t, func(rt *rapid.T) {
		cfg := config.Default()
		cfg.Liquidation.Policy = rapid.SampledFrom([]config.LiquidationPolicy{
			config.PolicyBackpack, config.PolicyBackpack, config.PolicyLadder, config.PolicyClassic, config.PolicyPartial,
		}).Draw(rt, "policy")
		c, err := newChecker(cfg)
		if err != nil {
			rt.Fatal(err)
		}
		for _, cmd := range slices.Concat(setupCommands(c.e.FirstUser(), 4), setupModes(c.e.FirstUser(), 4)) {
			if err := c.step(cmd, false); err != nil {
				rt.Fatal(err)
			}
		}
		g := &gen{t: rt, c: c, lg: &liqGen{pct: rapid.SampledFrom([]int{liqShare, 25, 50}).Draw(rt, "liquidation share")}}
		var twin *engine.Engine
		n := rapid.IntRange(50, 300).Draw(rt, "commands")
		for i := range n {
			cmd, bad := g.command()
			if err := c.step(cmd, bad); err != nil {
				rt.Fatalf("original engine, command %d: %v", i, err)
			}
			if twin != nil {
				k := len(c.cmds) - 1
				if err := sameOutcome(twin, cmd, c.refused[k], c.events[k], c.e.StateHash()); err != nil {
					rt.Fatalf("command %d after the snapshot at seq %d: %v", i, c.e.Seq(), err)
				}
				twinSteps++
			}
			pct := 4
			if anyLiquidating(c.e) {
				pct = 30 // the interesting points: a liquidation in progress
			}
			if i == n-1 || g.chance(pct, "snapshot") {
				r, data, err := snapshotRestore(cfg, c.e)
				if err != nil {
					rt.Fatalf("after command %d: %v", i, err)
				}
				if twin != nil {
					// The twin ran every command since the last snapshot: its
					// whole state, not only the hashed part, is the original's.
					mine, err := twin.Snapshot()
					if err != nil || !bytes.Equal(mine, data) {
						rt.Fatalf("after command %d: the twin's snapshot differs from the original's (%v)", i, err)
					}
				}
				twin = r
				snaps++
				if anyLiquidating(c.e) {
					duringLiq++
				}
			}
		}
	})
	t.Logf("%d snapshots (%d with a liquidation in progress), %d commands compared on restored twins", snaps, duringLiq, twinSteps)
	if duringLiq == 0 {
		t.Error("no snapshot was taken during a liquidation: the streams do not exercise it")
	}
}

// TestSnapshotScenarios replays the datadriven scenarios (testdata/**, the
// liquidation ones above all, where liquidations are set up by hand; not
// known_bugs) and, from every command of each, restores a snapshot taken
// there and runs the scenario on from it: every decision, event and state
// hash must be the original run's.
func TestSnapshotScenarios(t *testing.T) {
	duringLiq, files := 0, 0
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		if filepath.Ext(path) != ".txt" || strings.Contains(filepath.ToSlash(path), "/known_bugs/") {
			t.Skip("not a scenario that passes")
		}
		files++
		h := &harness{t: t, cfg: config.Default(), engines: map[string]*ddEngine{}}
		datadriven.RunTest(t, path, func(t *testing.T, td *datadriven.TestData) string {
			h.t = t
			return h.run(td)
		})
		for _, name := range h.order {
			d := h.engines[name]
			n, err := checkLogFromEverySnapshot(d.e.Config(), d.log)
			if err != nil {
				t.Fatalf("engine %s: %v", name, err)
			}
			duringLiq += n
		}
	})
	if files == 0 || duringLiq == 0 {
		t.Errorf("%d scenarios, %d snapshot points with a liquidation in progress", files, duringLiq)
	}
}

// scenarioWindow is how many commands a twin restored in a scenario runs
// (the stream test runs twins for hundreds).
const scenarioWindow = 25

// checkLogFromEverySnapshot runs log on a fresh engine, recording the state
// hash after each command, and then, for every command k, restores the
// snapshot taken before it and runs the next scenarioWindow commands on it,
// comparing everything.
// It returns the number of snapshot points with a liquidation in progress.
func checkLogFromEverySnapshot(cfg *config.Config, log []ddApplied) (int, error) {
	e, err := engine.New(cfg)
	if err != nil {
		return 0, err
	}
	duringLiq := 0
	snaps := make([][]byte, len(log))
	hashes := make([][32]byte, len(log))
	for k, rec := range log {
		if snaps[k], err = e.Snapshot(); err != nil {
			return 0, err
		}
		if anyLiquidating(e) {
			duringLiq++
		}
		cmd := rec.cmd
		if _, err := e.Apply(&cmd); (err != nil) != (rec.err != "") {
			return 0, fmt.Errorf("command %d %s: replay refused=%v, recorded %q", k, fmtCmd(rec.cmd), err, rec.err)
		}
		hashes[k] = e.StateHash()
	}
	for k := range log {
		twin, err := engine.Restore(cfg, snaps[k])
		if err != nil {
			return 0, fmt.Errorf("restore before command %d: %w", k, err)
		}
		if again, err := twin.Snapshot(); err != nil || !bytes.Equal(again, snaps[k]) {
			return 0, fmt.Errorf("snapshot of the engine restored before command %d differs (%v)", k, err)
		}
		for j := k; j < min(k+scenarioWindow, len(log)); j++ {
			if err := sameOutcome(twin, log[j].cmd, log[j].err != "", log[j].events, hashes[j]); err != nil {
				return 0, fmt.Errorf("restored before command %d, command %d: %w", k, j, err)
			}
		}
	}
	return duringLiq, nil
}

// TestSnapshotRefusesOtherConfig: a snapshot restores only under the
// configuration it was taken under (the seed counts).
func TestSnapshotRefusesOtherConfig(t *testing.T) {
	e := snapshotTestEngine(t)
	data, err := e.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	other := config.Default()
	other.Seed++
	if _, err := engine.Restore(other, data); !errors.Is(err, engine.ErrSnapshotConfig) {
		t.Fatalf("restore under another seed: %v, want ErrSnapshotConfig", err)
	}
	if _, err := engine.Restore(config.Default(), data); err != nil {
		t.Fatalf("restore under an equal configuration: %v", err)
	}
}

// TestSnapshotRefusesOtherVersion: a version this build does not read is
// refused as such, even with a valid checksum.
func TestSnapshotRefusesOtherVersion(t *testing.T) {
	data, err := snapshotTestEngine(t).Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	bad := reseal(slices.Clone(data), func(b []byte) { b[8]++ })
	if _, err := engine.Restore(config.Default(), bad); !errors.Is(err, engine.ErrSnapshotVersion) {
		t.Fatalf("restore of version 2: %v, want ErrSnapshotVersion", err)
	}
}

// reseal applies mutate to a snapshot and writes a valid checksum for the
// result (the last 32 bytes are the SHA-256 of everything before them), so
// that the decoder, not the checksum, meets the damage.
func reseal(data []byte, mutate func([]byte)) []byte {
	if len(data) < sha256.Size {
		return data
	}
	body := data[:len(data)-sha256.Size]
	mutate(body)
	sum := sha256.Sum256(body)
	return append(body, sum[:]...)
}

// snapshotTestEngine is a small engine with something of everything: two
// traders with perpetual and spot positions, resting and trigger orders,
// a hedge-mode account and an account in liquidation (stage 1).
func snapshotTestEngine(tb testing.TB) *engine.Engine {
	tb.Helper()
	e, err := engine.New(config.Default())
	if err != nil {
		tb.Fatal(err)
	}
	u := e.FirstUser()
	must := func(c engine.Command) {
		tb.Helper()
		if _, err := e.Apply(&c); err != nil {
			tb.Fatalf("%s: %v", fmtCmd(c), err)
		}
	}
	for _, c := range slices.Concat(setupCommands(u, 3), setupModes(u, 3)) {
		must(c)
	}
	must(engine.Command{Kind: engine.CmdAdvanceTime, Amount: startTime + 3_600_000})
	must(engine.Command{Kind: engine.CmdCreateAccount})
	bust := u + 3
	must(engine.Command{Kind: engine.CmdDeposit, Account: bust, Asset: usdc, Amount: 100_000_000}) // 100 USDC
	must(engine.Command{Kind: engine.CmdPlaceOrder, Account: u, Market: btcPerp, Side: engine.Ask, Price: 1_000_000, Quantity: 1000})
	must(engine.Command{Kind: engine.CmdPlaceOrder, Account: bust, Market: btcPerp, Side: engine.Bid, Type: engine.Market, Quantity: 400})
	must(engine.Command{Kind: engine.CmdPlaceOrder, Account: u, Market: btcPerp, Side: engine.Bid, Price: 990_000, Quantity: 50})
	must(engine.Command{Kind: engine.CmdPlaceOrder, Account: u + 1, Market: btcPerp, Side: engine.Bid, Price: 980_000, Quantity: 70, TriggerPrice: 970_000})
	must(engine.Command{Kind: engine.CmdPlaceOrder, Account: u + 1, Market: ethSpot, Side: engine.Bid, Price: 290_000, Quantity: 30})
	must(engine.Command{Kind: engine.CmdPlaceOrder, Account: u + 2, Market: ethPerp, Side: engine.Bid, Price: 299_000, Quantity: 3, PositionSide: engine.Long})
	must(engine.Command{Kind: engine.CmdSetIndexPrice, Asset: btc, Amount: 98_000 * fixed.PriceScale})
	if !e.Liquidating(bust) {
		tb.Fatalf("the test engine's account is not in liquidation: %+v %+v", e.Margin(bust), e.Positions(bust))
	}
	return e
}

// TestRestoreRefusesEveryTruncation: every prefix of a snapshot, and the
// snapshot with a byte more, is refused without a panic.
func TestRestoreRefusesEveryTruncation(t *testing.T) {
	cfg := config.Default()
	data, err := snapshotTestEngine(t).Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	for n := range len(data) {
		if _, err := engine.Restore(cfg, data[:n]); !errors.Is(err, engine.ErrSnapshotCorrupt) {
			t.Fatalf("prefix of %d of %d bytes: %v", n, len(data), err)
		}
	}
	if _, err := engine.Restore(cfg, append(slices.Clone(data), 0)); !errors.Is(err, engine.ErrSnapshotCorrupt) {
		t.Fatalf("a byte appended: %v", err)
	}
}

// TestRestoreRefusesDamage: every single-byte change is refused by the
// checksum. Resealed (a valid checksum written over the damage, so that the
// decoder meets it), changes at every header byte and at random state
// bytes, and the state cut short at random points, are refused by the
// decoder or its checks, or else restore to an engine whose snapshot is
// exactly the damaged input (restoreIsExact); never a panic. (Each resealed
// Restore decodes in full, about 2 ms here, hence the samples; FuzzRestore
// goes further.)
func TestRestoreRefusesDamage(t *testing.T) {
	cfg := config.Default()
	data, err := snapshotTestEngine(t).Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	flip := func() byte { return byte(1 + rng.IntN(255)) }
	for i := range len(data) {
		bad := slices.Clone(data)
		bad[i] ^= flip()
		if _, err := engine.Restore(cfg, bad); !errors.Is(err, engine.ErrSnapshotCorrupt) {
			t.Fatalf("byte %d changed: %v, want ErrSnapshotCorrupt", i, err)
		}
	}
	const header, samples = 12 + sha256.Size, 400
	state := len(data) - 2*sha256.Size // the state section ends here
	accepted := 0
	for k := range header + samples {
		i := k
		if k >= header {
			i = header + rng.IntN(state+sha256.Size-header) // the recorded hash included
		}
		sealed := reseal(slices.Clone(data), func(b []byte) { b[i] ^= flip() })
		ok, err := restoreIsExact(cfg, sealed)
		switch {
		case err != nil:
			t.Fatalf("byte %d changed and resealed: %v", i, err)
		case ok && i < header:
			t.Fatalf("header byte %d changed and resealed, but accepted", i)
		case ok:
			accepted++
		}
	}
	hash := data[state : state+sha256.Size]
	for range samples {
		n := header + rng.IntN(state-header)
		cut := slices.Concat(data[:n], hash, make([]byte, sha256.Size))
		if _, err := engine.Restore(cfg, reseal(cut, func([]byte) {})); !errors.Is(err, engine.ErrSnapshotCorrupt) {
			t.Fatalf("state cut at %d of %d (hash and checksum valid): %v", n, state, err)
		}
	}
	t.Logf("%d of %d resealed single-byte changes in the state were accepted (fields the state hash does not cover)", accepted, samples)
}

// restoreIsExact restores data and reports whether it was accepted; an
// accepted snapshot must pass the invariants and snapshot back to exactly
// data (the decoder accepts one encoding per state).
func restoreIsExact(cfg *config.Config, data []byte) (bool, error) {
	e, err := engine.Restore(cfg, data)
	if err != nil {
		if !errors.Is(err, engine.ErrSnapshotCorrupt) && !errors.Is(err, engine.ErrSnapshotVersion) && !errors.Is(err, engine.ErrSnapshotConfig) {
			return false, fmt.Errorf("error %v wraps none of the snapshot errors", err)
		}
		return false, nil
	}
	if err := e.CheckInvariants(); err != nil {
		return true, fmt.Errorf("accepted, but: %w", err)
	}
	again, err := e.Snapshot()
	if err != nil || !bytes.Equal(again, data) {
		return true, fmt.Errorf("accepted, but snapshots back differently (%v)", err)
	}
	return true, nil
}

// FuzzRestore: Restore never panics. Each input is tried as it is (almost
// always refused by the checksum) and resealed with a valid checksum, so
// the fuzzer reaches the decoder and its checks; whatever is accepted must
// satisfy restoreIsExact.
//
//	go test -run='^$' -fuzz=FuzzRestore -fuzztime=60s ./engine/
func FuzzRestore(f *testing.F) {
	cfg := config.Default()
	e := snapshotTestEngine(f)
	data, err := e.Snapshot()
	if err != nil {
		f.Fatal(err)
	}
	fresh, _ := engine.New(cfg)
	empty, err := fresh.Snapshot()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add(empty)
	f.Add(data[:len(data)/2])
	f.Add([]byte("WFSNAP\x00\x00"))
	f.Fuzz(func(t *testing.T, in []byte) {
		if _, err := restoreIsExact(cfg, in); err != nil {
			t.Fatalf("as given: %v", err)
		}
		if _, err := restoreIsExact(cfg, reseal(slices.Clone(in), func([]byte) {})); err != nil {
			t.Fatalf("resealed: %v", err)
		}
	})
}

// bigEngine is n accounts in pairs holding opposite BTC perpetual
// positions, every tenth pair with a resting order too.
func bigEngine(tb testing.TB, n int) *engine.Engine {
	tb.Helper()
	e, err := engine.New(config.Default())
	if err != nil {
		tb.Fatal(err)
	}
	must := func(c engine.Command) {
		if _, err := e.Apply(&c); err != nil {
			tb.Fatalf("%s: %v", fmtCmd(c), err)
		}
	}
	must(engine.Command{Kind: engine.CmdAdvanceTime, Amount: startTime})
	must(engine.Command{Kind: engine.CmdSetIndexPrice, Asset: btc, Amount: 100_000 * fixed.PriceScale})
	for i := 0; i < n; i += 2 {
		short, long := e.FirstUser()+engine.AccountID(i), e.FirstUser()+engine.AccountID(i+1) //nolint:gosec // small
		must(engine.Command{Kind: engine.CmdCreateAccount})
		must(engine.Command{Kind: engine.CmdCreateAccount})
		must(engine.Command{Kind: engine.CmdDeposit, Account: short, Asset: usdc, Amount: 1_000_000_000})
		must(engine.Command{Kind: engine.CmdDeposit, Account: long, Asset: usdc, Amount: 1_000_000_000})
		must(engine.Command{Kind: engine.CmdPlaceOrder, Account: short, Market: btcPerp, Side: engine.Ask, Price: 1_000_000, Quantity: 100})
		must(engine.Command{Kind: engine.CmdPlaceOrder, Account: long, Market: btcPerp, Side: engine.Bid, Type: engine.Market, Quantity: 100})
		if i%20 == 0 {
			must(engine.Command{Kind: engine.CmdPlaceOrder, Account: long, Market: btcPerp, Side: engine.Bid, Price: 900_000 + int64(i%1000), Quantity: 10})
		}
	}
	return e
}

const benchAccounts = 100_000

// BenchmarkSnapshot: the snapshot of 100,000 accounts, each with a BTC
// perpetual position (5,000 resting orders).
func BenchmarkSnapshot(b *testing.B) {
	e := bigEngine(b, benchAccounts)
	data, err := e.Snapshot()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(data)), "bytes")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := e.Snapshot(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRestore: restoring that snapshot, the liquidation index rebuilt.
func BenchmarkRestore(b *testing.B) {
	e := bigEngine(b, benchAccounts)
	data, err := e.Snapshot()
	if err != nil {
		b.Fatal(err)
	}
	cfg := e.Config()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := engine.Restore(cfg, data); err != nil {
			b.Fatal(err)
		}
	}
}
