package engine_test

// The scenarios' rendering of events and views: one line per event, every
// number a decimal string in its own unit (base quantity, price, asset
// amount, rate). Each line maps to Event fields as follows:
//
//	accountCreated NAME id=Account
//	accountSettings NAME
//	order NAME #OrderID OrderEvent Side Type TimeInForce Quantity@Price Status Origin
//	      [client=ClientID] [post-only] [reduce-only] [trigger=TriggerPrice] [executed=Executed]
//	      (a market order shows @market; a quote-quantity order's open quantity,
//	      the engine's MaxAmount sentinel, shows as "max")
//	fill NAME #OrderID Side FillQty@FillPrice fee=Fee FeeAsset maker=Maker tradeId=TradeID
//	      FillType [SystemType] executed=Executed/Quantity Status
//	trade MARKET tradeId=TradeID taker=NAME #OrderID Side Quantity@Price
//	position NAME MARKET PositionEvent qty=NetQuantity entry=|EntryCost/NetQuantity|
//	      realized=RealizedPnl funding=FundingPaid fees=Fee
//	      (entry exact, or "~" and 8 decimals when it does not terminate in 12;
//	      the event names no position side, so hedge-mode lines show only the sign)
//	balance NAME ASSET ±Amount Source [-> / <- Counterparty] = Balance
//	index ASSET Value
//	mark MARKET Value
//	fundingRate MARKET Value
//	liquidation NAME stage=Stage mmr=Value
//	      (the stage entered: Book, Backstop or ADL; None when the liquidation
//	      ended; Value the account's MMR then, 1 = 100%, "inf" at or below
//	      zero equity)
//	liquidation NAME MARKET [Long|Short] isolated stage=Stage
//	      (an isolated position's liquidation; the side in hedge mode)
//
// Events of an advance carry their engine time as a prefix, @ms.

import (
	"fmt"
	"math"
	"math/big"
	"strings"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// systemNames are the system accounts' names, by id (engine.AccountFees...).
var systemNames = map[engine.AccountID]string{
	engine.AccountFees:      "fees",
	engine.AccountInsurance: "insurance",
	engine.AccountBackstop:  "backstop",
	engine.AccountFunding:   "funding",
}

func reservedName(s string) bool {
	for _, n := range systemNames {
		if n == s {
			return true
		}
	}
	return strings.HasPrefix(s, "clearing:") || strings.HasPrefix(s, "#")
}

// systemAccount resolves a system account's name.
func systemAccount(e *engine.Engine, s string) (engine.AccountID, bool) {
	for id, n := range systemNames {
		if n == s {
			return id, true
		}
	}
	if sym, ok := strings.CutPrefix(s, "clearing:"); ok {
		if m, ok := e.Config().MarketBySymbol(sym); ok && e.Config().Markets[m].Kind == config.Perp {
			return e.Clearing(m), true
		}
	}
	return 0, false
}

type renderer struct {
	e     *engine.Engine
	names map[engine.AccountID]string
}

func (r renderer) cfg() *config.Config { return r.e.Config() }

func (r renderer) account(id engine.AccountID) string {
	if n, ok := r.names[id]; ok {
		return n
	}
	if n, ok := systemNames[id]; ok {
		return n
	}
	for i, m := range r.cfg().Markets {
		if m.Kind == config.Perp && r.e.Clearing(config.MarketID(i)) == id {
			return "clearing:" + m.Symbol
		}
	}
	return fmt.Sprintf("#%d", id)
}

func (r renderer) market(id config.MarketID) *config.Market { return &r.cfg().Markets[id] }

// qty renders lots as a base quantity.
func (r renderer) qty(m config.MarketID, lots int64) string {
	mc := r.market(m)
	if lots == engine.MaxAmount {
		return "max"
	}
	return fixed.FormatDecimal(lots*mc.StepSize, r.cfg().Assets[mc.Base].Decimals)
}

// price renders ticks as a price.
// (in big integers: a price the engine should have refused may not fit a
// fixed.Price, and the rendering must not wrap it).
func (r renderer) price(m config.MarketID, ticks int64) string {
	p := new(big.Int).Mul(big.NewInt(ticks), big.NewInt(r.market(m).TickSize))
	return ratio(p, pow10(fixed.PriceDecimals))
}

// amount renders an asset amount.
func (r renderer) amount(asset config.AssetID, v int64) string {
	return fixed.FormatDecimal(v, r.cfg().Assets[asset].Decimals)
}

func (r renderer) settle() config.AssetID {
	id, _ := r.cfg().AssetBySymbol(r.cfg().SettlementAsset)
	return id
}

// usdc renders a settlement amount.
func (r renderer) usdc(v int64) string { return r.amount(r.settle(), v) }

func rate(v int64) string { return fixed.FormatDecimal(v, fixed.RateDecimals) }

// ratio renders num/den exactly when it has at most 12 decimals, else
// rounded to 8 decimals with a leading "~".
func ratio(num, den *big.Int) string {
	q := new(big.Rat).SetFrac(num, den)
	s := trimZeros(q.FloatString(12))
	if back, ok := new(big.Rat).SetString(s); ok && back.Cmp(q) == 0 {
		return s
	}
	return "~" + trimZeros(q.FloatString(8))
}

func trimZeros(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// perLot renders a settlement amount per base unit of lots: a price.
func (r renderer) perLot(m config.MarketID, amount, lots int64) string {
	if lots == 0 {
		return "-"
	}
	mc := r.market(m)
	// price = amount / 10^quoteDec ÷ (lots × step / 10^baseDec)
	num := new(big.Int).Mul(big.NewInt(amount), pow10(r.cfg().Assets[mc.Base].Decimals))
	den := new(big.Int).Mul(big.NewInt(lots*mc.StepSize), pow10(r.cfg().Assets[mc.Quote].Decimals))
	return ratio(num, den)
}

func pow10(n int) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil) }

