package readmodel

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
)

// Page selects a window of a history, in the order it grew (rowid):
// Offset rows skipped from the newest (Desc) or the oldest end, then at most
// Limit rows. From and To bound the engine time (ms), inclusive; 0 leaves
// that side open.
type Page struct {
	Limit, Offset int
	Desc          bool
	From, To      int64
}

// where builds a WHERE clause and its arguments.
type where struct {
	parts []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.parts = append(w.parts, cond)
	w.args = append(w.args, args...)
}

// in adds "col IN (…)"; an empty list adds nothing (no filter).
func in[T any](w *where, col string, vs []T) {
	if len(vs) == 0 {
		return
	}
	w.add(col+" IN ("+strings.TrimSuffix(strings.Repeat("?,", len(vs)), ",")+")", anys(vs)...)
}

func anys[T any](vs []T) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = v
	}
	return out
}

// page adds the time bounds and returns the ORDER BY … LIMIT … OFFSET tail.
func (w *where) page(p Page, timeCol, orderCol string) string {
	if p.From != 0 {
		w.add(timeCol+" >= ?", p.From)
	}
	if p.To != 0 {
		w.add(timeCol+" <= ?", p.To)
	}
	dir := "ASC"
	if p.Desc {
		dir = "DESC"
	}
	limit := p.Limit
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	w.args = append(w.args, limit, max(p.Offset, 0))
	return " ORDER BY " + orderCol + " " + dir + " LIMIT ? OFFSET ?"
}

func (w *where) String() string {
	if len(w.parts) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.parts, " AND ")
}

// query runs q and scans each row with scan.
func query(ctx context.Context, db *sql.DB, q string, args []any, scan func(*sql.Rows) error) error {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("readmodel: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return fmt.Errorf("readmodel: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("readmodel: %w", err)
	}
	return nil
}

// Fill is one side of a trade, on the book or off it.
type Fill struct {
	Seq        uint64
	Time       int64
	Account    engine.AccountID
	Market     config.MarketID
	OrderID    uint64
	ClientID   uint32
	TradeID    uint64
	Side       engine.Side
	Price      int64 // ticks
	Quantity   int64 // lots
	Fee        int64 // FeeAsset units
	FeeAsset   config.AssetID
	Maker      bool
	FillType   engine.FillType
	SystemType engine.SystemOrderType
	Origin     engine.Origin
}

// FillFilter selects an account's fills. Empty lists do not filter.
type FillFilter struct {
	Account   engine.AccountID
	Markets   []config.MarketID
	OrderID   uint64 // 0: every order
	FillTypes []engine.FillType
	Page
}

// Fills returns an account's fills.
func (db *DB) Fills(ctx context.Context, f FillFilter) ([]Fill, error) {
	w := &where{}
	w.add("account = ?", f.Account)
	in(w, "market", f.Markets)
	if f.OrderID != 0 {
		w.add("order_id = ?", f.OrderID)
	}
	in(w, "fill_type", f.FillTypes)
	tail := w.page(f.Page, "time", "id")
	out := []Fill{}
	err := query(ctx, db.sql, `SELECT seq, time, account, market, order_id, client_id, trade_id, side, price, quantity,
		fee, fee_asset, maker, fill_type, system_type, origin FROM fills`+w.String()+tail, w.args, func(r *sql.Rows) error {
		var x Fill
		err := r.Scan(&x.Seq, &x.Time, &x.Account, &x.Market, &x.OrderID, &x.ClientID, &x.TradeID, &x.Side, &x.Price,
			&x.Quantity, &x.Fee, &x.FeeAsset, &x.Maker, &x.FillType, &x.SystemType, &x.Origin)
		out = append(out, x)
		return err
	})
	return out, err
}

// Order is an order as its last update left it.
type Order struct {
	OrderID      uint64
	Account      engine.AccountID
	Market       config.MarketID
	ClientID     uint32
	Side         engine.Side
	Type         engine.OrderType
	TimeInForce  engine.TimeInForce
	Price        int64 // ticks
	Quantity     int64 // lots
	QuoteQty     int64
	TriggerPrice int64 // ticks
	Executed     int64 // lots
	ExecutedQt   int64
	Status       string // Backpack's, TriggerPending and TriggerFailed included
	ReduceOnly   bool
	PostOnly     bool
	Origin       engine.Origin
	SystemType   engine.SystemOrderType
	PositionSide engine.PositionSide
	CreatedAt    int64 // engine time of its first update
	UpdatedAt    int64
}

// OrderFilter selects an account's orders. Empty lists do not filter.
type OrderFilter struct {
	Account engine.AccountID
	Markets []config.MarketID
	OrderID uint64 // 0: every order
	Page           // From and To bound CreatedAt
}

