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
	// VerifiedFrom is the first record whose chain link was checked (0 for
	// an empty journal): 1 for Verify; for Open, the record after the newest
	// snapshot when the journal confirms that snapshot's chain hash (the
	// records before it were not read), else 1.
	VerifiedFrom uint64
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

// Verify checks every segment of dir (headers, CRCs, sequences, the chain
// from sequence 1) without changing anything. A torn tail is not an error: it
// is reported in TornBytes. Corruption returns an error wrapping ErrCorrupt.
// A directory that does not exist or holds no segment is an empty journal.
// The chain links are checked on GOMAXPROCS goroutines.
func Verify(dir string) (Report, error) {
	res, err := walk(dir, walkOptions{from: 1})
	if res.LastSeq > 0 {
		res.VerifiedFrom = 1
	}
	return res.Report, err
}

// Read calls fn with every record of dir from sequence from on (from 0 reads
// from 1), in order, verifying as it goes: the CRC of every record it passes
// and the chain from the start of the segment that holds from (the link to
// the earlier segments is not checked: Verify does that). It stops before a
// torn tail without error, returns an error wrapping ErrCorrupt on
// corruption, returns fn's error as is, and is an error when from is past
// LastSeq+1. payload is valid only during the call: copy what you keep.
// fn runs on the caller's goroutine, a record at a time, once the record
// and every one before it are verified; the file is read and the chain
// links checked ahead of it on other goroutines.
func Read(dir string, from uint64, fn func(seq uint64, payload []byte) error) error {
	_, err := walk(dir, walkOptions{from: from, fn: func(seq uint64, _ *[32]byte, payload []byte) error {
		return fn(seq, payload)
	}})
	return err
}

// ChainAt returns the chain hash that record seq stores (zero for 0),
// reading the segment that holds it up to that record and checking the CRC
// and sequence of each record on the way. The chain itself is not
// recomputed: Verify checks it, and a Read or Replay after seq checks every
// later link against it. A snapshot's Chain is checked against it before
// the snapshot is trusted.
func ChainAt(dir string, seq uint64) ([32]byte, error) {
	if seq == 0 {
		return [32]byte{}, nil
	}
	segs, err := listFiles(dir, segmentExt)
	if err != nil {
		return [32]byte{}, err
	}
	start := -1
	for i, s := range segs {
		if s.first <= seq {
			start = i
		}
	}
	if start < 0 {
		return [32]byte{}, fmt.Errorf("journal: no record %d in %s", seq, dir)
	}
	s := segs[start]
	f, err := os.Open(s.path)
	if err != nil {
		return [32]byte{}, err
	}
	defer f.Close()
	w := &walker{segs: segs}
	sr, err := newSegReader(f, nil)
	if err != nil {
		return [32]byte{}, err
	}
	prev, _, err := w.header(sr, start, start, 0, [32]byte{})
	if err != nil {
		return [32]byte{}, err
	}
	for {
		size, st := sr.next()
		switch st {
		case recMore:
			if err := sr.fill(false, nil, size); err != nil {
				return [32]byte{}, err
			}
			continue
		case recEnd, recBad:
			return [32]byte{}, fmt.Errorf("journal: no record %d in %s", seq, dir)
		}
		r, ok := parseRecord(sr.buf[sr.pos : sr.pos+size])
		switch {
		case !ok:
			return [32]byte{}, corruptf("%s: bad record at offset %d (sequence %d)", s.path, sr.base+int64(sr.pos), prev+1)
		case r.seq != prev+1:
			return [32]byte{}, corruptf("%s: record at offset %d has sequence %d, want %d",
				s.path, sr.base+int64(sr.pos), r.seq, prev+1)
		case r.seq == seq:
			return r.chain, nil
		}
		prev = r.seq
		sr.pos += size
	}
}
