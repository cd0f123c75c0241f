package engine

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"pgregory.net/rapid"

	"github.com/waterfallrisk/waterfall/engine/config"
)

// drawCommand draws any Command the codec accepts: every field independent,
// enums over their whole range, integers over their whole range with zero
// often (zero fields are left out of the encoding).
func drawCommand(t *rapid.T) Command {
	i64 := func(name string) int64 {
		if rapid.Bool().Draw(t, name+"Zero") {
			return 0
		}
		return rapid.Int64().Draw(t, name)
	}
	return Command{
		Kind:         CommandKind(rapid.Uint8Range(0, uint8(CmdKinds)-1).Draw(t, "kind")),
		Account:      AccountID(rapid.Uint32().Draw(t, "account")),
		Market:       config.MarketID(rapid.Uint16().Draw(t, "market")),
		Asset:        config.AssetID(rapid.Uint16().Draw(t, "asset")),
		Amount:       i64("amount"),
		Side:         Side(rapid.Uint8Range(0, uint8(Ask)).Draw(t, "side")),
		Type:         OrderType(rapid.Uint8Range(0, uint8(Market)).Draw(t, "type")),
		TimeInForce:  TimeInForce(rapid.Uint8Range(0, uint8(FOK)).Draw(t, "tif")),
		STP:          SelfTradePrevention(rapid.Uint8Range(0, uint8(RejectBoth)).Draw(t, "stp")),
		PostOnly:     rapid.Bool().Draw(t, "postOnly"),
		ReduceOnly:   rapid.Bool().Draw(t, "reduceOnly"),
		Price:        i64("price"),
		Quantity:     i64("quantity"),
		QuoteQty:     i64("quoteQty"),
		ClientID:     rapid.Uint32().Draw(t, "clientID"),
		OrderID:      rapid.Uint64().Draw(t, "orderID"),
		TriggerPrice: i64("triggerPrice"),
		TriggerBy:    TriggerBy(rapid.Uint8Range(0, uint8(TriggerByLast)).Draw(t, "triggerBy")),
		PositionSide: PositionSide(rapid.Uint8Range(0, uint8(Short)).Draw(t, "positionSide")),
		MinEquity:    i64("minEquity"),
		PositionMode: PositionMode(rapid.Uint8Range(0, uint8(Hedge)).Draw(t, "positionMode")),
		MarginMode:   MarginMode(rapid.Uint8Range(0, uint8(Isolated)).Draw(t, "marginMode")),
	}
}

// TestCodecRoundTrip: decode(encode(c)) == c for every codable command, the
// encoding is no longer than MaxCommandSize, appends to dst without touching
// its prefix, and every strict prefix of it is refused.
func TestCodecRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := drawCommand(t)
		if err := CheckEncodable(&c); err != nil {
			t.Fatalf("drawn command not encodable: %v", err)
		}
		prefix := []byte("xyz")
		b := AppendCommand(append([]byte(nil), prefix...), &c)
		if !bytes.Equal(b[:3], prefix) {
			t.Fatalf("AppendCommand changed dst's prefix")
		}
		b = b[3:]
		if len(b) > MaxCommandSize {
			t.Fatalf("encoding of %d bytes > MaxCommandSize %d", len(b), MaxCommandSize)
		}
		var got Command
		if err := DecodeCommand(b, &got); err != nil {
			t.Fatalf("decode of %x: %v", b, err)
		}
		if got != c {
			t.Fatalf("round trip:\n got %+v\nwant %+v", got, c)
		}
		for n := range len(b) {
			if err := DecodeCommand(b[:n], &got); err == nil {
				t.Fatalf("prefix of %d of %d bytes decoded", n, len(b))
			}
		}
	})
}

// TestCodecKnowsEveryField fails when Command gains a field the codec does not
// carry: the field count must match, and each field set alone to a non-zero
// value must survive a round trip.
func TestCodecKnowsEveryField(t *testing.T) {
	typ := reflect.TypeOf(Command{})
	if typ.NumField() != codecFields {
		t.Fatalf("Command has %d fields, the codec carries %d: give the new field a mask bit in codec.go",
			typ.NumField(), codecFields)
	}
	full := Command{Kind: 1, Account: 1, Market: 1, Asset: 1, Amount: 1, Side: 1, Type: 1, TimeInForce: 1, STP: 1,
		PostOnly: true, ReduceOnly: true, Price: 1, Quantity: 1, QuoteQty: 1, ClientID: 1, OrderID: 1,
		TriggerPrice: 1, TriggerBy: 1, PositionSide: 1, MinEquity: 1, PositionMode: 1, MarginMode: 1}
	if n := len(AppendCommand(nil, &full)); n != MaxCommandSize {
		t.Fatalf("every field set encodes in %d bytes, MaxCommandSize is %d", n, MaxCommandSize)
	}
	for i := range typ.NumField() {
		var c Command
		f := reflect.ValueOf(&c).Elem().Field(i)
		switch f.Kind() {
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			f.SetUint(1)
		case reflect.Int64:
			f.SetInt(-2)
		default:
			t.Fatalf("field %s has kind %s the codec does not know", typ.Field(i).Name, f.Kind())
		}
		var got Command
		if err := DecodeCommand(AppendCommand(nil, &c), &got); err != nil {
			t.Fatalf("field %s: %v", typ.Field(i).Name, err)
		}
		if got != c {
			t.Fatalf("field %s lost in a round trip: got %+v", typ.Field(i).Name, got)
		}
	}
}

