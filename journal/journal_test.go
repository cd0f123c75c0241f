package journal

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// payloadOf is the deterministic payload of record seq: 0 to 299 bytes.
func payloadOf(seq uint64) []byte {
	r := rand.New(rand.NewPCG(seq, 7))
	p := make([]byte, r.IntN(300))
	for i := range p {
		p[i] = byte(r.Uint32())
	}
	return p
}

// written is what a test wrote: the chain after each sequence.
type written struct {
	chains [][32]byte // chains[seq]
}

// writeJournal appends records next+1 … up to n in batches of 1 to 40 and
// returns the chain after every sequence.
func writeJournal(t testing.TB, dir string, opt Options, n uint64, w *written) {
	t.Helper()
	j, err := Open(dir, opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.chains) == 0 {
		w.chains = append(w.chains, [32]byte{})
	}
	r := rand.New(rand.NewPCG(n, 1))
	for j.LastSeq() < n {
		batch := 1 + r.IntN(40)
		for b := 0; b < batch && j.LastSeq() < n; b++ {
			want := j.LastSeq() + 1
			seq, err := j.Append(payloadOf(want))
			if err != nil || seq != want {
				t.Fatalf("Append = %d, %v; want %d", seq, err, want)
			}
			w.chains = append(w.chains, j.ChainHash())
		}
		if err := j.Sync(); err != nil {
			t.Fatal(err)
		}
		if j.SyncedSeq() != j.LastSeq() || j.Pending() != 0 {
			t.Fatalf("after Sync: synced %d, last %d, pending %d", j.SyncedSeq(), j.LastSeq(), j.Pending())
		}
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := j.Append(nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("Append after Close: %v", err)
	}
}

// readAll checks that Read from `from` yields exactly the payloads from..last.
func readAll(t *testing.T, dir string, from, last uint64) {
	t.Helper()
	next := max(from, 1)
	err := Read(dir, from, func(seq uint64, p []byte) error {
		if seq != next {
			return fmt.Errorf("read sequence %d, want %d", seq, next)
		}
		if !bytes.Equal(p, payloadOf(seq)) {
			return fmt.Errorf("payload %d differs", seq)
		}
		next++
		return nil
	})
	if err != nil {
		t.Fatalf("Read from %d: %v", from, err)
	}
	if next != last+1 {
		t.Fatalf("Read from %d ended at %d, want %d", from, next-1, last)
	}
}

func segments(t *testing.T, dir string) []segment {
	t.Helper()
	segs, err := listFiles(dir, segmentExt)
	if err != nil {
		t.Fatal(err)
	}
	return segs
}

func TestRoundTripAcrossSegments(t *testing.T) {
	dir := t.TempDir()
	opt := Options{SegmentSize: 4 << 10}
	var w written
	writeJournal(t, dir, opt, 300, &w)
	rep, err := Verify(dir)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Records != 300 || rep.LastSeq != 300 || rep.Head != w.chains[300] || rep.TornBytes != 0 {
		t.Fatalf("report %+v", rep)
	}
	if rep.Segments < 5 || rep.Segments != len(segments(t, dir)) {
		t.Fatalf("%d segments: the journal did not roll", rep.Segments)
	}
	for _, s := range segments(t, dir)[1:] {
		// Each segment starts at the sequence its name says, and no
		// segment is rolled while it is below the limit.
		data, _ := os.ReadFile(s.path)
		if first, _, err := parseSegmentHeader(data); err != nil || first != s.first {
			t.Fatalf("%s: first %d, %v", s.path, first, err)
		}
	}

	// Reopen and append more: the chain continues.
	writeJournal(t, dir, opt, 450, &w)
	if rep, err = Verify(dir); err != nil || rep.LastSeq != 450 || rep.Head != w.chains[450] {
		t.Fatalf("after reopen: %+v, %v", rep, err)
	}
	for _, from := range []uint64{0, 1, 2, 57, 200, 449, 450, 451} {
		readAll(t, dir, from, 450)
	}
	if err := Read(dir, 452, func(uint64, []byte) error { return nil }); err == nil {
		t.Fatal("Read past the end did not fail")
	}
	for _, seq := range []uint64{0, 1, 99, 300, 301, 450} {
		if c, err := ChainAt(dir, seq); err != nil || c != w.chains[seq] {
			t.Fatalf("ChainAt(%d) = %x, %v", seq, c[:4], err)
		}
	}
	if _, err := ChainAt(dir, 451); err == nil {
		t.Fatal("ChainAt past the end did not fail")
	}
	// fn's error is returned as is.
	stop := errors.New("stop")
	if err := Read(dir, 10, func(uint64, []byte) error { return stop }); err != stop {
		t.Fatalf("Read returned %v, want fn's error", err)
	}
}

func TestEmptyJournal(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "j")
	if rep, err := Verify(dir); err != nil || rep != (Report{}) {
		t.Fatalf("missing dir: %+v, %v", rep, err)
	}
	j, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Sync(); err != nil {
		t.Fatal(err)
	}
	if len(segments(t, dir)) != 0 {
		t.Fatal("an empty Sync created a segment")
	}
	seq, err := j.Append(nil)
	if err != nil || seq != 1 {
		t.Fatalf("Append = %d, %v", seq, err)
	}
	if err := j.Close(); err != nil { // Close syncs the pending record
		t.Fatal(err)
	}
	if rep, err := Verify(dir); err != nil || rep.LastSeq != 1 || rep.Segments != 1 {
		t.Fatalf("%+v, %v", rep, err)
	}
	if err := Read(dir, 3, func(uint64, []byte) error { return nil }); err == nil {
		t.Fatal("Read from 3 of a 1-record journal did not fail")
	}
	if _, err := j.Append(make([]byte, MaxPayload+1)); err == nil {
		t.Fatal("Append accepted a payload over MaxPayload")
	}
}