func signed(s string) string {
	if strings.HasPrefix(s, "-") {
		return s
	}
	return "+" + s
}

func (r renderer) events(evs []engine.Event) string {
	var b strings.Builder
	for i := range evs {
		b.WriteString(r.event(&evs[i]))
		b.WriteByte('\n')
	}
	if b.Len() == 0 {
		return "ok"
	}
	return b.String()
}

// advance renders the events of a time advance with their times. With
// lastMarks, mark events are folded into one line per market at the end.
func (r renderer) advance(evs []engine.Event, lastMarks bool) string {
	var b strings.Builder
	type fold struct {
		ev engine.Event
		n  int
	}
	var marks []fold
	for i := range evs {
		ev := &evs[i]
		if lastMarks && ev.Kind == engine.EvMarkPrice {
			found := false
			for j := range marks {
				if marks[j].ev.Market == ev.Market {
					marks[j].ev, marks[j].n, found = *ev, marks[j].n+1, true
				}
			}
			if !found {
				marks = append(marks, fold{*ev, 1})
			}
			continue
		}
		fmt.Fprintf(&b, "@%d %s\n", ev.Time, r.event(ev))
	}
	for _, f := range marks {
		fmt.Fprintf(&b, "@%d %s (last of %d mark updates)\n", f.ev.Time, r.event(&f.ev), f.n)
	}
	fmt.Fprintf(&b, "now %d", r.e.Now())
	return b.String()
}

