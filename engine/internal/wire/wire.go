// Package wire is the byte encoding of engine snapshots: fixed-width
// little-endian fields appended to a buffer, and a bounds-checked reader
// with a sticky error.
//
// The reader never panics on any input: a read past the end, a boolean
// other than 0 or 1, or a count larger than the bytes left could hold sets
// its error, after which every read returns the zero value. Callers read a
// whole structure and check Err once, which keeps decoders short.
package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// Writer appends fields to a buffer. The zero value is ready.
type Writer struct {
	buf []byte
	err error
}

// NewWriter returns a writer whose buffer holds size bytes before it grows.
func NewWriter(size int) *Writer { return &Writer{buf: make([]byte, 0, max(size, 0))} }

// Bytes returns the encoded bytes; they alias the writer's buffer.
func (w *Writer) Bytes() []byte { return w.buf }

// Len returns the number of bytes written.
func (w *Writer) Len() int { return len(w.buf) }

// U8 appends one byte.
func (w *Writer) U8(v uint8) { w.buf = append(w.buf, v) }

// U16 appends v in 2 bytes.
func (w *Writer) U16(v uint16) { w.buf = binary.LittleEndian.AppendUint16(w.buf, v) }

// U32 appends v in 4 bytes.
func (w *Writer) U32(v uint32) { w.buf = binary.LittleEndian.AppendUint32(w.buf, v) }

// U64 appends v in 8 bytes.
func (w *Writer) U64(v uint64) { w.buf = binary.LittleEndian.AppendUint64(w.buf, v) }

// I8 appends v's bit pattern in 1 byte.
func (w *Writer) I8(v int8) { w.U8(uint8(v)) } //nolint:gosec // bit pattern

// I32 appends v's bit pattern in 4 bytes.
func (w *Writer) I32(v int32) { w.U32(uint32(v)) } //nolint:gosec // bit pattern

// I64 appends v's bit pattern in 8 bytes.
func (w *Writer) I64(v int64) { w.U64(uint64(v)) } //nolint:gosec // bit pattern

// Bool appends 1 for true, 0 for false.
func (w *Writer) Bool(v bool) {
	var b uint8
	if v {
		b = 1
	}
	w.U8(b)
}

// Count appends a length in 4 bytes. A negative length or one of 2^32 or
// more is written as 0 and recorded as the writer's error.
func (w *Writer) Count(n int) {
	if n < 0 || n > math.MaxUint32 {
		if w.err == nil {
			w.err = fmt.Errorf("wire: count %d out of range", n)
		}
		n = 0
	}
	w.U32(uint32(n))
}

// Err returns the first error met writing, or nil.
func (w *Writer) Err() error { return w.err }

// Raw appends b as it is (the reader must know its length).
func (w *Writer) Raw(b []byte) { w.buf = append(w.buf, b...) }

// Blob appends len(b) and b.
func (w *Writer) Blob(b []byte) {
	w.Count(len(b))
	w.Raw(b)
}

// ErrTruncated is the reader's error when the input ends inside a field.
var ErrTruncated = errors.New("wire: truncated")

// Reader reads fields from a byte slice. After the first error every read
// returns the zero value and Err reports that error.
type Reader struct {
	buf []byte
	off int
	err error
}

// NewReader returns a reader of b.
func NewReader(b []byte) *Reader { return &Reader{buf: b} }

// Err returns the first error met, or nil.
func (r *Reader) Err() error { return r.err }

// Failf records an error (the first one sticks) for a decoder that found
// a field it does not accept.
func (r *Reader) Failf(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("wire: "+format, args...)
	}
}

// Remaining returns the number of unread bytes (0 after an error).
func (r *Reader) Remaining() int {
	if r.err != nil {
		return 0
	}
	return len(r.buf) - r.off
}

// Offset returns the number of bytes read so far.
func (r *Reader) Offset() int { return r.off }

// take returns the next n bytes, or nil after recording ErrTruncated.
func (r *Reader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.buf)-r.off {
		r.err = ErrTruncated
		return nil
	}
	b := r.buf[r.off : r.off+n : r.off+n]
	r.off += n
	return b
}

// U8 reads one byte.
func (r *Reader) U8() uint8 {
	if b := r.take(1); b != nil {
		return b[0]
	}
	return 0
}

// U16 reads 2 bytes.
func (r *Reader) U16() uint16 {
	if b := r.take(2); b != nil {
		return binary.LittleEndian.Uint16(b)
	}
	return 0
}

// U32 reads 4 bytes.
func (r *Reader) U32() uint32 {
	if b := r.take(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

// U64 reads 8 bytes.
func (r *Reader) U64() uint64 {
	if b := r.take(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

// I8 reads a 1-byte signed value.
func (r *Reader) I8() int8 { return int8(r.U8()) } //nolint:gosec // bit pattern

// I32 reads a 4-byte signed value.
func (r *Reader) I32() int32 { return int32(r.U32()) } //nolint:gosec // bit pattern

// I64 reads an 8-byte signed value.
func (r *Reader) I64() int64 { return int64(r.U64()) } //nolint:gosec // bit pattern

// Bool reads a byte that must be 0 or 1.
func (r *Reader) Bool() bool {
	switch b := r.U8(); b {
	case 0:
		return false
	case 1:
		return true
	default:
		r.Failf("boolean byte %d at offset %d", b, r.off-1)
		return false
	}
}

// Count reads a length written by Writer.Count and checks that the bytes
// left can hold that many items of at least minSize bytes each (minSize ≥ 1),
// so that a corrupt length cannot make the caller allocate without bound.
// It returns 0 on error.
func (r *Reader) Count(minSize int) int {
	n := int(r.U32())
	if r.err == nil && n > r.Remaining()/max(minSize, 1) {
		r.Failf("count %d at offset %d exceeds the %d bytes left", n, r.off-4, r.Remaining())
		return 0
	}
	return n
}

// Raw reads n bytes; they alias the input.
func (r *Reader) Raw(n int) []byte { return r.take(n) }

// Blob reads bytes written by Writer.Blob; they alias the input.
func (r *Reader) Blob() []byte {
	n := r.Count(1)
	return r.take(n)
}

// Done records an error if any input is left unread, and returns Err.
func (r *Reader) Done() error {
	if r.err == nil && r.off != len(r.buf) {
		r.Failf("%d bytes left after the end", len(r.buf)-r.off)
	}
	return r.err
}