// copyDir copies the files of src into a new temporary directory.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// recordOffsets returns the offset of every record of a segment file.
func recordOffsets(t *testing.T, data []byte) []int {
	t.Helper()
	var offs []int
	for off := segmentHeaderSize; off < len(data); {
		r, ok := parseRecord(data[off:])
		if !ok {
			t.Fatalf("bad record at %d", off)
		}
		offs = append(offs, off)
		off += r.size
	}
	return offs
}

// TestTornTail cuts the last record at every byte offset, and flips each of
// its bits one byte at a time: every time the record is dropped as a torn
// tail (never misread), Open cuts exactly those bytes, and the reopened
// journal appends and verifies.
func TestTornTail(t *testing.T) {
	base := t.TempDir()
	opt := Options{SegmentSize: 2 << 10, NoSync: true}
	var w written
	writeJournal(t, base, opt, 60, &w)
	segs := segments(t, base)
	last := segs[len(segs)-1]
	data, _ := os.ReadFile(last.path)
	offs := recordOffsets(t, data)
	start := offs[len(offs)-1]

	check := func(t *testing.T, dir string, torn int64) {
		t.Helper()
		rep, err := Verify(dir)
		if err != nil || rep.LastSeq != 59 || rep.Head != w.chains[59] || rep.TornBytes != torn {
			t.Fatalf("Verify: %+v, %v; want last 59, torn %d", rep, err, torn)
		}
		readAll(t, dir, 1, 59)
		j, err := Open(dir, opt)
		if err != nil {
			t.Fatal(err)
		}
		if j.Opened().TornBytes != torn || j.LastSeq() != 59 {
			t.Fatalf("Open: %+v", j.Opened())
		}
		if seq, err := j.Append(payloadOf(60)); err != nil || seq != 60 {
			t.Fatalf("Append after the cut: %d, %v", seq, err)
		}
		if err := j.Close(); err != nil {
			t.Fatal(err)
		}
		rep, err = Verify(dir)
		if err != nil || rep.LastSeq != 60 || rep.Head != w.chains[60] || rep.TornBytes != 0 {
			t.Fatalf("after reopening: %+v, %v", rep, err)
		}
		readAll(t, dir, 1, 60)
	}
	for cut := start; cut < len(data); cut++ {
		dir := copyDir(t, base)
		if err := os.Truncate(filepath.Join(dir, filepath.Base(last.path)), int64(cut)); err != nil {
			t.Fatal(err)
		}
		check(t, dir, int64(cut-start))
	}
	for i := start; i < len(data); i++ {
		dir := copyDir(t, base)
		b := bytes.Clone(data)
		b[i] ^= 1 << (i % 8)
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(last.path)), b, 0o644); err != nil {
			t.Fatal(err)
		}
		check(t, dir, int64(len(data)-start))
	}
	// Zeros after the last record (a file extended but never written).
	dir := copyDir(t, base)
	path := filepath.Join(dir, filepath.Base(last.path))
	if err := os.WriteFile(path, append(bytes.Clone(data[:start]), make([]byte, 4096)...), 0o644); err != nil {
		t.Fatal(err)
	}
	check(t, dir, 4096)
}

