package ws

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
	"github.com/waterfallrisk/waterfall/server/backpack"
)

// Message payloads (the "data" of {"stream","data"}), with Backpack's short
// field names. E is the wall time the message was made and T the engine
// time of what it reports, both in µs. Decimal numbers are strings rendered
// exactly by the catalog. Fields with long names are Waterfall's extensions.

type depthMsg struct {
	Event      string      `json:"e"`
	EventTime  int64       `json:"E"`
	Symbol     string      `json:"s"`
	Asks       [][2]string `json:"a"`
	Bids       [][2]string `json:"b"`
	First      uint64      `json:"U"`
	Last       uint64      `json:"u"`
	EngineTime int64       `json:"T"`
}

type tradeMsg struct {
	Event      string `json:"e"`
	EventTime  int64  `json:"E"`
	Symbol     string `json:"s"`
	Price      string `json:"p"`
	Quantity   string `json:"q"`
	Buyer      string `json:"b"` // buyer's order id
	Seller     string `json:"a"` // seller's order id
	TradeID    uint64 `json:"t"`
	EngineTime int64  `json:"T"`
	BuyerMaker bool   `json:"m"`
}

type tickerMsg struct {
	Event       string `json:"e"`
	EventTime   int64  `json:"E"`
	Symbol      string `json:"s"`
	Open        string `json:"o"`
	Close       string `json:"c"`
	High        string `json:"h"`
	Low         string `json:"l"`
	Volume      string `json:"v"`
	QuoteVolume string `json:"V"`
	Trades      int64  `json:"n"`
}

type markPriceMsg struct {
	Event       string `json:"e"`
	EventTime   int64  `json:"E"`
	Symbol      string `json:"s"`
	Mark        string `json:"p"`
	FundingRate string `json:"f"`
	Index       string `json:"i"`
	NextFunding int64  `json:"n"` // µs
}

type bookTickerMsg struct {
	Event      string `json:"e"`
	EventTime  int64  `json:"E"`
	Symbol     string `json:"s"`
	AskPrice   string `json:"a"`
	AskQty     string `json:"A"`
	BidPrice   string `json:"b"`
	BidQty     string `json:"B"`
	UpdateID   string `json:"u"`
	EngineTime int64  `json:"T"`
}

// liquidationMsg is Backpack's liquidation event (e, E, q, p, S, s, T): one
// liquidation fill, on the liquidated account's side; the rest are
// extensions.
type liquidationMsg struct {
	Event        string  `json:"e"`
	EventTime    int64   `json:"E"`
	Quantity     string  `json:"q"`
	Price        string  `json:"p"`
	Side         string  `json:"S"`
	Symbol       string  `json:"s"`
	EngineTime   int64   `json:"T"`
	Origin       string  `json:"origin"`
	FillType     string  `json:"fillType"`
	SystemType   string  `json:"systemOrderType"`
	AccountID    uint32  `json:"accountId"`
	OrderID      string  `json:"orderId"`
	TradeID      uint64  `json:"tradeId"`
	PositionSide *string `json:"positionSide,omitempty"`
	Sequence     uint64  `json:"engineSequence"`
}

// stageMsg is an extension on the liquidation stream: an account entered a
// waterfall stage (Book, Backstop, ADL) or left liquidation (None).
type stageMsg struct {
	Event        string  `json:"e"` // liquidationStage
	EventTime    int64   `json:"E"`
	EngineTime   int64   `json:"T"`
	AccountID    uint32  `json:"accountId"`
	Stage        string  `json:"stage"`
	MarginMode   string  `json:"marginMode"`
	MMR          *string `json:"mmr,omitempty"` // cross margin: the account's MMR (1.0 = 100%)
	Symbol       *string `json:"s,omitempty"`   // isolated margin: the position's market
	PositionSide *string `json:"positionSide,omitempty"`
	Sequence     uint64  `json:"engineSequence"`
}

