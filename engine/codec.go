package engine

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"

	"github.com/waterfallrisk/waterfall/engine/config"
)

// The command codec is the journal's encoding of a Command: compact,
// versioned and canonical (one Command has exactly one encoding).
//
// Layout (format version 1), integers little-endian:
//
//	byte    version (CodecVersion)
//	byte    Kind
//	uint32  mask: bit i set = field i below is non-zero (bools: is true)
//	...     the set fields in bit order, fixed width, zero fields left out
//
// Fields by bit: 0 Account u32, 1 Market u16, 2 Asset u16, 3 Amount i64,
// 4 Side u8, 5 Type u8, 6 TimeInForce u8, 7 STP u8, 8 PostOnly (bit only),
// 9 ReduceOnly (bit only), 10 Price i64, 11 Quantity i64, 12 QuoteQty i64,
// 13 ClientID u32, 14 OrderID u64, 15 TriggerPrice i64, 16 TriggerBy u8,
// 17 PositionSide u8, 18 MinEquity i64, 19 PositionMode u8, 20 MarginMode u8.
//
// Bit numbers and widths are part of the journal format: a new Command field
// takes the next bit; an existing one never changes.

// CodecVersion is the format version byte AppendCommand writes first.
const CodecVersion = 1

// ErrBadEncoding is wrapped by every DecodeCommand error.
var ErrBadEncoding = errors.New("engine: bad command encoding")

// codecFields is the number of Command fields the codec carries (Kind and
// the 21 masked fields). A test compares it with the struct's field count.
const codecFields = 22

// Mask bits.
const (
	fAccount uint32 = 1 << iota
	fMarket
	fAsset
	fAmount
	fSide
	fType
	fTimeInForce
	fSTP
	fPostOnly
	fReduceOnly
	fPrice
	fQuantity
	fQuoteQty
	fClientID
	fOrderID
	fTriggerPrice
	fTriggerBy
	fPositionSide
	fMinEquity
	fPositionMode
	fMarginMode
	fAll = fMarginMode<<1 - 1
)

// MaxCommandSize is the longest encoding AppendCommand can produce.
const MaxCommandSize = 2 + 4 + 4 + 2 + 2 + 8 + 4 + 8*3 + 4 + 8 + 8 + 2 + 8 + 2

