package backpack

import (
	"github.com/waterfallrisk/waterfall/engine"
)

// Backpack's enum strings. Parsing is exact (case-sensitive, as Backpack's
// is); an empty string takes the default the comment names.

// SideName is Backpack's side: Bid buys, Ask sells.
func SideName(s engine.Side) string {
	if s == engine.Ask {
		return "Ask"
	}
	return "Bid"
}

// ParseSide reads "Bid" or "Ask" (required).
func ParseSide(s string) (engine.Side, *Error) {
	switch s {
	case "Bid":
		return engine.Bid, nil
	case "Ask":
		return engine.Ask, nil
	}
	return 0, BadRequest("side must be Bid or Ask, not %q", s)
}

// ParseOrderType reads "Limit" or "Market" (required).
func ParseOrderType(s string) (engine.OrderType, *Error) {
	switch s {
	case "Limit":
		return engine.Limit, nil
	case "Market":
		return engine.Market, nil
	}
	return 0, BadRequest("orderType must be Limit or Market, not %q", s)
}

// ParseTimeInForce reads GTC (default), IOC or FOK.
func ParseTimeInForce(s string) (engine.TimeInForce, *Error) {
	switch s {
	case "", "GTC":
		return engine.GTC, nil
	case "IOC":
		return engine.IOC, nil
	case "FOK":
		return engine.FOK, nil
	}
	return 0, BadRequest("timeInForce must be GTC, IOC or FOK, not %q", s)
}

// STPName is Backpack's selfTradePrevention.
func STPName(s engine.SelfTradePrevention) string {
	switch s {
	case engine.RejectMaker:
		return "RejectMaker"
	case engine.RejectBoth:
		return "RejectBoth"
	}
	return "RejectTaker"
}

// ParseSTP reads RejectTaker (default), RejectMaker or RejectBoth.
func ParseSTP(s string) (engine.SelfTradePrevention, *Error) {
	switch s {
	case "", "RejectTaker":
		return engine.RejectTaker, nil
	case "RejectMaker":
		return engine.RejectMaker, nil
	case "RejectBoth":
		return engine.RejectBoth, nil
	}
	return 0, BadRequest("selfTradePrevention must be RejectTaker, RejectMaker or RejectBoth, not %q", s)
}

// ParseTriggerBy reads MarkPrice (default) or LastPrice.
func ParseTriggerBy(s string) (engine.TriggerBy, *Error) {
	switch s {
	case "", "MarkPrice":
		return engine.TriggerByMark, nil
	case "LastPrice":
		return engine.TriggerByLast, nil
	}
	return 0, BadRequest("triggerBy must be MarkPrice or LastPrice, not %q", s)
}

// ParsePositionSide reads the hedge-mode extension: Long, Short, or none.
func ParsePositionSide(s string) (engine.PositionSide, *Error) {
	switch s {
	case "":
		return engine.NoSide, nil
	case "Long":
		return engine.Long, nil
	case "Short":
		return engine.Short, nil
	}
	return 0, BadRequest("positionSide must be Long or Short, not %q", s)
}

// ParseMarginMode reads the isolated-margin extension: Cross (default) or
// Isolated.
func ParseMarginMode(s string) (engine.MarginMode, *Error) {
	switch s {
	case "", "Cross":
		return engine.Cross, nil
	case "Isolated":
		return engine.Isolated, nil
	}
	return 0, BadRequest("marginMode must be Cross or Isolated, not %q", s)
}

// ParsePositionMode reads the hedge-mode extension: OneWay or Hedge.
func ParsePositionMode(s string) (engine.PositionMode, *Error) {
	switch s {
	case "OneWay":
		return engine.OneWay, nil
	case "Hedge":
		return engine.Hedge, nil
	}
	return 0, BadRequest("positionMode must be OneWay or Hedge, not %q", s)
}

// Order statuses beyond the engine's (which names New, PartiallyFilled,
// Filled, Cancelled and Expired as Backpack does).
const (
	StatusTriggerPending = "TriggerPending"
	StatusTriggerFailed  = "TriggerFailed"
)

// MarginModeName names an order's or position's margin mode.
func MarginModeName(isolated bool) string {
	if isolated {
		return engine.Isolated.String()
	}
	return engine.Cross.String()
}

// PositionSideName is the positionSide extension: Long or Short in hedge
// mode, nil (left out) for NoSide.
func PositionSideName(s engine.PositionSide) *string {
	if s == engine.NoSide {
		return nil
	}
	return ptr(s.String())
}

// HedgeSide is the position side of a position slot's hedge: +1 Long, −1
// Short, 0 NoSide (one-way mode).
func HedgeSide(hedge int8) engine.PositionSide {
	switch hedge {
	case 1:
		return engine.Long
	case -1:
		return engine.Short
	}
	return engine.NoSide
}

// Hedge is the position slot's hedge of a position side (HedgeSide's
// inverse).
func Hedge(s engine.PositionSide) int8 {
	switch s {
	case engine.Long:
		return 1
	case engine.Short:
		return -1
	}
	return 0
}

// SystemOrderTypeName is systemOrderType: the kind of a system order
// (liquidation, backstop, ADL, collateral conversion), nil for a user's.
func SystemOrderTypeName(s engine.SystemOrderType) *string {
	if s == engine.SystemNone {
		return nil
	}
	return ptr(s.String())
}

// ClientID is clientId: nil for none (0).
func ClientID(id uint32) *uint32 {
	if id == 0 {
		return nil
	}
	return &id
}
