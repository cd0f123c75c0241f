package readmodel

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// FileName is the database's name in the data directory.
const FileName = "readmodel.db"

// DB is the read model's database. Apply is safe for concurrent use (calls
// are serialized); the queries may run concurrently with it (SQLite WAL:
// readers see the last committed batch).
type DB struct {
	sql       *sql.DB
	w         *sql.Conn // the connection Apply writes on
	path      string
	cfg       *config.Config
	firstUser engine.AccountID
	lotTick   []int64 // per market: quote units per lot × tick

	mu    sync.Mutex // serializes Apply
	stmts statements // prepared on w
	batch applier
	rates map[config.MarketID]int64 // last funding rate per market (Apply only)
	seq   atomic.Uint64             // last engine sequence applied
	time  atomic.Int64              // engine time after that batch

	// Recreated says why Open started from an empty database ("" when it
	// opened an existing one).
	Recreated string
}

type statements struct {
	fill, order, trade, kline, balance, funding, fundingRate, meta *sql.Stmt
}

// Open opens the database at path for the engine configuration cfg, whose
// first user account is firstUser (engine.Engine.FirstUser). A missing,
// unreadable or corrupt file, or one of another schema version or another
// configuration, is replaced by an empty database (DB.Recreated says why);
// its sequence is then 0.
func Open(path string, cfg *config.Config, firstUser engine.AccountID) (*DB, error) {
	ident, err := identity(cfg)
	if err != nil {
		return nil, err
	}
	db := &DB{path: path, cfg: cfg, firstUser: firstUser, rates: map[config.MarketID]int64{}}
	for i := range cfg.Markets {
		mk := &cfg.Markets[i]
		db.lotTick = append(db.lotTick, mk.TickSize*mk.NotionalNum/mk.NotionalDen)
	}
	created, reason, err := db.open(ident)
	if err != nil {
		return nil, err
	}
	if created {
		db.Recreated = "no database yet"
	}
	if reason != "" {
		db.Recreated = reason
		if err := removeFiles(path); err != nil {
			return nil, err
		}
		if _, reason, err = db.open(ident); err != nil {
			return nil, err
		}
		if reason != "" {
			return nil, fmt.Errorf("readmodel: %s: a new database is unusable: %s", path, reason)
		}
	}
	if err := db.prepare(); err != nil {
		_ = db.sql.Close()
		return nil, err
	}
	return db, nil
}

// identity names the configuration a database was built for.
func identity(cfg *config.Config) (string, error) {
	y, err := cfg.Marshal()
	if err != nil {
		return "", fmt.Errorf("readmodel: configuration: %w", err)
	}
	h := sha256.Sum256(y)
	return hex.EncodeToString(h[:]), nil
}

// open opens the file and checks it, or creates it when it is missing
// (created). A non-empty reason means the file cannot be used and must be
// recreated; the connection is then closed.
func (db *DB) open(ident string) (created bool, reason string, err error) {
	_, statErr := os.Stat(db.path)
	missing := errors.Is(statErr, os.ErrNotExist)
	if missing { // a stale WAL must not be replayed into the new file
		if err := removeFiles(db.path); err != nil {
			return false, "", err
		}
	}
	u := url.URL{Scheme: "file", Path: db.path,
		RawQuery: "_busy_timeout=10000&_journal_mode=WAL&_synchronous=NORMAL&_txlock=immediate"}
	s, err := sql.Open("sqlite", u.String())
	if err != nil {
		return false, "", fmt.Errorf("readmodel: %w", err)
	}
	s.SetMaxOpenConns(6) // one held by Apply (DB.w), the others for queries
	db.sql = s
	ctx := context.Background()
	if missing {
		if err := db.create(ctx, ident); err != nil {
			_ = s.Close()
			return false, "", err
		}
		return true, "", nil
	}
	meta, err := db.readMeta(ctx)
	switch {
	case err != nil:
		reason = "unreadable: " + err.Error()
	case meta["version"] != strconv.Itoa(schemaVersion):
		reason = fmt.Sprintf("schema version %q, this server's is %d", meta["version"], schemaVersion)
	case meta["identity"] != ident:
		reason = "built for another configuration"
	}
	if reason == "" {
		seq, err1 := strconv.ParseUint(meta["seq"], 10, 64)
		t, err2 := strconv.ParseInt(meta["time"], 10, 64)
		if err1 != nil || err2 != nil {
			reason = "its sequence is unreadable"
		} else {
			db.seq.Store(seq)
			db.time.Store(t)
		}
	}
	if reason != "" {
		_ = s.Close()
	}
	return false, reason, nil
}

