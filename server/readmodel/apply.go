package readmodel

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
	"github.com/waterfallrisk/waterfall/server/backpack"
)

// Bucket sizes of the klines table (ms): every Backpack interval shorter
// than an hour is aggregated from the 1-minute buckets, the others from the
// 1-hour ones.
const (
	minuteMs = 60_000
	hourMs   = 3_600_000
)

// Apply applies the events of one batch whose engine sequence after it is
// seq (sequencer.Batch.Seq) and engine time now, in one transaction, and
// records seq. It is idempotent: a batch with seq at or below Seq is
// skipped, and so is every event whose sequence is at or below Seq (a batch
// that overlaps what is applied adds only what is new). A batch's events
// must be in engine order and hold every event of each command they touch.
//
// Within a batch, an order's updates are written once (its last state) and
// the trades of one kline bucket once: the tables end the same whatever the
// batches' boundaries.
func (db *DB) Apply(ctx context.Context, evs []engine.Event, seq uint64, now int64) (err error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	last := db.seq.Load()
	if seq <= last {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if db.w == nil {
		return errClosed
	}
	a := &db.batch
	if err := a.begin.run(nil); err != nil {
		return fmt.Errorf("readmodel: begin: %w", err)
	}
	defer func() {
		if err != nil {
			_ = a.rollback.run(nil)
		}
	}()
	a.reset(ctx)
	for i := range evs {
		if evs[i].Seq <= last {
			continue
		}
		if err := a.event(evs, i); err != nil {
			return fmt.Errorf("readmodel: event %d (%v, seq %d): %w", i, evs[i].Kind, evs[i].Seq, err)
		}
	}
	if err := a.flush(); err != nil {
		return err
	}
	if err := a.setSeq.run([]int64{int64(seq), now}); err != nil { //nolint:gosec // engine sequences < 2^63
		return err
	}
	if err := a.commit.run(nil); err != nil {
		return fmt.Errorf("readmodel: commit: %w", err)
	}
	db.seq.Store(seq)
	db.time.Store(now)
	return nil
}

// applier gathers and writes one batch's rows (Apply only; its maps and
// buffers are reused from batch to batch). Rows are written table by table
// at the end of the batch, each table's in event order (its ids grow as
// the events came).
type applier struct {
	db     *DB
	ctx    context.Context
	orders map[uint64]int // order id → index in order
	order  []orderRow     // last state of each order updated, first seen first
	klines map[klineKey]int
	kline  []klineRow
	nets   map[lendKey]int64 // position after each account's last movement in the batch

	fills, balances, trades, funding, rates, orderRows, klineRows *rows
	borrowLend                                                    *rows

	begin, commit, rollback, setSeq *stmt
}

// prepare readies the applier's statements on w.
func (a *applier) prepare(w *conn) (err error) {
	a.fills = newRows(insertFill, "", fillCols)
	a.balances = newRows(insertBalance, "", balanceCols)
	a.trades = newRows(insertTrade, "", tradeCols)
	a.funding = newRows(insertFunding, "", fundingCols)
	a.rates = newRows(insertRate, "", rateCols)
	a.orderRows = newRows(upsertOrder, upsertOrderTail, orderCols)
	a.klineRows = newRows(upsertKline, upsertKlineTail, klineCols)
	a.borrowLend = newRows(insertBorrowLend, "", borrowLendCols)
	for _, p := range []struct {
		s   **stmt
		sql string
	}{{&a.begin, "BEGIN IMMEDIATE"}, {&a.commit, "COMMIT"}, {&a.rollback, "ROLLBACK"}, {&a.setSeq, sqlSetSeq}} {
		if *p.s, err = w.prepare(p.sql); err != nil {
			return err
		}
	}
	return nil
}

type orderRow struct {
	ev      engine.Event // the last update
	created int64        // the first update's time
}

type klineKey struct {
	res, start int64
	market     config.MarketID
}

type klineRow struct {
	key                    klineKey
	open, high, low, close int64
	volume, quote, trades  int64
}

func (a *applier) reset(ctx context.Context) {
	a.ctx = ctx
	if a.orders == nil {
		a.orders, a.klines = map[uint64]int{}, map[klineKey]int{}
	}
	clear(a.orders)
	clear(a.klines)
	if a.nets == nil {
		a.nets = map[lendKey]int64{}
	}
	clear(a.nets)
	a.order, a.kline = a.order[:0], a.kline[:0]
	for _, r := range a.tables() {
		r.reset()
	}
}

// tables lists the row buffers in the order flush writes them.
func (a *applier) tables() [8]*rows {
	return [...]*rows{a.fills, a.orderRows, a.trades, a.klineRows, a.balances, a.funding, a.rates, a.borrowLend}
}

// i64 converts the engine's small integer types for the driver (a plain
// int64 takes database/sql's fast path).
func i64[T ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~int64](v T) int64 { return int64(v) } //nolint:gosec // ids < 2^63

func b64(v bool) int64 {
	if v {
		return 1
	}
	return 0
}

// event gathers or writes the rows of evs[i].
func (a *applier) event(evs []engine.Event, i int) error {
	ev := &evs[i]
	switch ev.Kind {
	case engine.EvTrade:
		return a.trade(ev, userTrade(evs, i))
	case engine.EvOrder:
		if k, ok := a.orders[ev.OrderID]; ok {
			a.order[k].ev = *ev
		} else {
			a.orders[ev.OrderID] = len(a.order)
			a.order = append(a.order, orderRow{ev: *ev, created: ev.Time})
		}
		if ev.OrderEvent == engine.OrderFill {
			a.fill(ev)
		}
	case engine.EvBalance:
		return a.balance(ev)
	case engine.EvFundingRate:
		a.db.rates[ev.Market] = ev.Value
		a.rates.add(i64(ev.Seq), ev.Time, i64(ev.Market), ev.Value)
	case engine.EvBorrowLend:
		return a.borrowLendRow(ev)
	}
	return nil
}

// userTrade reports whether the trade evs[i] is between two user orders:
// both of its fills (the orderFill events with its trade id that follow it
// in the same command) have the user origin. A liquidation order's trade is
// a public trade but never moves klines, tickers or the last price.
func userTrade(evs []engine.Event, i int) bool {
	id, seq := evs[i].TradeID, evs[i].Seq
	found := 0
	for j := i + 1; j < len(evs) && evs[j].Seq == seq && found < 2; j++ {
		ev := &evs[j]
		if ev.Kind != engine.EvOrder || ev.OrderEvent != engine.OrderFill || ev.TradeID != id {
			continue
		}
		found++
		if ev.Origin != engine.OriginUser {
			return false
		}
	}
	return true
}

func (a *applier) trade(ev *engine.Event, user bool) error {
	quote, _ := fixed.Mul(ev.Quantity, ev.Price) // the engine bounded lots × ticks × lotTick
	quote, _ = fixed.Mul(quote, a.db.lotTick[ev.Market])
	a.trades.add(i64(ev.TradeID), i64(ev.Seq), ev.Time, i64(ev.Market), ev.Price, ev.Quantity, quote, i64(ev.Side), b64(user))
	if !user {
		return nil
	}
	for _, res := range [...]int64{minuteMs, hourMs} {
		key := klineKey{res: res, start: ev.Time - ev.Time%res, market: ev.Market}
		k, ok := a.klines[key]
		if !ok {
			a.klines[key] = len(a.kline)
			a.kline = append(a.kline, klineRow{key: key, open: ev.Price, high: ev.Price, low: ev.Price})
			k = len(a.kline) - 1
		}
		r := &a.kline[k]
		r.high, r.low, r.close = max(r.high, ev.Price), min(r.low, ev.Price), ev.Price
		r.volume += ev.Quantity
		r.quote += quote
		r.trades++
	}
	return nil
}

// flush writes the gathered rows.
func (a *applier) flush() error {
	for i := range a.order {
		o := &a.order[i]
		ev := &o.ev
		a.orderRows.add(i64(ev.OrderID), i64(ev.Account), i64(ev.Market), i64(ev.ClientID),
			i64(ev.Side), i64(ev.Type), i64(ev.TimeInForce), ev.Price, ev.Quantity, ev.QuoteQty, ev.TriggerPrice,
			ev.Executed, ev.ExecutedQt, orderStatusCode(ev), b64(ev.ReduceOnly), b64(ev.PostOnly), i64(ev.Origin),
			i64(systemType(ev)), i64(ev.PositionSide), o.created, ev.Time, i64(ev.Seq))
	}
	for i := range a.kline {
		k := &a.kline[i]
		a.klineRows.add(k.key.res, i64(k.key.market), k.key.start, k.open, k.high, k.low, k.close, k.volume, k.quote, k.trades)
	}
	for _, r := range a.tables() {
		if err := r.flush(a.db.w); err != nil {
			return err
		}
	}
	return nil
}

// Order statuses as the orders table stores them: the engine's
// (engine.OrderStatus, 0 to 4) and the trigger statuses.
const (
	codeTriggerPending = 100
	codeTriggerFailed  = 101
)

// orderStatusCode is the status an order update leaves (Backpack's, with
// the trigger statuses), as stored.
func orderStatusCode(ev *engine.Event) int64 {
	switch ev.OrderEvent {
	case engine.TriggerPlaced:
		return codeTriggerPending
	case engine.TriggerFailed:
		return codeTriggerFailed
	}
	return int64(ev.Status)
}

// orderStatusName is the Backpack status of a stored code.
func orderStatusName(code int64) string {
	switch {
	case code == codeTriggerPending:
		return backpack.StatusTriggerPending
	case code == codeTriggerFailed:
		return backpack.StatusTriggerFailed
	case code >= 0 && code <= int64(engine.StatusExpired):
		return engine.OrderStatus(code).String()
	}
	return "Unknown"
}

// systemType is an order's systemOrderType: the fill's, or what its origin
// implies (only fills carry it; the engine maps origins the same way).
func systemType(ev *engine.Event) engine.SystemOrderType {
	if ev.SystemType != engine.SystemNone {
		return ev.SystemType
	}
	switch ev.Origin {
	case engine.OriginLiquidation:
		return engine.SystemLiquidatePositionOnBook
	case engine.OriginADL:
		return engine.SystemLiquidatePositionOnAdl
	case engine.OriginBackstop:
		return engine.SystemLiquidatePositionOnBackstop
	case engine.OriginCollateralConversion:
		return engine.SystemCollateralConversion
	case engine.OriginSettlement:
		return engine.SystemOrderBookClosed
	}
	return engine.SystemNone
}

func (a *applier) fill(ev *engine.Event) {
	a.fills.add(i64(ev.Seq), ev.Time, i64(ev.Account), i64(ev.Market), i64(ev.OrderID),
		i64(ev.ClientID), i64(ev.TradeID), i64(ev.Side), ev.FillPrice, ev.FillQty, ev.Fee, i64(ev.FeeAsset),
		b64(ev.Maker), i64(ev.FillType), i64(ev.SystemType), i64(ev.Origin))
}

// balance keeps the movements of user accounts and of the insurance fund
// (the other system accounts are each user movement's other side), and a
// user's funding payments with their interval's rate.
func (a *applier) balance(ev *engine.Event) error {
	if ev.Account < a.db.firstUser && ev.Account != engine.AccountInsurance {
		return nil
	}
	a.balances.add(i64(ev.Seq), ev.Time, i64(ev.Account), i64(ev.Asset), i64(ev.Market),
		ev.Amount, ev.Balance, i64(ev.Source), i64(ev.Counterparty))
	if ev.Source != engine.SourceFundingPayment || ev.Account < a.db.firstUser {
		return nil
	}
	rate, err := a.rate(ev.Market)
	if err != nil {
		return err
	}
	a.funding.add(i64(ev.Seq), ev.Time, i64(ev.Account), i64(ev.Market), ev.Amount, rate)
	return nil
}

// rate is market m's latest funding rate: the one the EvFundingRate before
// a payment (same command) set; read back from the table (what is
// committed: a rate of this batch is in db.rates) if this process has not
// seen it.
func (a *applier) rate(m config.MarketID) (int64, error) {
	if r, ok := a.db.rates[m]; ok {
		return r, nil
	}
	var r int64
	err := a.db.sql.QueryRowContext(a.ctx, `SELECT rate FROM funding_rates WHERE market = ? ORDER BY id DESC LIMIT 1`, i64(m)).Scan(&r)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("readmodel: %w", err)
	}
	a.db.rates[m] = r
	return r, nil
}
