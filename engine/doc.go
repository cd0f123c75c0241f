// Package engine is Waterfall's exchange state machine: commands in, events
// out, nothing else.
//
// Apply takes one Command, validates it completely, and either refuses it
// with an *Error (changing nothing at all) or carries it out and returns the
// events it caused. The engine does no I/O, reads no clock (time moves only by
// CmdAdvanceTime), starts no goroutines, draws randomness only from a seeded
// generator that is part of its state, holds no float64, and never lets map
// iteration order reach an output. The same commands therefore give the same
// events and the same StateHash, byte for byte: what journals, replicas, the
// simulator and audits rely on.
//
// Money is int64 fixed point (package fixed) in the settlement asset's
// smallest unit. Every balance lives in a double-entry ledger; a perpetual
// market's realized PnL is paid from and to that market's clearing account,
// whose balance is always minus the sum of the market's position costs, so
// value is conserved exactly (see CheckInvariants).
package engine
