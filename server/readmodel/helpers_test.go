package readmodel

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/internal/servertest"
	"github.com/waterfallrisk/waterfall/server/sequencer"
)

const t0 = 1_700_000_000_000

func quiet() *slog.Logger { return servertest.Quiet() }

// env is a real sequencer (manual clock, journal in a temp dir) and a read
// model following it; Setup submits to the sequencer.
type env struct {
	servertest.Setup
	t   testing.TB
	dir string
	seq *sequencer.Sequencer
	cfg *config.Config
	m   *Model
}

func newEnv(t testing.TB) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir()}
	e.openSeq()
	e.startModel()
	return e
}

func (e *env) store() sequencer.Dir { return servertest.Journal(e.dir) }

func (e *env) openSeq() {
	e.t.Helper()
	e.seq = servertest.Sequencer(e.t, e.dir, t0)
	e.cfg = e.seq.Config()
	e.Setup = servertest.Setup{T: e.t, Engine: e.seq, Cfg: e.cfg}
}

func (e *env) path() string { return filepath.Join(e.dir, FileName) }

func (e *env) startModel() {
	e.t.Helper()
	m, err := Start(Options{Path: e.path(), Sequencer: e.seq, Journal: e.store(), Logger: quiet()})
	if err != nil {
		e.t.Fatal(err)
	}
	e.m = m
	e.t.Cleanup(func() { _ = m.Close() })
	e.sync()
}

func (e *env) stopModel() {
	e.t.Helper()
	if err := e.m.Close(); err != nil {
		e.t.Fatal(err)
	}
}

// sync waits (up to a minute) until the model holds every answered command.
func (e *env) sync() {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := e.m.Sync(ctx); err != nil {
		e.t.Fatal(err)
	}
	if e.m.Seq() != e.seq.Stats().Seq {
		e.t.Fatalf("synced at %d, the sequencer is at %d", e.m.Seq(), e.seq.Stats().Seq)
	}
}

func (e *env) advance(ms int64) []engine.Event { e.t.Helper(); return e.Advance(ms) }

// account creates an account with a new key and nothing in it.
func (e *env) account() engine.AccountID { e.t.Helper(); return e.Account(servertest.NewKey(e.t), "") }

// The setup commands, as servertest.Setup has them.
func (e *env) asset(sym string) config.AssetID             { e.t.Helper(); return e.Asset(sym) }
func (e *env) market(sym string) config.MarketID           { e.t.Helper(); return e.Market(sym) }
func (e *env) deposit(a engine.AccountID, sym, qty string) { e.t.Helper(); e.Deposit(a, sym, qty) }
func (e *env) index(sym, price string) []engine.Event      { e.t.Helper(); return e.Index(sym, price) }
func (e *env) ticks(m config.MarketID, price string) int64 { e.t.Helper(); return e.Ticks(m, price) }
func (e *env) lots(m config.MarketID, qty string) int64    { e.t.Helper(); return e.Lots(m, qty) }
func (e *env) backstop(a engine.AccountID, sym, capacity string) {
	e.t.Helper()
	e.Backstop(a, sym, capacity)
}

// order places a GTC limit order; price "" places a market order.
func (e *env) order(a engine.AccountID, sym string, side engine.Side, price, qty string) []engine.Event {
	e.t.Helper()
	return e.Order(a, sym, side, price, qty)
}

// dump renders every table of the database but meta, ordered, for
// comparisons.
func dump(t testing.TB, db *DB) string {
	t.Helper()
	var sb strings.Builder
	for _, q := range []string{
		"SELECT * FROM fills ORDER BY id", "SELECT * FROM orders ORDER BY order_id",
		"SELECT * FROM trades ORDER BY trade_id", "SELECT * FROM klines ORDER BY res, market, start",
		"SELECT * FROM balances ORDER BY id", "SELECT * FROM funding ORDER BY id",
		"SELECT * FROM funding_rates ORDER BY id", "SELECT * FROM borrow_lend ORDER BY id",
	} {
		fmt.Fprintln(&sb, q)
		rows, err := db.sql.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		vals := make([]sql.RawBytes, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				fmt.Fprintf(&sb, "%s ", v)
			}
			sb.WriteByte('\n')
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		_ = rows.Close()
	}
	return sb.String()
}

// count returns the rows of a table.
func count(t testing.TB, db *DB, table string) int {
	t.Helper()
	var n int
	if err := db.sql.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
