// Package readmodel keeps Waterfall's history in an embedded SQLite database
// (modernc.org/sqlite, pure Go), fed from the engine's events, for the
// history queries the live engine does not answer: fills, order history,
// public trades, klines, 24-hour tickers, settlements, funding payments,
// funding rates, the insurance fund's movements (issue #4 point 6) and the
// borrow-lend movements (issue #5 point 6).
//
// # Contract
//
//   - Idempotent by engine sequence. The database records the last engine
//     sequence it applied; an event whose sequence is at or below it is
//     skipped, so applying the same batch twice changes nothing. Each batch is
//     applied in one transaction together with the new sequence: after a
//     crash the database is at a batch boundary, never half a batch.
//   - Rebuilt from the journal. Model (Start) opens <data>/readmodel.db; a
//     missing, unreadable or foreign database (another schema version or
//     another configuration) is recreated empty. When the database is behind
//     the sequencer, the journal is replayed from genesis in a fresh engine
//     (as `waterfall audit` does) and the events after the database's
//     sequence are applied; then the model follows the sequencer's lossless
//     subscription. Subscription.From says where live delivery starts: the
//     replay stops exactly there, so nothing is missed or applied twice. An
//     up-to-date database costs one subscription at start, no replay: Start
//     subscribes before it returns, and a clean shutdown of the sequencer
//     records its final sequence. A database behind by any amount (a crash)
//     replays from genesis in the background: the engine replays every
//     command, only the missing events are written; meanwhile Sync (and so
//     every history request) answers ErrBehind.
//   - Not durable itself: Apply writes with PRAGMA synchronous=OFF (no
//     fsync; see DB). A process crash loses nothing; a database that was
//     open when the machine went down (a power loss) is recreated at the
//     next start and rebuilt from the journal.
//   - Only durable events. The replay never goes past a sequence the
//     sequencer has reported durable (Stats.Seq, or Subscription.From).
//   - Read-your-writes. Sync waits until every event of every command the
//     sequencer has answered is in the database.
//
// # What is kept
//
// Amounts are the engine's integers (ticks, lots, smallest units); package
// server/history renders them as Backpack's decimal strings.
//
//   - fills: every orderFill (user, book liquidation, backstop, ADL,
//     collateral conversion, settlement), with fillType, systemOrderType,
//     origin, fee, maker, tradeId.
//   - orders: the latest state of each order (status, executed, ...).
//   - trades: EvTrade only, the book's public trades. Backstop, ADL and
//     settlement fills are off the book and never become trades. A trade
//     whose taker or maker is a liquidation order is kept (it is a public
//     trade on the book) but flagged: it does not count in klines, tickers
//     or the last price (DESIGN.md §5), as the engine's own last price.
//   - klines: 1-minute and 1-hour buckets of the user trades, maintained as
//     trades arrive; every interval Backpack lists is aggregated from them.
//   - balances: every ledger movement (EvBalance) of user accounts and of the
//     insurance fund, with its source (settlement history, insurance fund
//     history).
//   - funding: each account's funding payments with the interval's rate.
//   - funding_rates: every funding interval's rate (EvFundingRate).
//   - borrow_lend: every movement of a user's lending position
//     (EvBorrowLend) with Backpack's source and eventType, its signed delta
//     and the position after, so the interest a position accrued is its net
//     quantity less the deltas since it was last flat (BorrowLendPrincipal).
package readmodel