type orderMsg struct {
	Event        string  `json:"e"`
	EventTime    int64   `json:"E"`
	Symbol       string  `json:"s"`
	ClientID     *uint32 `json:"c,omitempty"`
	Side         string  `json:"S"`
	Type         string  `json:"o"`
	TimeInForce  string  `json:"f"`
	Quantity     *string `json:"q,omitempty"`
	QuoteQty     *string `json:"Q,omitempty"`
	Price        *string `json:"p,omitempty"`
	TriggerPrice *string `json:"P,omitempty"`
	TriggerQty   *string `json:"Y,omitempty"`
	Status       string  `json:"X"`
	OrderID      string  `json:"i"`
	TradeID      *uint64 `json:"t,omitempty"`
	FillQty      *string `json:"l,omitempty"`
	Executed     string  `json:"z"`
	ExecutedQt   string  `json:"Z"`
	FillPrice    *string `json:"L,omitempty"`
	Maker        *bool   `json:"m,omitempty"`
	Fee          *string `json:"n,omitempty"`
	FeeSymbol    *string `json:"N,omitempty"`
	EngineTime   int64   `json:"T"`
	Origin       string  `json:"O"`
	ReduceOnly   bool    `json:"r"`
	FillType     *string `json:"fillType,omitempty"`
	SystemType   *string `json:"systemOrderType,omitempty"`
	PositionSide *string `json:"positionSide,omitempty"`
	PostOnly     bool    `json:"postOnly"`
}

// positionMsg is account.positionUpdate. l (estimated liquidation price) is
// deprecated and always "0" (DESIGN.md §4).
type positionMsg struct {
	Event          string  `json:"e,omitempty"` // absent in the snapshot sent on subscription
	EventTime      int64   `json:"E"`
	Symbol         string  `json:"s"`
	BreakEven      string  `json:"b"`
	Entry          string  `json:"B"`
	Liquidation    string  `json:"l"`
	IMF            string  `json:"f"`
	Mark           string  `json:"M"`
	MMF            string  `json:"m"`
	NetQuantity    string  `json:"q"`
	NetExposure    string  `json:"Q"`
	NetExposureNtl string  `json:"n"`
	PositionID     string  `json:"i"`
	Realized       string  `json:"p"`
	Unrealized     string  `json:"P"`
	EngineTime     int64   `json:"T"`
	EstBankruptcy  string  `json:"estBankruptcyPrice"`
	ADLRank        int     `json:"adlRank"`
	MarginMode     string  `json:"marginMode"`
	PositionSide   *string `json:"positionSide,omitempty"`
	IsolatedMargin *string `json:"isolatedMargin,omitempty"`
	FundingPayment string  `json:"cumulativeFundingPayment"`
	NetCost        string  `json:"netCost"`
}

// errorMsg is Backpack's error answer to a client message.
type errorMsg struct {
	ID    json.RawMessage `json:"id"`
	Error errorBody       `json:"error"`
}

type errorBody struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// envelope wraps a payload as {"stream":name,"data":data}. Stream names are
// plain ASCII (kinds and configured symbols) and need no escaping.
func envelope(name string, data []byte) []byte {
	b := make([]byte, 0, len(name)+len(data)+24)
	b = append(b, `{"stream":"`...)
	b = append(b, name...)
	b = append(b, `","data":`...)
	b = append(b, data...)
	return append(b, '}')
}

func marshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil { // flat structs of strings and numbers: cannot fail
		panic(err)
	}
	return b
}

func ptr[T any](v T) *T { return &v }

func micros(ms int64) int64 { return ms * 1000 }

// renderer turns engine values into payloads for one configuration.
type renderer struct {
	cat *backpack.Catalog
	cfg *config.Config
}

func (r *renderer) levels(m config.MarketID, ls [][2]int64) [][2]string {
	out := make([][2]string, len(ls))
	for i, l := range ls {
		out[i] = [2]string{r.cat.Price(m, l[0]), r.cat.Quantity(m, l[1])}
	}
	return out
}

