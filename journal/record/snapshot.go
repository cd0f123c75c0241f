package record

import (
	"encoding/binary"

	"github.com/waterfallrisk/waterfall/engine"
)

// Snapshot is a server snapshot: the state after journal record JournalSeq,
// what recovery needs besides the records that follow it. It is the Data of
// a journal snapshot file in a server's journal directory. Layout (integers
// little-endian):
//
//	"WFS1"          magic and version
//	u64             journal record sequence covered
//	u64             engine sequence
//	i64             clock start (as in the genesis record)
//	u32 + bytes     configuration YAML (as in the genesis record)
//	u32 n, n × (u32 account, 32-byte key)   API-key bindings, in binding order
//	rest            engine snapshot (engine.(*Engine).Snapshot)
type Snapshot struct {
	JournalSeq   uint64
	EngineSeq    uint64
	ClockStartMs int64
	Config       []byte
	Bindings     []KeyBinding
	Engine       []byte
}

var snapshotMagic = [4]byte{'W', 'F', 'S', '1'}

// AppendSnapshot appends the encoding of s to dst.
func AppendSnapshot(dst []byte, s *Snapshot) []byte {
	dst = append(dst, snapshotMagic[:]...)
	dst = binary.LittleEndian.AppendUint64(dst, s.JournalSeq)
	dst = binary.LittleEndian.AppendUint64(dst, s.EngineSeq)
	dst = binary.LittleEndian.AppendUint64(dst, uint64(s.ClockStartMs)) //nolint:gosec // two's complement bits
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(s.Config)))  //nolint:gosec // a config is small
	dst = append(dst, s.Config...)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(s.Bindings))) //nolint:gosec // < 2^32 accounts
	for i := range s.Bindings {
		dst = binary.LittleEndian.AppendUint32(dst, uint32(s.Bindings[i].Account))
		dst = append(dst, s.Bindings[i].PublicKey[:]...)
	}
	return append(dst, s.Engine...)
}

// DecodeSnapshot decodes a server snapshot. Config and Engine alias p.
func DecodeSnapshot(p []byte) (Snapshot, error) {
	var s Snapshot
	if len(p) < 4+8+8+8+4 || [4]byte(p[:4]) != snapshotMagic {
		return s, bad("snapshot: no header")
	}
	p = p[4:]
	s.JournalSeq = binary.LittleEndian.Uint64(p)
	s.EngineSeq = binary.LittleEndian.Uint64(p[8:])
	s.ClockStartMs = int64(binary.LittleEndian.Uint64(p[16:])) //nolint:gosec // two's complement bits
	n := uint64(binary.LittleEndian.Uint32(p[24:]))
	p = p[28:]
	if uint64(len(p)) < n+4 {
		return s, bad("snapshot: configuration cut short")
	}
	s.Config, p = p[:n], p[n:]
	n = uint64(binary.LittleEndian.Uint32(p))
	p = p[4:]
	if uint64(len(p)) < n*36 {
		return s, bad("snapshot: key bindings cut short")
	}
	s.Bindings = make([]KeyBinding, n)
	for i := range s.Bindings {
		s.Bindings[i].Account = engine.AccountID(binary.LittleEndian.Uint32(p))
		copy(s.Bindings[i].PublicKey[:], p[4:36])
		p = p[36:]
	}
	s.Engine = p
	return s, nil
}
