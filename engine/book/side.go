package book

// Side is the side of the book an order rests on, or an incoming order's
// direction: a Bid buys, an Ask sells. The zero value is invalid, so a Side
// that was never set is refused rather than read as a buy.
type Side uint8

// Sides.
const (
	Bid Side = 1 // buy
	Ask Side = 2 // sell
)

// Valid reports whether s is Bid or Ask.
func (s Side) Valid() bool { return s == Bid || s == Ask }

// Opposite returns the side s trades against: Ask for Bid, Bid for Ask.
// It is meaningful only for a valid s.
func (s Side) Opposite() Side { return 3 - s }

// String names the side as Backpack does ("Bid", "Ask").
func (s Side) String() string {
	switch s {
	case Bid:
		return "Bid"
	case Ask:
		return "Ask"
	}
	return "Side(?)"
}

// STP is a taker's self-trade prevention mode: what happens when it reaches a
// resting order of its own owner. The values are Backpack's
// selfTradePrevention; the zero value is RejectTaker, Backpack's default and
// the mode that never touches a resting order.
type STP uint8

// Self-trade prevention modes.
const (
	// RejectTaker stops matching at the owner's resting order, which stays;
	// the rest of the taker must be cancelled (Result.StoppedBySTP).
	RejectTaker STP = iota
	// RejectMaker cancels the owner's resting order (a Fill of kind
	// STPCancel) and matching continues past it.
	RejectMaker
	// RejectBoth cancels the owner's resting order (STPCancel) and stops
	// matching; the rest of the taker must be cancelled (Result.StoppedBySTP).
	RejectBoth
)

// String names the mode as Backpack does.
func (m STP) String() string {
	switch m {
	case RejectTaker:
		return "RejectTaker"
	case RejectMaker:
		return "RejectMaker"
	case RejectBoth:
		return "RejectBoth"
	}
	return "STP(?)"
}

// FillKind tells a trade from a self-trade-prevention cancel.
type FillKind uint8

// Fill kinds.
const (
	// Trade: the taker and the maker exchanged Qty lots at Price.
	Trade FillKind = iota
	// STPCancel: the maker belonged to the taker's owner and was removed
	// from the book (RejectMaker or RejectBoth); Qty is the quantity it had
	// left and nothing traded.
	STPCancel
	// CapTrim: a Capped maker was cut down by Qty lots because its Capper
	// allowed less than it had; MakerLeft is what remains (0: removed).
	CapTrim
)

// String names the kind.
func (k FillKind) String() string {
	switch k {
	case Trade:
		return "Trade"
	case STPCancel:
		return "STPCancel"
	case CapTrim:
		return "CapTrim"
	}
	return "FillKind(?)"
}
