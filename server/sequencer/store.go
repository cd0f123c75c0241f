package sequencer

import (
	"errors"

	"github.com/waterfallrisk/waterfall/journal"
)

// Log is the journal's write side as the sequencer uses it
// (*journal.Writer satisfies it).
type Log interface {
	// Append buffers one record and returns its sequence (records count
	// from 1). It keeps no reference to payload after it returns.
	Append(payload []byte) (seq uint64, err error)
	// Sync makes every appended record durable.
	Sync() error
	// LastSeq returns the sequence of the last record appended.
	LastSeq() uint64
	// ChainHash returns the journal's chain hash after LastSeq.
	ChainHash() [32]byte
	// Close syncs and releases the files.
	Close() error
}

// Store is a journal directory: its log, its records and its snapshots.
type Store interface {
	// Open opens the log for appending after recovering it (a torn tail is
	// cut).
	Open() (Log, error)
	// Read calls fn for every durable record with sequence ≥ from, in order,
	// after verifying it; an error from fn stops the walk and is returned.
	// payload is valid only during the call.
	Read(from uint64, fn func(seq uint64, payload []byte) error) error
	// ChainAt returns the chain hash after record seq.
	ChainAt(seq uint64) ([32]byte, error)
	// WriteSnapshot stores data as the state after record seq, whose chain
	// hash is chain.
	WriteSnapshot(seq uint64, chain [32]byte, data []byte) error
	// LatestSnapshot returns the newest valid snapshot; data is nil when
	// there is none.
	LatestSnapshot() (seq uint64, chain [32]byte, data []byte, err error)
}

// Dir is a journal directory on disk (package journal).
type Dir struct {
	Path    string
	Options journal.Options
}

// Open implements Store.
func (d Dir) Open() (Log, error) {
	w, err := journal.Open(d.Path, d.Options)
	if err != nil {
		return nil, err
	}
	return w, nil
}

// Read implements Store.
func (d Dir) Read(from uint64, fn func(seq uint64, payload []byte) error) error {
	return journal.Read(d.Path, from, fn)
}

// ChainAt implements Store.
func (d Dir) ChainAt(seq uint64) ([32]byte, error) { return journal.ChainAt(d.Path, seq) }

// WriteSnapshot implements Store.
func (d Dir) WriteSnapshot(seq uint64, chain [32]byte, data []byte) error {
	return journal.WriteSnapshot(d.Path, seq, chain, data)
}

// LatestSnapshot implements Store.
func (d Dir) LatestSnapshot() (uint64, [32]byte, []byte, error) {
	s, err := journal.LatestSnapshot(d.Path)
	if errors.Is(err, journal.ErrNoSnapshot) {
		return 0, [32]byte{}, nil, nil
	}
	if err != nil {
		return 0, [32]byte{}, nil, err
	}
	return s.Seq, s.Chain, s.Data, nil
}
