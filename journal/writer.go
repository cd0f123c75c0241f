package journal

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Options tune a Writer. The zero value is the default.
type Options struct {
	// SegmentSize is the size at which a segment is rolled (before the next
	// batch); 0 means DefaultSegmentSize (64 MiB).
	SegmentSize int64
	// NoSync skips the fsyncs: a batch then survives a process crash but not
	// a power loss. For tests and benchmarks only.
	NoSync bool
}

// Writer appends records to a journal directory. It is not safe for
// concurrent use: one goroutine (the sequencer) owns it.
//
// After any write or fsync error the Writer is broken: the file may hold part
// of a batch, and the error is returned by every later call (reopen to
// recover: Open cuts the torn tail).
type Writer struct {
	dir    string
	opt    Options
	f      *os.File // current segment, nil until the first batch of an empty journal
	size   int64    // bytes in f
	buf    []byte   // the pending batch, encoded
	ch     *chainer
	last   uint64   // last appended sequence
	chain  [32]byte // chain after last
	synced uint64   // last durable sequence
	schain [32]byte // chain after synced
	opened Report
	pin    position // where Open's verification started (seq 0: at genesis)
	err    error
}

// ErrClosed is returned by a Writer's methods after Close.
var ErrClosed = errors.New("journal: writer closed")

