package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/server/sequencer"
)

// Defaults of Options.
const (
	DefaultSeed     = 1
	DefaultInterval = time.Second
	DefaultStepMs   = 1000
)

// Options configure Start. The zero value is the demo `waterfall serve
// --demo` runs: seed 1, a step a second.
type Options struct {
	// Seed seeds the price path and the bots' choices (0: DefaultSeed).
	// With the manual clock a run is a function of the seed and the journal
	// it starts from.
	Seed uint64
	// Interval is the wall time between two steps (0: DefaultInterval).
	// Tests shorten it; the price cycle counts steps, not seconds.
	Interval time.Duration
	// StepMs is how far a step advances engine time under the manual clock
	// (0: DefaultStepMs). Unused with the wall clock.
	StepMs int64
	// MaxSteps stops the demo after this many steps (0: never); tests use
	// it to end at a known point.
	MaxSteps int
	// Dir is the data directory, where KeyFile and AccountsFile live ("":
	// none; the accounts are then not found again after a restart).
	Dir string
	// Out receives the line saying the demo runs and what to look at (nil:
	// nothing is printed).
	Out io.Writer
	// Logger receives the demo's logs (nil: slog.Default()).
	Logger *slog.Logger
}

// Stats count what the demo did and saw since it started.
type Stats struct {
	Steps    uint64 // steps completed
	Commands uint64 // commands the engine accepted from the demo
	Refused  uint64 // commands the engine refused (normal: a bot's order that no longer fits)
	// Trades and Liquidations count engine events seen on the sequencer's
	// stream, the demo's and anyone else's: public trades, and accounts or
	// isolated positions entering a liquidation stage (EvLiquidation with a
	// stage).
	Trades       uint64
	Liquidations uint64
}

// Demo is a running demo. Stop it with Stop.
type Demo struct {
	seq     *sequencer.Sequencer
	cfg     *config.Config
	opts    Options
	log     *slog.Logger
	settle  config.AssetID
	manual  bool
	markets []mkt
	perps   []int // indexes in markets of the perpetuals…
	spots   []int // …and of the spot markets
	members []member
	byID    map[engine.AccountID]int // account → index in members
	feed    *feed
	rng     *rand.Rand // the bots' choices

	maker, backstop int                        // indexes in members
	makerBase       map[config.AssetID]float64 // the maker's target holding of each spot base asset
	lastCenter      []float64                  // per market: the maker's last quoting center

	cancel context.CancelFunc
	done   chan struct{}

	steps, commands, refused, trades, liquidations atomic.Uint64
	stopOnce                                       sync.Once
}

