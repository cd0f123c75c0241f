package metrics

import (
	"context"
	"errors"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/server/sequencer"
)

// EventBuffer is the capacity, in batches, of Run's lossy subscription.
const EventBuffer = 4096

// Run feeds the event metrics (liquidations by stage, the insurance fund's
// balance) from a lossy subscription until ctx ends or the sequencer stops;
// it returns nil then, or the error of a failed Subscribe or Read. A
// subscription dropped for falling behind is renewed (see the package doc).
func (m *Metrics) Run(ctx context.Context) error {
	for {
		sub, err := m.seq.Subscribe(ctx, sequencer.SubscribeOptions{Buffer: m.buffer})
		if err != nil {
			return quiet(ctx, err)
		}
		// Read the balance after subscribing: events up to the read's
		// sequence are already in it.
		var seen uint64
		var bal int64
		if err := m.seq.Read(ctx, func(e *engine.Engine) {
			seen, bal = e.Seq(), e.Balance(engine.AccountInsurance, m.settle)
		}); err != nil {
			sub.Close()
			return quiet(ctx, err)
		}
		m.insurance.Set(float64(bal) / m.scale)
		if err := m.consume(ctx, sub, seen); !errors.Is(err, sequencer.ErrDropped) {
			return quiet(ctx, err)
		}
		m.log.Warn("metrics fell behind the engine's events and resubscribed: liquidation counts miss the events in between")
	}
}

// consume reads sub until it ends (its Err) or ctx ends; events of
// sequence ≤ seen are skipped for the insurance balance (already read).
func (m *Metrics) consume(ctx context.Context, sub *sequencer.Subscription, seen uint64) error {
	defer sub.Close()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case b, ok := <-sub.C:
			if !ok {
				return sub.Err()
			}
			if m.onBatch != nil {
				m.onBatch()
			}
			m.observeEvents(b.Events, seen)
		}
	}
}

// observeEvents updates the event metrics from one published batch.
func (m *Metrics) observeEvents(evs []engine.Event, seen uint64) {
	for i := range evs {
		ev := &evs[i]
		switch ev.Kind {
		case engine.EvLiquidation:
			if int(ev.Stage) < len(m.liquidations) {
				m.liquidations[ev.Stage].Inc()
			}
		case engine.EvBalance:
			if ev.Account == engine.AccountInsurance && ev.Asset == m.settle && ev.Seq > seen {
				m.insurance.Set(float64(ev.Balance) / m.scale)
			}
		}
	}
}

// quiet turns the ends of a normal life (ctx over, sequencer closed) into
// nil.
func quiet(ctx context.Context, err error) error {
	if err == nil || ctx.Err() != nil || errors.Is(err, sequencer.ErrClosed) {
		return nil
	}
	return err
}