func (db *DB) readMeta(ctx context.Context) (map[string]string, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT key, value FROM meta`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, rows.Err()
}

// create makes the tables of an empty database.
func (db *DB) create(ctx context.Context, ident string) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("readmodel: create: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, schema); err != nil {
		return fmt.Errorf("readmodel: create: %w", err)
	}
	for _, kv := range [][2]string{{"version", strconv.Itoa(schemaVersion)}, {"identity", ident}, {"seq", "0"}, {"time", "0"}} {
		if _, err := tx.ExecContext(ctx, sqlSetMeta, kv[0], kv[1]); err != nil {
			return fmt.Errorf("readmodel: create: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("readmodel: create: %w", err)
	}
	return nil
}

// removeFiles deletes the database and its WAL files.
func removeFiles(path string) error {
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("readmodel: %w", err)
		}
	}
	return nil
}

func (db *DB) prepare() error {
	w, err := db.sql.Conn(context.Background())
	if err != nil {
		return fmt.Errorf("readmodel: %w", err)
	}
	db.w, db.batch.db = w, db
	for _, p := range []struct {
		s   **sql.Stmt
		sql string
	}{
		{&db.stmts.fill, sqlInsertFill}, {&db.stmts.order, sqlUpsertOrder}, {&db.stmts.trade, sqlInsertTrade},
		{&db.stmts.kline, sqlUpsertKline}, {&db.stmts.balance, sqlInsertBalance}, {&db.stmts.funding, sqlInsertFunding},
		{&db.stmts.fundingRate, sqlInsertFundingRate}, {&db.stmts.meta, sqlSetMeta},
	} {
		st, err := w.PrepareContext(context.Background(), p.sql)
		if err != nil {
			return fmt.Errorf("readmodel: prepare: %w", err)
		}
		*p.s = st
	}
	return nil
}

// Path returns the database file's path.
func (db *DB) Path() string { return db.path }

// Seq returns the last engine sequence applied.
func (db *DB) Seq() uint64 { return db.seq.Load() }

// Time returns the engine time (ms) after the last batch applied.
func (db *DB) Time() int64 { return db.time.Load() }

// Close closes the database.
func (db *DB) Close() error {
	db.mu.Lock()
	defer db.mu.Unlock()
	for _, st := range []*sql.Stmt{db.stmts.fill, db.stmts.order, db.stmts.trade, db.stmts.kline, db.stmts.balance,
		db.stmts.funding, db.stmts.fundingRate, db.stmts.meta} {
		if st != nil {
			_ = st.Close()
		}
	}
	if db.w != nil {
		_ = db.w.Close()
	}
	return db.sql.Close()
}

// reset empties every table (a database ahead of the journal was built from
// another one); its sequence is then 0.
func (db *DB) reset(ctx context.Context) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("readmodel: reset: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	for _, t := range []string{"fills", "orders", "trades", "klines", "balances", "funding", "funding_rates"} {
		if _, err := tx.ExecContext(ctx, "DELETE FROM "+t); err != nil {
			return fmt.Errorf("readmodel: reset: %w", err)
		}
	}
	for _, k := range []string{"seq", "time"} {
		if _, err := tx.ExecContext(ctx, sqlSetMeta, k, "0"); err != nil {
			return fmt.Errorf("readmodel: reset: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("readmodel: reset: %w", err)
	}
	db.seq.Store(0)
	db.time.Store(0)
	clear(db.rates)
	return nil
}