func (r renderer) event(ev *engine.Event) string {
	switch ev.Kind {
	case engine.EvAccountCreated:
		return fmt.Sprintf("accountCreated %s id=%d", r.account(ev.Account), ev.Account)
	case engine.EvAccountSettings:
		return "accountSettings " + r.account(ev.Account)
	case engine.EvOrder:
		if ev.OrderEvent == engine.OrderFill {
			return r.fill(ev)
		}
		return r.order(ev)
	case engine.EvTrade:
		return fmt.Sprintf("trade %s tradeId=%d taker=%s #%d %v %s@%s", r.market(ev.Market).Symbol, ev.TradeID,
			r.account(ev.Account), ev.OrderID, ev.Side, r.qty(ev.Market, ev.Quantity), r.price(ev.Market, ev.Price))
	case engine.EvPosition:
		return fmt.Sprintf("position %s %s %v qty=%s entry=%s realized=%s funding=%s fees=%s",
			r.account(ev.Account), r.market(ev.Market).Symbol, ev.PositionEvent, r.qty(ev.Market, ev.NetQuantity),
			r.perLot(ev.Market, abs(ev.EntryCost), abs(ev.NetQuantity)), r.usdc(ev.RealizedPnl),
			r.usdc(ev.FundingPaid), r.usdc(ev.Fee))
	case engine.EvBalance:
		s := fmt.Sprintf("balance %s %s %s %v", r.account(ev.Account), r.cfg().Assets[ev.Asset].Symbol,
			signed(r.amount(ev.Asset, ev.Amount)), ev.Source)
		switch {
		case ev.Counterparty == ev.Account:
		case ev.Amount < 0:
			s += " -> " + r.account(ev.Counterparty)
		default:
			s += " <- " + r.account(ev.Counterparty)
		}
		return s + " = " + r.amount(ev.Asset, ev.Balance)
	case engine.EvIndexPrice:
		return fmt.Sprintf("index %s %s", r.cfg().Assets[ev.Asset].Symbol, fixed.FormatDecimal(ev.Value, fixed.PriceDecimals))
	case engine.EvMarkPrice:
		return fmt.Sprintf("mark %s %s", r.market(ev.Market).Symbol, fixed.FormatDecimal(ev.Value, fixed.PriceDecimals))
	case engine.EvFundingRate:
		return fmt.Sprintf("fundingRate %s %s", r.market(ev.Market).Symbol, rate(ev.Value))
	case engine.EvLiquidation:
		if ev.Isolated {
			side := ""
			if ev.PositionSide != engine.NoSide {
				side = " " + ev.PositionSide.String()
			}
			return fmt.Sprintf("liquidation %s %s%s isolated stage=%v", r.account(ev.Account), r.market(ev.Market).Symbol, side, ev.Stage)
		}
		return fmt.Sprintf("liquidation %s stage=%v mmr=%s", r.account(ev.Account), ev.Stage, ratioOrInf(ev.Value))
	case engine.EvBorrowLend:
		return fmt.Sprintf("borrowLend %s %s %v %s net=%s", r.account(ev.Account), r.cfg().Assets[ev.Asset].Symbol,
			ev.Source, r.amount(ev.Asset, ev.Amount), r.amount(ev.Asset, ev.NetQuantity))
	case engine.EvInterest:
		return fmt.Sprintf("interest %s borrowRate=%s charged=%s credited=%s", r.cfg().Assets[ev.Asset].Symbol,
			rate(ev.Value), r.amount(ev.Asset, ev.Amount), r.amount(ev.Asset, ev.Balance))
	}
	return fmt.Sprintf("event %v %+v", ev.Kind, *ev)
}

// pools renders every lending pool that has a lender or a borrower.
func (r renderer) pools() string {
	var b strings.Builder
	for _, p := range r.e.Pools() {
		if p.Lent == 0 && p.Borrowed == 0 && p.Cash == 0 {
			continue
		}
		sym := r.cfg().Assets[p.Asset].Symbol
		fmt.Fprintf(&b, "%s cash=%s lent=%s borrowed=%s house=%s\n", sym, r.amount(p.Asset, p.Cash),
			r.amount(p.Asset, p.Lent), r.amount(p.Asset, p.Borrowed), r.amount(p.Asset, p.House))
		fmt.Fprintf(&b, "  lendIndex=%s borrowIndex=%s utilization=%s borrowRate=%s lendRate=%s throttled=%v\n",
			fixed.FormatDecimal(p.LendIndex, 12), fixed.FormatDecimal(p.BorrowIndex, 12), rate(p.Utilization),
			rate(p.BorrowRate), rate(p.LendRate), p.Throttled)
	}
	if b.Len() == 0 {
		return "(none)"
	}
	return b.String()
}