func (r *renderer) depth(m config.MarketID, d *delta, now int64) []byte {
	return marshal(depthMsg{Event: "depth", EventTime: now, Symbol: r.cat.MarketSymbol(m),
		Asks: r.levels(m, d.asks), Bids: r.levels(m, d.bids), First: d.first, Last: d.last, EngineTime: micros(d.at)})
}

// trade renders a book trade; taker is the EvTrade event, makerOrder the
// resting order's id.
func (r *renderer) trade(tr *engine.Event, makerOrder uint64, now int64) []byte {
	m := tr.Market
	buyer, seller := tr.OrderID, makerOrder
	if tr.Side == engine.Ask {
		buyer, seller = makerOrder, tr.OrderID
	}
	return marshal(tradeMsg{Event: "trade", EventTime: now, Symbol: r.cat.MarketSymbol(m),
		Price: r.cat.Price(m, tr.Price), Quantity: r.cat.Quantity(m, tr.Quantity),
		Buyer: strconv.FormatUint(buyer, 10), Seller: strconv.FormatUint(seller, 10),
		TradeID: tr.TradeID, EngineTime: micros(tr.Time), BuyerMaker: tr.Side == engine.Ask})
}

func (r *renderer) ticker(m config.MarketID, s *stats, now int64) []byte {
	return marshal(tickerMsg{Event: "ticker", EventTime: now, Symbol: r.cat.MarketSymbol(m),
		Open: r.cat.Price(m, s.open), Close: r.cat.Price(m, s.close), High: r.cat.Price(m, s.high),
		Low: r.cat.Price(m, s.low), Volume: r.cat.Quantity(m, s.lots), QuoteVolume: r.cat.Quote(m, s.quote),
		Trades: s.trades})
}

// markPrice renders market m's prices: mark and index as fixed.Price, the
// rate of the last settled funding interval, the next funding time (ms).
func (r *renderer) markPrice(m config.MarketID, mark, index, rate, nextMs, now int64) []byte {
	return marshal(markPriceMsg{Event: "markPrice", EventTime: now, Symbol: r.cat.MarketSymbol(m),
		Mark: backpack.FixedPrice(mark), FundingRate: backpack.Rate(rate), Index: backpack.FixedPrice(index),
		NextFunding: micros(nextMs)})
}

func (r *renderer) bookTicker(m config.MarketID, bid, ask [2]int64, u uint64, at, now int64) []byte {
	return marshal(bookTickerMsg{Event: "bookTicker", EventTime: now, Symbol: r.cat.MarketSymbol(m),
		AskPrice: r.cat.Price(m, ask[0]), AskQty: r.cat.Quantity(m, ask[1]),
		BidPrice: r.cat.Price(m, bid[0]), BidQty: r.cat.Quantity(m, bid[1]),
		UpdateID: strconv.FormatUint(u, 10), EngineTime: micros(at)})
}

// isLiquidationFill reports whether an order event is a fill on the
// liquidated side of a liquidation: the liquidation engine's own orders
// (book, and hedge netting), collateral conversions, and the liquidated
// side of backstop and ADL trades (reduce-only; the counterparty's side of
// the same trade is not).
func isLiquidationFill(ev *engine.Event) bool {
	if ev.Kind != engine.EvOrder || ev.OrderEvent != engine.OrderFill {
		return false
	}
	switch ev.Origin {
	case engine.OriginLiquidation, engine.OriginCollateralConversion:
		return true
	case engine.OriginADL, engine.OriginBackstop:
		return ev.ReduceOnly
	}
	return false
}

