package journal

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Report describes a verified journal.
type Report struct {
	Segments  int      // segment files
	Records   uint64   // valid records (the first is sequence 1, so Records == LastSeq)
	LastSeq   uint64   // sequence of the last valid record, 0 when empty
	Head      [32]byte // chain hash after LastSeq (zero when empty)
	TornBytes int64    // bytes of a torn tail after the last valid record (Open cuts them)
}

// segment is one segment file of a directory listing.
type segment struct {
	first uint64
	path  string
}

const (
	segmentExt  = ".wal"
	snapshotExt = ".snap"
	tmpExt      = ".tmp"
	nameDigits  = 20
)

func fileName(seq uint64, ext string) string { return fmt.Sprintf("%020d%s", seq, ext) }

// parseName returns the sequence a file name "%020d"+ext carries.
func parseName(name, ext string) (uint64, bool) {
	num, ok := strings.CutSuffix(name, ext)
	if !ok || len(num) != nameDigits {
		return 0, false
	}
	seq, err := strconv.ParseUint(num, 10, 64)
	return seq, err == nil
}

// listFiles returns the files of dir named "%020d"+ext, by ascending sequence.
// A directory that does not exist holds none.
func listFiles(dir, ext string) ([]segment, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []segment
	for _, e := range entries {
		if seq, ok := parseName(e.Name(), ext); ok && e.Type().IsRegular() {
			out = append(out, segment{first: seq, path: filepath.Join(dir, e.Name())})
		}
	}
	slices.SortFunc(out, func(a, b segment) int { return cmpUint(a.first, b.first) })
	return out, nil
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// walkResult is where a walk ended.
type walkResult struct {
	Report
	lastPath string // last segment's path, "" when there is none
	lastEnd  int64  // end of the last valid record in it
}

// walk verifies the journal in dir from the segment that holds sequence from
// (from ≤ 1: from the first segment) to its end, calling fn, when not nil,
// for each record with sequence ≥ from. payload aliases a buffer that is
// reused: fn must not keep it. A torn tail ends the walk without error; fn's
// error ends it and is returned as is.
func walk(dir string, from uint64, fn func(seq uint64, chain *[32]byte, payload []byte) error) (walkResult, error) {
	var res walkResult
	segs, err := listFiles(dir, segmentExt)
	if err != nil {
		return res, err
	}
	res.Segments = len(segs)
	if len(segs) == 0 {
		if from > 1 {
			return res, fmt.Errorf("journal: %s holds no records, cannot read from sequence %d", dir, from)
		}
		return res, nil
	}
	start := 0
	for i, s := range segs {
		if s.first <= from {
			start = i
		}
	}
	ch := newChainer()
	var seq uint64     // last good sequence
	var chain [32]byte // chain after seq
	for i := start; i < len(segs); i++ {
		s := segs[i]
		last := i == len(segs)-1
		data, err := os.ReadFile(s.path)
		if err != nil {
			return res, err
		}
		first, prev, err := parseSegmentHeader(data)
		if err != nil {
			return res, fmt.Errorf("%s: %w", s.path, err)
		}
		switch {
		case first != s.first:
			return res, corruptf("%s: header says first sequence %d", s.path, first)
		case i == 0 && (first != 1 || prev != [32]byte{}):
			return res, corruptf("%s: the first segment must start at sequence 1 from the zero chain", s.path)
		case i > start && first != seq+1:
			return res, corruptf("%s: starts at sequence %d, the previous segment ended at %d", s.path, first, seq)
		case i > start && prev != chain:
			return res, corruptf("%s: starts from chain %x, the previous segment ended at %x", s.path, prev[:8], chain[:8])
		}
		seq, chain = first-1, prev
		off := segmentHeaderSize
		for off < len(data) {
			r, ok := parseRecord(data[off:])
			if !ok {
				if later := validRecordAfter(data[off:], seq+1); later >= 0 {
					return res, corruptf("%s: bad record at offset %d (sequence %d) followed by a valid record at offset %d",
						s.path, off, seq+1, off+later)
				}
				if !last {
					return res, corruptf("%s: bad record at offset %d (sequence %d) in a segment that is not the last",
						s.path, off, seq+1)
				}
				res.TornBytes = int64(len(data) - off)
				break
			}
			if r.seq != seq+1 {
				return res, corruptf("%s: record at offset %d has sequence %d, want %d", s.path, off, r.seq, seq+1)
			}
			if want := ch.next(&chain, r.seq, r.payload); r.chain != want {
				return res, corruptf("%s: chain broken at sequence %d (offset %d)", s.path, r.seq, off)
			}
			seq, chain = r.seq, r.chain
			if fn != nil && seq >= from {
				if err := fn(seq, &chain, r.payload); err != nil {
					return res, err
				}
			}
			off += r.size
		}
		if last {
			res.lastPath, res.lastEnd = s.path, int64(off)
		}
	}
	if from > seq+1 {
		return res, fmt.Errorf("journal: ends at sequence %d, cannot read from %d", seq, from)
	}
	res.Records, res.LastSeq, res.Head = seq, seq, chain
	return res, nil
}

// Verify checks every segment of dir (headers, CRCs, sequences, the chain
// from sequence 1) without changing anything. A torn tail is not an error: it
// is reported in TornBytes. Corruption returns an error wrapping ErrCorrupt.
// A directory that does not exist or holds no segment is an empty journal.
func Verify(dir string) (Report, error) {
	res, err := walk(dir, 1, nil)
	return res.Report, err
}

// Read calls fn with every record of dir from sequence from on (from 0 reads
// from 1), in order, verifying as it goes: the CRC of every record it passes
// and the chain from the start of the segment that holds from (the link to
// the earlier segments is not checked: Verify does that). It stops before a
// torn tail without error, returns an error wrapping ErrCorrupt on
// corruption, returns fn's error as is, and is an error when from is past
// LastSeq+1. payload is valid only during the call: copy what you keep.
func Read(dir string, from uint64, fn func(seq uint64, payload []byte) error) error {
	_, err := walk(dir, from, func(seq uint64, _ *[32]byte, payload []byte) error { return fn(seq, payload) })
	return err
}

// ChainAt returns the chain hash after record seq (zero for 0), reading the
// segment that holds it: a snapshot's Chain can be checked against it before
// the snapshot is trusted.
func ChainAt(dir string, seq uint64) ([32]byte, error) {
	if seq == 0 {
		return [32]byte{}, nil
	}
	var out [32]byte
	errFound := errors.New("found")
	_, err := walk(dir, seq, func(s uint64, chain *[32]byte, _ []byte) error {
		out = *chain
		return errFound
	})
	if errors.Is(err, errFound) {
		return out, nil
	}
	if err == nil {
		err = fmt.Errorf("journal: no record %d in %s", seq, dir)
	}
	return out, err
}
