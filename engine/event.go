package engine

import "github.com/waterfallrisk/waterfall/engine/config"

// EventKind names what an Event reports.
type EventKind uint8

const (
	EvAccountCreated  EventKind = iota + 1
	EvAccountSettings           // position mode, margin mode or leverage limit changed
	EvOrder                     // an order update (Backpack's account.orderUpdate)
	EvTrade                     // a public trade on the book
	EvPosition                  // a position update (Backpack's account.positionUpdate)
	EvBalance                   // a ledger movement, with its settlement source
	EvIndexPrice                // an index price was set
	EvMarkPrice                 // a mark price changed
	EvFundingRate               // a funding interval closed at this rate
	EvLiquidation               // an account entered a liquidation stage, or left liquidation
	EvMarketClosed              // the operator closed a market: book cancelled, positions settled
	EvBorrowLend                // a lending position changed: Source, Amount moved, NetQuantity = claim − debt after
	EvInterest                  // an hourly interest step of Asset's pool: Value borrow rate, Amount charged, Balance credited
)

var eventNames = [...]string{"", "accountCreated", "accountSettings", "order", "trade",
	"position", "balance", "indexPrice", "markPrice", "fundingRate", "liquidation", "marketClosed", "borrowLend", "interest"}

func (k EventKind) String() string {
	if int(k) < len(eventNames) {
		return eventNames[k]
	}
	return "unknown"
}

// OrderEvent is Backpack's order update event type.
type OrderEvent uint8

const (
	OrderAccepted OrderEvent = iota + 1
	OrderCancelled
	OrderExpired
	OrderFill
	OrderModified
	TriggerPlaced
	TriggerFailed
)

func (o OrderEvent) String() string {
	return [...]string{"", "orderAccepted", "orderCancelled", "orderExpired", "orderFill",
		"orderModified", "triggerPlaced", "triggerFailed"}[o]
}

// Origin is Backpack's order update field `O`: who caused the update.
type Origin uint8

const (
	OriginUser Origin = iota
	OriginLiquidation
	OriginADL
	OriginCollateralConversion
	OriginSettlement
	OriginBackstop
)

func (o Origin) String() string {
	return [...]string{"USER", "LIQUIDATION_AUTOCLOSE", "ADL_AUTOCLOSE", "COLLATERAL_CONVERSION",
		"SETTLEMENT_AUTOCLOSE", "BACKSTOP_LIQUIDITY_PROVIDER"}[o]
}

// FillType is Backpack's fillType of a fill.
type FillType uint8

const (
	FillUser FillType = iota
	FillBookLiquidation
	FillAdl
	FillBackstop
	FillCollateralConversion
)

func (f FillType) String() string {
	return [...]string{"User", "BookLiquidation", "Adl", "Backstop", "CollateralConversion"}[f]
}

// SystemOrderType is Backpack's systemOrderType; SystemNone for user orders.
type SystemOrderType uint8

const (
	SystemNone SystemOrderType = iota
	SystemCollateralConversion
	SystemFutureExpiry
	SystemLiquidatePositionOnAdl
	SystemLiquidatePositionOnBook
	SystemLiquidatePositionOnBackstop
	SystemOrderBookClosed
)

func (s SystemOrderType) String() string {
	return [...]string{"", "CollateralConversion", "FutureExpiry", "LiquidatePositionOnAdl",
		"LiquidatePositionOnBook", "LiquidatePositionOnBackstop", "OrderBookClosed"}[s]
}

// Source is why a balance moved: Backpack's settlement `source`, plus the
// movements Backpack reports elsewhere (deposits, withdrawals).
type Source uint8

const (
	SourceDeposit Source = iota + 1
	SourceWithdrawal
	SourceRealizePnl
	SourceTradingFees
	SourceFundingPayment
	SourceTrade // a spot trade's asset exchange
	SourceBackstopLiquidation
	SourceTradingFeesSystem
	SourceLiquidationFee      // the 1% liquidation fee, to the insurance fund
	SourceInsurancePayout     // the insurance fund covering a bankrupt account's deficit
	SourceLiquidationSurplus  // classic preset: a liquidated account's remaining equity, to the insurance fund
	SourceLend                // balance into a lending pool
	SourceRedeem              // a lending pool back to the balance
	SourceBorrow              // a borrow from a lending pool
	SourceRepay               // a borrow repaid to its pool
	SourceAutoBorrow          // a settlement's negative balance borrowed automatically (autoBorrowSettlements)
	SourceAutoRepay           // a fill or settlement credit repaying a borrow (autoRepayBorrows)
	SourceAutoLend            // free balance lent automatically (autoLend)
	SourceAutoRedeem          // a claim redeemed for an order's shortfall (autoLend)
	SourceLiquidationRepay    // a liquidating account's debt repaid, or its claim redeemed, by the engine
	SourceDefault             // a defaulted borrower's debt written off, and the lenders' claims with it
	SourceDefaultCompensation // a lender paid in the settlement asset for a claim written off
	SourceLendAdl             // 100% utilization: a lender's claim and a borrower's debt closed against each other
	SourceSpotMargin          // a spot order's shortfall borrowed before it is placed (autoBorrowSettlements)
)