// Open verifies the journal in dir (created if missing), cuts a torn tail
// off the last segment (Opened().TornBytes says how many bytes), and returns
// a Writer that appends after the last valid record. Corruption is an error
// wrapping ErrCorrupt and changes nothing. Leftover temporary files are
// removed.
//
// What Open verifies is what a restart replays: the records after the
// newest snapshot of dir (its header names a record and that record's chain
// hash; the rest of the snapshot file is not read), when the journal holds
// that record with that chain hash: their CRCs, sequences and chain links,
// from the snapshot's chain on, and the headers and links of the segments
// they are in. The records before it are not read (Opened().VerifiedFrom
// says where verification started); Replay verifies any of them it
// delivers, and Verify (`waterfall audit`) checks everything from genesis.
// Without such a snapshot Open verifies everything, as Verify does. The
// chain links are checked on GOMAXPROCS goroutines.
func Open(dir string, opt Options) (*Writer, error) {
	if opt.SegmentSize <= 0 {
		opt.SegmentSize = DefaultSegmentSize
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if err := removeTemps(dir); err != nil {
		return nil, err
	}
	var res walkResult
	err := errPin
	if seq, chain, ok := newestSnapshotHeader(dir); ok {
		res, err = walk(dir, walkOptions{pin: &position{seq: seq, chain: chain}})
		res.VerifiedFrom = seq + 1
	}
	if errors.Is(err, errPin) {
		res, err = walk(dir, walkOptions{from: 1})
		res.VerifiedFrom, res.start = min(res.LastSeq, 1), position{}
	}
	if err != nil {
		return nil, err
	}
	w := &Writer{dir: dir, opt: opt, ch: newChainer(), opened: res.Report, pin: res.start,
		last: res.LastSeq, chain: res.Head, synced: res.LastSeq, schain: res.Head}
	if res.lastPath == "" {
		return w, nil
	}
	f, err := os.OpenFile(res.lastPath, os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	if res.TornBytes > 0 {
		if err := f.Truncate(res.lastEnd); err != nil {
			f.Close()
			return nil, fmt.Errorf("journal: cutting the torn tail of %s: %w", res.lastPath, err)
		}
		if err := w.fsync(f); err != nil {
			f.Close()
			return nil, err
		}
	}
	if _, err := f.Seek(res.lastEnd, 0); err != nil {
		f.Close()
		return nil, err
	}
	w.f, w.size = f, res.lastEnd
	return w, nil
}

// Replay calls fn with every durable record from sequence from on (0 reads
// from 1), in order, as Read does, but without checking again what Open
// verified: the records from Opened().VerifiedFrom on, and those this
// Writer appended, have their CRCs and sequences checked and their chain
// links trusted; the records before are verified as Read verifies them.
// After the snapshot Open verified from, it starts where Open left off
// instead of reading the segment from its start. It is how a restart
// replays the journal with one verification of each record. payload is
// valid only during the call; fn runs on the caller's goroutine while the
// files are read ahead on another. Replay must not run concurrently with
// Append, Sync or Close.
func (w *Writer) Replay(from uint64, fn func(seq uint64, payload []byte) error) error {
	if errors.Is(w.err, ErrClosed) {
		return ErrClosed
	}
	from = max(from, 1)
	o := walkOptions{from: from, trustFrom: max(w.opened.VerifiedFrom, 1),
		fn: func(seq uint64, _ *[32]byte, payload []byte) error { return fn(seq, payload) }}
	if w.pin.seq > 0 && from > w.pin.seq {
		pin := w.pin
		o.at = &pin
	}
	_, err := walk(w.dir, o)
	return err
}

// ChainAt returns the chain hash after record seq (zero for 0): at once
// for the last record and for the snapshot Open verified from, else as
// the package's ChainAt reads it.
func (w *Writer) ChainAt(seq uint64) ([32]byte, error) {
	switch {
	case seq == 0:
		return [32]byte{}, nil
	case seq == w.last:
		return w.chain, nil
	case seq > w.last:
		return [32]byte{}, fmt.Errorf("journal: no record %d in %s", seq, w.dir)
	case w.pin.seq > 0 && seq == w.pin.seq:
		return w.pin.chain, nil
	}
	return ChainAt(w.dir, seq)
}

// Opened returns what Open found: records, last sequence, chain head and the
// bytes of torn tail it cut.
func (w *Writer) Opened() Report { return w.opened }

// Dir returns the journal's directory.
func (w *Writer) Dir() string { return w.dir }

// Append adds a record holding a copy of payload to the pending batch and
// returns its sequence. The record is durable only once Sync returns nil.
// payload may be empty; it may not exceed MaxPayload.
func (w *Writer) Append(payload []byte) (uint64, error) {
	if w.err != nil {
		return 0, w.err
	}
	if len(payload) > MaxPayload {
		return 0, fmt.Errorf("journal: payload of %d bytes exceeds MaxPayload", len(payload))
	}
	seq := w.last + 1
	w.chain = w.ch.next(&w.chain, seq, payload)
	w.buf = appendRecord(w.buf, seq, &w.chain, payload)
	w.last = seq
	return seq, nil
}

// Sync writes the pending batch with one write and makes it durable with one
// fsync. With nothing pending it does nothing.
func (w *Writer) Sync() error {
	if w.err != nil {
		return w.err
	}
	if len(w.buf) == 0 {
		return nil
	}
	if w.f == nil || w.size >= w.opt.SegmentSize && w.size > segmentHeaderSize {
		if err := w.roll(); err != nil {
			w.err = err
			return err
		}
	}
	if _, err := w.f.Write(w.buf); err != nil {
		w.err = fmt.Errorf("journal: write: %w", err)
		return w.err
	}
	if err := w.fsync(w.f); err != nil {
		w.err = err
		return err
	}
	w.size += int64(len(w.buf))
	w.synced, w.schain = w.last, w.chain
	if cap(w.buf) > 4<<20 {
		w.buf = nil // do not keep a huge batch's buffer
	} else {
		w.buf = w.buf[:0]
	}
	return nil
}

// roll closes the current segment (its batches are all durable) and starts a
// new one for the pending batch: temporary file, header, fsync, rename,
// directory fsync.
func (w *Writer) roll() error {
	if w.f != nil {
		if err := w.f.Close(); err != nil {
			return err
		}
		w.f = nil
	}
	first := w.synced + 1
	path := filepath.Join(w.dir, fileName(first, segmentExt))
	f, err := os.OpenFile(path+tmpExt, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	hdr := appendSegmentHeader(nil, first, w.schain)
	if _, err := f.Write(hdr); err != nil {
		f.Close()
		return err
	}
	if err := w.fsync(f); err != nil {
		f.Close()
		return err
	}
	if err := os.Rename(path+tmpExt, path); err != nil {
		f.Close()
		return err
	}
	if err := w.syncDir(); err != nil {
		f.Close()
		return err
	}
	w.f, w.size = f, int64(len(hdr))
	return nil
}

// LastSeq returns the sequence of the last appended record (durable or
// pending); 0 for an empty journal.
func (w *Writer) LastSeq() uint64 { return w.last }

// SyncedSeq returns the sequence of the last durable record.
func (w *Writer) SyncedSeq() uint64 { return w.synced }

// ChainHash returns the chain hash after LastSeq.
func (w *Writer) ChainHash() [32]byte { return w.chain }

// Pending returns the number of bytes appended and not yet synced.
func (w *Writer) Pending() int { return len(w.buf) }

// Close syncs the pending batch, if any, and closes the segment. The Writer
// is unusable afterwards.
func (w *Writer) Close() error {
	if errors.Is(w.err, ErrClosed) {
		return ErrClosed
	}
	err := w.Sync()
	if w.f != nil {
		if cerr := w.f.Close(); err == nil {
			err = cerr
		}
		w.f = nil
	}
	w.err = ErrClosed
	return err
}

func (w *Writer) fsync(f *os.File) error {
	if w.opt.NoSync {
		return nil
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("journal: fsync %s: %w", f.Name(), err)
	}
	return nil
}

func (w *Writer) syncDir() error {
	if w.opt.NoSync {
		return nil
	}
	return syncDir(w.dir)
}

// syncDir fsyncs a directory so that a rename or a new file in it is durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("journal: fsync directory %s: %w", dir, err)
	}
	return nil
}

// removeTemps deletes unfinished files (".tmp") that a crash left in dir.
func removeTemps(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), tmpExt) && e.Type().IsRegular() {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}
