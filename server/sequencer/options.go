package sequencer

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/waterfallrisk/waterfall/engine/config"
)

// ClockMode says where engine time comes from (see the package doc).
type ClockMode uint8

const (
	// ClockWall follows the wall clock.
	ClockWall ClockMode = iota
	// ClockManual moves only by AdvanceClock.
	ClockManual
)

func (m ClockMode) String() string {
	if m == ClockManual {
		return "manual"
	}
	return "wall"
}

// ParseClockMode reads "wall" or "manual".
func ParseClockMode(s string) (ClockMode, error) {
	switch s {
	case "wall", "":
		return ClockWall, nil
	case "manual":
		return ClockManual, nil
	}
	return 0, fmt.Errorf("sequencer: clock %q is neither wall nor manual", s)
}

// Defaults of Options' zero fields.
const (
	DefaultSnapshotEvery = 10_000
	DefaultMaxBatch      = 4096
	DefaultQueue         = 8192
	DefaultTick          = 100 * time.Millisecond
)

// Options configure Open.
type Options struct {
	// Store is the journal directory. Required.
	Store Store
	// Config is the configuration for a new journal. On an existing journal
	// the genesis record's configuration is used; a non-nil Config that
	// differs from it is refused (ErrConfigMismatch). Nil on a new journal
	// means config.Default().
	Config *config.Config
	// Clock is the clock mode.
	Clock ClockMode
	// SnapshotEvery: a snapshot is written once this many journal records
	// have accumulated since the last one (default DefaultSnapshotEvery;
	// negative: never).
	SnapshotEvery int
	// MaxBatch bounds the requests of one batch (default DefaultMaxBatch).
	MaxBatch int
	// Queue is the request channel's capacity (default DefaultQueue).
	Queue int
	// Tick is the wall-clock ticker's period (default DefaultTick).
	Tick time.Duration
	// Now reads the wall clock (default time.Now); tests replace it.
	Now func() time.Time
	// Logger receives operational logs (default slog.Default()).
	Logger *slog.Logger
}

func (o *Options) fill() {
	if o.SnapshotEvery == 0 {
		o.SnapshotEvery = DefaultSnapshotEvery
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = DefaultMaxBatch
	}
	if o.Queue <= 0 {
		o.Queue = DefaultQueue
	}
	if o.Tick <= 0 {
		o.Tick = DefaultTick
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}
