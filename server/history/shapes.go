package history

import (
	"strconv"
	"time"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
	"github.com/waterfallrisk/waterfall/server/backpack"
	"github.com/waterfallrisk/waterfall/server/readmodel"
)

// JSON shapes, as Backpack sends them (ccxt's backpack.js parse* and its
// response examples). Nullable fields are pointers.

// Trade is one item of GET /api/v1/trades and /api/v1/trades/history;
// timestamp is engine time in ms.
type Trade struct {
	ID            int64  `json:"id"`
	IsBuyerMaker  bool   `json:"isBuyerMaker"`
	Price         string `json:"price"`
	Quantity      string `json:"quantity"`
	QuoteQuantity string `json:"quoteQuantity"`
	Timestamp     int64  `json:"timestamp"`
}

func (h *Handler) trade(t *readmodel.Trade) Trade {
	return Trade{ID: int64(t.TradeID), IsBuyerMaker: t.TakerSide == engine.Ask, //nolint:gosec // ids < 2^63
		Price: h.cat.Price(t.Market, t.Price), Quantity: h.cat.Quantity(t.Market, t.Quantity),
		QuoteQuantity: h.cat.Quote(t.Market, t.Quote), Timestamp: t.Time}
}

// Kline is one item of GET /api/v1/klines: start and end as "2006-01-02
// 15:04:05" (UTC), the trade count as a string.
type Kline struct {
	Start       string  `json:"start"`
	End         string  `json:"end"`
	Open        *string `json:"open"`
	High        *string `json:"high"`
	Low         *string `json:"low"`
	Close       *string `json:"close"`
	Volume      string  `json:"volume"`
	QuoteVolume string  `json:"quoteVolume"`
	Trades      string  `json:"trades"`
}

func klineTime(ms int64) string { return time.UnixMilli(ms).UTC().Format(time.DateTime) }

func (h *Handler) kline(m config.MarketID, c *readmodel.Candle) Kline {
	return Kline{Start: klineTime(c.Start), End: klineTime(c.End),
		Open: ptr(h.cat.Price(m, c.Open)), High: ptr(h.cat.Price(m, c.High)),
		Low: ptr(h.cat.Price(m, c.Low)), Close: ptr(h.cat.Price(m, c.Close)),
		Volume: h.cat.Quantity(m, c.Volume), QuoteVolume: h.cat.Quote(m, c.QuoteVolume),
		Trades: itoa(c.Trades)}
}

func ptr[T any](v T) *T { return &v }

// Ticker is GET /api/v1/ticker and one item of /api/v1/tickers:
// priceChangePercent is a fraction (−0.031279 is −3.1279%), trades a string.
type Ticker struct {
	Symbol             string `json:"symbol"`
	FirstPrice         string `json:"firstPrice"`
	LastPrice          string `json:"lastPrice"`
	PriceChange        string `json:"priceChange"`
	PriceChangePercent string `json:"priceChangePercent"`
	High               string `json:"high"`
	Low                string `json:"low"`
	Volume             string `json:"volume"`
	QuoteVolume        string `json:"quoteVolume"`
	Trades             string `json:"trades"`
}

// percentDecimals is the precision of priceChangePercent.
const percentDecimals = 6

// Fill is one item of GET /wapi/v1/history/fills.
type Fill struct {
	ClientID        *string `json:"clientId"`
	Fee             string  `json:"fee"`
	FeeSymbol       string  `json:"feeSymbol"`
	IsMaker         bool    `json:"isMaker"`
	OrderID         string  `json:"orderId"`
	Price           string  `json:"price"`
	Quantity        string  `json:"quantity"`
	Side            string  `json:"side"`
	Symbol          string  `json:"symbol"`
	SystemOrderType *string `json:"systemOrderType"`
	Timestamp       string  `json:"timestamp"`
	TradeID         int64   `json:"tradeId"`
}

