// Package sequencer owns the engine: one goroutine applies every command,
// journals the accepted ones, makes each batch durable with one fsync, and
// only then answers its callers and publishes its events (DESIGN.md §1).
//
// # Batches
//
// Requests (Submit, Read, CreateAccount, AdvanceClock, Subscribe) arrive on
// one channel. The loop takes what is queued, up to Options.MaxBatch, as one
// batch: each command is applied in arrival order; an accepted one is
// appended to the journal, a refused one journals nothing and its caller gets
// the engine's *engine.Error. After the batch, one Sync; then the callers are
// answered and the batch's events published to subscribers. Nothing leaves
// the sequencer (a reply, an event, an API-key binding visible through
// AccountByKey, the result of a Read) before the batch is durable. If an
// append or the Sync fails, memory is ahead of disk: the sequencer stops,
// every waiting caller gets the error, and Done/Err report it so the process
// exits through its error path.
//
// # Journal records and sequences
//
// Journal record sequences count every record (the genesis record, commands,
// key bindings); engine.Seq counts accepted commands. The two are kept side
// by side: a snapshot records the journal sequence it covers, the engine
// sequence, the key bindings and the engine state.
//
// # Time
//
// Engine commands carry no time; the sequencer issues CmdAdvanceTime.
//
//   - ClockManual: engine time starts at the wall time of the first start
//     (kept in the genesis record) and moves only by AdvanceClock, at most
//     engine.MaxTimeStep per call.
//   - ClockWall: before a batch that holds a mutating request, engine time is
//     advanced to the wall clock (in steps of at most engine.MaxTimeStep), so
//     each command is stamped with the time it arrived. When no request
//     comes, a ticker (Options.Tick, 100 ms) advances time only if a timer is
//     due and engine.Live reports that timers can change something a client
//     sees (a liquidation in progress, positions paying funding, trigger or
//     resting orders, a decaying basis). An idle engine's timers only sample
//     and reschedule; running them later, in the same order, before the next
//     command leaves the same state (engine.Live's contract), so letting
//     time stand still loses nothing. Consequence: a restart of an idle
//     engine journals nothing until a request arrives, and the state
//     sequence and hash stay what they were; with positions open, time keeps
//     moving after a restart as it did before it.
//
// The clock advance that precedes a batch is journaled even when every
// command of the batch is then refused: time passing is a state change of
// its own, not the refused command's. In manual mode a refused command
// changes nothing at all.
//
// Startup writes nothing to the journal except, on the very first start, the
// genesis record (configuration and clock start).
package sequencer