// TestMiddleCorruption flips a bit in every byte of records in the middle
// (of the last segment and of an earlier one, including an earlier segment's
// last record): each is corruption, and Open refuses it without cutting.
func TestMiddleCorruption(t *testing.T) {
	base := t.TempDir()
	opt := Options{SegmentSize: 2 << 10, NoSync: true}
	var w written
	writeJournal(t, base, opt, 200, &w)
	segs := segments(t, base)
	if len(segs) < 4 {
		t.Fatalf("only %d segments", len(segs))
	}
	type target struct {
		seg    segment
		record int // index in the segment; -1 = the last
	}
	targets := []target{{segs[len(segs)-1], 0}, {segs[1], 1}, {segs[1], -1}, {segs[0], -1}}
	for _, tg := range targets {
		data, _ := os.ReadFile(tg.seg.path)
		offs := append(recordOffsets(t, data), len(data))
		k := tg.record
		if k < 0 {
			k = len(offs) - 2
		}
		dir := copyDir(t, base) // Open refuses without writing: one copy serves every flip
		path := filepath.Join(dir, filepath.Base(tg.seg.path))
		for i := offs[k]; i < offs[k+1]; i++ {
			b := bytes.Clone(data)
			b[i] ^= 1 << (i % 8)
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := Verify(dir); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("%s byte %d flipped: Verify = %v", tg.seg.path, i, err)
			}
			if err := Read(dir, 0, func(uint64, []byte) error { return nil }); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("%s byte %d flipped: Read = %v", tg.seg.path, i, err)
			}
			if _, err := Open(dir, opt); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("%s byte %d flipped: Open = %v", tg.seg.path, i, err)
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(after, b) {
				t.Fatal("Open changed a corrupt journal")
			}
		}
	}
	// A flipped bit in a segment header.
	for _, i := range []int{0, 9, 13, 30, 53} {
		dir := copyDir(t, base)
		path := filepath.Join(dir, filepath.Base(segs[1].path))
		b, _ := os.ReadFile(path)
		b[i] ^= 4
		os.WriteFile(path, b, 0o644)
		if _, err := Verify(dir); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("header byte %d flipped: Verify = %v", i, err)
		}
	}
}

// rewrite replaces the records of a segment by what edit returns, with valid
// CRCs: tampering that a checksum alone cannot catch.
func rewrite(t *testing.T, path string, edit func([]record) []record) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var recs []record
	for _, off := range recordOffsets(t, data) {
		r, _ := parseRecord(data[off:])
		r.payload = bytes.Clone(r.payload)
		recs = append(recs, r)
	}
	out := bytes.Clone(data[:segmentHeaderSize])
	for _, r := range edit(recs) {
		out = appendRecord(out, r.seq, &r.chain, r.payload)
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestChainBreak: records changed, removed or swapped with their CRCs and
// sequences made consistent are caught by the chain; so is a missing
// segment.
func TestChainBreak(t *testing.T) {
	base := t.TempDir()
	opt := Options{SegmentSize: 2 << 10, NoSync: true}
	var w written
	writeJournal(t, base, opt, 200, &w)
	segs := segments(t, base)
	if len(segs) < 4 {
		t.Fatalf("only %d segments", len(segs))
	}
	renumber := func(recs []record, from uint64) []record {
		for i := range recs {
			recs[i].seq = from + uint64(i)
		}
		return recs
	}
	edits := map[string]func([]record) []record{
		"payload changed": func(r []record) []record {
			r[2].payload = append(r[2].payload, 'x')
			return r
		},
		"record removed": func(r []record) []record {
			return renumber(append(r[:2], r[3:]...), r[0].seq)
		},
		"records swapped": func(r []record) []record {
			r[1], r[2] = r[2], r[1]
			return renumber(r, r[0].seq)
		},
		"last record removed": func(r []record) []record { return r[:len(r)-1] },
	}
	for name, edit := range edits {
		dir := copyDir(t, base)
		rewrite(t, filepath.Join(dir, filepath.Base(segs[1].path)), edit)
		if _, err := Verify(dir); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: Verify = %v", name, err)
		}
		if _, err := Open(dir, opt); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: Open = %v", name, err)
		}
	}
	dir := copyDir(t, base)
	os.Remove(filepath.Join(dir, filepath.Base(segs[2].path)))
	if _, err := Verify(dir); !errors.Is(err, ErrCorrupt) {
		t.Errorf("segment removed: Verify = %v", err)
	}
	dir = copyDir(t, base)
	os.Remove(filepath.Join(dir, filepath.Base(segs[0].path)))
	if _, err := Verify(dir); !errors.Is(err, ErrCorrupt) {
		t.Errorf("first segment removed: Verify = %v", err)
	}
	dir = copyDir(t, base)
	os.Rename(filepath.Join(dir, filepath.Base(segs[1].path)), filepath.Join(dir, fileName(segs[1].first+1, segmentExt)))
	if _, err := Verify(dir); !errors.Is(err, ErrCorrupt) {
		t.Errorf("segment renamed: Verify = %v", err)
	}
}

