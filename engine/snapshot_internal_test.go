package engine

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"unsafe"

	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/internal/wire"
)

// The snapshot field guard: a field added to a struct the engine keeps in
// its state fails these tests until snapshot_codec.go writes and reads it,
// or it is listed below as taken from the configuration, derived (rebuilt
// on Restore) or scratch (empty between commands).

type snapshotFields struct {
	name    string
	typ     reflect.Type
	written []string // by snapshot_codec.go
	skipped []string // with the reason in the comment of each list
}

func snapshotGuard() []snapshotFields {
	eng := reflect.TypeFor[Engine]()
	field := func(t reflect.Type, name string) reflect.Type {
		f, ok := t.FieldByName(name)
		if !ok {
			return nil
		}
		return f.Type
	}
	acct := field(eng, "accounts").Elem()
	mkt := field(eng, "markets").Elem()
	return []snapshotFields{
		{"Engine", eng,
			[]string{"seq", "now", "rng", "ledger", "index", "markets", "accounts", "firstUser", "orders", "freeOrder",
				"nextOrderID", "nextTradeID", "liquidating", "backstops", "nextLiqTick", "nextSweep", "pools", "nextAccrual"},
			// cfg, settle: Restore's configuration. liq: derived, rebuilt by
			// rebuildDerived. The rest: reused buffers, empty (firing false)
			// between commands.
			[]string{"cfg", "settle", "poolAt", "liq", "scan", "isoScan", "ticking", "payments", "firing", "auto", "autoRunning", "adlq", "valGen", "events", "fills"}},
		{"account", acct,
			[]string{"system", "positionMode", "marginMode", "leverage", "liquidating", "stage", "cooldown", "frozen",
				"positions", "locked", "lent", "borrowed", "orderHead", "openOrders", "lendFlags"}, nil},
		{"pool", field(eng, "pools").Elem(), []string{"p", "moved"},
			// From the configuration, as New makes them.
			[]string{"asset", "par"}},
		{"lending.Pool", field(field(eng, "pools").Elem(), "p"),
			[]string{"Cash", "Lent", "Borrowed", "LendIndex", "BorrowIndex", "FeeAccrued", "Residue"}, nil},
		{"position", field(acct, "positions").Elem(),
			[]string{"market", "hedge", "qty", "cost", "realized", "funding", "fees", "bids", "asks", "holder", "isolated", "margin"}, nil},
		{"market", mkt,
			[]string{"clearing", "lastPrice", "mark", "basis", "nextSample", "premiumSum", "premiumN", "nextFund", "fundRate",
				"marks", "triggers", "oiLong", "oiShort", "liqUsed", "closed", "holders", "book"},
			// From the configuration, as New makes them; nearest: derived
			// from triggers, recomputed when first needed.
			[]string{"id", "cfg", "lotTick", "nearest"}},
		{"holding", field(mkt, "holders").Elem(), []string{"account", "slot"}, nil},
		{"markWindow", field(mkt, "marks"), []string{"ring", "next", "full", "sum"}, nil},
		{"order", field(eng, "orders").Elem(),
			[]string{"live", "id", "clientID", "account", "market", "slot", "isolated", "side", "typ", "tif", "stp",
				"postOnly", "reduceOnly", "price", "quantity", "executed", "executedQt", "locked", "prev", "next",
				"origin", "createdTime", "quoteQty", "pending", "trigger", "triggerBy", "above"}, nil},
		{"backstopProvider", field(eng, "backstops").Elem(), []string{"account", "market", "maxNotional", "minEquity"}, nil},
	}
}

// TestSnapshotKnowsEveryField compares each struct's fields with the lists
// above.
func TestSnapshotKnowsEveryField(t *testing.T) {
	for _, s := range snapshotGuard() {
		if s.typ == nil || s.typ.Kind() != reflect.Struct {
			t.Errorf("%s: the guard no longer finds the struct", s.name)
			continue
		}
		var have []string
		for f := range s.typ.Fields() {
			have = append(have, f.Name)
		}
		known := slices.Concat(s.written, s.skipped)
		slices.Sort(have)
		slices.Sort(known)
		if !slices.Equal(have, known) {
			t.Errorf("%s has fields %v; the snapshot knows %v: write and read the new field in snapshot_codec.go "+
				"(and list it here), or list it as skipped with the reason", s.name, have, known)
		}
	}
}

// settable returns v's field i even if unexported (tests only).
func settable(v reflect.Value, i int) reflect.Value {
	f := v.Field(i)
	return reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem() //nolint:gosec // test: fill unexported fields
}