// Orders returns an account's orders, by order id.
func (db *DB) Orders(ctx context.Context, f OrderFilter) ([]Order, error) {
	w := &where{}
	w.add("account = ?", f.Account)
	in(w, "market", f.Markets)
	if f.OrderID != 0 {
		w.add("order_id = ?", f.OrderID)
	}
	tail := w.page(f.Page, "created_at", "order_id")
	out := []Order{}
	err := query(ctx, db.sql, `SELECT order_id, account, market, client_id, side, type, tif, price, quantity, quote_qty,
		trigger_price, executed, executed_qt, status, reduce_only, post_only, origin, system_type, position_side,
		created_at, updated_at FROM orders`+w.String()+tail, w.args, func(r *sql.Rows) error {
		var x Order
		var status int64
		err := r.Scan(&x.OrderID, &x.Account, &x.Market, &x.ClientID, &x.Side, &x.Type, &x.TimeInForce, &x.Price,
			&x.Quantity, &x.QuoteQty, &x.TriggerPrice, &x.Executed, &x.ExecutedQt, &status, &x.ReduceOnly,
			&x.PostOnly, &x.Origin, &x.SystemType, &x.PositionSide, &x.CreatedAt, &x.UpdatedAt)
		x.Status = orderStatusName(status)
		out = append(out, x)
		return err
	})
	return out, err
}

// Movement is one ledger movement of an account (an EvBalance).
type Movement struct {
	Seq          uint64
	Time         int64
	Account      engine.AccountID
	Asset        config.AssetID
	Market       config.MarketID // the market it concerns, if any
	Amount       int64           // into the account; negative: out
	Balance      int64           // after it
	Source       engine.Source
	Counterparty engine.AccountID
}

// MovementFilter selects an account's movements. Empty lists do not filter.
type MovementFilter struct {
	Account engine.AccountID
	Sources []engine.Source
	Page
}

// Movements returns an account's balance movements.
func (db *DB) Movements(ctx context.Context, f MovementFilter) ([]Movement, error) {
	w := &where{}
	w.add("account = ?", f.Account)
	in(w, "source", f.Sources)
	tail := w.page(f.Page, "time", "id")
	return db.movements(ctx, w, tail)
}

func (db *DB) movements(ctx context.Context, w *where, tail string) ([]Movement, error) {
	out := []Movement{}
	err := query(ctx, db.sql, `SELECT seq, time, account, asset, market, amount, balance, source, counterparty
		FROM balances`+w.String()+tail, w.args, func(r *sql.Rows) error {
		var x Movement
		err := r.Scan(&x.Seq, &x.Time, &x.Account, &x.Asset, &x.Market, &x.Amount, &x.Balance, &x.Source, &x.Counterparty)
		out = append(out, x)
		return err
	})
	return out, err
}

// InsuranceBalance returns the insurance fund's balance of asset after the
// last movement applied (0 before any).
func (db *DB) InsuranceBalance(ctx context.Context, asset config.AssetID) (int64, error) {
	var b int64
	err := db.sql.QueryRowContext(ctx, `SELECT balance FROM balances WHERE account = ? AND asset = ?
		ORDER BY id DESC LIMIT 1`, engine.AccountInsurance, asset).Scan(&b)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("readmodel: %w", err)
	}
	return b, nil
}

// InsuranceEvents returns every balance movement of the insurance fund,
// oldest first, as the EvBalance events they were.
func (db *DB) InsuranceEvents(ctx context.Context) ([]engine.Event, error) {
	ms, err := db.Movements(ctx, MovementFilter{Account: engine.AccountInsurance})
	if err != nil {
		return nil, err
	}
	out := make([]engine.Event, len(ms))
	for i, m := range ms {
		out[i] = engine.Event{Seq: m.Seq, Time: m.Time, Kind: engine.EvBalance, Account: m.Account, Market: m.Market,
			Asset: m.Asset, Source: m.Source, Amount: m.Amount, Balance: m.Balance, Counterparty: m.Counterparty}
	}
	return out, nil
}

// FundingPayment is one funding payment of a position.
type FundingPayment struct {
	Seq     uint64
	Time    int64 // the end of the funding interval
	Account engine.AccountID
	Market  config.MarketID
	Amount  int64 // settlement units received; negative: paid
	Rate    int64 // fixed.Rate of the interval
}

// FundingFilter selects an account's funding payments.
type FundingFilter struct {
	Account engine.AccountID
	Markets []config.MarketID
	Page
}

// Funding returns an account's funding payments.
func (db *DB) Funding(ctx context.Context, f FundingFilter) ([]FundingPayment, error) {
	w := &where{}
	w.add("account = ?", f.Account)
	in(w, "market", f.Markets)
	tail := w.page(f.Page, "time", "id")
	out := []FundingPayment{}
	err := query(ctx, db.sql, `SELECT seq, time, account, market, amount, rate FROM funding`+w.String()+tail, w.args,
		func(r *sql.Rows) error {
			var x FundingPayment
			err := r.Scan(&x.Seq, &x.Time, &x.Account, &x.Market, &x.Amount, &x.Rate)
			out = append(out, x)
			return err
		})
	return out, err
}

// FundingRate is one closed funding interval.
type FundingRate struct {
	Time   int64 // the interval's end
	Market config.MarketID
	Rate   int64 // fixed.Rate
}

// FundingRates returns market m's funding intervals.
func (db *DB) FundingRates(ctx context.Context, m config.MarketID, p Page) ([]FundingRate, error) {
	w := &where{}
	w.add("market = ?", m)
	tail := w.page(p, "time", "id")
	out := []FundingRate{}
	err := query(ctx, db.sql, `SELECT time, market, rate FROM funding_rates`+w.String()+tail, w.args, func(r *sql.Rows) error {
		var x FundingRate
		err := r.Scan(&x.Time, &x.Market, &x.Rate)
		out = append(out, x)
		return err
	})
	return out, err
}
