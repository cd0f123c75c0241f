package sequencer

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/journal"
)

// tamper flips the last payload byte of journal record seq and recomputes
// its CRC: only the hash chain can tell.
func tamper(t *testing.T, dir string, seq uint64) {
	t.Helper()
	segs, _ := filepath.Glob(filepath.Join(dir, "*.wal"))
	for _, path := range segs {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for off := 56; off+48 <= len(b); {
			n := int(binary.LittleEndian.Uint32(b[off+4:]))
			if binary.LittleEndian.Uint64(b[off+8:]) == seq {
				b[off+48+n-1] ^= 0x01
				binary.LittleEndian.PutUint32(b[off:], crc32.Checksum(b[off+4:off+48+n], crc32.MakeTable(crc32.Castagnoli)))
				if err := os.WriteFile(path, b, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			off += 48 + n
		}
	}
	t.Fatalf("no record %d", seq)
}

// hidden wraps a Store so that its Log is not a *journal.Writer: recovery
// then reads through Store.Read, verifying everything again.
type hidden struct{ Store }

type hiddenLog struct{ Log }

func (h hidden) Open() (Log, error) {
	l, err := h.Store.Open()
	if err != nil {
		return nil, err
	}
	return hiddenLog{l}, nil
}

// Recovery verifies each record once: the records after the snapshot when
// it restores (a record before it is not read), every record it replays
// otherwise; and the fast path (journal.Writer.Replay) and the plain one
// (Store.Read) reach the same state.
func TestRecoveryVerifiesWhatItReplays(t *testing.T) {
	base := t.TempDir()
	q := open(t, base, func(o *Options) { o.SnapshotEvery = 40 })
	accts := fund(t, q, 4)
	usdc, _, perp := ids(t, q)
	for i := range 30 {
		submit(t, q, engine.Command{Kind: engine.CmdDeposit, Account: accts[i%4], Asset: usdc, Amount: int64(1 + i)})
		submit(t, q, engine.Command{Kind: engine.CmdPlaceOrder, Account: accts[i%4], Market: perp, Side: engine.Bid,
			Price: int64(990_000 + i), Quantity: 1})
	}
	seq, h := state(t, q)
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	snap, err := journal.LatestSnapshot(base)
	if err != nil || snap.Seq < 10 {
		t.Fatalf("snapshot: %+v, %v", snap.Seq, err)
	}
	last := q.Stats().JournalSeq
	if snap.Seq >= last {
		t.Fatalf("snapshot at %d, journal ends at %d: nothing to replay after it", snap.Seq, last)
	}
	copyTo := func() string {
		dir := t.TempDir()
		entries, _ := os.ReadDir(base)
		for _, e := range entries {
			b, _ := os.ReadFile(filepath.Join(base, e.Name()))
			_ = os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644)
		}
		return dir
	}
	same := func(name string, q *Sequencer) {
		t.Helper()
		if s2, h2 := state(t, q); s2 != seq || h2 != h {
			t.Fatalf("%s: seq %d, want %d (hash equal: %v)", name, s2, seq, h2 == h)
		}
	}
	for _, wrap := range []bool{false, true} {
		mod := func(o *Options) {
			if wrap {
				o.Store = hidden{o.Store}
			}
		}
		same("snapshot", open(t, copyTo(), mod))

		// A record before the snapshot tampered with: not read (Store.Read
		// reads the snapshot's segment from its start).
		dir := copyTo()
		tamper(t, dir, snap.Seq-3)
		if !wrap {
			same("tampered before the snapshot", open(t, dir, mod))
		}
		// The snapshot unusable: the replay from genesis meets it.
		b, _ := os.ReadFile(filepath.Join(dir, fmtSnap(snap.Seq)))
		b[len(b)-10] ^= 0xff
		_ = os.WriteFile(filepath.Join(dir, fmtSnap(snap.Seq)), b, 0o644)
		for _, p := range olderSnaps(t, dir, snap.Seq) {
			_ = os.Remove(p)
		}
		o := Options{Store: Dir{Path: dir, Options: journal.Options{NoSync: true}}, Clock: ClockManual,
			Logger: quietLogger(), SnapshotEvery: -1}
		mod(&o)
		if _, err := Open(o); !errors.Is(err, ErrCorrupt) && !errors.Is(err, journal.ErrCorrupt) {
			t.Fatalf("wrapped %v: tampered record replayed: %v", wrap, err)
		}

		// A record after the snapshot tampered with: refused.
		dir = copyTo()
		tamper(t, dir, last-1)
		o.Store = Dir{Path: dir, Options: journal.Options{NoSync: true}}
		mod(&o)
		if _, err := Open(o); !errors.Is(err, journal.ErrCorrupt) {
			t.Fatalf("wrapped %v: tampered after the snapshot: %v", wrap, err)
		}

		// No snapshot: a full replay.
		dir = copyTo()
		for _, p := range olderSnaps(t, dir, last+1) {
			_ = os.Remove(p)
		}
		same("full replay", open(t, dir, mod))
	}
}

func fmtSnap(seq uint64) string {
	b := []byte("00000000000000000000.snap")
	for i := 19; seq > 0; i-- {
		b[i] = byte('0' + seq%10)
		seq /= 10
	}
	return string(b)
}

// olderSnaps lists dir's snapshot files before sequence seq.
func olderSnaps(t *testing.T, dir string, seq uint64) []string {
	t.Helper()
	all, _ := filepath.Glob(filepath.Join(dir, "*.snap"))
	var out []string
	for _, p := range all {
		if filepath.Base(p) < fmtSnap(seq) {
			out = append(out, p)
		}
	}
	return out
}