// AppendCommand appends the encoding of c to dst and returns the extended
// slice. It encodes any value, but DecodeCommand refuses kinds and enums out
// of range (CheckEncodable): the engine does not look at the fields a kind
// ignores, so a journal writer should refuse a command that fails
// CheckEncodable before applying it.
func AppendCommand(dst []byte, c *Command) []byte {
	var mask uint32
	set := func(bit uint32, nonzero bool) {
		if nonzero {
			mask |= bit
		}
	}
	set(fAccount, c.Account != 0)
	set(fMarket, c.Market != 0)
	set(fAsset, c.Asset != 0)
	set(fAmount, c.Amount != 0)
	set(fSide, c.Side != 0)
	set(fType, c.Type != 0)
	set(fTimeInForce, c.TimeInForce != 0)
	set(fSTP, c.STP != 0)
	set(fPostOnly, c.PostOnly)
	set(fReduceOnly, c.ReduceOnly)
	set(fPrice, c.Price != 0)
	set(fQuantity, c.Quantity != 0)
	set(fQuoteQty, c.QuoteQty != 0)
	set(fClientID, c.ClientID != 0)
	set(fOrderID, c.OrderID != 0)
	set(fTriggerPrice, c.TriggerPrice != 0)
	set(fTriggerBy, c.TriggerBy != 0)
	set(fPositionSide, c.PositionSide != 0)
	set(fMinEquity, c.MinEquity != 0)
	set(fPositionMode, c.PositionMode != 0)
	set(fMarginMode, c.MarginMode != 0)

	dst = append(dst, CodecVersion, byte(c.Kind))
	dst = binary.LittleEndian.AppendUint32(dst, mask)
	le := binary.LittleEndian
	if mask&fAccount != 0 {
		dst = le.AppendUint32(dst, uint32(c.Account))
	}
	if mask&fMarket != 0 {
		dst = le.AppendUint16(dst, uint16(c.Market))
	}
	if mask&fAsset != 0 {
		dst = le.AppendUint16(dst, uint16(c.Asset))
	}
	if mask&fAmount != 0 {
		dst = le.AppendUint64(dst, uint64(c.Amount)) //nolint:gosec // two's complement bits
	}
	if mask&fSide != 0 {
		dst = append(dst, byte(c.Side))
	}
	if mask&fType != 0 {
		dst = append(dst, byte(c.Type))
	}
	if mask&fTimeInForce != 0 {
		dst = append(dst, byte(c.TimeInForce))
	}
	if mask&fSTP != 0 {
		dst = append(dst, byte(c.STP))
	}
	if mask&fPrice != 0 {
		dst = le.AppendUint64(dst, uint64(c.Price)) //nolint:gosec // two's complement bits
	}
	if mask&fQuantity != 0 {
		dst = le.AppendUint64(dst, uint64(c.Quantity)) //nolint:gosec // two's complement bits
	}
	if mask&fQuoteQty != 0 {
		dst = le.AppendUint64(dst, uint64(c.QuoteQty)) //nolint:gosec // two's complement bits
	}
	if mask&fClientID != 0 {
		dst = le.AppendUint32(dst, c.ClientID)
	}
	if mask&fOrderID != 0 {
		dst = le.AppendUint64(dst, c.OrderID)
	}
	if mask&fTriggerPrice != 0 {
		dst = le.AppendUint64(dst, uint64(c.TriggerPrice)) //nolint:gosec // two's complement bits
	}
	if mask&fTriggerBy != 0 {
		dst = append(dst, byte(c.TriggerBy))
	}
	if mask&fPositionSide != 0 {
		dst = append(dst, byte(c.PositionSide))
	}
	if mask&fMinEquity != 0 {
		dst = le.AppendUint64(dst, uint64(c.MinEquity)) //nolint:gosec // two's complement bits
	}
	if mask&fPositionMode != 0 {
		dst = append(dst, byte(c.PositionMode))
	}
	if mask&fMarginMode != 0 {
		dst = append(dst, byte(c.MarginMode))
	}
	return dst
}

// CheckEncodable reports whether c's kind and enums are in range, that is
// whether its encoding decodes. The error wraps ErrBadEncoding.
func CheckEncodable(c *Command) error {
	switch {
	case c.Kind >= CmdKinds:
		return badEncoding("unknown command kind %d", c.Kind)
	case c.Side > Ask:
		return badEncoding("side %d out of range", c.Side)
	case c.Type > Market:
		return badEncoding("order type %d out of range", c.Type)
	case c.TimeInForce > FOK:
		return badEncoding("time in force %d out of range", c.TimeInForce)
	case c.STP > RejectBoth:
		return badEncoding("self-trade prevention %d out of range", c.STP)
	case c.TriggerBy > TriggerByLast:
		return badEncoding("trigger reference %d out of range", c.TriggerBy)
	case c.PositionSide > Short:
		return badEncoding("position side %d out of range", c.PositionSide)
	case c.PositionMode > Hedge:
		return badEncoding("position mode %d out of range", c.PositionMode)
	case c.MarginMode > Isolated:
		return badEncoding("margin mode %d out of range", c.MarginMode)
	}
	return nil
}

// Field widths by mask bit, for the length check: 8-byte, 4-byte, 2-byte
// and 1-byte fields (PostOnly and ReduceOnly take none).
const (
	width8 = fAmount | fPrice | fQuantity | fQuoteQty | fOrderID | fTriggerPrice | fMinEquity
	width4 = fAccount | fClientID
	width2 = fMarket | fAsset
	width1 = fSide | fType | fTimeInForce | fSTP | fTriggerBy | fPositionSide | fPositionMode | fMarginMode
)

