package readmodel

import (
	"context"
	"database/sql"
	"slices"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
)

// Trade is a public trade on the book.
type Trade struct {
	TradeID   uint64
	Time      int64
	Market    config.MarketID
	Price     int64 // ticks
	Quantity  int64 // lots
	Quote     int64 // quote asset units
	TakerSide engine.Side
	// User: both orders were users' (not a liquidation order): the trade
	// counts in klines, tickers and the last price.
	User bool
}

// Trades returns market m's public trades: offset skips the newest ones,
// then the limit newest of the rest, oldest first.
func (db *DB) Trades(ctx context.Context, m config.MarketID, limit, offset int) ([]Trade, error) {
	out := []Trade{}
	// (time, trade_id) is trade_id's order (a trade's time never decreases
	// with its id) and the index trades_market_time's.
	err := query(ctx, db.sql, `SELECT trade_id, time, market, price, quantity, quote, taker_side, user FROM trades
		WHERE market = ? ORDER BY time DESC, trade_id DESC LIMIT ? OFFSET ?`, []any{m, limit, offset}, func(r *sql.Rows) error {
		var x Trade
		err := r.Scan(&x.TradeID, &x.Time, &x.Market, &x.Price, &x.Quantity, &x.Quote, &x.TakerSide, &x.User)
		out = append(out, x)
		return err
	})
	slices.Reverse(out)
	return out, err
}

// Candle is the summary of the user trades of one interval.
type Candle struct {
	Start, End             int64 // ms; End is the next interval's start
	Open, High, Low, Close int64 // ticks
	Volume                 int64 // lots
	QuoteVolume            int64 // quote units
	Trades                 int64
}

// add merges the later candle c into k.
func (k *Candle) add(c Candle) {
	if k.Trades == 0 {
		k.Open, k.High, k.Low = c.Open, c.High, c.Low
	}
	k.High, k.Low, k.Close = max(k.High, c.High), min(k.Low, c.Low), c.Close
	k.Volume += c.Volume
	k.QuoteVolume += c.QuoteVolume
	k.Trades += c.Trades
}

// buckets returns market m's buckets of res (minuteMs or hourMs) that start
// in [from, to), oldest first.
func (db *DB) buckets(ctx context.Context, res int64, m config.MarketID, from, to int64) ([]Candle, error) {
	var out []Candle
	err := query(ctx, db.sql, `SELECT start, open, high, low, close, volume, quote_volume, trades FROM klines
		WHERE res = ? AND market = ? AND start >= ? AND start < ? ORDER BY start`, []any{res, m, from, to},
		func(r *sql.Rows) error {
			c := Candle{}
			err := r.Scan(&c.Start, &c.Open, &c.High, &c.Low, &c.Close, &c.Volume, &c.QuoteVolume, &c.Trades)
			c.End = c.Start + res
			out = append(out, c)
			return err
		})
	return out, err
}

// MaxCandles bounds what one Klines call returns.
const MaxCandles = 1000

// Klines returns market m's candles of interval iv that overlap [from, to)
// (ms) and hold at least one user trade, oldest first, at most MaxCandles
// (the earliest ones: ask again from the last one's End for more).
func (db *DB) Klines(ctx context.Context, m config.MarketID, iv Interval, from, to int64) ([]Candle, error) {
	out := []Candle{}
	if to <= from {
		return out, nil
	}
	res := int64(minuteMs)
	if iv.bucket() >= hourMs {
		res = hourMs
	}
	lo, hi := iv.Start(from), iv.Start(to-1)
	hi = iv.Next(hi)
	bs, err := db.buckets(ctx, res, m, lo, hi)
	if err != nil {
		return nil, err
	}
	for _, b := range bs {
		start := iv.Start(b.Start)
		if n := len(out); n == 0 || out[n-1].Start != start {
			if n == MaxCandles {
				break
			}
			out = append(out, Candle{Start: start, End: iv.Next(start)})
		}
		out[len(out)-1].add(b)
	}
	return out, nil
}

// Ticker is the summary of a market's user trades over a window.
type Ticker struct {
	Candle
	// Last is the last user trade's price, even before the window (0: the
	// market never traded).
	Last int64
}

// Ticker summarizes market m's user trades with time in [from, to] (ms):
// whole minutes from the 1-minute buckets, the first partial minute from
// the trades themselves.
func (db *DB) Ticker(ctx context.Context, m config.MarketID, from, to int64) (Ticker, error) {
	var t Ticker
	t.Start, t.End = from, to
	edge := (from + minuteMs - 1) / minuteMs * minuteMs // first whole minute
	err := query(ctx, db.sql, `SELECT price, quantity, quote FROM trades WHERE market = ? AND time >= ? AND time < ?
		AND time <= ? AND user = 1 ORDER BY time, trade_id`, []any{m, from, edge, to}, func(r *sql.Rows) error {
		var p, q, qt int64
		err := r.Scan(&p, &q, &qt)
		t.add(Candle{Open: p, High: p, Low: p, Close: p, Volume: q, QuoteVolume: qt, Trades: 1})
		return err
	})
	if err != nil {
		return t, err
	}
	// A minute bucket that starts at or before to holds only trades ≤ to
	// when to is the latest engine time; a bucket that straddles an
	// earlier to is counted whole.
	bs, err := db.buckets(ctx, minuteMs, m, edge, to+1)
	if err != nil {
		return t, err
	}
	for _, b := range bs {
		t.add(b)
	}
	t.Last = t.Close
	if t.Trades == 0 {
		err := db.sql.QueryRowContext(ctx, `SELECT close FROM klines WHERE res = ? AND market = ?
			ORDER BY start DESC LIMIT 1`, minuteMs, m).Scan(&t.Last)
		if err != nil && err != sql.ErrNoRows {
			return t, err
		}
	}
	return t, nil
}
