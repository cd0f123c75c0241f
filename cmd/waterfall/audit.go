package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/journal"
	"github.com/waterfallrisk/waterfall/journal/record"
)

type auditCmd struct {
	Data       string `default:"./waterfall-data" help:"The server's data directory (the journal is in its journal/ folder)."`
	CheckEvery uint64 `default:"10000" help:"Also check the engine invariants every N commands (0: only at the end)."`
}

// Run audits the data directory; any failure is an error (exit status 1).
func (a *auditCmd) Run() error {
	if err := audit(os.Stdout, a.Data, a.CheckEvery); err != nil {
		return fmt.Errorf("audit failed: %w", err)
	}
	return nil
}

// audit verifies the journal of dataDir and replays it, writing one
// "name value" line per finding to out, the last one "stateHash <hex>":
//
//  1. journal.Verify: every segment header, record CRC, sequence and the hash
//     chain from sequence 1. A torn tail (never acknowledged) is reported,
//     not a failure; corruption is.
//  2. Replay from genesis (snapshots are not trusted): record 1 must be the
//     Genesis, its configuration builds the engine, every Command record is
//     applied in order and must be accepted (only accepted commands are
//     journaled), every KeyBinding must follow the CmdCreateAccount that made
//     its account and bind a key not bound before. The invariants are
//     checked every checkEvery commands (0: never) and at the end.
//  3. If snapshots exist: the newest must be valid (a corrupt newer one is a
//     failure), lie within the journal, carry the journal's chain hash at its
//     sequence, and restore (engine.Restore) to the replayed state hash at
//     that sequence.
func audit(out io.Writer, dataDir string, checkEvery uint64) error {
	dir := record.JournalPath(dataDir)
	if _, err := os.Stat(dir); err != nil {
		return fmt.Errorf("no journal: %w", err)
	}
	rep, err := journal.Verify(dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "segments %d\nrecords %d\nlastSequence %d\nchainHead %x\n",
		rep.Segments, rep.Records, rep.LastSeq, rep.Head)
	if rep.TornBytes > 0 {
		fmt.Fprintf(out, "tornBytes %d (an unacknowledged partial batch after sequence %d; the server cuts it when it starts)\n",
			rep.TornBytes, rep.LastSeq)
	}
	if rep.LastSeq == 0 {
		return errors.New("the journal is empty: no genesis record")
	}

	snap, err := journal.LatestSnapshot(dir)
	haveSnap := err == nil
	switch {
	case errors.Is(err, journal.ErrNoSnapshot) && snap.Skipped > 0:
		return fmt.Errorf("%d corrupt snapshot files and no valid one", snap.Skipped)
	case err != nil && !errors.Is(err, journal.ErrNoSnapshot):
		return err
	case haveSnap && snap.Skipped > 0:
		return fmt.Errorf("%d snapshot files newer than sequence %d are corrupt", snap.Skipped, snap.Seq)
	case haveSnap && snap.Seq > rep.LastSeq:
		return fmt.Errorf("snapshot at sequence %d is past the journal's end (%d)", snap.Seq, rep.LastSeq)
	}

	r := replay{checkEvery: checkEvery, bound: map[[32]byte]engine.AccountID{}, accounts: map[engine.AccountID]bool{}}
	if haveSnap {
		r.snapSeq = snap.Seq
	}
	errEnd := errors.New("end of the verified journal")
	err = journal.Read(dir, 1, func(seq uint64, p []byte) error {
		if seq > rep.LastSeq { // appended since Verify: not audited
			return errEnd
		}
		if err := r.record(seq, p); err != nil {
			return fmt.Errorf("sequence %d: %w", seq, err)
		}
		return nil
	})
	if err != nil && !errors.Is(err, errEnd) {
		return err
	}
	if r.last != rep.LastSeq {
		return fmt.Errorf("replay ended at sequence %d, the journal at %d", r.last, rep.LastSeq)
	}
	if err := r.e.CheckInvariants(); err != nil {
		return fmt.Errorf("invariants at the end: %w", err)
	}
	fmt.Fprintf(out, "commands %d\nkeyBindings %d\nengineSequence %d\nengineTime %d\ninvariants ok\n",
		r.commands, len(r.bound), r.e.Seq(), r.e.Now())

	if !haveSnap {
		fmt.Fprintln(out, "snapshot none")
	} else {
		if err := r.checkSnapshot(dir, snap); err != nil {
			return fmt.Errorf("snapshot at sequence %d: %w", snap.Seq, err)
		}
		fmt.Fprintf(out, "snapshot %d ok\n", snap.Seq)
	}
	fmt.Fprintf(out, "stateHash %x\n", r.e.StateHash())
	return nil
}