func (r *renderer) liquidation(ev *engine.Event, now int64) []byte {
	m := ev.Market
	return marshal(liquidationMsg{Event: "liquidation", EventTime: now,
		Quantity: r.cat.Quantity(m, ev.FillQty), Price: r.cat.Price(m, ev.FillPrice),
		Side: backpack.SideName(ev.Side), Symbol: r.cat.MarketSymbol(m), EngineTime: micros(ev.Time),
		Origin: ev.Origin.String(), FillType: ev.FillType.String(), SystemType: ev.SystemType.String(),
		AccountID: uint32(ev.Account), OrderID: strconv.FormatUint(ev.OrderID, 10), TradeID: ev.TradeID,
		PositionSide: backpack.PositionSideName(ev.PositionSide), Sequence: ev.Seq})
}

func (r *renderer) stage(ev *engine.Event, now int64) []byte {
	msg := stageMsg{Event: "liquidationStage", EventTime: now, EngineTime: micros(ev.Time),
		AccountID: uint32(ev.Account), Stage: ev.Stage.String(), MarginMode: backpack.MarginModeName(ev.Isolated),
		Sequence: ev.Seq}
	if ev.Isolated {
		msg.Symbol, msg.PositionSide = ptr(r.cat.MarketSymbol(ev.Market)), backpack.PositionSideName(ev.PositionSide)
	} else {
		msg.MMR = ptr(backpack.Rate(ev.Value))
	}
	return marshal(msg)
}

func (r *renderer) order(ev *engine.Event, now int64) []byte {
	m := ev.Market
	size := r.cat.OrderSize(m, ev.Type, ev.Price, ev.Quantity, ev.QuoteQty)
	msg := orderMsg{Event: ev.OrderEvent.String(), EventTime: now, Symbol: r.cat.MarketSymbol(m),
		ClientID: backpack.ClientID(ev.ClientID), Side: backpack.SideName(ev.Side), Type: strings.ToUpper(ev.Type.String()),
		TimeInForce: ev.TimeInForce.String(), Quantity: size.Quantity, QuoteQty: size.QuoteQuantity, Price: size.Price,
		Status: backpack.EventStatus(ev), OrderID: strconv.FormatUint(ev.OrderID, 10),
		Executed: r.cat.Quantity(m, ev.Executed), ExecutedQt: r.cat.Quote(m, ev.ExecutedQt),
		EngineTime: micros(ev.Time), Origin: ev.Origin.String(), ReduceOnly: ev.ReduceOnly, PostOnly: ev.PostOnly,
		SystemType: backpack.SystemOrderTypeName(ev.SystemType), PositionSide: backpack.PositionSideName(ev.PositionSide)}
	if ev.OrderEvent == engine.TriggerPlaced || ev.OrderEvent == engine.TriggerFailed {
		msg.TriggerPrice = ptr(r.cat.Price(m, ev.TriggerPrice))
		msg.TriggerQty = msg.Quantity
	}
	if ev.OrderEvent == engine.OrderFill {
		msg.TradeID = ptr(ev.TradeID)
		msg.FillQty, msg.FillPrice = ptr(r.cat.Quantity(m, ev.FillQty)), ptr(r.cat.Price(m, ev.FillPrice))
		msg.Maker = ptr(ev.Maker)
		msg.Fee, msg.FeeSymbol = ptr(r.cat.Amount(ev.FeeAsset, ev.Fee)), ptr(r.cat.AssetSymbol(ev.FeeAsset))
		msg.FillType = ptr(ev.FillType.String())
	}
	return marshal(msg)
}

