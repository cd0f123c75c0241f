// Package demo is `waterfall serve --demo`: a price feed, a market maker, a
// backstop liquidity provider and a crowd of trader bots, run in process so
// that a newcomer sees a live market and, within a few minutes,
// liquidations that the engine decides.
//
// The demo is an ordinary client of the sequencer: every command it sends
// (accounts, deposits, index prices, orders, backstop registrations) goes
// through server/sequencer's Submit and CreateAccount, is journaled like any
// other, and replays without the demo. It never reaches into the engine
// except to read state between commands (Sequencer.Read), and it never
// liquidates anyone: it moves index prices, and the engine's own detection,
// stages and ADL do the rest.
//
// What runs, one step per Options.Interval (1 s by default):
//
//   - a price feed: a seeded random walk of each traded asset's index (BTC,
//     ETH, SOL in the built-in configuration) in a repeating cycle of
//     regimes — calm, a trend, a volatility burst that opens with a jump,
//     and a recovery toward the starting price — so that about a minute in
//     (50–70 steps for seeds 1–20) high-leverage positions on the losing
//     side of a trend fall to their liquidation price (feed.go);
//   - one market maker quoting a few levels on each side of every market,
//     perpetual and spot, around the index skewed by its inventory, moving
//     its orders (CmdMoveOrder) as the index moves, and pulling its inner
//     levels and widening during a burst;
//   - one backstop liquidity provider registered on every perpetual
//     (CmdRegisterBackstop), which unwinds what it takes over with
//     reduce-only market orders;
//   - traders: per perpetual a high-leverage long and a high-leverage short
//     (cross margin, 70–90% of their margin used), isolated-margin traders,
//     hedge-mode traders holding a long and a short side by side, swing
//     traders at modest leverage, and spot traders. They open with market
//     orders, hold for a while, close some positions and, once flat and
//     mostly lost, are topped up by a deposit.
//
// Accounts persist across restarts without a list: each account's ED25519
// key is derived from a secret kept in <data>/demo.key (HMAC-SHA256 of its
// name), so a restart on the same data directory finds every demo account
// by its key (Sequencer.AccountByKey) and creates only the missing ones.
// <data>/demo-accounts.json lists each demo account with its API key and
// secret, for trying the Backpack API as one of them. Deleting demo.key
// makes the next start create a fresh set of accounts.
//
// The insurance fund (engine.AccountInsurance) is a system account: the
// engine refuses deposits into it, so the demo cannot seed it; it fills with
// the 1% liquidation fees as the engine liquidates.
//
// Clock: with the wall clock the engine's time follows the wall and the
// demo only sends commands. With the manual clock the demo drives the clock
// itself: each step first advances engine time by Options.StepMs (1 s by
// default) with Sequencer.AdvanceClock, so liquidation ticks, funding and
// the mark's smoothing run in step with the demo however fast it goes, and
// a run is a deterministic function of the seed and the journal it starts
// from.
package demo
