package demo

import (
	"context"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/server/sequencer"
)

// watchBuffer is the watcher's subscription buffer, in batches. The watcher
// is lossy: should it fall behind it is dropped and subscribes again,
// losing only counts and log lines, never slowing the sequencer.
const watchBuffer = 4096

// watch follows the sequencer's events until ctx ends or the sequencer
// stops: it counts trades and liquidations (Stats) and logs every account
// or isolated position the engine takes into a liquidation stage.
func (d *Demo) watch(ctx context.Context) {
	for {
		sub, err := d.seq.Subscribe(ctx, sequencer.SubscribeOptions{Buffer: watchBuffer})
		if err != nil {
			return
		}
		if !d.follow(ctx, sub) {
			sub.Close()
			return
		}
	}
}

// follow reads sub until it ends; it reports whether to subscribe again
// (the subscription was dropped for falling behind).
func (d *Demo) follow(ctx context.Context, sub *sequencer.Subscription) bool {
	for {
		select {
		case <-ctx.Done():
			return false
		case b, ok := <-sub.C:
			if !ok {
				return sub.Err() == sequencer.ErrDropped && ctx.Err() == nil
			}
			for i := range b.Events {
				d.observe(&b.Events[i])
			}
		}
	}
}

// observe counts one event and logs a liquidation stage.
func (d *Demo) observe(ev *engine.Event) {
	switch {
	case ev.Kind == engine.EvTrade:
		d.trades.Add(1)
	case ev.Kind == engine.EvLiquidation && ev.Stage != engine.StageNone:
		d.liquidations.Add(1)
		name := "not a demo account"
		if i, ok := d.byID[ev.Account]; ok {
			name = d.members[i].name
		}
		args := []any{"account", ev.Account, "name", name, "stage", ev.Stage.String(), "seq", ev.Seq, "step", d.steps.Load()}
		if ev.Isolated {
			args = append(args, "isolated", d.cfg.Markets[ev.Market].Symbol)
		}
		d.log.Info("liquidation (decided by the engine)", args...)
	}
}
