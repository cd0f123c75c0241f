package book

import (
	"cmp"
	"math"
	"slices"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

// model is a naive reference book: every resting order in one slice in the
// order it rested, with priority recomputed by sorting on every question.
// It shares no code with Book.
type model struct {
	orders []Order
}

func (m *model) find(id uint64) int {
	return slices.IndexFunc(m.orders, func(o Order) bool { return o.ID == id })
}

// queue returns side s's orders in priority order: better price first, then
// earlier rest first (the stable sort keeps the slice's time order).
func (m *model) queue(s Side) []Order {
	var q []Order
	for _, o := range m.orders {
		if o.Side == s {
			q = append(q, o)
		}
	}
	slices.SortStableFunc(q, func(a, b Order) int {
		if s == Bid {
			return cmp.Compare(b.Price, a.Price)
		}
		return cmp.Compare(a.Price, b.Price)
	})
	return q
}

func (m *model) crosses(s Side, price int64) bool {
	q := m.queue(s.Opposite())
	if len(q) == 0 {
		return false
	}
	if s == Bid {
		return price >= q[0].Price
	}
	return price <= q[0].Price
}

func (m *model) rest(o Order) error {
	var sum int64
	for _, r := range m.orders {
		if r.Side == o.Side && r.Price == o.Price {
			sum += r.Qty
		}
	}
	switch {
	case o.Side != Bid && o.Side != Ask:
		return ErrInvalidSide
	case o.Price <= 0:
		return ErrInvalidPrice
	case o.Qty <= 0:
		return ErrInvalidQty
	case m.crosses(o.Side, o.Price):
		return ErrWouldCross
	case m.find(o.ID) >= 0:
		return ErrDuplicateID
	case sum > math.MaxInt64-o.Qty:
		return ErrLevelOverflow
	}
	m.orders = append(m.orders, o)
	return nil
}

func (m *model) cancel(id uint64) (Order, bool) {
	i := m.find(id)
	if i < 0 {
		return Order{}, false
	}
	o := m.orders[i]
	m.orders = slices.Delete(m.orders, i, i+1)
	return o, true
}

func (m *model) reduce(id uint64, qty int64) bool {
	i := m.find(id)
	if i < 0 || qty <= 0 || qty >= m.orders[i].Qty {
		return false
	}
	m.orders[i].Qty = qty
	return true
}

// match walks the opposite queue as the contract reads, and applies the
// result to the model only if apply is set.
func (m *model) match(t Taker, apply bool) ([]Fill, Result) {
	var fills []Fill
	var r Result
	if (t.Side != Bid && t.Side != Ask) || t.Limit <= 0 || t.Qty <= 0 {
		return nil, r
	}
	budget := int64(math.MaxInt64)
	if t.Quote > 0 {
		budget = t.Quote
	}
	left := t.Qty
	for _, mk := range m.queue(t.Side.Opposite()) {
		if left == 0 || (t.Side == Bid && mk.Price > t.Limit) || (t.Side == Ask && mk.Price < t.Limit) {
			break
		}
		if mk.Owner == t.Owner {
			if t.STP == RejectTaker {
				r.StoppedBySTP = true
				break
			}
			fills = append(fills, Fill{Kind: STPCancel, MakerID: mk.ID, MakerOwner: mk.Owner, MakerRef: mk.Ref, Price: mk.Price, Qty: mk.Qty})
			if t.STP == RejectBoth {
				r.StoppedBySTP = true
				break
			}
			continue
		}
		q := min(left, mk.Qty, budget/mk.Price)
		if q == 0 {
			break
		}
		left -= q
		budget -= q * mk.Price
		r.Filled += q
		r.QuoteFilled += q * mk.Price
		fills = append(fills, Fill{Kind: Trade, MakerID: mk.ID, MakerOwner: mk.Owner, MakerRef: mk.Ref, Price: mk.Price, Qty: q, MakerLeft: mk.Qty - q})
		if q < mk.Qty {
			break // this maker stays first in line and the taker can take no more of it
		}
	}
	if apply {
		for _, f := range fills {
			i := m.find(f.MakerID)
			if f.MakerLeft == 0 {
				m.orders = slices.Delete(m.orders, i, i+1)
			} else {
				m.orders[i].Qty = f.MakerLeft
			}
		}
	}
	return fills, r
}

// each lists the model's orders in the order Book.Each promises.
func (m *model) each() []Order {
	return append(m.queue(Bid), m.queue(Ask)...)
}

type depthLevel struct {
	Price, Qty int64
	Orders     int
}

func (m *model) depth(s Side) []depthLevel {
	var d []depthLevel
	for _, o := range m.queue(s) {
		if n := len(d); n > 0 && d[n-1].Price == o.Price {
			d[n-1].Qty += o.Qty
			d[n-1].Orders++
		} else {
			d = append(d, depthLevel{o.Price, o.Qty, 1})
		}
	}
	return d
}

func bookDepth(b *Book, s Side) []depthLevel {
	var d []depthLevel
	for i := range b.Levels(s) {
		p, q, n := b.Level(s, i)
		d = append(d, depthLevel{p, q, n})
	}
	return d
}

// TestBookMatchesModel drives a Book and the model with the same random
// sequences of Rest, Cancel, Reduce, Match, Fillable and Get, and compares
// every answer, the depth, the Each order and the internal invariants after
// every step.
func TestBookMatchesModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		b := New(rapid.IntRange(0, 8).Draw(t, "capacity"))
		m := &model{}
		nextID := uint64(1)
		var used []uint64 // every ID ever rested, live or not

		// Small ranges make levels shared, crossing frequent and owners meet.
		owner := rapid.Uint32Range(1, 3)
		side := rapid.SampledFrom([]Side{Bid, Ask})
		price := rapid.Int64Range(90, 110)
		id := func(t *rapid.T) uint64 {
			if len(used) > 0 && rapid.IntRange(0, 3).Draw(t, "reuse") > 0 {
				return rapid.SampledFrom(used).Draw(t, "old id")
			}
			return rapid.Uint64Range(nextID, nextID+5).Draw(t, "unknown id")
		}
		taker := func(t *rapid.T) Taker {
			tk := Taker{
				Owner: owner.Draw(t, "taker owner"),
				Side:  side.Draw(t, "taker side"),
				Limit: rapid.Int64Range(85, 115).Draw(t, "limit"),
				Qty:   rapid.Int64Range(1, 60).Draw(t, "taker qty"),
				STP:   rapid.SampledFrom([]STP{RejectTaker, RejectMaker, RejectBoth}).Draw(t, "stp"),
			}
			if rapid.Bool().Draw(t, "budget") {
				tk.Quote = rapid.Int64Range(1, 4000).Draw(t, "quote")
			}
			if rapid.IntRange(0, 30).Draw(t, "invalid taker") == 0 {
				tk.Qty = rapid.Int64Range(-1, 0).Draw(t, "bad qty")
			}
			return tk
		}

		t.Repeat(map[string]func(*rapid.T){
			"rest": func(t *rapid.T) {
				o := Order{
					Owner: owner.Draw(t, "owner"),
					Side:  side.Draw(t, "side"),
					Price: price.Draw(t, "price"),
					Qty:   rapid.Int64Range(1, 20).Draw(t, "qty"),
				}
				o.ID = nextID
				if len(used) > 0 && rapid.IntRange(0, 9).Draw(t, "dup") == 0 {
					o.ID = rapid.SampledFrom(used).Draw(t, "dup id")
				}
				o.Ref = int32(o.ID)
				switch rapid.IntRange(0, 40).Draw(t, "invalid") {
				case 0:
					o.Side = Side(rapid.SampledFrom([]uint8{0, 3}).Draw(t, "bad side"))
				case 1:
					o.Price = rapid.Int64Range(-1, 0).Draw(t, "bad price")
				case 2:
					o.Qty = rapid.Int64Range(-1, 0).Draw(t, "bad qty")
				}
				want := m.rest(o)
				if got := b.Rest(o); got != want {
					t.Fatalf("Rest(%+v) = %v, model %v", o, got, want)
				}
				if want == nil && o.ID == nextID {
					used = append(used, o.ID)
					nextID++
				}
			},
			"post only": func(t *rapid.T) {
				s, p := side.Draw(t, "side"), price.Draw(t, "price")
				if got, want := b.WouldCross(s, p), m.crosses(s, p); got != want {
					t.Fatalf("WouldCross(%v, %d) = %v, model %v", s, p, got, want)
				}
			},
			"cancel": func(t *rapid.T) {
				id := id(t)
				want, wok := m.cancel(id)
				got, ok := b.Cancel(id)
				if ok != wok || got != want {
					t.Fatalf("Cancel(%d) = %+v %v, model %+v %v", id, got, ok, want, wok)
				}
			},
			"reduce": func(t *rapid.T) {
				id := id(t)
				qty := rapid.Int64Range(-1, 21).Draw(t, "new qty")
				if got, want := b.Reduce(id, qty), m.reduce(id, qty); got != want {
					t.Fatalf("Reduce(%d, %d) = %v, model %v", id, qty, got, want)
				}
			},
			"get": func(t *rapid.T) {
				id := id(t)
				got, ok := b.Get(id)
				i := m.find(id)
				if ok != (i >= 0) || (ok && *got != m.orders[i]) {
					t.Fatalf("Get(%d) = %+v %v, model index %d", id, got, ok, i)
				}
			},
			"fillable": func(t *rapid.T) {
				tk := taker(t)
				_, want := m.match(tk, false)
				if got := b.Fillable(&tk); got != want.Filled {
					t.Fatalf("Fillable(%+v) = %d, model %d", tk, got, want.Filled)
				}
			},
			"match": func(t *rapid.T) {
				tk := taker(t)
				fillable := b.Fillable(&tk)
				wantFills, want := m.match(tk, true)
				fills, got := b.Match(&tk, nil)
				if diff := gocmp.Diff(wantFills, fills); diff != "" {
					t.Fatalf("Match(%+v) fills differ (-model +book):\n%s", tk, diff)
				}
				if got != want {
					t.Fatalf("Match(%+v) = %+v, model %+v", tk, got, want)
				}
				if fillable != got.Filled {
					t.Fatalf("Fillable(%+v) = %d, Match filled %d", tk, fillable, got.Filled)
				}
			},
			"": func(t *rapid.T) {
				if err := checkInvariants(b); err != nil {
					t.Fatal(err)
				}
				if b.Len() != len(m.orders) {
					t.Fatalf("Len %d, model %d", b.Len(), len(m.orders))
				}
				if diff := gocmp.Diff(m.each(), orders(b)); diff != "" {
					t.Fatalf("Each differs (-model +book):\n%s", diff)
				}
				for _, s := range []Side{Bid, Ask} {
					if diff := gocmp.Diff(m.depth(s), bookDepth(b, s)); diff != "" {
						t.Fatalf("%v depth differs (-model +book):\n%s", s, diff)
					}
				}
			},
		})
	})
}
