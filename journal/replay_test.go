package journal

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// replayAll checks that w.Replay from `from` yields exactly the payloads
// from..last.
func replayAll(t *testing.T, w *Writer, from, last uint64) {
	t.Helper()
	next := max(from, 1)
	err := w.Replay(from, func(seq uint64, p []byte) error {
		if seq != next {
			return fmt.Errorf("replayed sequence %d, want %d", seq, next)
		}
		if !bytes.Equal(p, payloadOf(seq)) {
			return fmt.Errorf("payload %d differs", seq)
		}
		next++
		return nil
	})
	if err != nil {
		t.Fatalf("Replay from %d: %v", from, err)
	}
	if next != last+1 {
		t.Fatalf("Replay from %d ended at %d, want %d", from, next-1, last)
	}
}

// TestOpenVerifiesAfterSnapshot: with a snapshot whose chain hash the
// journal confirms, Open verifies only the records after it, and Replay
// verifies the earlier ones it delivers; Verify still checks everything.
func TestOpenVerifiesAfterSnapshot(t *testing.T) {
	base := t.TempDir()
	opt := Options{SegmentSize: 2 << 10, NoSync: true}
	var w written
	writeJournal(t, base, opt, 200, &w)
	segs := segments(t, base)
	// Records 120 (inside a segment) and, for a second case, the last
	// record before a segment starts.
	mid := uint64(120)
	edge := segs[len(segs)/2].first - 1
	for _, snap := range []uint64{mid, edge, 200} {
		dir := copyDir(t, base)
		if err := WriteSnapshot(dir, snap, w.chains[snap], []byte("state")); err != nil {
			t.Fatal(err)
		}
		j, err := Open(dir, opt)
		if err != nil {
			t.Fatalf("snapshot %d: Open: %v", snap, err)
		}
		if got := j.Opened(); got.VerifiedFrom != snap+1 || got.LastSeq != 200 || got.Head != w.chains[200] {
			t.Fatalf("snapshot %d: Opened = %+v", snap, got)
		}
		for _, from := range []uint64{0, 1, 7, snap - 1, snap, snap + 1, snap + 3, 200, 201} {
			if from <= 201 {
				replayAll(t, j, from, 200)
			}
		}
		for _, seq := range []uint64{0, 1, snap - 1, snap, 199, 200} {
			if c, err := j.ChainAt(seq); err != nil || c != w.chains[seq] {
				t.Fatalf("snapshot %d: ChainAt(%d) = %x, %v", snap, seq, c[:4], err)
			}
		}
		if _, err := j.ChainAt(201); err == nil {
			t.Fatal("ChainAt past the end: no error")
		}
		// Appended records replay too.
		if _, err := j.Append(payloadOf(201)); err != nil {
			t.Fatal(err)
		}
		if err := j.Sync(); err != nil {
			t.Fatal(err)
		}
		replayAll(t, j, snap+1, 201)
		j.Close()
		if err := j.Replay(1, func(uint64, []byte) error { return nil }); !errors.Is(err, ErrClosed) {
			t.Fatalf("Replay after Close: %v", err)
		}
	}

	// A record before the snapshot changed with its CRC made good: Open
	// does not read it, Replay from before it and Verify catch it.
	dir := copyDir(t, base)
	if err := WriteSnapshot(dir, 150, w.chains[150], nil); err != nil {
		t.Fatal(err)
	}
	rewrite(t, filepath.Join(dir, filepath.Base(segs[1].path)), func(r []record) []record {
		r[1].payload = append(r[1].payload, 'x')
		return r
	})
	j, err := Open(dir, opt)
	if err != nil {
		t.Fatalf("tampered before the snapshot: Open: %v", err)
	}
	defer j.Close()
	if j.Opened().VerifiedFrom != 151 {
		t.Fatalf("VerifiedFrom = %d", j.Opened().VerifiedFrom)
	}
	replayAll(t, j, 151, 200)
	if err := j.Replay(1, func(uint64, []byte) error { return nil }); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Replay across the tampered record: %v", err)
	}
	if _, err := Verify(dir); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Verify: %v", err)
	}

	// The same after the snapshot: Open refuses.
	dir = copyDir(t, base)
	if err := WriteSnapshot(dir, 20, w.chains[20], nil); err != nil {
		t.Fatal(err)
	}
	rewrite(t, filepath.Join(dir, filepath.Base(segs[len(segs)-2].path)), func(r []record) []record {
		r[1].payload = append(r[1].payload, 'x')
		return r
	})
	if _, err := Open(dir, opt); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("tampered after the snapshot: Open: %v", err)
	}
}

