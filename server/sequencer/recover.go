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

// recover rebuilds the engine from the latest valid snapshot, then replays
// every later record. A snapshot that does not restore is skipped with a
// warning (the journal replays from genesis instead); a record that does not
// replay is ErrCorrupt.
func (q *Sequencer) recover() error {
	from := uint64(1)
	if seq, chain, data, err := q.store.LatestSnapshot(); err != nil {
		q.opts.Logger.Warn("snapshot unreadable; replaying the whole journal", "err", err)
	} else if data != nil {
		if err := q.restore(seq, chain, data); errors.Is(err, ErrConfigMismatch) {
			return err
		} else if err != nil {
			q.opts.Logger.Warn("snapshot does not restore; replaying the whole journal", "seq", seq, "err", err)
			q.eng, q.keys = nil, newKeyTable()
		} else {
			from = seq + 1
		}
	}
	next := from
	err := q.store.Read(from, func(seq uint64, payload []byte) error {
		if seq != next {
			return fmt.Errorf("%w: record %d where %d was expected", ErrCorrupt, seq, next)
		}
		next++
		return q.replay(seq, payload)
	})
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

// restore loads a server snapshot taken after journal record seq.
func (q *Sequencer) restore(seq uint64, chain [32]byte, data []byte) error {
	if last := q.log.LastSeq(); seq > last {
		return fmt.Errorf("%w: covers record %d, the journal ends at %d", errBadSnapshot, seq, last)
	}
	if at, err := q.store.ChainAt(seq); err != nil {
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

// replay applies one journal record during recovery.
func (q *Sequencer) replay(seq uint64, payload []byte) error {
	t, err := record.TypeOf(payload)
	if err != nil {
		return fmt.Errorf("%w: record %d: %w", ErrCorrupt, seq, err)
	}
	if t == record.TypeGenesis {
		if seq != 1 || q.eng != nil {
			return fmt.Errorf("%w: genesis record at %d", ErrCorrupt, seq)
		}
		g, err := record.DecodeGenesis(payload)
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
	switch t {
	case record.TypeCommand:
		var c engine.Command
		if err := record.DecodeCommand(payload, &c); err != nil {
			return fmt.Errorf("%w: record %d: %w", ErrCorrupt, seq, err)
		}
		if _, err := q.eng.Apply(&c); err != nil {
			return fmt.Errorf("%w: record %d (%s) refused on replay: %w", ErrCorrupt, seq, c.Kind, err)
		}
	case record.TypeKeyBinding:
		k, err := record.DecodeKeyBinding(payload)
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