// lending renders an account's lending positions.
func (r renderer) lending(id engine.AccountID) string {
	var b strings.Builder
	for _, p := range r.e.BorrowLendPositions(id) {
		fmt.Fprintf(&b, "%s lent=%s borrowed=%s (shares %d / %d)\n", r.cfg().Assets[p.Asset].Symbol,
			r.amount(p.Asset, p.Lent), r.amount(p.Asset, p.Borrowed), p.LendShares, p.BorrowShares)
	}
	if b.Len() == 0 {
		return "(none)"
	}
	return b.String()
}

func (r renderer) orderFlags(ev *engine.Event) string {
	var s string
	if ev.ClientID != 0 {
		s += fmt.Sprintf(" client=%d", ev.ClientID)
	}
	if ev.PostOnly {
		s += " post-only"
	}
	if ev.ReduceOnly {
		s += " reduce-only"
	}
	return s
}

func (r renderer) order(ev *engine.Event) string {
	px := "market"
	if ev.Type == engine.Limit {
		px = r.price(ev.Market, ev.Price)
	}
	s := fmt.Sprintf("order %s #%d %v %v %v %v %s@%s %v %v%s", r.account(ev.Account), ev.OrderID, ev.OrderEvent,
		ev.Side, ev.Type, ev.TimeInForce, r.qty(ev.Market, ev.Quantity), px, ev.Status, ev.Origin, r.orderFlags(ev))
	if ev.TriggerPrice != 0 {
		s += " trigger=" + r.price(ev.Market, ev.TriggerPrice)
	}
	if ev.Executed != 0 {
		s += " executed=" + r.qty(ev.Market, ev.Executed)
	}
	return s
}

func (r renderer) fill(ev *engine.Event) string {
	s := fmt.Sprintf("fill %s #%d %v %s@%s fee=%s %s maker=%v tradeId=%d %v", r.account(ev.Account), ev.OrderID,
		ev.Side, r.qty(ev.Market, ev.FillQty), r.price(ev.Market, ev.FillPrice), r.amount(ev.FeeAsset, ev.Fee),
		r.cfg().Assets[ev.FeeAsset].Symbol, ev.Maker, ev.TradeID, ev.FillType)
	if ev.SystemType != engine.SystemNone {
		s += " " + ev.SystemType.String()
	}
	return s + fmt.Sprintf(" executed=%s/%s %v", r.qty(ev.Market, ev.Executed), r.qty(ev.Market, ev.Quantity), ev.Status)
}

// book renders both sides, asks from the highest down, then bids.
func (r renderer) book(m config.MarketID) string {
	var b strings.Builder
	asks := r.e.Depth(m, engine.Ask, 1000)
	for i := len(asks) - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "ask %s %s\n", r.price(m, asks[i][0]), r.qty(m, asks[i][1]))
	}
	if len(asks) == 0 {
		b.WriteString("ask (none)\n")
	}
	bids := r.e.Depth(m, engine.Bid, 1000)
	for _, l := range bids {
		fmt.Fprintf(&b, "bid %s %s\n", r.price(m, l[0]), r.qty(m, l[1]))
	}
	if len(bids) == 0 {
		b.WriteString("bid (none)\n")
	}
	return b.String()
}

func (r renderer) mark(m config.MarketID) string {
	mc := r.market(m)
	s := fmt.Sprintf("index=%s mark=%s last=%s", fixed.FormatDecimal(r.e.Index(mc.Base), fixed.PriceDecimals),
		fixed.FormatDecimal(r.e.Mark(m), fixed.PriceDecimals), r.price(m, r.e.LastPrice(m)))
	if mc.Kind == config.Perp {
		s += fmt.Sprintf(" fundingRate=%s openInterest=%s", rate(r.e.FundingRate(m)), r.qty(m, r.e.OpenInterest(m)))
	}
	return s
}

