package engine

import (
	"github.com/waterfallrisk/waterfall/engine/book"
	"github.com/waterfallrisk/waterfall/engine/config"
)

// CommandKind names what a Command asks for.
type CommandKind uint8

// Command kinds. Their numbers are part of the journal format: append only.
const (
	CmdNone CommandKind = iota
	CmdCreateAccount
	CmdDeposit
	CmdWithdraw
	CmdPlaceOrder
	CmdMoveOrder
	CmdCancelOrder
	CmdCancelAll
	CmdSetIndexPrice
	CmdAdvanceTime
	CmdSetPositionMode
	CmdSetMarginMode
	CmdSetLeverageLimit
	CmdRegisterBackstop
	CmdCloseMarket
	CmdAdjustMargin
	CmdLend   // Account, Asset, Amount: balance into the asset's pool
	CmdRedeem // Account, Asset, Amount (0: the whole claim)
	CmdBorrow // Account, Asset, Amount: from the pool into the balance
	CmdRepay  // Account, Asset, Amount (0 or more than the debt: all of it)
	// CmdSetLendingFlags: Account, Amount = the account's LendingFlags, all
	// three at once.
	CmdSetLendingFlags
	// CmdBorrowLend: Account, Asset, Amount, Side (Bid lends, Ask
	// borrows): Backpack's borrowLendExecute, which first closes the
	// opposite position, all or nothing (netlend.go).
	CmdBorrowLend

	// CmdKinds is one past the last command kind: kinds ≥ CmdKinds are
	// unknown and refused.
	CmdKinds
)

var commandNames = [...]string{
	"none", "create-account", "deposit", "withdraw", "place-order", "move-order",
	"cancel-order", "cancel-all", "set-index-price", "advance-time",
	"set-position-mode", "set-margin-mode", "set-leverage-limit", "register-backstop", "close-market", "adjust-margin",
	"lend", "redeem", "borrow", "repay", "set-lending-flags", "borrow-lend",
}

func (k CommandKind) String() string {
	if int(k) < len(commandNames) {
		return commandNames[k]
	}
	return "unknown"
}

// Side of an order or a trade: the book's own type (Bid buys, Ask sells).
type Side = book.Side

// Sides.
const (
	Bid = book.Bid
	Ask = book.Ask
)

// OrderType is Backpack's orderType.
type OrderType uint8

const (
	Limit OrderType = iota
	Market
)

func (t OrderType) String() string {
	if t == Market {
		return "Market"
	}
	return "Limit"
}

// TimeInForce is Backpack's timeInForce.
type TimeInForce uint8

const (
	GTC TimeInForce = iota
	IOC
	FOK
)

func (t TimeInForce) String() string { return [...]string{"GTC", "IOC", "FOK"}[t] }

// SelfTradePrevention is Backpack's selfTradePrevention: the book's own type.
type SelfTradePrevention = book.STP

// Self-trade prevention modes.
const (
	RejectTaker = book.RejectTaker
	RejectMaker = book.RejectMaker
	RejectBoth  = book.RejectBoth
)

// PositionMode is one-way (one net position per market) or hedge (a long and
// a short position side by side, seed 002).
type PositionMode uint8

const (
	OneWay PositionMode = iota
	Hedge
)

func (m PositionMode) String() string {
	if m == Hedge {
		return "Hedge"
	}
	return "OneWay"
}

// TriggerBy is the price a trigger order watches.
type TriggerBy uint8

const (
	TriggerByMark TriggerBy = iota // the mark price (Backpack's default)
	TriggerByLast                  // the last trade price
)

func (t TriggerBy) String() string { return [...]string{"MarkPrice", "LastPrice"}[t] }

// PositionSide picks a hedge-mode position: an order with Side Bid and
// PositionSide Long opens or adds to the long, Ask/Long closes it; Ask/Short
// opens or adds to the short, Bid/Short closes it. One-way mode takes NoSide.
type PositionSide uint8

const (
	NoSide PositionSide = iota
	Long
	Short
)

func (p PositionSide) String() string { return [...]string{"", "Long", "Short"}[p] }

// hedge returns the slot key of a position side: +1 long, −1 short, 0 none.
func (p PositionSide) hedge() int8 {
	switch p {
	case Long:
		return 1
	case Short:
		return -1
	}
	return 0
}

// MarginMode is cross (all positions share the account's collateral) or
// isolated (a position's own margin, seed 003).
type MarginMode uint8

const (
	Cross MarginMode = iota
	Isolated
)

func (m MarginMode) String() string {
	if m == Isolated {
		return "Isolated"
	}
	return "Cross"
}

// Command is one input to the engine. It is a flat value so that a journal
// can store it and a hot path can pass it without allocating; each kind reads
// only the fields its comment lists. Quantities are in lots, order prices in
// ticks, amounts in the asset's smallest unit, index prices in fixed.Price.
//
// Commands carry no time: engine time moves only by CmdAdvanceTime, so a
// refused command can always leave the state exactly as it was.
type Command struct {
	Kind CommandKind

	Account AccountID // every kind but CreateAccount, SetIndexPrice, AdvanceTime
	Market  config.MarketID
	Asset   config.AssetID

	// Deposit, Withdraw: Amount. SetIndexPrice: Amount is the price
	// (fixed.Price). AdvanceTime: Amount is the new engine time in ms.
	// SetLeverageLimit: Amount is the leverage (whole number, 0 clears).
	// Lend, Redeem, Borrow, Repay: Amount of Asset (smallest units).
	Amount int64

	// PlaceOrder and MoveOrder.
	Side        Side
	Type        OrderType
	TimeInForce TimeInForce
	STP         SelfTradePrevention
	PostOnly    bool
	ReduceOnly  bool
	Price       int64  // ticks; limit orders, and MoveOrder's new price
	Quantity    int64  // lots; 0 with QuoteQuantity for a market order by quote
	QuoteQty    int64  // settlement units; market orders only
	ClientID    uint32 // optional client order id (Backpack: uint32)
	OrderID     uint64 // CancelOrder, MoveOrder (0: use ClientID)

	// PlaceOrder: a trigger order (stop-loss or take-profit) waits off the
	// book until the reference price reaches TriggerPrice (ticks), then is
	// placed as a limit (Price > 0) or market order.
	TriggerPrice int64
	TriggerBy    TriggerBy

	// PlaceOrder in hedge mode: the position side the order opens or closes.
	PositionSide PositionSide

	// RegisterBackstop: Amount is the provider's committed capacity (maximum
	// notional it takes, settlement units, each side; 0 withdraws it) and
	// MinEquity the net equity it must keep.
	MinEquity int64

	// SetPositionMode / SetMarginMode. PlaceOrder: MarginMode Isolated opens
	// an isolated position (an account in Isolated mode always does).
	// AdjustMargin: Amount (signed) moves margin into or out of an isolated
	// position.
	PositionMode PositionMode
	MarginMode   MarginMode
}
