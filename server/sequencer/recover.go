package sequencer

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/journal/record"
)

// genesis starts a new journal: the configuration (canonical YAML) and the
// clock start, made durable before anything else. The engine runs the
// configuration read back from those bytes, exactly what a replay will read.
func (q *Sequencer) genesis() error {
	cfg := q.opts.Config
	if cfg == nil {
		cfg = config.Default()
	}
	y, err := cfg.Marshal()
	if err != nil {
		return fmt.Errorf("sequencer: configuration: %w", err)
	}
	if err := q.setConfig(y); err != nil {
		return err
	}
	g := record.Genesis{Config: y}
	if q.opts.Clock == ClockManual {
		g.ClockStartMs = q.wallMs()
	}
	q.clockStart = g.ClockStartMs
	if _, err := q.log.Append(record.AppendGenesis(nil, &g)); err != nil {
		return fmt.Errorf("sequencer: genesis: %w", err)
	}
	if err := q.log.Sync(); err != nil {
		return fmt.Errorf("sequencer: genesis: %w", err)
	}
	q.eng, err = engine.New(q.cfg)
	return err
}

// setConfig loads the configuration from its genesis bytes and checks it
// against Options.Config.
func (q *Sequencer) setConfig(y []byte) error {
	cfg, err := config.Load(bytes.NewReader(y))
	if err != nil {
		return fmt.Errorf("%w: genesis configuration: %w", ErrCorrupt, err)
	}
	if q.opts.Config != nil {
		mine, err := q.opts.Config.Marshal()
		if err != nil {
			return fmt.Errorf("sequencer: configuration: %w", err)
		}
		if !bytes.Equal(mine, y) {
			return ErrConfigMismatch
		}
	}
	q.cfg, q.cfgYAML = cfg, y
	return nil
}

// replayLog is what a Log adds for recovery (*journal.Writer has it):
// reading the records it verified when it opened without verifying them
// again, and chain hashes it knows without reading. Without it, recovery
// reads through Store.Read and Store.ChainAt.
type replayLog interface {
	Replay(from uint64, fn func(seq uint64, payload []byte) error) error
	ChainAt(seq uint64) ([32]byte, error)
}

// recover rebuilds the engine from the latest valid snapshot, then replays
// every later record. A snapshot that does not restore is skipped with a
// warning (the journal replays from genesis instead); a record that does not
// replay is ErrCorrupt.
//
// With a journal.Writer as the Log, every record is verified once: Open
// verified the records after the newest snapshot, and Replay verifies those
// before it only when it has to deliver them (the snapshot did not
// restore). The replay is a pipeline: a reader goroutine reads and decodes
// the records into batches while this goroutine applies them, so that a
// replay runs at engine.Apply's rate when the engine is the slowest stage.
func (q *Sequencer) recover() error {
	read, chainAt := q.store.Read, q.store.ChainAt
	if r, ok := q.log.(replayLog); ok {
		read, chainAt = r.Replay, r.ChainAt
	}
	from := uint64(1)
	if seq, chain, data, err := q.store.LatestSnapshot(); err != nil {
		q.opts.Logger.Warn("snapshot unreadable; replaying the whole journal", "err", err)
	} else if data != nil {
		if err := q.restore(seq, chain, data, chainAt); errors.Is(err, ErrConfigMismatch) {
			return err
		} else if err != nil {
			q.opts.Logger.Warn("snapshot does not restore; replaying the whole journal", "seq", seq, "err", err)
			q.eng, q.keys = nil, newKeyTable()
		} else {
			from = seq + 1
		}
	}
	next, err := q.replayFrom(from, read)
	if err != nil {
		if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrConfigMismatch) {
			err = fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
		return err
	}
	if q.eng == nil {
		return fmt.Errorf("%w: no genesis record", ErrCorrupt)
	}
	if last := q.log.LastSeq(); next-1 != last {
		return fmt.Errorf("%w: replay ended at record %d, the journal at %d", ErrCorrupt, next-1, last)
	}
	q.opts.Logger.Info("journal recovered", "records", q.log.LastSeq(), "fromSnapshot", from-1, "seq", q.eng.Seq())
	return nil
}

// restore loads a server snapshot taken after journal record seq, once the
// journal's chain hash at seq (chainAt) matches the snapshot's.
func (q *Sequencer) restore(seq uint64, chain [32]byte, data []byte, chainAt func(uint64) ([32]byte, error)) error {
	if last := q.log.LastSeq(); seq > last {
		return fmt.Errorf("%w: covers record %d, the journal ends at %d", errBadSnapshot, seq, last)
	}
	if at, err := chainAt(seq); err != nil {
		return err
	} else if at != chain {
		return fmt.Errorf("%w: its chain hash differs from the journal's at record %d", errBadSnapshot, seq)
	}
	var s snapshot
	if err := s.unmarshal(data); err != nil {
		return err
	}
	if s.journalSeq != seq {
		return fmt.Errorf("%w: covers record %d, filed as %d", errBadSnapshot, s.journalSeq, seq)
	}
	if err := q.setConfig(s.config); err != nil {
		return err
	}
	e, err := engine.Restore(q.cfg, s.engine)
	if err != nil {
		return err
	}
	if e.Seq() != s.engineSeq {
		return fmt.Errorf("%w: engine at %d, snapshot says %d", errBadSnapshot, e.Seq(), s.engineSeq)
	}
	for _, b := range s.bindings {
		if err := q.checkBinding(e, b.account, b.key); err != nil {
			return err
		}
		q.keys.bind(b.account, b.key)
	}
	q.eng, q.clockStart = e, s.clockStart
	return nil
}