func TestStaleTempFilesRemoved(t *testing.T) {
	dir := t.TempDir()
	var w written
	writeJournal(t, dir, Options{}, 5, &w)
	tmp := filepath.Join(dir, fileName(6, segmentExt)+tmpExt)
	os.WriteFile(tmp, []byte("half a header"), 0o644)
	j, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if _, err := os.Stat(tmp); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("stale temporary file kept: %v", err)
	}
}

func TestSnapshotFallback(t *testing.T) {
	dir := t.TempDir()
	if _, err := LatestSnapshot(dir); !errors.Is(err, ErrNoSnapshot) {
		t.Fatalf("empty dir: %v", err)
	}
	chain := func(seq uint64) (c [32]byte) { c[0], c[31] = byte(seq), 0xaa; return c }
	for seq := uint64(10); seq <= 50; seq += 10 {
		if err := WriteSnapshot(dir, seq, chain(seq), []byte(fmt.Sprint("state at ", seq))); err != nil {
			t.Fatal(err)
		}
	}
	snaps, _ := listFiles(dir, snapshotExt)
	if len(snaps) != KeepSnapshots || snaps[0].first != 30 {
		t.Fatalf("kept %v", snaps)
	}
	want := func(seq uint64, skipped int) {
		t.Helper()
		s, err := LatestSnapshot(dir)
		if err != nil || s.Seq != seq || s.Chain != chain(seq) || string(s.Data) != fmt.Sprint("state at ", seq) ||
			s.Skipped != skipped {
			t.Fatalf("LatestSnapshot = %+v, %v; want %d skipping %d", s, err, seq, skipped)
		}
	}
	want(50, 0)
	os.WriteFile(filepath.Join(dir, fileName(60, snapshotExt)+tmpExt), []byte("unfinished"), 0o644)
	want(50, 0)

	p50 := filepath.Join(dir, fileName(50, snapshotExt))
	b, _ := os.ReadFile(p50)
	b[len(b)/2] ^= 0x10
	os.WriteFile(p50, b, 0o644)
	want(40, 1)

	p40 := filepath.Join(dir, fileName(40, snapshotExt))
	b, _ = os.ReadFile(p40)
	os.WriteFile(p40, b[:len(b)-1], 0o644)
	want(30, 2)

	// A valid snapshot under another sequence's name is not trusted.
	p30 := filepath.Join(dir, fileName(30, snapshotExt))
	os.Rename(p30, filepath.Join(dir, fileName(35, snapshotExt)))
	if s, err := LatestSnapshot(dir); !errors.Is(err, ErrNoSnapshot) || s.Skipped != 3 {
		t.Fatalf("all corrupt: %+v, %v", s, err)
	}
	// Empty data round-trips.
	if err := WriteSnapshot(dir, 70, chain(70), nil); err != nil {
		t.Fatal(err)
	}
	if s, err := LatestSnapshot(dir); err != nil || s.Seq != 70 || len(s.Data) != 0 {
		t.Fatalf("%+v, %v", s, err)
	}
}

// BenchmarkAppendSync: batches of 64 records of 100 bytes, one Sync each.
func BenchmarkAppendSync(b *testing.B) {
	for _, noSync := range []bool{false, true} {
		b.Run(fmt.Sprintf("noSync=%v", noSync), func(b *testing.B) {
			j, err := Open(b.TempDir(), Options{NoSync: noSync})
			if err != nil {
				b.Fatal(err)
			}
			defer j.Close()
			payload := bytes.Repeat([]byte{0x5a}, 100)
			b.SetBytes(64 * int64(len(payload)+recordHeaderSize))
			b.ReportAllocs()
			for b.Loop() {
				for range 64 {
					if _, err := j.Append(payload); err != nil {
						b.Fatal(err)
					}
				}
				if err := j.Sync(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)*64/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// BenchmarkRead replays (and verifies) a journal of 32-byte records, the
// size of a typical encoded command.
func BenchmarkRead(b *testing.B) {
	dir := b.TempDir()
	j, err := Open(dir, Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	payload := bytes.Repeat([]byte{0x5a}, 32)
	const n = 100_000
	for range n {
		j.Append(payload)
	}
	if err := j.Close(); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := Read(dir, 1, func(uint64, []byte) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)*n/b.Elapsed().Seconds(), "records/s")
}
