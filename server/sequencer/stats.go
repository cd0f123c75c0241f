package sequencer

import (
	"sync/atomic"
	"time"
)

// Stats is a snapshot of the sequencer's counters, for metrics.
type Stats struct {
	QueueDepth  int    // requests waiting for the loop
	Batches     uint64 // batches run (ticker batches included)
	Commands    uint64 // commands accepted and journaled (clock advances included)
	Refused     uint64 // commands the engine refused
	LastBatch   int    // requests in the last batch
	MaxBatch    int    // most requests in one batch
	Syncs       uint64 // journal fsyncs
	SyncTotal   time.Duration
	LastSync    time.Duration
	MaxSync     time.Duration
	Snapshots   uint64 // snapshots written
	Subscribers int    // live subscriptions
	Dropped     uint64 // lossy subscribers dropped for falling behind
	Seq         uint64 // engine sequence after the last durable batch
	JournalSeq  uint64 // journal record sequence after the last durable batch
}

// counters are updated by the loop and read by Stats from any goroutine.
type counters struct {
	batches, commands, refused, syncs, snapshots, dropped atomic.Uint64
	syncTotal, lastSync, maxSync                          atomic.Int64
	lastBatch, maxBatch, subscribers                      atomic.Int64
	seq, journalSeq                                       atomic.Uint64
	obs                                                   atomic.Pointer[Observer] // observe.go
}

func (c *counters) synced(d time.Duration, records uint64) {
	if o := c.obs.Load(); o != nil {
		(*o).Synced(d, records)
	}
	c.syncs.Add(1)
	c.syncTotal.Add(int64(d))
	c.lastSync.Store(int64(d))
	if int64(d) > c.maxSync.Load() {
		c.maxSync.Store(int64(d))
	}
}

func (c *counters) batch(n int) {
	if o := c.obs.Load(); o != nil {
		(*o).Batch(n)
	}
	c.batches.Add(1)
	c.lastBatch.Store(int64(n))
	if int64(n) > c.maxBatch.Load() {
		c.maxBatch.Store(int64(n))
	}
}

// Stats returns the current counters. Safe from any goroutine.
func (q *Sequencer) Stats() Stats {
	c := &q.stats
	return Stats{
		QueueDepth:  len(q.reqs),
		Batches:     c.batches.Load(),
		Commands:    c.commands.Load(),
		Refused:     c.refused.Load(),
		LastBatch:   int(c.lastBatch.Load()),
		MaxBatch:    int(c.maxBatch.Load()),
		Syncs:       c.syncs.Load(),
		SyncTotal:   time.Duration(c.syncTotal.Load()),
		LastSync:    time.Duration(c.lastSync.Load()),
		MaxSync:     time.Duration(c.maxSync.Load()),
		Snapshots:   c.snapshots.Load(),
		Subscribers: int(c.subscribers.Load()),
		Dropped:     c.dropped.Load(),
		Seq:         c.seq.Load(),
		JournalSeq:  c.journalSeq.Load(),
	}
}
