package sequencer

import (
	"errors"
	"fmt"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/journal/record"
)

// snapshot is a server snapshot (record.Snapshot) as the sequencer holds it.
type snapshot struct {
	journalSeq uint64
	engineSeq  uint64
	clockStart int64
	config     []byte
	bindings   []binding
	engine     []byte
}

type binding struct {
	account engine.AccountID
	key     [32]byte
}

var errBadSnapshot = errors.New("sequencer: bad snapshot")

// marshal encodes s as a record.Snapshot.
func (s *snapshot) marshal() []byte {
	r := record.Snapshot{JournalSeq: s.journalSeq, EngineSeq: s.engineSeq, ClockStartMs: s.clockStart,
		Config: s.config, Engine: s.engine, Bindings: make([]record.KeyBinding, len(s.bindings))}
	for i, b := range s.bindings {
		r.Bindings[i] = record.KeyBinding{Account: b.account, PublicKey: b.key}
	}
	return record.AppendSnapshot(nil, &r)
}

func (s *snapshot) unmarshal(b []byte) error {
	r, err := record.DecodeSnapshot(b)
	if err != nil {
		return fmt.Errorf("%w: %w", errBadSnapshot, err)
	}
	*s = snapshot{journalSeq: r.JournalSeq, engineSeq: r.EngineSeq, clockStart: r.ClockStartMs,
		config: r.Config, engine: r.Engine, bindings: make([]binding, len(r.Bindings))}
	for i, k := range r.Bindings {
		s.bindings[i] = binding{account: k.Account, key: k.PublicKey}
	}
	return nil
}

// maybeSnapshot takes a snapshot once SnapshotEvery records have been
// journaled since the last one (loop only, after a durable batch). The
// engine state is encoded here, on the engine goroutine; the file is written
// by another goroutine, one at a time (a snapshot due while one is being
// written waits for the next batch).
func (q *Sequencer) maybeSnapshot() {
	if q.opts.SnapshotEvery < 0 || q.journalSeq-q.lastSnap < uint64(q.opts.SnapshotEvery) || q.snapping.Load() {
		return
	}
	q.lastSnap = q.journalSeq
	data, err := q.eng.Snapshot()
	if err != nil {
		q.opts.Logger.Error("snapshot", "seq", q.journalSeq, "err", err)
		return
	}
	s := snapshot{
		journalSeq: q.journalSeq, engineSeq: q.eng.Seq(), clockStart: q.clockStart,
		config: q.cfgYAML, bindings: q.keys.order, engine: data,
	}
	out := s.marshal() // copies the bindings: the loop goes on appending
	seq, chain := q.journalSeq, q.log.ChainHash()
	q.snapping.Store(true)
	q.snapWG.Add(1)
	go func() {
		defer q.snapWG.Done()
		defer q.snapping.Store(false)
		if err := q.store.WriteSnapshot(seq, chain, out); err != nil {
			q.opts.Logger.Error("snapshot", "seq", seq, "err", err)
			return
		}
		q.stats.snapshots.Add(1)
		q.opts.Logger.Debug("snapshot written", "seq", seq, "bytes", len(out))
	}()
}