// Start sets the demo up on seq — finds or creates its accounts, sets the
// starting index prices of assets that have none, applies the accounts'
// settings, funds them and registers the backstop provider — then runs it
// in the background until ctx ends, Stop is called or the sequencer stops.
// Every step is commands through seq. The setup runs before Start returns,
// so its errors are Start's.
func Start(ctx context.Context, seq *sequencer.Sequencer, o Options) (*Demo, error) {
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	if o.StepMs <= 0 {
		o.StepMs = DefaultStepMs
	}
	if o.StepMs > engine.MaxTimeStep {
		return nil, fmt.Errorf("demo: StepMs %d exceeds %d", o.StepMs, engine.MaxTimeStep)
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	cfg := seq.Config()
	settle, ok := cfg.AssetBySymbol(cfg.SettlementAsset)
	if !ok {
		return nil, fmt.Errorf("demo: no settlement asset %q", cfg.SettlementAsset)
	}
	d := &Demo{
		seq: seq, cfg: cfg, opts: o, log: o.Logger.With("part", "demo"), settle: settle,
		manual: seq.Clock() == sequencer.ClockManual, byID: map[engine.AccountID]int{},
		makerBase: map[config.AssetID]float64{}, done: make(chan struct{}),
	}
	for i := range cfg.Markets {
		d.markets = append(d.markets, newMkt(cfg, config.MarketID(i)))
	}
	for i := range d.markets {
		if d.markets[i].perp {
			d.perps = append(d.perps, i)
		} else {
			d.spots = append(d.spots, i)
		}
	}
	d.lastCenter = make([]float64, len(d.markets))
	d.members = roster(cfg, d.markets)
	d.maker, d.backstop = 0, 1
	ctx, cancel := context.WithCancel(ctx)
	d.cancel = cancel
	var startSeq uint64
	if err := seq.Read(ctx, func(e *engine.Engine) { startSeq = e.Seq() }); err != nil {
		cancel()
		return nil, fmt.Errorf("demo: %w", err)
	}
	d.rng = rand.New(rand.NewPCG(o.Seed^0x5eed_b075, startSeq))
	if err := d.setup(ctx, startSeq); err != nil {
		cancel()
		return nil, err
	}
	d.announce()
	go d.run(ctx)
	go d.watch(ctx)
	return d, nil
}

// Stop ends the demo and waits for its step in flight (a command it was
// waiting on may or may not have been applied). Safe to call more than
// once.
func (d *Demo) Stop() {
	d.stopOnce.Do(d.cancel)
	<-d.done
}

// Done is closed when the demo has stopped: after Stop, when Start's
// context ended, after Options.MaxSteps, or when the sequencer stopped
// under it.
func (d *Demo) Done() <-chan struct{} { return d.done }

// Stats returns the counters so far.
func (d *Demo) Stats() Stats {
	return Stats{
		Steps: d.steps.Load(), Commands: d.commands.Load(), Refused: d.refused.Load(),
		Trades: d.trades.Load(), Liquidations: d.liquidations.Load(),
	}
}

// Accounts returns the demo's accounts by name.
func (d *Demo) Accounts() map[string]engine.AccountID {
	out := make(map[string]engine.AccountID, len(d.members))
	for i := range d.members {
		out[d.members[i].name] = d.members[i].id
	}
	return out
}

// run steps every Interval until ctx ends or a command fails for a reason
// other than the engine refusing it (the sequencer stopped).
func (d *Demo) run(ctx context.Context) {
	defer close(d.done)
	t := time.NewTicker(d.opts.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-d.seq.Done():
			return
		case <-t.C:
		}
		if err := d.stepOnce(ctx); err != nil {
			if ctx.Err() == nil && !errors.Is(err, sequencer.ErrClosed) {
				d.log.Error("demo stopped", "err", err)
			}
			return
		}
		if n := d.steps.Add(1); d.opts.MaxSteps > 0 && n >= uint64(d.opts.MaxSteps) {
			return
		}
	}
}

// stepOnce is one step: the clock (manual only), the prices, the market
// maker, the traders, the backstop's unwinding and, now and then, top-ups.
func (d *Demo) stepOnce(ctx context.Context) error {
	if d.manual {
		if _, err := d.seq.AdvanceClock(ctx, d.opts.StepMs); err != nil {
			return err
		}
	}
	reg := d.feed.regime()
	d.feed.next()
	for i := range d.feed.walks {
		w := &d.feed.walks[i]
		if err := d.submit(ctx, &engine.Command{Kind: engine.CmdSetIndexPrice, Asset: w.asset, Amount: fixedPrice(w.price)}); err != nil {
			return err
		}
	}
	s, err := d.snapshot(ctx)
	if err != nil {
		return err
	}
	if err := d.quote(ctx, s, reg == burst); err != nil {
		return err
	}
	if err := d.trade(ctx, s); err != nil {
		return err
	}
	step := d.stepNo()
	if step%unwindEvery == unwindEvery-1 {
		if err := d.unwindBackstop(ctx, s); err != nil {
			return err
		}
	}
	if step%refillEvery == refillEvery-1 {
		if err := d.refill(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

// stepNo is the number of the step under way: the steps completed (run
// counts them once stepOnce returns).
func (d *Demo) stepNo() int { return int(d.steps.Load()) }

// submit sends one command. A refusal by the engine is counted, logged at
// debug level and returned as nil; any other error (the sequencer stopped,
// ctx ended) is returned.
func (d *Demo) submit(ctx context.Context, c *engine.Command) error {
	_, err := d.submitErr(ctx, c)
	return err
}

// submitErr is submit that also returns the engine's refusal (nil when
// accepted), for callers that react to it.
func (d *Demo) submitErr(ctx context.Context, c *engine.Command) (*engine.Error, error) {
	_, err := d.seq.Submit(ctx, c)
	var ee *engine.Error
	switch {
	case err == nil:
		d.commands.Add(1)
		return nil, nil
	case errors.As(err, &ee):
		d.refused.Add(1)
		d.log.Debug("demo command refused", "kind", c.Kind.String(), "account", c.Account, "err", err)
		return ee, nil
	}
	return nil, err
}
