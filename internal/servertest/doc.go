// Package servertest is what the server's tests share: a sequencer on a
// temporary directory (Sequencer), the commands that set an engine up
// (Setup: index prices, accounts with ED25519 keys and their deposits,
// orders), requests signed exactly as ccxt's backpack client signs them
// (Sign), and checks of Backpack's JSON answers (Object, List, APIError,
// Shape).
//
// It is imported by tests only. It lives at the module's root, not under
// server/internal, so that cmd/waterfall's crash test can sign with it too.
// The sequencer's own tests cannot import it (it imports the sequencer).
package servertest
