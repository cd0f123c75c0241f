package readmodel

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
	"github.com/waterfallrisk/waterfall/journal"
	"github.com/waterfallrisk/waterfall/journal/record"
	"github.com/waterfallrisk/waterfall/server/sequencer"
)

const t0 = 1_700_000_000_000

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// env is a real sequencer (manual clock, journal in a temp dir) and a read
// model following it.
type env struct {
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

func (e *env) store() sequencer.Dir {
	return sequencer.Dir{Path: record.JournalPath(e.dir), Options: journal.Options{NoSync: true}}
}

func (e *env) openSeq() {
	e.t.Helper()
	q, err := sequencer.Open(sequencer.Options{Store: e.store(), Clock: sequencer.ClockManual,
		Now: func() time.Time { return time.UnixMilli(t0) }, Logger: quiet(), SnapshotEvery: -1})
	if err != nil {
		e.t.Fatal(err)
	}
	e.seq, e.cfg = q, q.Config()
	e.t.Cleanup(func() { _ = q.Close() })
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

func (e *env) submit(c engine.Command) []engine.Event {
	e.t.Helper()
	evs, err := e.seq.Submit(context.Background(), &c)
	if err != nil {
		e.t.Fatalf("%v: %v", c.Kind, err)
	}
	return evs
}

func (e *env) advance(ms int64) []engine.Event {
	e.t.Helper()
	evs, err := e.seq.AdvanceClock(context.Background(), ms)
	if err != nil {
		e.t.Fatal(err)
	}
	return evs
}

func (e *env) account() engine.AccountID {
	e.t.Helper()
	pub, _, err := ed25519.GenerateKey(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	id, err := e.seq.CreateAccount(context.Background(), "", pub)
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

func (e *env) asset(sym string) config.AssetID {
	a, ok := e.cfg.AssetBySymbol(sym)
	if !ok {
		e.t.Fatalf("no asset %s", sym)
	}
	return a
}

func (e *env) market(sym string) config.MarketID {
	m, ok := e.cfg.MarketBySymbol(sym)
	if !ok {
		e.t.Fatalf("no market %s", sym)
	}
	return m
}

func (e *env) deposit(a engine.AccountID, sym, qty string) {
	e.t.Helper()
	as := e.asset(sym)
	v, err := fixed.ParseDecimal(qty, e.cfg.Assets[as].Decimals)
	if err != nil {
		e.t.Fatal(err)
	}
	e.submit(engine.Command{Kind: engine.CmdDeposit, Account: a, Asset: as, Amount: v})
}

func (e *env) index(sym, price string) []engine.Event {
	e.t.Helper()
	p, err := fixed.ParseDecimal(price, fixed.PriceDecimals)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.submit(engine.Command{Kind: engine.CmdSetIndexPrice, Asset: e.asset(sym), Amount: p})
}

// ticks and lots of market m.
func (e *env) ticks(m config.MarketID, price string) int64 {
	p, err := fixed.ParseDecimal(price, fixed.PriceDecimals)
	if err != nil {
		e.t.Fatal(err)
	}
	return p / e.cfg.Markets[m].TickSize
}

func (e *env) lots(m config.MarketID, qty string) int64 {
	mk := &e.cfg.Markets[m]
	q, err := fixed.ParseDecimal(qty, e.cfg.Assets[mk.Base].Decimals)
	if err != nil {
		e.t.Fatal(err)
	}
	return q / mk.StepSize
}

// limit places a GTC limit order; price "" places a market order.
func (e *env) order(a engine.AccountID, sym string, side engine.Side, price, qty string) []engine.Event {
	e.t.Helper()
	m := e.market(sym)
	c := engine.Command{Kind: engine.CmdPlaceOrder, Account: a, Market: m, Side: side, Type: engine.Market,
		Quantity: e.lots(m, qty)}
	if price != "" {
		c.Type, c.Price = engine.Limit, e.ticks(m, price)
	}
	return e.submit(c)
}

func (e *env) backstop(a engine.AccountID, sym, capacity string) {
	e.t.Helper()
	v, err := fixed.ParseDecimal(capacity, 6)
	if err != nil {
		e.t.Fatal(err)
	}
	e.submit(engine.Command{Kind: engine.CmdRegisterBackstop, Account: a, Market: e.market(sym), Amount: v})
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
		"SELECT * FROM funding_rates ORDER BY id",
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
