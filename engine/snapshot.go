package engine

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/internal/wire"
)

// Snapshots (issue #4: "Snapshots every N commands. Recovery = latest valid
// snapshot + replay"). A snapshot is the engine's whole state between two
// commands; Restore gives back an engine that is the same state machine:
// the same StateHash, and the same events and hashes for every command
// applied after it. Snapshot of a restored engine gives the same bytes.
//
// # Format (version 1)
//
//	magic     8 bytes  "WFSNAP\x00\x00"
//	version   4 bytes  little-endian, snapshotVersion
//	config   32 bytes  SHA-256 of the configuration's canonical YAML (config.Marshal)
//	state     …        snapshot_codec.go: fixed-width little-endian fields
//	hash     32 bytes  StateHash of the state written
//	checksum 32 bytes  SHA-256 of every byte before it
//
// The state covers everything an Engine holds but its derived and scratch
// fields: the liquidation index is rebuilt from the state on Restore (it is
// derived, see liqindex.go), reused buffers start empty, and the
// configuration is the one Restore is given, which must be the one the
// snapshot was taken under. The order books are written as their resting
// orders in priority order and rebuilt by resting them again, so book
// handles may differ but every Ref, answer, fill and iteration is the same.
//
// # Restore checks
//
// The checksum catches damage. The version and configuration digests refuse
// a snapshot this build or this configuration cannot continue: a change to
// the state section, to an enum's numbering or to what StateHash covers
// needs a new snapshotVersion, since Restore compares the recorded hash
// with the one this build computes. The state is decoded with every length
// and index bounds-checked, then its structure is checked
// (snapshot_check.go: every order, slot, holder and list links up), then
// CheckInvariants, and finally the StateHash of the result must equal the
// one recorded; the liquidation index is rebuilt last. No input makes
// Restore panic. A snapshot crafted to pass all of that is not proven
// reachable by commands: snapshots are the engine's own files, protected by
// the checksum, not untrusted input.

// snapshotVersion is the format version Snapshot writes and Restore reads.
const snapshotVersion = 1

var snapshotMagic = [8]byte{'W', 'F', 'S', 'N', 'A', 'P', 0, 0}

const (
	snapshotHeader  = 8 + 4 + sha256.Size
	snapshotTrailer = 2 * sha256.Size
)

// Errors Restore returns, wrapped with the detail.
var (
	// ErrSnapshotCorrupt: the snapshot is damaged or inconsistent.
	ErrSnapshotCorrupt = errors.New("engine: corrupt snapshot")
	// ErrSnapshotVersion: the snapshot was written in another format version.
	ErrSnapshotVersion = errors.New("engine: unsupported snapshot version")
	// ErrSnapshotConfig: the snapshot was taken under another configuration.
	ErrSnapshotConfig = errors.New("engine: snapshot taken under another configuration")
)

// Snapshot returns the engine's whole state in the format above. It must be
// called between commands (as everything but Apply is), and it does not
// change the engine.
func (e *Engine) Snapshot() ([]byte, error) {
	if e.firing {
		return nil, errors.New("engine: snapshot taken inside a command")
	}
	digest, err := configDigest(e.cfg)
	if err != nil {
		return nil, err
	}
	w := wire.NewWriter(e.snapshotSizeHint())
	w.Raw(snapshotMagic[:])
	w.U32(snapshotVersion)
	w.Raw(digest[:])
	if err := e.encodeState(w); err != nil {
		return nil, err
	}
	if err := w.Err(); err != nil {
		return nil, err
	}
	h := e.StateHash()
	w.Raw(h[:])
	sum := sha256.Sum256(w.Bytes())
	w.Raw(sum[:])
	return w.Bytes(), nil
}

// Restore returns the engine data, a Snapshot, describes, running cfg
// (which it keeps and never modifies; it must have passed config.Validate
// and be the configuration the snapshot was taken under). Bad data returns
// an error wrapping ErrSnapshotCorrupt, ErrSnapshotVersion or
// ErrSnapshotConfig.
func Restore(cfg *config.Config, data []byte) (*Engine, error) {
	if len(data) < snapshotHeader+snapshotTrailer {
		return nil, fmt.Errorf("%w: %d bytes is shorter than any snapshot", ErrSnapshotCorrupt, len(data))
	}
	body, sum := data[:len(data)-sha256.Size], data[len(data)-sha256.Size:]
	if want := sha256.Sum256(body); !bytes.Equal(sum, want[:]) {
		return nil, fmt.Errorf("%w: checksum mismatch", ErrSnapshotCorrupt)
	}
	if !bytes.Equal(data[:8], snapshotMagic[:]) {
		return nil, fmt.Errorf("%w: not a snapshot (magic %q)", ErrSnapshotCorrupt, data[:8])
	}
	if v := binary.LittleEndian.Uint32(data[8:12]); v != snapshotVersion {
		return nil, fmt.Errorf("%w: version %d, this engine reads %d", ErrSnapshotVersion, v, snapshotVersion)
	}
	digest, err := configDigest(cfg)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(data[12:snapshotHeader], digest[:]) {
		return nil, ErrSnapshotConfig
	}
	e, err := New(cfg)
	if err != nil {
		return nil, err
	}
	state := body[snapshotHeader : len(body)-sha256.Size]
	r := wire.NewReader(state)
	e.decodeState(r)
	if err := r.Done(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSnapshotCorrupt, err)
	}
	if err := e.checkRestored(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSnapshotCorrupt, err)
	}
	if err := e.CheckInvariants(); err != nil {
		return nil, fmt.Errorf("%w: invariant: %v", ErrSnapshotCorrupt, err)
	}
	if h := e.StateHash(); !bytes.Equal(h[:], body[len(body)-sha256.Size:]) {
		return nil, fmt.Errorf("%w: the restored state's hash differs from the one recorded", ErrSnapshotCorrupt)
	}
	e.rebuildDerived()
	return e, nil
}

// configDigest identifies a configuration: the SHA-256 of its canonical
// YAML, which covers every field Load reads (the seed included).
func configDigest(cfg *config.Config) ([sha256.Size]byte, error) {
	y, err := cfg.Marshal()
	if err != nil {
		return [sha256.Size]byte{}, fmt.Errorf("engine: snapshot: %w", err)
	}
	return sha256.Sum256(y), nil
}

// rebuildDerived rebuilds the state a snapshot leaves out because it
// follows from the rest: the liquidation index, every user account
// recomputed from its positions and balances (accounts in liquidation are
// parked, as their liquidation left them), as a fresh index would be.
func (e *Engine) rebuildDerived() {
	e.liq = liqIndex{}
	for id := e.firstUser; int(id) < len(e.accounts); id++ {
		e.liq.enqueue(id, true, 0)
	}
	e.rebuildBorrowers()
	e.refresh()
}