// DecodeCommand decodes b, which must be exactly one encoding made by
// AppendCommand, into c (overwritten whole). It refuses, with an error
// wrapping ErrBadEncoding and c left zero, short or trailing bytes, an
// unknown version, unknown mask bits, a set field holding zero (not
// canonical), and anything CheckEncodable refuses. It never panics.
func DecodeCommand(b []byte, c *Command) error {
	*c = Command{}
	if len(b) < 6 {
		return badEncoding("%d bytes, shorter than a header", len(b))
	}
	if b[0] != CodecVersion {
		return badEncoding("unknown version %d", b[0])
	}
	mask := binary.LittleEndian.Uint32(b[2:6])
	if mask&^fAll != 0 {
		return badEncoding("unknown field bits %#x", mask&^fAll)
	}
	size := 6 + 8*bits.OnesCount32(mask&width8) + 4*bits.OnesCount32(mask&width4) +
		2*bits.OnesCount32(mask&width2) + bits.OnesCount32(mask&width1)
	if len(b) != size {
		return badEncoding("%d bytes, the fields take %d", len(b), size)
	}
	d := decoder{b: b, p: 6, mask: mask}
	var out Command
	out.Kind = CommandKind(b[1])
	out.Account = AccountID(d.u32(fAccount))
	out.Market = config.MarketID(d.u16(fMarket))
	out.Asset = config.AssetID(d.u16(fAsset))
	out.Amount = int64(d.u64(fAmount)) //nolint:gosec // two's complement bits
	out.Side = Side(d.u8(fSide))
	out.Type = OrderType(d.u8(fType))
	out.TimeInForce = TimeInForce(d.u8(fTimeInForce))
	out.STP = SelfTradePrevention(d.u8(fSTP))
	out.PostOnly = mask&fPostOnly != 0
	out.ReduceOnly = mask&fReduceOnly != 0
	out.Price = int64(d.u64(fPrice))       //nolint:gosec // two's complement bits
	out.Quantity = int64(d.u64(fQuantity)) //nolint:gosec // two's complement bits
	out.QuoteQty = int64(d.u64(fQuoteQty)) //nolint:gosec // two's complement bits
	out.ClientID = d.u32(fClientID)
	out.OrderID = d.u64(fOrderID)
	out.TriggerPrice = int64(d.u64(fTriggerPrice)) //nolint:gosec // two's complement bits
	out.TriggerBy = TriggerBy(d.u8(fTriggerBy))
	out.PositionSide = PositionSide(d.u8(fPositionSide))
	out.MinEquity = int64(d.u64(fMinEquity)) //nolint:gosec // two's complement bits
	out.PositionMode = PositionMode(d.u8(fPositionMode))
	out.MarginMode = MarginMode(d.u8(fMarginMode))
	if d.zero != 0 {
		return badEncoding("field bit %#x set on a zero value", d.zero)
	}
	if err := CheckEncodable(&out); err != nil {
		return err
	}
	*c = out
	return nil
}

func badEncoding(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrBadEncoding}, args...)...)
}

// decoder reads the masked fields in order from b at p; the length was
// checked against the mask first, so reads stay in bounds. A field whose bit
// is clear reads as zero; a set bit on a zero value is recorded in zero (not
// canonical).
type decoder struct {
	b    []byte
	p    int
	mask uint32
	zero uint32
}

func (d *decoder) u8(bit uint32) uint8 {
	if d.mask&bit == 0 {
		return 0
	}
	v := d.b[d.p]
	d.p++
	if v == 0 {
		d.zero |= bit
	}
	return v
}

func (d *decoder) u16(bit uint32) uint16 {
	if d.mask&bit == 0 {
		return 0
	}
	v := binary.LittleEndian.Uint16(d.b[d.p:])
	d.p += 2
	if v == 0 {
		d.zero |= bit
	}
	return v
}

func (d *decoder) u32(bit uint32) uint32 {
	if d.mask&bit == 0 {
		return 0
	}
	v := binary.LittleEndian.Uint32(d.b[d.p:])
	d.p += 4
	if v == 0 {
		d.zero |= bit
	}
	return v
}

func (d *decoder) u64(bit uint32) uint64 {
	if d.mask&bit == 0 {
		return 0
	}
	v := binary.LittleEndian.Uint64(d.b[d.p:])
	d.p += 8
	if v == 0 {
		d.zero |= bit
	}
	return v
}
