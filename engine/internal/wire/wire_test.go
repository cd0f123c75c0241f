package wire

import (
	"errors"
	"math"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	w := NewWriter(0)
	w.U8(7)
	w.U16(0xBEEF)
	w.U32(math.MaxUint32)
	w.U64(math.MaxUint64)
	w.I8(-3)
	w.I32(math.MinInt32)
	w.I64(math.MinInt64)
	w.Bool(true)
	w.Bool(false)
	w.Blob([]byte("pcg"))
	w.Count(2)
	if w.Err() != nil {
		t.Fatal(w.Err())
	}
	r := NewReader(w.Bytes())
	ok := r.U8() == 7 && r.U16() == 0xBEEF && r.U32() == math.MaxUint32 && r.U64() == math.MaxUint64 &&
		r.I8() == -3 && r.I32() == math.MinInt32 && r.I64() == math.MinInt64 && r.Bool() && !r.Bool() &&
		string(r.Blob()) == "pcg"
	if !ok || r.Err() != nil {
		t.Fatalf("values differ (%v)", r.Err())
	}
	if n := r.Count(1); n != 0 || r.Err() == nil {
		t.Fatal("a count of 2 with no bytes left was accepted")
	}
}

func TestReaderErrorsStick(t *testing.T) {
	r := NewReader([]byte{1, 2, 3})
	if r.U32() != 0 || !errors.Is(r.Err(), ErrTruncated) {
		t.Fatalf("short read: %v", r.Err())
	}
	if r.U8() != 0 || r.Remaining() != 0 || r.Done() == nil {
		t.Fatal("reads after an error must return zero and keep the error")
	}
	r = NewReader([]byte{2})
	if r.Bool() || r.Err() == nil {
		t.Fatal("a boolean byte of 2 was accepted")
	}
	r = NewReader([]byte{0})
	r.U8()
	if r.Done() != nil {
		t.Fatal("Done after reading everything")
	}
	r = NewReader([]byte{0, 1})
	r.U8()
	if r.Done() == nil {
		t.Fatal("Done with a byte left")
	}
	var w Writer
	w.Count(-1)
	if w.Err() == nil {
		t.Fatal("a negative count was written without an error")
	}
}