// position renders a position update. The event gives what it changed,
// exactly as of its command: net quantity, cost, realized PnL, fees and
// funding (so entry and break-even prices), the isolated margin; mark is
// the market's mark at that point of the stream (unrealized PnL). pr is the
// position's risk figures from a state read made after the event (IMF, MMF,
// net exposure and its notional, bankruptcy price, ADL rank); nil when the
// position is no longer open then, and those figures are sent as zeros.
func (r *renderer) position(ev *engine.Event, mark int64, pr *engine.PositionRisk, now int64) []byte {
	m := ev.Market
	mk := &r.cfg.Markets[m]
	unrealized := valueAt(mk, ev.NetQuantity, mark) - ev.EntryCost
	if ev.NetQuantity == 0 {
		unrealized = 0
	}
	msg := positionMsg{Event: ev.PositionEvent.String(), EventTime: now, Symbol: mk.Symbol,
		BreakEven:   backpack.FixedPrice(priceOf(mk, ev.EntryCost+ev.Fee+ev.FundingPaid, ev.NetQuantity)),
		Entry:       backpack.FixedPrice(priceOf(mk, ev.EntryCost, ev.NetQuantity)),
		Liquidation: "0", IMF: "0", MMF: "0", Mark: backpack.FixedPrice(mark),
		NetQuantity: r.cat.Quantity(m, ev.NetQuantity), NetExposure: r.cat.Quantity(m, 0), NetExposureNtl: r.cat.Settle(0),
		PositionID: backpack.PositionID(ev.Account, m, backpack.Hedge(ev.PositionSide)),
		Realized:   r.cat.Settle(ev.RealizedPnl), Unrealized: r.cat.Settle(unrealized),
		EngineTime: micros(ev.Time), EstBankruptcy: "0", MarginMode: backpack.MarginModeName(ev.Isolated),
		PositionSide: backpack.PositionSideName(ev.PositionSide), FundingPayment: r.cat.Settle(-ev.FundingPaid),
		NetCost: r.cat.Settle(ev.EntryCost)}
	if ev.Isolated {
		msg.IsolatedMargin = ptr(r.cat.Settle(ev.Margin))
	}
	if pr != nil {
		msg.IMF, msg.MMF = backpack.Rate(pr.IMF), backpack.Rate(pr.MMF)
		msg.NetExposure, msg.NetExposureNtl = r.cat.Quantity(m, pr.NetExposure), r.cat.Settle(pr.ExposureNotional)
		if pr.HasBankruptcy {
			msg.EstBankruptcy = r.cat.Price(m, pr.Bankruptcy)
		}
		msg.ADLRank = pr.ADLRank
	}
	return marshal(msg)
}

// positionSnapshot renders an open position as a state read shows it: the
// message sent on subscription, without an event type (Backpack's).
func (r *renderer) positionSnapshot(acct engine.AccountID, pr *engine.PositionRisk, mark, engineMs, now int64) []byte {
	ev := engine.Event{Account: acct, Market: pr.Market, Time: engineMs, NetQuantity: pr.NetQuantity,
		EntryCost: pr.EntryCost, RealizedPnl: pr.RealizedPnl, FundingPaid: pr.FundingPaid, Fee: pr.FeesPaid,
		Isolated: pr.Isolated, Margin: pr.Margin, PositionSide: backpack.HedgeSide(pr.Hedge)}
	return r.position(&ev, mark, pr, now)
}

// priceOf is the engine's entry-price rule (engine/market.go priceOf):
// value ÷ lots as a fixed.Price, value × NotionalDen ÷ (lots × NotionalNum),
// toward zero; 0 for no lots.
func priceOf(mk *config.Market, value, lots int64) int64 {
	if lots == 0 {
		return 0
	}
	d, err := fixed.Mul(lots, mk.NotionalNum)
	if err != nil {
		return 0
	}
	rd := fixed.Floor
	if (value < 0) != (d < 0) && value != 0 {
		rd = fixed.Ceil
	}
	v, err := fixed.MulDiv(value, mk.NotionalDen, d, rd)
	if err != nil {
		return 0
	}
	return v
}

// valueAt is lots × price (fixed.Price) in settlement units, rounded down
// (engine/market.go valueAt, as the position view values it).
func valueAt(mk *config.Market, lots, price int64) int64 {
	w, err := fixed.Wide(lots, price).MulInt64(mk.NotionalNum)
	if err != nil {
		return 0
	}
	v, err := w.Div(mk.NotionalDen, fixed.Floor)
	if err != nil {
		return 0
	}
	return v
}
