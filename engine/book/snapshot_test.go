package book

import (
	"bytes"
	"fmt"
	"reflect"
	"slices"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/waterfallrisk/waterfall/engine/internal/wire"
)

func snapshotOf(b *Book) []byte {
	w := &wire.Writer{}
	b.AppendSnapshot(w)
	return w.Bytes()
}

func readBook(data []byte) (*Book, error) {
	r := wire.NewReader(data)
	b := ReadSnapshot(r, 0)
	if err := r.Done(); err != nil {
		return nil, err
	}
	return b, nil
}

// capByRef is a Capper that lets a capped maker trade Ref mod 7 lots.
type capByRef struct{}

func (capByRef) Cap(ref int32, _ []Fill) int64 { return int64(ref) % 7 }

// TestSnapshotRebuildsTheSameBook: random books (rests, cancels, reduces
// and matches, capped orders among them) are snapshotted and rebuilt; the
// rebuilt book has the same orders in the same Each order, depth, Get
// answers and bytes, passes the structure's invariants, and then answers
// every further operation exactly as the original.
func TestSnapshotRebuildsTheSameBook(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := New(rapid.IntRange(0, 8).Draw(t, "capacity"))
		nextID := uint64(1)
		var copyB *Book
		op := func(b *Book, k int, o Order, id uint64, tk Taker) string {
			switch k {
			case 0:
				return fmt.Sprint(b.Rest(o))
			case 1:
				got, ok := b.Cancel(id)
				return fmt.Sprint(got, ok)
			case 2:
				return fmt.Sprint(b.Reduce(id, o.Qty))
			default:
				tk.Caps = capByRef{}
				fills, r := b.Match(&tk, nil)
				return fmt.Sprint(fills, r, b.Fillable(&tk))
			}
		}
		steps := rapid.IntRange(1, 120).Draw(t, "steps")
		for i := range steps {
			k := rapid.IntRange(0, 3).Draw(t, "op")
			o := Order{
				ID:     nextID,
				Owner:  rapid.Uint32Range(1, 3).Draw(t, "owner"),
				Ref:    rapid.Int32Range(0, 1000).Draw(t, "ref"),
				Side:   rapid.SampledFrom([]Side{Bid, Ask}).Draw(t, "side"),
				Price:  rapid.Int64Range(90, 110).Draw(t, "price"),
				Qty:    rapid.Int64Range(1, 20).Draw(t, "qty"),
				Capped: rapid.IntRange(0, 4).Draw(t, "capped") == 0,
			}
			if k == 0 {
				nextID++
			}
			id := rapid.Uint64Range(1, nextID).Draw(t, "id")
			tk := Taker{
				Owner: rapid.Uint32Range(1, 3).Draw(t, "taker owner"),
				Side:  rapid.SampledFrom([]Side{Bid, Ask}).Draw(t, "taker side"),
				Limit: rapid.Int64Range(85, 115).Draw(t, "limit"),
				Qty:   rapid.Int64Range(1, 60).Draw(t, "taker qty"),
				STP:   rapid.SampledFrom([]STP{RejectTaker, RejectMaker, RejectBoth}).Draw(t, "stp"),
			}
			want := op(a, k, o, id, tk)
			if copyB != nil {
				if got := op(copyB, k, o, id, tk); got != want {
					t.Fatalf("step %d op %d: original %s, rebuilt %s", i, k, want, got)
				}
			}
			if rapid.IntRange(0, 9).Draw(t, "snapshot") == 0 || i == steps-1 {
				data := snapshotOf(a)
				b, err := readBook(data)
				if err != nil {
					t.Fatalf("ReadSnapshot: %v", err)
				}
				if err := checkInvariants(b); err != nil {
					t.Fatalf("rebuilt book: %v", err)
				}
				if diff := gocmp.Diff(orders(a), orders(b)); diff != "" {
					t.Fatalf("rebuilt orders differ:\n%s", diff)
				}
				if depth(a) != depth(b) || a.Len() != b.Len() {
					t.Fatalf("depth %s, rebuilt %s", depth(a), depth(b))
				}
				for _, x := range orders(a) {
					if got, ok := b.Get(x.ID); !ok || *got != x {
						t.Fatalf("Get(%d) on the rebuilt book: %+v %v", x.ID, got, ok)
					}
				}
				if again := snapshotOf(b); !bytes.Equal(again, data) {
					t.Fatal("the rebuilt book snapshots differently")
				}
				if copyB != nil && !bytes.Equal(snapshotOf(copyB), data) {
					t.Fatal("the book rebuilt earlier and run beside the original differs from it")
				}
				copyB = b
			}
		}
	})
}

