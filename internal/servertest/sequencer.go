package servertest

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/waterfallrisk/waterfall/journal"
	"github.com/waterfallrisk/waterfall/journal/record"
	"github.com/waterfallrisk/waterfall/server/sequencer"
)

// Quiet is a logger that drops everything.
func Quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// Journal is the journal of the data directory dir as Sequencer opens it
// (record.JournalPath(dir), without fsync), for whatever else reads it
// (readmodel.Options.Journal).
func Journal(dir string) sequencer.Dir {
	return sequencer.Dir{Path: record.JournalPath(dir), Options: journal.Options{NoSync: true}}
}

// Sequencer opens a sequencer on the data directory dir (Journal(dir)) with
// the manual clock, the wall clock pinned at t0 (ms, so that runs begin
// alike), no snapshots and a quiet logger. It is closed when the test ends
// (closing it before is allowed).
func Sequencer(t testing.TB, dir string, t0 int64) *sequencer.Sequencer {
	t.Helper()
	q, err := sequencer.Open(sequencer.Options{Store: Journal(dir), Clock: sequencer.ClockManual,
		Now: func() time.Time { return time.UnixMilli(t0) }, Logger: Quiet(), SnapshotEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = q.Close() })
	return q
}
