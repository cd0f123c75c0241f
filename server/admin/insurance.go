package admin

import (
	"context"
	"sync"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/server/sequencer"
)

// InsuranceLog is an in-memory InsuranceHistory: it keeps the balance events
// of engine.AccountInsurance from the batches it is fed. It sees only what
// happens after it starts (a restart begins it empty); the SQLite read model,
// rebuilt from the journal, replaces it.
type InsuranceLog struct {
	mu     sync.Mutex
	events []engine.Event
}

// Run consumes batches until c is closed (feed it a lossless subscription's
// channel so that no movement is missed).
func (l *InsuranceLog) Run(c <-chan sequencer.Batch) {
	for b := range c {
		l.Add(b.Events)
	}
}

// Add keeps the insurance fund's balance events among evs.
func (l *InsuranceLog) Add(evs []engine.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := range evs {
		if evs[i].Kind == engine.EvBalance && evs[i].Account == engine.AccountInsurance {
			l.events = append(l.events, evs[i])
		}
	}
}

// InsuranceHistory implements InsuranceHistory: a copy of the events kept.
func (l *InsuranceLog) InsuranceHistory(context.Context) ([]engine.Event, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]engine.Event(nil), l.events...), nil
}
