package journal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Snapshot file format (version 1), integers little-endian:
//
//	[8]byte  magic "WFJSNP\x00\x01"
//	uint32   format version (1)
//	uint64   sequence: the state is the one after journal record Seq
//	[32]byte chain hash after record Seq
//	uint64   data length
//	data
//	uint32   CRC-32C of everything before it
const (
	snapshotMagic      = "WFJSNP\x00\x01"
	snapshotHeaderSize = 60
	// KeepSnapshots is how many snapshots WriteSnapshot keeps (the newest).
	KeepSnapshots = 3
)

// ErrNoSnapshot is returned by LatestSnapshot when dir holds no valid one.
var ErrNoSnapshot = errors.New("journal: no valid snapshot")

// Snapshot is a snapshot file's content.
type Snapshot struct {
	Seq   uint64   // the journal record the state follows
	Chain [32]byte // the journal's chain hash after Seq (check it with ChainAt)
	Data  []byte   // opaque state bytes
	// Skipped counts newer snapshot files that LatestSnapshot found corrupt
	// and passed over to return this one.
	Skipped int
}

// WriteSnapshot stores data as the snapshot at journal sequence seq with the
// journal's chain hash after seq, durably and atomically: a temporary file,
// fsync, rename to "%020d.snap", directory fsync. Then it deletes all but the
// KeepSnapshots newest snapshots. It creates dir if missing.
func WriteSnapshot(dir string, seq uint64, chain [32]byte, data []byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	b := make([]byte, 0, snapshotHeaderSize+len(data)+4)
	b = append(b, snapshotMagic...)
	b = binary.LittleEndian.AppendUint32(b, FormatVersion)
	b = binary.LittleEndian.AppendUint64(b, seq)
	b = append(b, chain[:]...)
	b = binary.LittleEndian.AppendUint64(b, uint64(len(data)))
	b = append(b, data...)
	b = binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))

	path := filepath.Join(dir, fileName(seq, snapshotExt))
	f, err := os.OpenFile(path+tmpExt, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(path+tmpExt, path)
	}
	if err != nil {
		os.Remove(path + tmpExt)
		return fmt.Errorf("journal: writing snapshot %s: %w", path, err)
	}
	if err := syncDir(dir); err != nil {
		return err
	}
	return pruneSnapshots(dir)
}

// pruneSnapshots deletes all but the KeepSnapshots newest snapshot files.
func pruneSnapshots(dir string) error {
	snaps, err := listFiles(dir, snapshotExt)
	if err != nil {
		return err
	}
	for i := 0; i < len(snaps)-KeepSnapshots; i++ {
		if err := os.Remove(snaps[i].path); err != nil {
			return err
		}
	}
	return nil
}

// LatestSnapshot returns the newest valid snapshot of dir, passing over
// corrupt files (counted in Skipped) to older ones. It returns ErrNoSnapshot
// when there is none (also when dir does not exist).
func LatestSnapshot(dir string) (Snapshot, error) {
	snaps, err := listFiles(dir, snapshotExt)
	if err != nil {
		return Snapshot{}, err
	}
	skipped := 0
	for i := len(snaps) - 1; i >= 0; i-- {
		b, err := os.ReadFile(snaps[i].path)
		if errors.Is(err, fs.ErrNotExist) {
			continue // pruned by a concurrent WriteSnapshot
		}
		if err != nil {
			return Snapshot{}, err
		}
		s, err := parseSnapshot(b)
		if err != nil || s.Seq != snaps[i].first {
			skipped++
			continue
		}
		s.Skipped = skipped
		return s, nil
	}
	return Snapshot{Skipped: skipped}, ErrNoSnapshot
}

func parseSnapshot(b []byte) (Snapshot, error) {
	var s Snapshot
	if len(b) < snapshotHeaderSize+4 || string(b[:8]) != snapshotMagic {
		return s, corruptf("not a snapshot")
	}
	n := binary.LittleEndian.Uint64(b[52:60])
	if n != uint64(len(b)-snapshotHeaderSize-4) {
		return s, corruptf("snapshot length %d does not match its file", n)
	}
	body := len(b) - 4
	if binary.LittleEndian.Uint32(b[body:]) != crc32.Checksum(b[:body], castagnoli) {
		return s, corruptf("snapshot checksum mismatch")
	}
	if v := binary.LittleEndian.Uint32(b[8:12]); v != FormatVersion {
		return s, corruptf("unknown snapshot format version %d", v)
	}
	s.Seq = binary.LittleEndian.Uint64(b[12:20])
	copy(s.Chain[:], b[20:52])
	s.Data = b[snapshotHeaderSize:body:body]
	return s, nil
}

// newestSnapshotHeader returns the sequence and chain hash in the header of
// the newest snapshot file of dir whose header is well formed (magic,
// version, sequence matching its name); the rest of the file is not read
// (LatestSnapshot checks it). ok is false when there is none.
func newestSnapshotHeader(dir string) (seq uint64, chain [32]byte, ok bool) {
	snaps, err := listFiles(dir, snapshotExt)
	if err != nil {
		return 0, chain, false
	}
	for i := len(snaps) - 1; i >= 0; i-- {
		f, err := os.Open(snaps[i].path)
		if err != nil {
			continue
		}
		var b [snapshotHeaderSize]byte
		_, err = io.ReadFull(f, b[:])
		f.Close()
		if err != nil || string(b[:8]) != snapshotMagic || binary.LittleEndian.Uint32(b[8:12]) != FormatVersion {
			continue
		}
		if seq = binary.LittleEndian.Uint64(b[12:20]); seq != snaps[i].first || seq == 0 {
			continue
		}
		copy(chain[:], b[20:52])
		return seq, chain, true
	}
	return 0, chain, false
}