// TestOpenUnconfirmedSnapshot: a snapshot that the journal does not
// confirm (another chain hash, past the end, a bad header) makes Open
// verify everything.
func TestOpenUnconfirmedSnapshot(t *testing.T) {
	base := t.TempDir()
	opt := Options{SegmentSize: 2 << 10, NoSync: true}
	var w written
	writeJournal(t, base, opt, 100, &w)
	cases := map[string]func(dir string){
		"other chain":  func(dir string) { WriteSnapshot(dir, 50, w.chains[49], nil) },
		"past the end": func(dir string) { WriteSnapshot(dir, 500, w.chains[100], nil) },
		"bad header": func(dir string) {
			os.WriteFile(filepath.Join(dir, fileName(60, snapshotExt)), []byte("not a snapshot"), 0o644)
		},
	}
	for name, make := range cases {
		dir := copyDir(t, base)
		make(dir)
		j, err := Open(dir, opt)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := j.Opened(); got.VerifiedFrom != 1 || got.LastSeq != 100 {
			t.Fatalf("%s: Opened = %+v", name, got)
		}
		replayAll(t, j, 1, 100)
		j.Close()
	}
	// Tampering anywhere is then caught by Open.
	dir := copyDir(t, base)
	WriteSnapshot(dir, 50, w.chains[49], nil)
	rewrite(t, filepath.Join(dir, filepath.Base(segments(t, dir)[1].path)), func(r []record) []record {
		r[0].payload = append(r[0].payload, 'x')
		return r
	})
	if _, err := Open(dir, opt); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("unconfirmed snapshot, tampered journal: Open = %v", err)
	}
}

// TestFirstBrokenLinkReported: with several broken links, the walk reports
// the first one, whichever hasher finds it first.
func TestFirstBrokenLinkReported(t *testing.T) {
	dir := t.TempDir()
	j, err := Open(dir, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	for seq := uint64(1); seq <= 5000; seq++ {
		j.Append(payloadOf(seq))
	}
	j.Close()
	path := segments(t, dir)[0].path
	rewrite(t, path, func(r []record) []record {
		for _, i := range []int{4999, 3001, 2500, 2499} {
			r[i].payload = append(r[i].payload, 'x')
		}
		return r
	})
	var got uint64
	_, err = Verify(dir)
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "chain broken at sequence 2500 ") {
		t.Fatalf("Verify = %v", err)
	}
	err = Read(dir, 1, func(seq uint64, _ []byte) error { got = seq; return nil })
	if !errors.Is(err, ErrCorrupt) || got != 2499 {
		t.Fatalf("Read = %v after %d records, want the error after 2499", err, got)
	}
}

// TestLargeRecords: payloads larger than a read chunk and than the
// chainer's scratch buffer round-trip and verify.
func TestLargeRecords(t *testing.T) {
	dir := t.TempDir()
	j, err := Open(dir, Options{NoSync: true, SegmentSize: 4 << 20})
	if err != nil {
		t.Fatal(err)
	}
	sizes := []int{0, 10, maxScratch, maxScratch + 1, chunkSize - recordHeaderSize, chunkSize, 3*chunkSize + 7, 20, 1 << 20}
	var chains [][32]byte
	for i, n := range sizes {
		p := bytes.Repeat([]byte{byte(i + 1)}, n)
		if _, err := j.Append(p); err != nil {
			t.Fatal(err)
		}
		chains = append(chains, j.ChainHash())
		if i%3 == 2 {
			j.Sync()
		}
	}
	j.Close()
	check := func(seq uint64, p []byte) error {
		i := int(seq - 1)
		if len(p) != sizes[i] || (len(p) > 0 && p[0] != byte(i+1)) {
			return fmt.Errorf("record %d: %d bytes", seq, len(p))
		}
		return nil
	}
	if rep, err := Verify(dir); err != nil || rep.LastSeq != uint64(len(sizes)) {
		t.Fatalf("Verify = %+v, %v", rep, err)
	}
	if err := Read(dir, 1, check); err != nil {
		t.Fatal(err)
	}
	for seq := range sizes {
		if c, err := ChainAt(dir, uint64(seq+1)); err != nil || c != chains[seq] {
			t.Fatalf("ChainAt(%d): %v", seq+1, err)
		}
	}
	if err := WriteSnapshot(dir, 5, chains[4], nil); err != nil {
		t.Fatal(err)
	}
	j, err = Open(dir, Options{NoSync: true})
	if err != nil || j.Opened().VerifiedFrom != 6 {
		t.Fatalf("Open: %v", err)
	}
	defer j.Close()
	n := 0
	if err := j.Replay(1, func(seq uint64, p []byte) error { n++; return check(seq, p) }); err != nil || n != len(sizes) {
		t.Fatalf("Replay: %d records, %v", n, err)
	}
}