// TestReadSnapshotRefuses: what AppendSnapshot cannot write is refused:
// orders out of Each order, crossing, duplicate IDs, invalid fields, a bad
// boolean, a count beyond the input, and every truncation.
func TestReadSnapshotRefuses(t *testing.T) {
	enc := func(os ...Order) []byte {
		w := &wire.Writer{}
		w.Count(len(os))
		for _, o := range os {
			w.U64(o.ID)
			w.U32(o.Owner)
			w.I32(o.Ref)
			w.U8(uint8(o.Side))
			w.I64(o.Price)
			w.I64(o.Qty)
			w.Bool(o.Capped)
		}
		return w.Bytes()
	}
	good := []Order{o(1, 1, Bid, 100, 5), o(2, 2, Bid, 100, 1), o(3, 1, Bid, 99, 2), o(4, 3, Ask, 101, 4), o(5, 3, Ask, 105, 1)}
	data := enc(good...)
	b, err := readBook(data)
	if err != nil {
		t.Fatalf("a valid encoding: %v", err)
	}
	if !bytes.Equal(snapshotOf(b), data) || !slices.Equal(ids(orders(b)), []uint64{1, 2, 3, 4, 5}) {
		t.Fatalf("the hand encoding is not AppendSnapshot's: %v", ids(orders(b)))
	}
	bad := map[string][]byte{
		"bid worse then better":  enc(o(1, 1, Bid, 99, 5), o(2, 1, Bid, 100, 5)),
		"ask before bid":         enc(o(1, 1, Ask, 101, 5), o(2, 1, Bid, 100, 5)),
		"asks worse then better": enc(o(1, 1, Ask, 102, 5), o(2, 1, Ask, 101, 5)),
		"crossed":                enc(o(1, 1, Bid, 101, 5), o(2, 1, Ask, 101, 5)),
		"duplicate id":           enc(o(1, 1, Bid, 101, 5), o(1, 1, Bid, 100, 5)),
		"zero qty":               enc(o(1, 1, Bid, 101, 0)),
		"zero price":             enc(o(1, 1, Bid, 0, 1)),
		"invalid side":           enc(o(1, 1, Side(3), 100, 1)),
		"count beyond input":     append([]byte{0xff, 0xff, 0xff, 0x7f}, data[4:]...),
		"trailing byte":          append(slices.Clone(data), 0),
		"boolean 2":              func() []byte { d := slices.Clone(data); d[4+orderSize-1] = 2; return d }(),
	}
	for name, d := range bad {
		if _, err := readBook(d); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	for n := range len(data) {
		if _, err := readBook(data[:n]); err == nil {
			t.Errorf("truncated to %d of %d bytes: accepted", n, len(data))
		}
	}
}

// TestSnapshotKnowsOrderFields: a field added to Order must be added to
// AppendSnapshot and ReadSnapshot (and to this list); Book's fields are all
// rebuilt by resting the orders, but for its scratch.
func TestSnapshotKnowsOrderFields(t *testing.T) {
	want := map[reflect.Type][]string{
		reflect.TypeFor[Order](): {"ID", "Owner", "Ref", "Side", "Price", "Qty", "Capped"},
		// Rebuilt by Rest; dry is Fillable's scratch.
		reflect.TypeFor[Book](): {"nodes", "freeNode", "levels", "freeLevel", "sides", "ids", "dry"},
	}
	for typ, known := range want {
		var have []string
		for f := range typ.Fields() {
			have = append(have, f.Name)
		}
		if !slices.Equal(slices.Sorted(slices.Values(have)), slices.Sorted(slices.Values(known))) {
			t.Errorf("%v has fields %v, the snapshot knows %v", typ, have, known)
		}
	}
	if orderSize != 34 {
		t.Errorf("orderSize %d: update it with the encoding", orderSize)
	}
}