func (h *Handler) fill(f *readmodel.Fill) Fill {
	out := Fill{Fee: h.cat.Amount(f.FeeAsset, f.Fee), FeeSymbol: h.cat.AssetSymbol(f.FeeAsset), IsMaker: f.Maker,
		OrderID: strconv.FormatUint(f.OrderID, 10), Price: h.cat.Price(f.Market, f.Price),
		Quantity: h.cat.Quantity(f.Market, f.Quantity), Side: backpack.SideName(f.Side),
		Symbol: h.cat.MarketSymbol(f.Market), SystemOrderType: backpack.SystemOrderTypeName(f.SystemType),
		Timestamp: backpack.Timestamp(f.Time), TradeID: int64(f.TradeID)} //nolint:gosec // ids < 2^63
	if f.ClientID != 0 {
		out.ClientID = ptr(strconv.FormatUint(uint64(f.ClientID), 10))
	}
	return out
}

// Order is one item of GET /wapi/v1/history/orders (createdAt as
// Backpack's naive UTC timestamp); positionSide and marginMode are
// Waterfall's extensions, as on the open orders.
type Order struct {
	ClientID               *uint32 `json:"clientId"`
	CreatedAt              string  `json:"createdAt"`
	ExecutedQuantity       string  `json:"executedQuantity"`
	ExecutedQuoteQuantity  string  `json:"executedQuoteQuantity"`
	ExpiryReason           *string `json:"expiryReason"`
	ID                     string  `json:"id"`
	OrderType              string  `json:"orderType"`
	PostOnly               bool    `json:"postOnly"`
	Price                  *string `json:"price"`
	Quantity               *string `json:"quantity"`
	QuoteQuantity          *string `json:"quoteQuantity"`
	ReduceOnly             bool    `json:"reduceOnly"`
	SelfTradePrevention    string  `json:"selfTradePrevention"`
	Side                   string  `json:"side"`
	Status                 string  `json:"status"`
	StopLossLimitPrice     *string `json:"stopLossLimitPrice"`
	StopLossTriggerBy      *string `json:"stopLossTriggerBy"`
	StopLossTriggerPrice   *string `json:"stopLossTriggerPrice"`
	StrategyID             *string `json:"strategyId"`
	Symbol                 string  `json:"symbol"`
	SystemOrderType        *string `json:"systemOrderType"`
	TakeProfitLimitPrice   *string `json:"takeProfitLimitPrice"`
	TakeProfitTriggerBy    *string `json:"takeProfitTriggerBy"`
	TakeProfitTriggerPrice *string `json:"takeProfitTriggerPrice"`
	TimeInForce            string  `json:"timeInForce"`
	TriggerBy              *string `json:"triggerBy"`
	TriggerPrice           *string `json:"triggerPrice"`
	TriggerQuantity        *string `json:"triggerQuantity"`
	PositionSide           *string `json:"positionSide,omitempty"`
}

// order renders an order's last state. The self-trade prevention is not in
// the engine's events: it shows as the default, RejectTaker. A trigger
// order shows its trigger price; its quantity is triggerQuantity while it
// waits (TriggerPending) or once it failed (TriggerFailed).
func (h *Handler) order(o *readmodel.Order) Order {
	trigger := o.TriggerPrice > 0
	b := h.cat.Order(&backpack.OrderState{ID: o.OrderID, ClientID: o.ClientID, Market: o.Market, Side: o.Side,
		Type: o.Type, TimeInForce: o.TimeInForce, STP: engine.RejectTaker, PostOnly: o.PostOnly,
		ReduceOnly: o.ReduceOnly, Price: o.Price, Quantity: o.Quantity, QuoteQty: o.QuoteQty, Executed: o.Executed,
		ExecutedQt: o.ExecutedQt, Status: o.Status, Trigger: trigger, TriggerPrice: o.TriggerPrice,
		Waiting:      trigger && (o.Status == backpack.StatusTriggerPending || o.Status == backpack.StatusTriggerFailed),
		PositionSide: o.PositionSide})
	return Order{ClientID: b.ClientID, CreatedAt: backpack.Timestamp(o.CreatedAt), ExecutedQuantity: b.ExecutedQuantity,
		ExecutedQuoteQuantity: b.ExecutedQuoteQuantity, ID: b.ID, OrderType: b.OrderType, PostOnly: b.PostOnly,
		Price: b.Price, Quantity: b.Quantity, QuoteQuantity: b.QuoteQuantity, ReduceOnly: b.ReduceOnly,
		SelfTradePrevention: b.SelfTradePrevention, Side: b.Side, Status: b.Status, Symbol: b.Symbol,
		SystemOrderType: backpack.SystemOrderTypeName(o.SystemType), TimeInForce: b.TimeInForce,
		TriggerPrice: b.TriggerPrice, TriggerQuantity: b.TriggerQuantity, PositionSide: b.PositionSide}
}

