package readmodel

// schemaVersion changes whenever the tables below change: a database of
// another version is dropped and rebuilt from the journal. Version 2: an
// order's status is an integer (orderStatusCode), and trades have one
// index, (market, time), which also orders a market's trades by id (a
// trade's time never decreases with its id; the index ends with the row id).
// Version 3: borrow_lend (every EvBorrowLend). Version 4: no interest table
// (pool interest was kept and never read).
const schemaVersion = 4

// schema creates the tables. Every amount is an int64 of the engine
// (ticks, lots, smallest units); times are engine time in ms.
const schema = `
CREATE TABLE IF NOT EXISTS meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS fills (
	id          INTEGER PRIMARY KEY,
	seq         INTEGER NOT NULL,
	time        INTEGER NOT NULL,
	account     INTEGER NOT NULL,
	market      INTEGER NOT NULL,
	order_id    INTEGER NOT NULL,
	client_id   INTEGER NOT NULL,
	trade_id    INTEGER NOT NULL,
	side        INTEGER NOT NULL,
	price       INTEGER NOT NULL,
	quantity    INTEGER NOT NULL,
	fee         INTEGER NOT NULL,
	fee_asset   INTEGER NOT NULL,
	maker       INTEGER NOT NULL,
	fill_type   INTEGER NOT NULL,
	system_type INTEGER NOT NULL,
	origin      INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS fills_account ON fills (account, id);

CREATE TABLE IF NOT EXISTS orders (
	order_id      INTEGER PRIMARY KEY,
	account       INTEGER NOT NULL,
	market        INTEGER NOT NULL,
	client_id     INTEGER NOT NULL,
	side          INTEGER NOT NULL,
	type          INTEGER NOT NULL,
	tif           INTEGER NOT NULL,
	price         INTEGER NOT NULL,
	quantity      INTEGER NOT NULL,
	quote_qty     INTEGER NOT NULL,
	trigger_price INTEGER NOT NULL,
	executed      INTEGER NOT NULL,
	executed_qt   INTEGER NOT NULL,
	status        INTEGER NOT NULL,
	reduce_only   INTEGER NOT NULL,
	post_only     INTEGER NOT NULL,
	origin        INTEGER NOT NULL,
	system_type   INTEGER NOT NULL,
	position_side INTEGER NOT NULL,
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL,
	seq           INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS orders_account ON orders (account, order_id);

CREATE TABLE IF NOT EXISTS trades (
	trade_id   INTEGER PRIMARY KEY,
	seq        INTEGER NOT NULL,
	time       INTEGER NOT NULL,
	market     INTEGER NOT NULL,
	price      INTEGER NOT NULL,
	quantity   INTEGER NOT NULL,
	quote      INTEGER NOT NULL,
	taker_side INTEGER NOT NULL,
	user       INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS trades_market_time ON trades (market, time);

CREATE TABLE IF NOT EXISTS klines (
	res          INTEGER NOT NULL,
	market       INTEGER NOT NULL,
	start        INTEGER NOT NULL,
	open         INTEGER NOT NULL,
	high         INTEGER NOT NULL,
	low          INTEGER NOT NULL,
	close        INTEGER NOT NULL,
	volume       INTEGER NOT NULL,
	quote_volume INTEGER NOT NULL,
	trades       INTEGER NOT NULL,
	PRIMARY KEY (res, market, start)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS balances (
	id           INTEGER PRIMARY KEY,
	seq          INTEGER NOT NULL,
	time         INTEGER NOT NULL,
	account      INTEGER NOT NULL,
	asset        INTEGER NOT NULL,
	market       INTEGER NOT NULL,
	amount       INTEGER NOT NULL,
	balance      INTEGER NOT NULL,
	source       INTEGER NOT NULL,
	counterparty INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS balances_account ON balances (account, id);

CREATE TABLE IF NOT EXISTS funding (
	id      INTEGER PRIMARY KEY,
	seq     INTEGER NOT NULL,
	time    INTEGER NOT NULL,
	account INTEGER NOT NULL,
	market  INTEGER NOT NULL,
	amount  INTEGER NOT NULL,
	rate    INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS funding_account ON funding (account, id);

CREATE TABLE IF NOT EXISTS funding_rates (
	id     INTEGER PRIMARY KEY,
	seq    INTEGER NOT NULL,
	time   INTEGER NOT NULL,
	market INTEGER NOT NULL,
	rate   INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS funding_rates_market ON funding_rates (market, id);

CREATE TABLE IF NOT EXISTS borrow_lend (
	id         INTEGER PRIMARY KEY,
	seq        INTEGER NOT NULL,
	time       INTEGER NOT NULL,
	account    INTEGER NOT NULL,
	asset      INTEGER NOT NULL,
	source     INTEGER NOT NULL,
	bp_source  INTEGER NOT NULL,
	event_type INTEGER NOT NULL,
	amount     INTEGER NOT NULL,
	delta      INTEGER NOT NULL,
	net        INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS borrow_lend_account ON borrow_lend (account, asset, id);

`

// The apply path's statements: the head and tail of each table's
// multi-row INSERT (rows.sql puts the values between), and their columns.
const (
	insertFill = `INSERT INTO fills (seq, time, account, market, order_id, client_id, trade_id, side, price,
		quantity, fee, fee_asset, maker, fill_type, system_type, origin) VALUES `
	fillCols    = 16
	upsertOrder = `INSERT INTO orders (order_id, account, market, client_id, side, type, tif, price, quantity,
		quote_qty, trigger_price, executed, executed_qt, status, reduce_only, post_only, origin, system_type,
		position_side, created_at, updated_at, seq) VALUES `
	upsertOrderTail = ` ON CONFLICT (order_id) DO UPDATE SET price = excluded.price, quantity = excluded.quantity,
		trigger_price = excluded.trigger_price, executed = excluded.executed, executed_qt = excluded.executed_qt,
		status = excluded.status, updated_at = excluded.updated_at, seq = excluded.seq`
	orderCols       = 22
	insertTrade     = `INSERT INTO trades (trade_id, seq, time, market, price, quantity, quote, taker_side, user) VALUES `
	tradeCols       = 9
	upsertKline     = `INSERT INTO klines (res, market, start, open, high, low, close, volume, quote_volume, trades) VALUES `
	upsertKlineTail = ` ON CONFLICT (res, market, start) DO UPDATE SET high = max(high, excluded.high),
		low = min(low, excluded.low), close = excluded.close, volume = volume + excluded.volume,
		quote_volume = quote_volume + excluded.quote_volume, trades = trades + excluded.trades`
	klineCols        = 10
	insertBalance    = `INSERT INTO balances (seq, time, account, asset, market, amount, balance, source, counterparty) VALUES `
	balanceCols      = 9
	insertFunding    = `INSERT INTO funding (seq, time, account, market, amount, rate) VALUES `
	fundingCols      = 6
	insertRate       = `INSERT INTO funding_rates (seq, time, market, rate) VALUES `
	rateCols         = 4
	insertBorrowLend = `INSERT INTO borrow_lend (seq, time, account, asset, source, bp_source, event_type, amount, delta,
		net) VALUES `
	borrowLendCols = 10
	// sqlSetMeta sets one meta value; sqlSetSeq both the sequence and the
	// time (integers, stored as text: the column's affinity).
	sqlSetMeta = `INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`
	sqlSetSeq  = `INSERT INTO meta (key, value) VALUES ('seq', ?), ('time', ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`
)
