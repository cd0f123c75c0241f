package readmodel

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/journal/record"
)

// Journal reads a journal's durable records in order (sequencer.Dir
// implements it over a directory; package journal's Read is the contract).
type Journal interface {
	Read(from uint64, fn func(seq uint64, payload []byte) error) error
}

// replayChunk is how many events the replay gathers, whole commands at a
// time, before it applies them in one transaction.
const replayChunk = 16384

// replayer replays a journal in a fresh engine, from genesis, as `waterfall
// audit` does: the genesis record's configuration builds the engine, each
// command record is applied (and must be accepted), key bindings are
// skipped. It keeps its place between calls to advance.
type replayer struct {
	j    Journal
	e    *engine.Engine
	next uint64 // next journal record to read
	cmd  engine.Command
	buf  []engine.Event
}

func newReplayer(j Journal) *replayer { return &replayer{j: j, next: 1} }

// seq returns the replayed engine sequence.
func (r *replayer) seq() uint64 {
	if r.e == nil {
		return 0
	}
	return r.e.Seq()
}

var errReached = errors.New("readmodel: replay reached its target")

// advance replays records until the engine reaches sequence target (never
// past it) and applies to db every event after db.Seq(), in transactions of
// whole commands; at the end db.Seq() is target. The journal must hold
// target: the caller takes it from the sequencer (durable).
func (r *replayer) advance(ctx context.Context, db *DB, target uint64) error {
	if r.seq() >= target {
		return r.flush(ctx, db)
	}
	err := r.j.Read(r.next, func(seq uint64, p []byte) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if seq != r.next {
			return fmt.Errorf("readmodel: journal record %d where %d was expected", seq, r.next)
		}
		r.next++
		if err := r.record(seq, p, db.Seq()); err != nil {
			return err
		}
		if len(r.buf) >= replayChunk {
			if err := r.flush(ctx, db); err != nil {
				return err
			}
		}
		if r.seq() >= target {
			return errReached
		}
		return nil
	})
	switch {
	case errors.Is(err, errReached):
	case err != nil:
		return err
	default:
		return fmt.Errorf("readmodel: the journal ends at engine sequence %d, before %d", r.seq(), target)
	}
	return r.flush(ctx, db)
}

// flush applies the gathered events and records the replayed sequence.
func (r *replayer) flush(ctx context.Context, db *DB) error {
	if r.e == nil || r.e.Seq() <= db.Seq() {
		r.buf = r.buf[:0]
		return nil
	}
	err := db.Apply(ctx, r.buf, r.e.Seq(), r.e.Now())
	r.buf = r.buf[:0]
	return err
}

// record applies one journal record; the events of a command after sequence
// have are gathered.
func (r *replayer) record(seq uint64, p []byte, have uint64) error {
	typ, err := record.TypeOf(p)
	if err != nil {
		return fmt.Errorf("readmodel: journal record %d: %w", seq, err)
	}
	if (seq == 1) != (typ == record.TypeGenesis) {
		return fmt.Errorf("readmodel: journal record %d is a %v record; the genesis must be record 1 and only it", seq, typ)
	}
	switch typ {
	case record.TypeGenesis:
		g, err := record.DecodeGenesis(p)
		if err != nil {
			return fmt.Errorf("readmodel: genesis: %w", err)
		}
		cfg, err := config.Load(bytes.NewReader(g.Config))
		if err != nil {
			return fmt.Errorf("readmodel: genesis configuration: %w", err)
		}
		if r.e, err = engine.New(cfg); err != nil {
			return fmt.Errorf("readmodel: genesis configuration: %w", err)
		}
	case record.TypeCommand:
		if err := record.DecodeCommand(p, &r.cmd); err != nil {
			return fmt.Errorf("readmodel: journal record %d: %w", seq, err)
		}
		evs, err := r.e.Apply(&r.cmd)
		if err != nil {
			return fmt.Errorf("readmodel: journal record %d (%v) refused on replay: %w", seq, r.cmd.Kind, err)
		}
		if r.e.Seq() > have {
			r.buf = append(r.buf, evs...)
		}
	}
	return nil
}