// checkSnapshot checks a server snapshot (record.Snapshot) against the
// journal's chain and against the replay at its sequence: the same
// configuration, clock start, engine sequence, key bindings and state hash.
func (r *replay) checkSnapshot(dir string, snap journal.Snapshot) error {
	chain, err := journal.ChainAt(dir, snap.Seq)
	if err != nil {
		return err
	}
	if chain != snap.Chain {
		return fmt.Errorf("its chain hash %x is not the journal's %x", snap.Chain[:8], chain[:8])
	}
	s, err := record.DecodeSnapshot(snap.Data)
	switch {
	case err != nil:
		return err
	case s.JournalSeq != snap.Seq:
		return fmt.Errorf("it covers record %d, filed as %d", s.JournalSeq, snap.Seq)
	case !bytes.Equal(s.Config, r.genesis.Config) || s.ClockStartMs != r.genesis.ClockStartMs:
		return errors.New("its configuration or clock start is not the genesis record's")
	case s.EngineSeq != r.snapEngineSeq:
		return fmt.Errorf("engine sequence %d, the replay had %d", s.EngineSeq, r.snapEngineSeq)
	case !slices.Equal(s.Bindings, r.order[:r.snapBindings]):
		return fmt.Errorf("its %d key bindings are not the journal's %d", len(s.Bindings), r.snapBindings)
	}
	e, err := engine.Restore(r.cfg, s.Engine)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if got := e.StateHash(); got != r.snapHash {
		return fmt.Errorf("restores to state hash %x, the replay had %x", got, r.snapHash)
	}
	return nil
}

// replay applies the records of a journal to an engine and checks them.
type replay struct {
	checkEvery uint64
	snapSeq    uint64 // capture the state hash after this record (0: none)

	cfg      *config.Config
	e        *engine.Engine
	last     uint64
	commands uint64
	created  uint64 // sequence of the last CmdCreateAccount record
	newAcct  engine.AccountID
	bound    map[[32]byte]engine.AccountID // API keys and their accounts
	accounts map[engine.AccountID]bool     // accounts with a key
	cmd      engine.Command
	genesis  record.Genesis
	order    []record.KeyBinding // in binding order

	// At snapSeq: the replay's state, for the snapshot check.
	snapHash      [32]byte
	snapEngineSeq uint64
	snapBindings  int
}

func (r *replay) record(seq uint64, p []byte) error {
	typ, err := record.TypeOf(p)
	if err != nil {
		return err
	}
	if (seq == 1) != (typ == record.TypeGenesis) {
		return fmt.Errorf("a %v record; the genesis must be record 1 and only it", typ)
	}
	switch typ {
	case record.TypeGenesis:
		g, err := record.DecodeGenesis(p)
		if err != nil {
			return err
		}
		r.genesis = g
		if r.cfg, err = config.Load(bytes.NewReader(g.Config)); err != nil {
			return fmt.Errorf("genesis configuration: %w", err)
		}
		if r.e, err = engine.New(r.cfg); err != nil {
			return fmt.Errorf("genesis configuration: %w", err)
		}
	case record.TypeCommand:
		if err := record.DecodeCommand(p, &r.cmd); err != nil {
			return err
		}
		events, err := r.e.Apply(&r.cmd)
		if err != nil {
			return fmt.Errorf("the engine refuses the journaled %v command: %w", r.cmd.Kind, err)
		}
		r.commands++
		if r.cmd.Kind == engine.CmdCreateAccount {
			for i := range events {
				if events[i].Kind == engine.EvAccountCreated {
					r.created, r.newAcct = seq, events[i].Account
				}
			}
		}
		if r.checkEvery > 0 && r.commands%r.checkEvery == 0 {
			if err := r.e.CheckInvariants(); err != nil {
				return fmt.Errorf("invariants after %d commands: %w", r.commands, err)
			}
		}
	case record.TypeKeyBinding:
		k, err := record.DecodeKeyBinding(p)
		if err != nil {
			return err
		}
		switch {
		case r.created != seq-1 || r.created == 0:
			return errors.New("a key binding that does not follow a create-account command")
		case k.Account != r.newAcct:
			return fmt.Errorf("key bound to account %d, the command before created %d", k.Account, r.newAcct)
		case r.accounts[k.Account]:
			return fmt.Errorf("account %d bound to a second key", k.Account)
		}
		if other, dup := r.bound[k.PublicKey]; dup {
			return fmt.Errorf("key of account %d bound again to account %d", other, k.Account)
		}
		r.bound[k.PublicKey], r.accounts[k.Account] = k.Account, true
		r.order = append(r.order, k)
	}
	r.last = seq
	if seq == r.snapSeq {
		r.snapHash, r.snapEngineSeq, r.snapBindings = r.e.StateHash(), r.e.Seq(), len(r.order)
	}
	return nil
}