// replayBatchSize is how many records the reader decodes into a batch
// before handing it over.
const replayBatchSize = 1024

// replayRec is a journal record decoded for the replay.
type replayRec struct {
	seq uint64
	typ record.Type
	cmd engine.Command // TypeCommand
	raw []byte         // other types: a copy of the payload
}

// replayBatch is records in journal order; err ends the replay after them.
type replayBatch struct {
	recs []replayRec
	err  error
}

var errReplayStop = errors.New("sequencer: replay stopped")

// replayFrom replays the records from sequence from on (read delivers
// them) and returns the sequence after the last one.
func (q *Sequencer) replayFrom(from uint64, read func(uint64, func(uint64, []byte) error) error) (uint64, error) {
	batches := make(chan *replayBatch, 4)
	free := make(chan *replayBatch, 6)
	quit := make(chan struct{})
	var next uint64 // the reader's; read after batches is closed
	go func() {
		defer close(batches)
		get := func() *replayBatch {
			select {
			case b := <-free:
				b.recs = b.recs[:0]
				return b
			default:
				return &replayBatch{recs: make([]replayRec, 0, replayBatchSize)}
			}
		}
		send := func(b *replayBatch) bool {
			select {
			case batches <- b:
				return true
			case <-quit:
				return false
			}
		}
		b := get()
		next = from
		err := read(from, func(seq uint64, p []byte) error {
			if seq != next {
				return fmt.Errorf("%w: record %d where %d was expected", ErrCorrupt, seq, next)
			}
			t, err := record.TypeOf(p)
			if err != nil {
				return fmt.Errorf("%w: record %d: %w", ErrCorrupt, seq, err)
			}
			b.recs = b.recs[:len(b.recs)+1] // < replayBatchSize: a full batch was sent
			r := &b.recs[len(b.recs)-1]
			r.seq, r.typ = seq, t
			if t == record.TypeCommand {
				if err := record.DecodeCommand(p, &r.cmd); err != nil {
					b.recs = b.recs[:len(b.recs)-1]
					return fmt.Errorf("%w: record %d: %w", ErrCorrupt, seq, err)
				}
			} else {
				r.raw = append(r.raw[:0], p...)
			}
			next++
			if len(b.recs) == replayBatchSize {
				if !send(b) {
					return errReplayStop
				}
				b = get()
			}
			return nil
		})
		if errors.Is(err, errReplayStop) {
			return
		}
		b.err = err
		send(b)
	}()
	var err error
	for b := range batches {
		for i := range b.recs {
			if err = q.replay(&b.recs[i]); err != nil {
				break
			}
		}
		if err == nil {
			err = b.err
		}
		if err != nil {
			close(quit)
			for range batches { // the reader sees quit and closes batches
			}
			return 0, err
		}
		select {
		case free <- b:
		default:
		}
	}
	return next, nil
}

// replay applies one journal record during recovery.
func (q *Sequencer) replay(r *replayRec) error {
	seq := r.seq
	if r.typ == record.TypeGenesis {
		if seq != 1 || q.eng != nil {
			return fmt.Errorf("%w: genesis record at %d", ErrCorrupt, seq)
		}
		g, err := record.DecodeGenesis(r.raw)
		if err != nil {
			return fmt.Errorf("%w: record %d: %w", ErrCorrupt, seq, err)
		}
		if err := q.setConfig(g.Config); err != nil {
			return err
		}
		q.clockStart = g.ClockStartMs
		if q.eng, err = engine.New(q.cfg); err != nil {
			return fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
		return nil
	}
	if q.eng == nil {
		return fmt.Errorf("%w: record %d before the genesis record", ErrCorrupt, seq)
	}
	switch r.typ {
	case record.TypeCommand:
		if _, err := q.eng.Apply(&r.cmd); err != nil {
			return fmt.Errorf("%w: record %d (%s) refused on replay: %w", ErrCorrupt, seq, r.cmd.Kind, err)
		}
	case record.TypeKeyBinding:
		k, err := record.DecodeKeyBinding(r.raw)
		if err != nil {
			return fmt.Errorf("%w: record %d: %w", ErrCorrupt, seq, err)
		}
		if err := q.checkBinding(q.eng, k.Account, k.PublicKey); err != nil {
			return fmt.Errorf("record %d: %w", seq, err)
		}
		q.keys.bind(k.Account, k.PublicKey)
	}
	return nil
}

func (q *Sequencer) checkBinding(e *engine.Engine, id engine.AccountID, key [32]byte) error {
	if id < e.FirstUser() || int(id) >= e.Accounts() {
		return fmt.Errorf("%w: key bound to account %d, which is not a user account", ErrCorrupt, id)
	}
	if other, ok := q.keys.pending[key]; ok {
		return fmt.Errorf("%w: key bound to account %d and again to %d", ErrCorrupt, other, id)
	}
	return nil
}