// fillRandom sets every bool, integer and slice reachable from v (a
// settable value) to random values, skipping the struct fields named in
// skip (pointers and interfaces are left alone).
func fillRandom(rng *rand.Rand, v reflect.Value, skip ...string) {
	switch v.Kind() {
	case reflect.Bool:
		v.SetBool(rng.IntN(2) == 1)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(rng.Uint64())) //nolint:gosec // truncated to the field's width by SetInt
		if v.Kind() == reflect.Int {
			v.SetInt(rng.Int64N(1 << 31))
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(rng.Uint64())
	case reflect.Slice:
		n := 1 + rng.IntN(3)
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := range n {
			fillRandom(rng, s.Index(i))
		}
		v.Set(s)
	case reflect.Struct:
		for i := range v.NumField() {
			if !slices.Contains(skip, v.Type().Field(i).Name) {
				fillRandom(rng, settable(v, i))
			}
		}
	}
}

// TestSnapshotRoundTripsEveryField fills every field of the state structs
// with random values and requires the codec to give them all back: a field
// added to the guard's lists but not to the codec fails here.
func TestSnapshotRoundTripsEveryField(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	e, err := New(config.Default())
	if err != nil {
		t.Fatal(err)
	}
	for range 200 {
		var a account
		fillRandom(rng, reflect.ValueOf(&a).Elem())
		w := &wire.Writer{}
		encodeAccount(w, &a)
		var got account
		r := wire.NewReader(w.Bytes())
		decodeAccount(r, &got, make([]int64, len(a.locked)))
		if err := r.Done(); err != nil || !reflect.DeepEqual(got, a) {
			t.Fatalf("account round trip (%v):\n%+v\n%+v", err, a, got)
		}

		var o order
		fillRandom(rng, reflect.ValueOf(&o).Elem())
		o.live = true
		w = &wire.Writer{}
		if err := encodeOrder(w, &o); err != nil {
			t.Fatal(err)
		}
		var gotO order
		r = wire.NewReader(w.Bytes())
		decodeOrder(r, &gotO)
		if err := r.Done(); err != nil || gotO != o {
			t.Fatalf("order round trip (%v):\n%+v\n%+v", err, o, gotO)
		}
		free := order{next: rng.Int32()}
		w = &wire.Writer{}
		if err := encodeOrder(w, &free); err != nil {
			t.Fatal(err)
		}
		gotO = order{}
		r = wire.NewReader(w.Bytes())
		decodeOrder(r, &gotO)
		if err := r.Done(); err != nil || gotO != free {
			t.Fatalf("free order round trip (%v): %+v, %+v", err, free, gotO)
		}
		o.id++ // an entry that is not live must be exactly a free one
		o.live = false
		if err := encodeOrder(w, &o); err == nil {
			t.Fatal("a dead slab entry with fields set was written")
		}

		var b backstopProvider
		fillRandom(rng, reflect.ValueOf(&b).Elem())
		w = &wire.Writer{}
		encodeBackstop(w, &b)
		var gotB backstopProvider
		r = wire.NewReader(w.Bytes())
		decodeBackstop(r, &gotB)
		if err := r.Done(); err != nil || gotB != b {
			t.Fatalf("backstop round trip (%v): %+v, %+v", err, b, gotB)
		}

		var pl pool
		fillRandom(rng, reflect.ValueOf(&pl).Elem(), "asset", "par")
		w = &wire.Writer{}
		encodePool(w, &pl)
		var gotP pool
		r = wire.NewReader(w.Bytes())
		decodePool(r, &gotP)
		if err := r.Done(); err != nil || gotP != pl {
			t.Fatalf("pool round trip (%v): %+v, %+v", err, pl, gotP)
		}

		for i := range e.markets {
			m := e.markets[i] // New's market: configuration fields and an empty book
			m.marks.ring = slices.Clone(m.marks.ring)
			fillRandom(rng, reflect.ValueOf(&m).Elem(), "id", "cfg", "lotTick", "book", "clearing", "marks", "nearest")
			for k := range m.marks.ring {
				m.marks.ring[k] = rng.Int64()
			}
			m.marks.next = rng.IntN(max(len(m.marks.ring), 1))
			m.marks.full = rng.IntN(2) == 1
			m.marks.sum = rng.Int64()
			w = &wire.Writer{}
			encodeMarket(w, &m)
			fresh, _ := New(e.cfg)
			got := &fresh.markets[i]
			r = wire.NewReader(w.Bytes())
			decodeMarket(r, got)
			if err := r.Done(); err != nil {
				t.Fatalf("market %d round trip: %v", i, err)
			}
			got.book, m.book = nil, nil
			if !reflect.DeepEqual(*got, m) {
				t.Fatalf("market %d round trip:\n%+v\n%+v", i, m, *got)
			}
		}
	}
}
