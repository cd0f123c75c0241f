// Package run is the crash simulator's core: it builds the engine a
// scenario describes (sim/scenario), populates it with traders, market
// makers and backstop providers, plays the index price paths tick by tick
// through the real engine (engine.New, Engine.Apply, in process), measures
// what each liquidation policy did from the engine's own events, and hands
// the numbers to sim/report.
//
// Everything is a function of the scenario and the seed: every random draw
// comes from PCG generators seeded by it, nothing reads the clock, and no
// output depends on map order, so the same seed gives byte-identical
// metrics.json. Per tick the driver sets index prices, moves time,
// re-quotes the market makers and sends the stop-losses the mark reached
// (from a sorted list per market); the rest of the per-trader work
// (detection, the liquidation loop, backstop and ADL) is the engine's own.
package run

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/sim/report"
	"github.com/waterfallrisk/waterfall/sim/scenario"
)

// Options adjust a run without editing the scenario.
type Options struct {
	// Seed seeds every draw and the engine's own generator.
	Seed uint64
	// Policies to run, in order; empty: the scenario's own list.
	Policies []config.LiquidationPolicy
	// Traders overrides traders.count when > 0 (tests run the bundled
	// scenarios smaller).
	Traders int
	// Parallel is how many policies run at once; 0: GOMAXPROCS.
	Parallel int
	// Progress, if set, is told of each simulated tick (from several
	// goroutines when runs are parallel).
	Progress func(ticks int)
}

// Result is a scenario run under each policy.
type Result struct {
	Report report.Report
	Runs   []RunResult // one per policy, in Report.Runs order
}

// RunResult is what one policy's run ends with besides its report rows.
type RunResult struct {
	Policy    config.LiquidationPolicy
	StateHash [32]byte // the engine's state hash at the end
	Commands  uint64   // engine commands accepted
	Opened    int      // traders whose position opened
}

// Simulate runs sc under each policy (opt.Policies or the scenario's) and
// returns the report and per-run results. Each policy runs on its own
// engine from the same seed, so runs differ only by the policy; they run in
// parallel, and the result does not depend on it. At the end of each run
// the engine's invariants (Engine.CheckInvariants) and the simulator's own
// conservation check (Σ balances = Σ deposits, per asset) must hold, or
// Simulate fails.
func Simulate(sc *scenario.Scenario, opt Options) (*Result, error) {
	policies := opt.Policies
	if len(policies) == 0 {
		policies = sc.PolicyList
	}
	traders := sc.Traders.Count
	if opt.Traders > 0 {
		traders = opt.Traders
	}
	res := &Result{
		Report: report.Report{Scenario: sc.Name, Description: sc.Description, Seed: opt.Seed,
			Traders: traders, DurationSec: sc.Duration.Ms() / 1000},
		Runs: make([]RunResult, len(policies)),
	}
	res.Report.Runs = make([]report.Run, len(policies))
	par := opt.Parallel
	if par <= 0 {
		par = runtime.GOMAXPROCS(0)
	}
	errs := make([]error, len(policies))
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	for i, p := range policies {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			s, err := newSim(sc, opt, traders, p)
			if err == nil {
				err = s.run()
			}
			if err != nil {
				errs[i] = fmt.Errorf("policy %s: %w", p, err)
				return
			}
			res.Report.Runs[i] = s.reportRun()
			res.Runs[i] = RunResult{Policy: p, StateHash: s.e.StateHash(), Commands: s.e.Seq(), Opened: s.opened}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return res, nil
}

// run plays the scenario: setup at engine time 0, then each tick k moves
// time to k ticks, lets the market makers re-quote around the tick's index,
// sets the index prices, sends the stop-losses the marks reached and the
// background taker flow;
// charts are sampled every sampleEvery. It ends
// with the invariant and conservation checks.
func (s *sim) run() error {
	if err := s.setup(); err != nil {
		return err
	}
	s.col.running, s.col.fundMin = true, s.col.fund
	tickMs := s.sc.Tick.Ms()
	sampleTicks := int(s.sc.SampleEvery.Ms() / tickMs)
	ticks := s.sc.Ticks()
	s.sample(0)
	const progressEvery = 64
	pending := 0
	for k := 1; k <= ticks; k++ {
		s.cmd = engine.Command{Kind: engine.CmdAdvanceTime, Amount: int64(k) * tickMs}
		if _, err := s.apply(); err != nil {
			return fmt.Errorf("advance time to %d ms: %w", int64(k)*tickMs, err)
		}
		s.quoteAll(k)
		for i := range s.markets {
			s.setIndex(i, s.markets[i].path[k])
		}
		for i := range s.markets {
			s.fireStops(i)
			s.flowTick(i)
		}
		if k%sampleTicks == 0 || k == ticks {
			s.sample(k)
		}
		if pending++; pending == progressEvery || k == ticks {
			if s.opt.Progress != nil {
				s.opt.Progress(pending)
			}
			pending = 0
		}
	}
	return s.check()
}

// apply sends s.cmd to the engine and feeds its events to the collector.
func (s *sim) apply() ([]engine.Event, error) {
	evs, err := s.e.Apply(&s.cmd)
	if err != nil {
		return nil, err
	}
	s.col.observe(s, evs)
	return evs, nil
}

// setIndex sets market i's base asset index price if it changed.
func (s *sim) setIndex(i int, price int64) {
	m := &s.markets[i]
	if price == m.index {
		return
	}
	s.cmd = engine.Command{Kind: engine.CmdSetIndexPrice, Asset: m.cfg.Base, Amount: price}
	if _, err := s.apply(); err == nil {
		m.index = price
	}
}

// check verifies the engine's invariants and that value was conserved:
// per asset, the balances of all accounts sum to what the simulator
// deposited.
func (s *sim) check() error {
	if err := s.e.CheckInvariants(); err != nil {
		return fmt.Errorf("invariants at the end: %w", err)
	}
	for a := range s.cfg.Assets {
		var sum int64
		for id := range s.e.Accounts() {
			sum += s.e.Balance(engine.AccountID(id), config.AssetID(a))
		}
		if sum != s.deposits[a] {
			return fmt.Errorf("value not conserved: %s balances sum to %d, deposits were %d", s.cfg.Assets[a].Symbol, sum, s.deposits[a])
		}
	}
	return nil
}