// Settlement is one item of GET /wapi/v1/history/settlement; symbol (the
// asset that moved) is Waterfall's extension.
type Settlement struct {
	Quantity     string           `json:"quantity"`
	Source       string           `json:"source"`
	SubaccountID *int             `json:"subaccountId"`
	Timestamp    string           `json:"timestamp"`
	UserID       engine.AccountID `json:"userId"`
	Symbol       string           `json:"symbol"`
}

func (h *Handler) settlement(mv *readmodel.Movement) Settlement {
	return Settlement{Quantity: h.cat.Amount(mv.Asset, mv.Amount), Source: mv.Source.String(),
		Timestamp: backpack.Timestamp(mv.Time), UserID: mv.Account, Symbol: h.cat.AssetSymbol(mv.Asset)}
}

// FundingPayment is one item of GET /wapi/v1/history/funding: quantity is
// positive when received, negative when paid.
type FundingPayment struct {
	UserID               engine.AccountID `json:"userId"`
	SubaccountID         *int             `json:"subaccountId"`
	Symbol               string           `json:"symbol"`
	Quantity             string           `json:"quantity"`
	IntervalEndTimestamp string           `json:"intervalEndTimestamp"`
	FundingRate          string           `json:"fundingRate"`
}

func (h *Handler) fundingPayment(p *readmodel.FundingPayment) FundingPayment {
	return FundingPayment{UserID: p.Account, Symbol: h.cat.MarketSymbol(p.Market), Quantity: h.cat.Settle(p.Amount),
		IntervalEndTimestamp: backpack.Timestamp(p.Time), FundingRate: backpack.Rate(p.Rate)}
}

// InsuranceFund is GET /api/v1/insuranceFund (Waterfall's extension): the
// fund's settlement-asset balance and a page of its movements.
type InsuranceFund struct {
	Symbol  string              `json:"symbol"`
	Balance string              `json:"balance"`
	History []InsuranceMovement `json:"history"`
}

// InsuranceMovement is one inflow (amount > 0) or outflow of the insurance
// fund: its cause (source: LiquidationFee, InsurancePayout,
// LiquidationSurplus, ...), the account on the other side, the market it
// concerns (null if none), the balance after it.
type InsuranceMovement struct {
	Sequence     uint64           `json:"sequence"`
	Time         int64            `json:"time"`
	Timestamp    string           `json:"timestamp"`
	Symbol       string           `json:"symbol"`
	Amount       string           `json:"amount"`
	Balance      string           `json:"balance"`
	Source       string           `json:"source"`
	Counterparty engine.AccountID `json:"counterparty"`
	Market       *string          `json:"market"`
}

// marketSources are the sources whose movements concern a market (the
// others carry none).
var marketSources = map[engine.Source]bool{
	engine.SourceRealizePnl: true, engine.SourceTradingFees: true, engine.SourceTrade: true,
	engine.SourceFundingPayment: true, engine.SourceLiquidationFee: true,
}

func (h *Handler) insuranceMovement(mv *readmodel.Movement) InsuranceMovement {
	out := InsuranceMovement{Sequence: mv.Seq, Time: mv.Time, Timestamp: backpack.Timestamp(mv.Time),
		Symbol: h.cat.AssetSymbol(mv.Asset), Amount: h.cat.Amount(mv.Asset, mv.Amount),
		Balance: h.cat.Amount(mv.Asset, mv.Balance), Source: mv.Source.String(), Counterparty: mv.Counterparty}
	if marketSources[mv.Source] {
		out.Market = ptr(h.cat.MarketSymbol(mv.Market))
	}
	return out
}

// percent renders (last − first) / first as a fraction.
func percent(change, first int64) string {
	if first == 0 {
		return "0"
	}
	r := fixed.Floor
	if change < 0 {
		r = fixed.Ceil
	}
	v, err := fixed.MulDiv(change, fixed.Pow10(percentDecimals), first, r)
	if err != nil {
		return "0"
	}
	return fixed.FormatDecimal(v, percentDecimals)
}
