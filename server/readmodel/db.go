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
	"strings"
	"sync"
	"sync/atomic"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// FileName is the database's name in the data directory.
const FileName = "readmodel.db"

var errClosed = errors.New("readmodel: database closed")

// DB is the read model's database. Apply is safe for concurrent use (calls
// are serialized); the queries may run concurrently with it (SQLite WAL:
// readers see the last committed batch).
//
// Durability is not needed: the database is rebuilt from the journal when
// it is missing, unusable or behind. So Apply writes with
// PRAGMA synchronous=OFF: no fsync, a batch is safe once in the operating
// system's cache. A crash of the process loses nothing; a crash of the
// machine (power loss, kernel panic) can lose the last batches or tear the
// file. The database records the boot it was opened in (Linux's boot id)
// and whether it was closed cleanly (after a checkpoint with fsync); one
// that was open when the machine went down is recreated and rebuilt. Where
// the boot id cannot be read, writes use synchronous=NORMAL (WAL: an fsync
// at each checkpoint) instead.
type DB struct {
	sql       *sql.DB
	w         *conn  // the connection Apply writes on (nil once closed)
	boot      string // this boot's id ("": unknown, synchronous=NORMAL)
	path      string
	cfg       *config.Config
	firstUser engine.AccountID
	lotTick   []int64 // per market: quote units per lot × tick

	mu    sync.Mutex // serializes Apply
	batch applier
	rates map[config.MarketID]int64 // last funding rate per market (Apply only)
	seq   atomic.Uint64             // last engine sequence applied
	time  atomic.Int64              // engine time after that batch

	// Recreated says why Open started from an empty database ("" when it
	// opened an existing one).
	Recreated string
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
	db := &DB{path: path, cfg: cfg, firstUser: firstUser, rates: map[config.MarketID]int64{}, boot: bootID()}
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
		RawQuery: "_busy_timeout=10000&_journal_mode=WAL&_synchronous=" + db.syncMode() + "&_txlock=immediate"}
	s, err := sql.Open("sqlite", u.String())
	if err != nil {
		return false, "", fmt.Errorf("readmodel: %w", err)
	}
	s.SetMaxOpenConns(5) // for queries (Apply writes on DB.w)
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
	case db.boot != "" && meta["clean"] == "0" && meta["boot"] != db.boot:
		reason = "it was open when the machine went down (written without fsync: it may be torn)"
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

// syncMode is the writers' PRAGMA synchronous (see DB).
func (db *DB) syncMode() string {
	if db.boot == "" {
		return "NORMAL"
	}
	return "OFF"
}

// bootID returns the id of this boot of the machine ("" when unknown).
func bootID() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// prepare opens the writer's connection and readies Apply's statements.
// Before anything is written without fsync, the database durably records
// this boot and that it is not closed cleanly (Close records it).
func (db *DB) prepare() error {
	w, err := openConn(db.path, `PRAGMA busy_timeout = 10000; PRAGMA synchronous = FULL; PRAGMA temp_store = MEMORY;
		PRAGMA cache_size = -16384;`)
	if err != nil {
		return err
	}
	db.w, db.batch.db = w, db
	if err := db.setMeta([][2]string{{"clean", "0"}, {"boot", db.boot}}); err != nil {
		db.closeWriter()
		return err
	}
	if err := w.exec("PRAGMA synchronous = " + db.syncMode()); err != nil {
		db.closeWriter()
		return err
	}
	if err := db.batch.prepare(w); err != nil {
		db.closeWriter()
		return err
	}
	return nil
}

// setMeta writes meta values in one transaction on the writer.
func (db *DB) setMeta(kv [][2]string) error {
	q := "BEGIN IMMEDIATE;"
	for _, p := range kv {
		q += fmt.Sprintf("INSERT INTO meta (key, value) VALUES ('%s', '%s') ON CONFLICT (key) DO UPDATE SET value = excluded.value;",
			p[0], strings.ReplaceAll(p[1], "'", "''"))
	}
	if err := db.w.exec(q + "COMMIT;"); err != nil {
		_ = db.w.exec("ROLLBACK")
		return fmt.Errorf("readmodel: meta: %w", err)
	}
	return nil
}

// closeWriter closes the writer's connection.
func (db *DB) closeWriter() {
	if db.w != nil {
		db.w.close()
		db.w = nil
	}
}

// Path returns the database file's path.
func (db *DB) Path() string { return db.path }

// Seq returns the last engine sequence applied.
func (db *DB) Seq() uint64 { return db.seq.Load() }

// Time returns the engine time (ms) after the last batch applied.
func (db *DB) Time() int64 { return db.time.Load() }

// Close closes the database: the writer makes everything it wrote durable
// (a checkpoint with fsync) and records a clean close.
func (db *DB) Close() error {
	db.mu.Lock()
	defer db.mu.Unlock()
	var err error
	if db.w != nil {
		err = db.w.exec("PRAGMA synchronous = FULL; PRAGMA wal_checkpoint(FULL);")
		if err == nil {
			err = db.setMeta([][2]string{{"clean", "1"}})
		}
		db.closeWriter()
	}
	if cerr := db.sql.Close(); err == nil {
		err = cerr
	}
	return err
}

// reset empties every table (a database ahead of the journal was built from
// another one); its sequence is then 0.
func (db *DB) reset(ctx context.Context) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.w == nil {
		return errClosed
	}
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
