package main

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
	"github.com/waterfallrisk/waterfall/journal"
	"github.com/waterfallrisk/waterfall/journal/record"
)

// server writes a journal the way the sequencer does: a command is applied
// to the engine first and journaled only if accepted.
type server struct {
	t    *testing.T
	data string
	w    *journal.Writer
	e    *engine.Engine
	cfg  *config.Config
	buf  []byte
	yaml []byte              // the genesis configuration
	keys []record.KeyBinding // bound so far, in order
}

func newServer(t *testing.T) *server {
	t.Helper()
	s := &server{t: t, data: t.TempDir(), cfg: config.Default()}
	var err error
	if s.w, err = journal.Open(record.JournalPath(s.data), journal.Options{}); err != nil {
		t.Fatal(err)
	}
	if s.e, err = engine.New(s.cfg); err != nil {
		t.Fatal(err)
	}
	yaml, err := s.cfg.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	s.yaml = yaml
	s.append(record.AppendGenesis(nil, &record.Genesis{Config: yaml}))
	return s
}

// serverSnapshot wraps the engine's snapshot as a server snapshot
// (record.Snapshot) covering record seq.
func (s *server) serverSnapshot(seq uint64) []byte {
	s.t.Helper()
	data, err := s.e.Snapshot()
	if err != nil {
		s.t.Fatal(err)
	}
	return record.AppendSnapshot(nil, &record.Snapshot{JournalSeq: seq, EngineSeq: s.e.Seq(),
		Config: s.yaml, Bindings: s.keys, Engine: data})
}

func (s *server) append(p []byte) uint64 {
	s.t.Helper()
	seq, err := s.w.Append(p)
	if err != nil {
		s.t.Fatal(err)
	}
	return seq
}

// do applies c and journals it; the test fails if the engine refuses it.
func (s *server) do(c engine.Command) []engine.Event {
	s.t.Helper()
	ev, err := s.e.Apply(&c)
	if err != nil {
		s.t.Fatalf("%v: %v", c.Kind, err)
	}
	s.buf = record.AppendCommand(s.buf[:0], &c)
	s.append(s.buf)
	return ev
}

func (s *server) createAccount(key byte) engine.AccountID {
	s.t.Helper()
	ev := s.do(engine.Command{Kind: engine.CmdCreateAccount})
	k := record.KeyBinding{Account: ev[0].Account, PublicKey: [32]byte{0: key, 31: key}}
	s.append(record.AppendKeyBinding(nil, &k))
	s.keys = append(s.keys, k)
	return k.Account
}

func (s *server) sync() {
	s.t.Helper()
	if err := s.w.Sync(); err != nil {
		s.t.Fatal(err)
	}
}

func (s *server) snapshot() {
	s.t.Helper()
	s.sync()
	data := s.serverSnapshot(s.w.LastSeq())
	if err := journal.WriteSnapshot(record.JournalPath(s.data), s.w.LastSeq(), s.w.ChainHash(), data); err != nil {
		s.t.Fatal(err)
	}
}

func (s *server) close() {
	s.t.Helper()
	if err := s.w.Close(); err != nil {
		s.t.Fatal(err)
	}
}

// trade journals a small market: two funded accounts with keys, a BTC perp
// trade, a price move and an hour of time (funding), a snapshot in the middle.
func (s *server) trade() {
	btc, _ := s.cfg.AssetBySymbol("BTC")
	usdc, _ := s.cfg.AssetBySymbol("USDC")
	perp, _ := s.cfg.MarketBySymbol("BTC_USDC_PERP")
	s.do(engine.Command{Kind: engine.CmdAdvanceTime, Amount: 1_700_000_000_000})
	s.do(engine.Command{Kind: engine.CmdSetIndexPrice, Asset: btc, Amount: 100_000 * fixed.PriceScale})
	alice, bob := s.createAccount(1), s.createAccount(2)
	s.do(engine.Command{Kind: engine.CmdDeposit, Account: alice, Asset: usdc, Amount: 100_000_000_000})
	s.do(engine.Command{Kind: engine.CmdDeposit, Account: bob, Asset: usdc, Amount: 100_000_000_000})
	s.sync()
	s.do(engine.Command{Kind: engine.CmdPlaceOrder, Account: alice, Market: perp, Side: engine.Bid,
		Type: engine.Limit, Price: 1_000_000, Quantity: 10_000, ClientID: 7})
	s.do(engine.Command{Kind: engine.CmdPlaceOrder, Account: bob, Market: perp, Side: engine.Ask,
		Type: engine.Market, Quantity: 6_000})
	s.snapshot()
	s.do(engine.Command{Kind: engine.CmdSetIndexPrice, Asset: btc, Amount: 101_000 * fixed.PriceScale})
	s.do(engine.Command{Kind: engine.CmdAdvanceTime, Amount: 1_700_000_000_000 + 3_600_000})
	s.do(engine.Command{Kind: engine.CmdCancelAll, Account: alice, Market: perp})
	s.do(engine.Command{Kind: engine.CmdWithdraw, Account: bob, Asset: usdc, Amount: 1_000_000})
	s.sync()
}

func runAudit(t *testing.T, data string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := audit(&out, data, 1)
	return out.String(), err
}