func (s Source) String() string {
	return [...]string{"", "Deposit", "Withdrawal", "RealizePnl", "TradingFees", "FundingPayment",
		"Trade", "BackstopLiquidation", "TradingFeesSystem", "LiquidationFee", "InsurancePayout", "LiquidationSurplus",
		"Lend", "Redeem", "Borrow", "Repay", "AutoBorrow", "AutoRepay", "AutoLend", "AutoRedeem",
		"LiquidationRepay", "Default", "DefaultCompensation", "LendAdl", "SpotMargin"}[s]
}

// PositionEvent is Backpack's position update event type.
type PositionEvent uint8

const (
	PositionOpened PositionEvent = iota + 1
	PositionAdjusted
	PositionClosed
)

func (p PositionEvent) String() string {
	return [...]string{"", "positionOpened", "positionAdjusted", "positionClosed"}[p]
}

// OrderStatus is Backpack's order status.
type OrderStatus uint8

const (
	StatusNew OrderStatus = iota
	StatusPartiallyFilled
	StatusFilled
	StatusCancelled
	StatusExpired
)

func (s OrderStatus) String() string {
	return [...]string{"New", "PartiallyFilled", "Filled", "Cancelled", "Expired"}[s]
}

// Event is one state change. Every event carries the engine sequence of the
// command that caused it and the engine time; the other fields are read by
// kind, as listed. Events are flat values written into a buffer the engine
// reuses: a caller that keeps one past the next Apply must copy it.
type Event struct {
	Seq  uint64 // engine sequence of the causing command
	Time int64  // engine time, ms
	Kind EventKind

	Account AccountID
	Market  config.MarketID
	Asset   config.AssetID

	// EvOrder: the order and, for OrderFill, the fill.
	OrderEvent   OrderEvent
	Origin       Origin
	OrderID      uint64
	ClientID     uint32
	Side         Side
	Type         OrderType
	TimeInForce  TimeInForce
	Status       OrderStatus
	Price        int64 // ticks: the order's price (EvTrade: the trade price)
	Quantity     int64 // lots: the order's quantity (EvTrade: the trade quantity)
	TriggerPrice int64 // trigger orders: ticks
	FillPrice    int64 // OrderFill: ticks (L)
	FillQty      int64 // OrderFill: lots (l)
	Executed     int64 // lots filled so far (z)
	QuoteQty     int64 // market orders by quote: the budget, settlement units
	ExecutedQt   int64 // settlement units filled so far (Z)
	Fee          int64 // OrderFill: fee charged, in FeeAsset units
	FeeAsset     config.AssetID
	Maker        bool
	TradeID      uint64
	FillType     FillType
	SystemType   SystemOrderType
	ReduceOnly   bool
	PostOnly     bool

	// EvOrder and EvPosition: the hedge-mode position side the order trades
	// or the position is; NoSide in one-way mode and on spot markets.
	PositionSide PositionSide

	// EvPosition: the position after the change.
	PositionEvent PositionEvent
	NetQuantity   int64 // lots, negative for shorts
	EntryCost     int64 // settlement units, negative for shorts
	RealizedPnl   int64 // settlement units, cumulative
	FundingPaid   int64 // settlement units, cumulative (positive: paid)

	// EvBalance: Amount moved into Account (negative: out), the balance after,
	// and the account on the other side of the entry (the account itself for
	// deposits, withdrawals and lending movements).
	// EvBorrowLend: Source (Lend, Redeem, Borrow, Repay) and the Amount moved
	// (positive); NetQuantity is the position after, claim − debt, accrued
	// interest included. EvInterest: Amount charged to the borrowers (rounded
	// up), Balance credited to the lenders (rounded down), Value the borrow
	// rate (fixed.Rate, per year), all of Asset's pool.
	Source       Source
	Amount       int64
	Balance      int64
	Counterparty AccountID

	// EvIndexPrice, EvMarkPrice: fixed.Price. EvFundingRate, EvInterest: fixed.Rate.
	// EvLiquidation: the account's MMR (fixed.Rate, saturating).
	Value int64

	// EvLiquidation: the stage entered; StageNone when the liquidation ended.
	Stage LiquidationStage
	// EvLiquidation, EvPosition: an isolated position (Market, PositionSide).
	Isolated bool
	// EvPosition: an isolated position's margin, settlement units.
	Margin int64
}