// TestCodecGolden pins the format: a changed layout breaks every journal.
func TestCodecGolden(t *testing.T) {
	c := Command{Kind: CmdPlaceOrder, Account: 7, Market: 2, Side: Ask, Price: 1000, Quantity: -1, PostOnly: true}
	want := []byte{
		1, 4, // version, kind
		0x13, 0x0d, 0, 0, // mask: account, market, side, postOnly, price, quantity
		7, 0, 0, 0, // account
		2, 0, // market
		2,                         // side
		0xe8, 3, 0, 0, 0, 0, 0, 0, // price
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // quantity
	}
	if got := AppendCommand(nil, &c); !bytes.Equal(got, want) {
		t.Fatalf("encoding\n got %x\nwant %x", got, want)
	}
	if got := AppendCommand(nil, &Command{}); !bytes.Equal(got, []byte{1, 0, 0, 0, 0, 0}) {
		t.Fatalf("zero command encodes as %x", got)
	}
}

// TestDecodeRefuses: each malformed input gets an ErrBadEncoding and a zero c.
func TestDecodeRefuses(t *testing.T) {
	good := AppendCommand(nil, &Command{Kind: CmdDeposit, Account: 9, Amount: 5})
	with := func(i int, v byte) []byte {
		b := append([]byte(nil), good...)
		b[i] = v
		return b
	}
	enum := func(bit uint32, v byte) []byte {
		b := []byte{1, byte(CmdPlaceOrder), 0, 0, 0, 0, v}
		b[2], b[3], b[4] = byte(bit), byte(bit>>8), byte(bit>>16)
		return b
	}
	cases := map[string][]byte{
		"empty":             nil,
		"short header":      good[:5],
		"short field":       good[:len(good)-1],
		"trailing":          append(append([]byte(nil), good...), 0),
		"version 0":         with(0, 0),
		"version 2":         with(0, 2),
		"kind CmdKinds":     with(1, byte(CmdKinds)),
		"kind 255":          with(1, 255),
		"unknown mask bit":  with(4, 0x20),
		"mask bit 31":       with(5, 0x80),
		"zero value":        {1, 2, 1, 0, 0, 0, 0, 0, 0, 0},
		"side 3":            enum(fSide, 3),
		"type 2":            enum(fType, 2),
		"tif 3":             enum(fTimeInForce, 3),
		"stp 3":             enum(fSTP, 3),
		"triggerBy 2":       enum(fTriggerBy, 2),
		"positionSide 3":    enum(fPositionSide, 3),
		"positionMode 2":    enum(fPositionMode, 2),
		"marginMode 2":      enum(fMarginMode, 2),
		"enum short":        enum(fSide, 1)[:6],
		"two fields, short": {1, 2, 3, 0, 0, 0, 1, 0, 0, 0, 1},
	}
	for name, b := range cases {
		c := Command{Kind: CmdCancelAll, Account: 3}
		err := DecodeCommand(b, &c)
		if !errors.Is(err, ErrBadEncoding) {
			t.Errorf("%s (%x): err = %v, want ErrBadEncoding", name, b, err)
		}
		if c != (Command{}) {
			t.Errorf("%s: c = %+v after a refusal, want zero", name, c)
		}
	}
	var c Command
	if err := DecodeCommand(good, &c); err != nil || c.Amount != 5 {
		t.Fatalf("the unmodified input: %+v, %v", c, err)
	}
}

// FuzzDecodeCommand: decoding never panics, and whatever decodes re-encodes
// to the same bytes (the encoding is canonical) and decodes again to itself.
func FuzzDecodeCommand(f *testing.F) {
	f.Add(AppendCommand(nil, &Command{Kind: CmdPlaceOrder, Account: 5, Side: Bid, Price: 100, Quantity: 3}))
	f.Add(AppendCommand(nil, &Command{Kind: CmdAdvanceTime, Amount: 1_700_000_000_000}))
	f.Add(AppendCommand(nil, &Command{Kind: CmdRegisterBackstop, Account: 9, Market: 1, Amount: 1e9, MinEquity: 5}))
	f.Add([]byte{1, 1, 0, 0, 0, 0})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		var c Command
		if err := DecodeCommand(b, &c); err != nil {
			if !errors.Is(err, ErrBadEncoding) || c != (Command{}) {
				t.Fatalf("refusal %v left %+v", err, c)
			}
			return
		}
		again := AppendCommand(nil, &c)
		if !bytes.Equal(again, b) {
			t.Fatalf("%x decoded to %+v which encodes as %x", b, c, again)
		}
		var c2 Command
		if err := DecodeCommand(again, &c2); err != nil || c2 != c {
			t.Fatalf("re-decode: %+v, %v", c2, err)
		}
	})
}

func BenchmarkCodec(b *testing.B) {
	c := Command{Kind: CmdPlaceOrder, Account: 1234, Market: 2, Side: Bid, Type: Limit, Price: 1_000_000,
		Quantity: 25, ClientID: 77, PostOnly: true}
	buf := make([]byte, 0, MaxCommandSize)
	var out Command
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendCommand(buf[:0], &c)
		if err := DecodeCommand(buf, &out); err != nil {
			b.Fatal(err)
		}
	}
}
