package sequencer

import (
	"time"

	"github.com/waterfallrisk/waterfall/engine"
)

// Observer receives the sequencer's measurements as they happen, for
// metrics that Stats cannot give (per-kind counts, latency histograms). Its
// methods run on the loop goroutine, between commands: they must be quick
// and must not block or call the sequencer.
type Observer interface {
	// Command: a command of this kind was accepted and journaled, or
	// refused (nothing journaled). Clock advances issued by the sequencer
	// count as accepted CmdAdvanceTime.
	Command(kind engine.CommandKind, accepted bool)
	// Synced: one journal fsync took d and made records records durable
	// (commands and key bindings: the group commit's size).
	Synced(d time.Duration, records uint64)
	// Batch: a batch of requests (each Submit, SubmitBatch, Read... is
	// one) was answered.
	Batch(requests int)
}

// SetObserver installs o (nil removes it). Safe from any goroutine; the
// measurements after the call go to o.
func (q *Sequencer) SetObserver(o Observer) {
	if o == nil {
		q.stats.obs.Store(nil)
		return
	}
	q.stats.obs.Store(&o)
}

// counted records a command's outcome (loop only).
func (q *Sequencer) counted(kind engine.CommandKind, accepted bool) {
	if accepted {
		q.stats.commands.Add(1)
	} else {
		q.stats.refused.Add(1)
	}
	if o := q.stats.obs.Load(); o != nil {
		(*o).Command(kind, accepted)
	}
}
