package journal

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
)

// Format constants (see the package documentation).
const (
	FormatVersion      = 1
	segmentMagic       = "WFJRNL\x00\x01"
	segmentHeaderSize  = 56
	recordHeaderSize   = 48
	DefaultSegmentSize = 64 << 20
	// MaxPayload is the largest payload Append takes (16 MiB). It also bounds
	// what a reader believes a length field, so a corrupt length cannot make
	// it allocate or skip gigabytes.
	MaxPayload = 16 << 20
)

// ErrCorrupt is wrapped by every error that reports a journal or snapshot
// whose bytes fail verification (as opposed to an I/O error).
var ErrCorrupt = errors.New("journal: corrupt")

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func corruptf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, args...)...)
}

// chainer computes chain hashes. sha256.Sum256 over one contiguous input
// (copied into buf) costs about a quarter less than a reused hash.Hash's
// Reset, Write and Sum on this record size; a payload over maxScratch is
// hashed in place by the streaming hash instead, so that buf stays small.
type chainer struct {
	buf []byte
	h   hash.Hash // for large payloads, made on first use
}

// maxScratch is the largest payload chainer copies to hash in one call.
const maxScratch = 8 << 10

func newChainer() *chainer { return &chainer{buf: make([]byte, 0, 40+256)} }

// next returns SHA-256(prev ‖ uint64le(seq) ‖ payload).
func (c *chainer) next(prev *[32]byte, seq uint64, payload []byte) [32]byte {
	if len(payload) <= maxScratch {
		c.buf = append(append(c.buf[:0], prev[:]...), 0, 0, 0, 0, 0, 0, 0, 0)
		binary.LittleEndian.PutUint64(c.buf[32:], seq)
		c.buf = append(c.buf, payload...)
		return sha256.Sum256(c.buf)
	}
	if c.h == nil {
		c.h = sha256.New()
	}
	c.h.Reset()
	c.h.Write(prev[:])
	var s [8]byte
	binary.LittleEndian.PutUint64(s[:], seq)
	c.h.Write(s[:])
	c.h.Write(payload)
	var out [32]byte
	c.h.Sum(out[:0])
	return out
}

// appendSegmentHeader appends a segment header for a segment whose first
// record is first and whose chain starts at prev.
func appendSegmentHeader(dst []byte, first uint64, prev [32]byte) []byte {
	start := len(dst)
	dst = append(dst, segmentMagic...)
	dst = binary.LittleEndian.AppendUint32(dst, FormatVersion)
	dst = binary.LittleEndian.AppendUint64(dst, first)
	dst = append(dst, prev[:]...)
	return binary.LittleEndian.AppendUint32(dst, crc32.Checksum(dst[start:], castagnoli))
}

// parseSegmentHeader checks a segment header and returns its first sequence
// and starting chain.
func parseSegmentHeader(b []byte) (first uint64, prev [32]byte, err error) {
	if len(b) < segmentHeaderSize {
		return 0, prev, corruptf("segment of %d bytes has no complete header", len(b))
	}
	if string(b[:8]) != segmentMagic {
		return 0, prev, corruptf("bad segment magic %q", b[:8])
	}
	if got := binary.LittleEndian.Uint32(b[52:56]); got != crc32.Checksum(b[:52], castagnoli) {
		return 0, prev, corruptf("segment header checksum mismatch")
	}
	if v := binary.LittleEndian.Uint32(b[8:12]); v != FormatVersion {
		return 0, prev, corruptf("unknown segment format version %d", v)
	}
	first = binary.LittleEndian.Uint64(b[12:20])
	copy(prev[:], b[20:52])
	return first, prev, nil
}

// appendRecord appends one record to dst.
func appendRecord(dst []byte, seq uint64, chain *[32]byte, payload []byte) []byte {
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0)                                     // CRC, filled below
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(payload))) //nolint:gosec // ≤ MaxPayload
	dst = binary.LittleEndian.AppendUint64(dst, seq)
	dst = append(dst, chain[:]...)
	dst = append(dst, payload...)
	binary.LittleEndian.PutUint32(dst[start:], crc32.Checksum(dst[start+4:], castagnoli))
	return dst
}

// record is one record as read from a segment; payload aliases the segment.
type record struct {
	seq     uint64
	chain   [32]byte
	payload []byte
	size    int // header + payload
}

// parseRecord reads the record at the start of b. ok is false when b does not
// start with a complete record whose CRC matches; the sequence and chain are
// not checked here.
func parseRecord(b []byte) (r record, ok bool) {
	if len(b) < recordHeaderSize {
		return r, false
	}
	n := binary.LittleEndian.Uint32(b[4:8])
	if n > MaxPayload || int(n) > len(b)-recordHeaderSize {
		return r, false
	}
	size := recordHeaderSize + int(n)
	if binary.LittleEndian.Uint32(b[0:4]) != crc32.Checksum(b[4:size], castagnoli) {
		return r, false
	}
	r.seq = binary.LittleEndian.Uint64(b[8:16])
	copy(r.chain[:], b[16:48])
	r.payload = b[recordHeaderSize:size:size]
	r.size = size
	return r, true
}

// validRecordAfter reports the offset of the first valid record (plausible
// header, CRC matches) in b at an offset > 0 whose sequence is at least
// minSeq, or -1 when there is none. It is how a torn tail is told from
// corruption in the middle.
func validRecordAfter(b []byte, minSeq uint64) int {
	for off := 1; off+recordHeaderSize <= len(b); off++ {
		seq := binary.LittleEndian.Uint64(b[off+8 : off+16])
		// Each record takes at least recordHeaderSize bytes, which bounds
		// the sequences that can still be ahead.
		if seq < minSeq || seq-minSeq > uint64(len(b)-off) { //nolint:gosec // off < len(b)
			continue
		}
		if _, ok := parseRecord(b[off:]); ok {
			return off
		}
	}
	return -1
}
