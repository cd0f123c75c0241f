package readmodel

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/server/backpack"
)

// Borrow-lend history: every EvBorrowLend of a user account (table
// borrow_lend).

// Borrow-lend event types as stored (Backpack's eventType).
const (
	EventBorrow int64 = iota + 1
	EventBorrowRepay
	EventLend
	EventLendRedeem
)

var eventTypeNames = [...]string{"", backpack.EventBorrow, backpack.EventBorrowRepay, backpack.EventLend,
	backpack.EventLendRedeem}

// EventTypeName is Backpack's name of a stored event type ("" for none).
func EventTypeName(code int64) string {
	if code < 0 || code >= int64(len(eventTypeNames)) {
		return ""
	}
	return eventTypeNames[code]
}

// ParseEventType reads Backpack's eventType name.
func ParseEventType(name string) (int64, bool) {
	for i, n := range eventTypeNames {
		if i > 0 && n == name {
			return int64(i), true
		}
	}
	return 0, false
}

// SourceName is Backpack's borrow-lend source of a stored code (an index
// of backpack.BorrowLendSourceNames; "" for none).
func SourceName(code int64) string {
	if code < 0 || code >= int64(len(backpack.BorrowLendSourceNames)) {
		return ""
	}
	return backpack.BorrowLendSourceNames[code]
}

// ParseSource reads a Backpack borrow-lend source name into its code.
func ParseSource(name string) (int64, bool) {
	for i, n := range backpack.BorrowLendSourceNames {
		if n == name {
			return int64(i), true
		}
	}
	return 0, false
}

type lendKey struct {
	account engine.AccountID
	asset   config.AssetID
}

// borrowLendRow keeps a user's lending movement with Backpack's source and
// event type and its signed delta (positive when the net quantity rises:
// a lend, a repay) from the edge's source table (backpack.BorrowLendMoveOf),
// which needs the position after the previous movement: this batch's, or
// the last committed row's.
func (a *applier) borrowLendRow(ev *engine.Event) error {
	if ev.Account < a.db.firstUser {
		return nil
	}
	key := lendKey{ev.Account, ev.Asset}
	prev, ok := a.nets[key]
	if !ok {
		err := a.db.sql.QueryRowContext(a.ctx, `SELECT net FROM borrow_lend WHERE account = ? AND asset = ?
			ORDER BY id DESC LIMIT 1`, i64(ev.Account), i64(ev.Asset)).Scan(&prev)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("readmodel: %w", err)
		}
	}
	a.nets[key] = ev.NetQuantity
	m := backpack.BorrowLendMoveOf(ev.Source, ev.NetQuantity, prev)
	code, _ := ParseEventType(m.EventType)
	src, _ := ParseSource(m.Source)
	delta := -ev.Amount
	if m.Into {
		delta = ev.Amount
	}
	a.borrowLend.add(i64(ev.Seq), ev.Time, i64(ev.Account), i64(ev.Asset), i64(ev.Source), src, code, ev.Amount, delta,
		ev.NetQuantity)
	return nil
}

// BorrowLendMove is one movement of a lending position.
type BorrowLendMove struct {
	ID        int64 // row id: grows with the movements
	Seq       uint64
	Time      int64
	Account   engine.AccountID
	Asset     config.AssetID
	Source    engine.Source
	BpSource  int64 // Backpack's source: an index of backpack.BorrowLendSourceNames
	EventType int64 // EventBorrow…EventLendRedeem
	Amount    int64 // moved, positive
	Delta     int64 // into the pool: positive (lend, repay); out: negative
	Net       int64 // the position after: claim − debt
}

// BorrowLendFilter selects an account's movements. Empty lists do not
// filter.
type BorrowLendFilter struct {
	Account    engine.AccountID
	Assets     []config.AssetID
	Sources    []int64 // Backpack's sources (ParseSource)
	EventTypes []int64
	Page
}

// BorrowLendMoves returns an account's lending movements.
func (db *DB) BorrowLendMoves(ctx context.Context, f BorrowLendFilter) ([]BorrowLendMove, error) {
	w := &where{}
	w.add("account = ?", f.Account)
	in(w, "asset", f.Assets)
	in(w, "bp_source", f.Sources)
	in(w, "event_type", f.EventTypes)
	tail := w.page(f.Page, "time", "id")
	out := []BorrowLendMove{}
	err := query(ctx, db.sql, `SELECT id, seq, time, account, asset, source, bp_source, event_type, amount, delta, net
		FROM borrow_lend`+w.String()+tail, w.args, func(r *sql.Rows) error {
		var x BorrowLendMove
		err := r.Scan(&x.ID, &x.Seq, &x.Time, &x.Account, &x.Asset, &x.Source, &x.BpSource, &x.EventType, &x.Amount,
			&x.Delta, &x.Net)
		out = append(out, x)
		return err
	})
	return out, err
}

// BorrowLendPrincipal returns, per asset, the principal of the account's
// current lending position as of engine sequence upTo: the sum of the
// signed movements (into the pool positive) since the position was last
// flat (a movement that left net 0). The position's accrued interest is its
// net quantity now less this principal. Assets with no movement are absent.
func (db *DB) BorrowLendPrincipal(ctx context.Context, acct engine.AccountID, upTo uint64) (map[config.AssetID]int64, error) {
	out := map[config.AssetID]int64{}
	err := query(ctx, db.sql, `SELECT b.asset, SUM(b.delta) FROM borrow_lend b
		WHERE b.account = ? AND b.seq <= ? AND b.id > COALESCE((SELECT MAX(z.id) FROM borrow_lend z
			WHERE z.account = b.account AND z.asset = b.asset AND z.net = 0 AND z.seq <= ?), 0)
		GROUP BY b.asset`, []any{i64(acct), i64(upTo), i64(upTo)}, func(r *sql.Rows) error {
		var a config.AssetID
		var sum int64
		err := r.Scan(&a, &sum)
		out[a] = sum
		return err
	})
	return out, err
}

// BorrowLendPrincipal is DB.BorrowLendPrincipal after a Sync (bounded to
// 3 s: a model still catching up answers ErrBehind): what the REST API's
// cumulativeInterest reads (api.Options.Lending).
func (m *Model) BorrowLendPrincipal(ctx context.Context, acct engine.AccountID, upTo uint64) (map[config.AssetID]int64, error) {
	sctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if _, err := m.Sync(sctx); err != nil {
		return nil, fmt.Errorf("readmodel: %w", err)
	}
	return m.DB.BorrowLendPrincipal(ctx, acct, upTo)
}