// positions renders each position slot, with the engine's entry and
// break-even prices (PositionView: cost ÷ qty, and (cost + fees + funding) ÷
// qty, toward zero).
func (r renderer) positions(id engine.AccountID) string {
	var b strings.Builder
	px := func(v int64) string {
		if v == 0 {
			return "-"
		}
		return fixed.FormatDecimal(v, fixed.PriceDecimals)
	}
	for _, p := range r.e.Positions(id) {
		m := p.Market
		hedge := ""
		switch p.Hedge {
		case 1:
			hedge = " Long"
		case -1:
			hedge = " Short"
		}
		fmt.Fprintf(&b, "%s%s qty=%s entry=%s breakEven=%s realized=%s unrealized=%s fees=%s funding=%s bids=%s asks=%s exposure=%s\n",
			r.market(m).Symbol, hedge, r.qty(m, p.NetQuantity), px(p.EntryPrice), px(p.BreakEvenPrice),
			r.usdc(p.RealizedPnl), r.usdc(p.UnrealizedAt), r.usdc(p.FeesPaid), r.usdc(p.FundingPaid),
			r.qty(m, p.OpenBids), r.qty(m, p.OpenAsks), r.qty(m, p.NetExposure))
	}
	fmt.Fprintf(&b, "open orders: %d", r.e.OpenOrders(id))
	return b.String()
}

func (r renderer) balances(id engine.AccountID) string {
	var b strings.Builder
	for i, a := range r.cfg().Assets {
		asset := config.AssetID(i)
		bal := r.e.Balance(id, asset)
		var locked int64
		if int(id) >= int(r.e.FirstUser()) {
			locked = r.e.Locked(id, asset)
		}
		if bal == 0 && locked == 0 {
			continue
		}
		fmt.Fprintf(&b, "%s %s", a.Symbol, r.amount(asset, bal))
		if locked != 0 {
			fmt.Fprintf(&b, " (locked %s)", r.amount(asset, locked))
		}
		b.WriteByte('\n')
	}
	if b.Len() == 0 {
		return "(none)"
	}
	return b.String()
}

// liquidations renders the accounts now liquidating, in id order, with the
// stage their last liquidation event reported and their MMR now.
func (r renderer) liquidations(stages map[engine.AccountID]engine.LiquidationStage) string {
	var b strings.Builder
	for id := r.e.FirstUser(); int(id) < r.e.Accounts(); id++ {
		if !r.e.Liquidating(id) {
			continue
		}
		m := r.e.Margin(id)
		fmt.Fprintf(&b, "%s stage=%v mmr=%s\n", r.account(id), stages[id], ratioOrInf(m.MMR()))
	}
	if b.Len() == 0 {
		return "(none)"
	}
	return b.String()
}

func ratioOrInf(v int64) string {
	if v == math.MaxInt64 {
		return "inf"
	}
	return rate(v)
}

// margin renders the account's margin (formulas.md §1); fractions are
// decimals (1 = 100%).
func (r renderer) margin(id engine.AccountID) string {
	m := r.e.Margin(id)
	mf := "none"
	if v, ok := m.MarginFraction(); ok {
		mf = rate(v)
	}
	lines := []string{
		"netEquity " + r.usdc(m.NetEquity),
		"exposure " + r.usdc(m.Exposure),
		"initial " + r.usdc(m.Initial) + " maintenance " + r.usdc(m.Maintenance),
		"imf " + rate(m.IMF()) + " mmf " + rate(m.MMF()) + " mf " + mf,
		"imr " + ratioOrInf(m.IMR()) + " mmr " + ratioOrInf(m.MMR()),
		"locked " + r.usdc(m.Locked()) + " available " + r.usdc(m.Available()),
		fmt.Sprintf("canIncrease=%v liquidatable=%v", m.CanIncrease(), m.Liquidatable()),
	}
	return strings.Join(lines, "\n")
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}