func stateHashLine(t *testing.T, out string) string {
	t.Helper()
	var found []string
	for line := range strings.Lines(out) {
		if h, ok := strings.CutPrefix(strings.TrimSuffix(line, "\n"), "stateHash "); ok {
			found = append(found, h)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d stateHash lines in:\n%s", len(found), out)
	}
	return found[0]
}

func TestAuditMatchesTheEngine(t *testing.T) {
	s := newServer(t)
	s.trade()
	s.close()
	out, err := runAudit(t, s.data)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	t.Logf("audit output:\n%s", out)
	want := s.e.StateHash()
	if got := stateHashLine(t, out); got != hex.EncodeToString(want[:]) {
		t.Fatalf("audit printed stateHash %s, the engine has %x\n%s", got, want, out)
	}
	for _, line := range []string{"records 15\n", "lastSequence 15\n", "commands 12\n", "keyBindings 2\n",
		"invariants ok\n", "snapshot 11 ok\n"} {
		if !strings.Contains(out, line) {
			t.Errorf("output lacks %q:\n%s", line, out)
		}
	}

	// A torn tail (an unacknowledged partial batch) is reported, not a failure.
	segs, _ := filepath.Glob(filepath.Join(record.JournalPath(s.data), "*.wal"))
	f, err := os.OpenFile(segs[len(segs)-1], os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Close()
	out, err = runAudit(t, s.data)
	if err != nil || !strings.Contains(out, "tornBytes 9 ") || stateHashLine(t, out) != hex.EncodeToString(want[:]) {
		t.Fatalf("torn tail: %v\n%s", err, out)
	}
}

// TestAuditFailures: each defect makes the audit fail and print no state hash.
func TestAuditFailures(t *testing.T) {
	cases := map[string]struct {
		build func(s *server)
		want  string // in the error
	}{
		"corrupt middle record": {
			build: func(s *server) {
				s.trade()
				s.close()
				segs, _ := filepath.Glob(filepath.Join(record.JournalPath(s.data), "*.wal"))
				b, _ := os.ReadFile(segs[0])
				b[len(b)/2] ^= 0x40
				os.WriteFile(segs[0], b, 0o644)
			},
			want: "corrupt",
		},
		"refused command journaled": {
			build: func(s *server) {
				s.trade()
				usdc, _ := s.cfg.AssetBySymbol("USDC")
				c := engine.Command{Kind: engine.CmdWithdraw, Account: s.e.FirstUser(), Asset: usdc, Amount: 1 << 50}
				s.append(record.AppendCommand(nil, &c))
				s.close()
			},
			want: "sequence 16: the engine refuses the journaled withdraw command",
		},
		"no genesis": {
			build: func(s *server) {
				s.close()
				os.RemoveAll(record.JournalPath(s.data))
				w, _ := journal.Open(record.JournalPath(s.data), journal.Options{})
				w.Append(record.AppendCommand(nil, &engine.Command{Kind: engine.CmdCreateAccount}))
				w.Close()
			},
			want: "sequence 1: a command record",
		},
		"second genesis": {
			build: func(s *server) {
				s.append(record.AppendGenesis(nil, &record.Genesis{Config: []byte("x")}))
				s.close()
			},
			want: "sequence 2: a genesis record",
		},
		"key binding without create-account": {
			build: func(s *server) {
				s.trade()
				s.append(record.AppendKeyBinding(nil, &record.KeyBinding{Account: s.e.FirstUser()}))
				s.close()
			},
			want: "does not follow a create-account",
		},
		"key bound twice": {
			build: func(s *server) {
				s.createAccount(1)
				s.createAccount(1)
				s.close()
			},
			want: "bound again",
		},
		"unknown record type": {
			build: func(s *server) {
				s.append([]byte{9})
				s.close()
			},
			want: "unknown record type",
		},
		"snapshot of another state": {
			build: func(s *server) {
				s.trade()
				data := s.serverSnapshot(11)
				s.close()
				dir := record.JournalPath(s.data)
				chain, _ := journal.ChainAt(dir, 11)
				journal.WriteSnapshot(dir, 11, chain, data)
			},
			want: "engine sequence 12, the replay had 8",
		},
		"snapshot of another journal": {
			build: func(s *server) {
				s.trade()
				s.close()
				dir := record.JournalPath(s.data)
				snap, _ := journal.LatestSnapshot(dir)
				journal.WriteSnapshot(dir, snap.Seq, [32]byte{1}, snap.Data)
			},
			want: "chain hash",
		},
		"corrupt newest snapshot": {
			build: func(s *server) {
				s.trade()
				s.snapshot()
				s.close()
				snaps, _ := filepath.Glob(filepath.Join(record.JournalPath(s.data), "*.snap"))
				b, _ := os.ReadFile(snaps[len(snaps)-1])
				b[len(b)-10] ^= 1
				os.WriteFile(snaps[len(snaps)-1], b, 0o644)
			},
			want: "corrupt",
		},
		"empty journal": {
			build: func(s *server) {
				s.close()
				os.RemoveAll(record.JournalPath(s.data))
				os.Mkdir(record.JournalPath(s.data), 0o755)
			},
			want: "empty",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := newServer(t)
			tc.build(s)
			out, err := runAudit(t, s.data)
			if err == nil || !strings.Contains(err.Error(), tc.want) ||
				name == "corrupt middle record" && !errors.Is(err, journal.ErrCorrupt) {
				t.Fatalf("audit error %v, want one containing %q\n%s", err, tc.want, out)
			}
			if strings.Contains(out, "stateHash") {
				t.Fatalf("a failed audit printed a state hash:\n%s", out)
			}
		})
	}
	if _, err := runAudit(t, filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Fatal("audit of a missing directory passed")
	}
}
