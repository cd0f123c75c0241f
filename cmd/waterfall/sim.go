package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/sim/run"
	"github.com/waterfallrisk/waterfall/sim/scenario"
)

// simCmd is `waterfall sim SCENARIO.yaml [--out DIR] [--seed N] [--policy NAME]...`:
// the crash simulator (issue #6, docs/scenarios.md).
type simCmd struct {
	Scenario string   `arg:"" type:"existingfile" help:"The scenario file (YAML, docs/scenarios.md); bundled ones are in scenarios/."`
	Out      string   `placeholder:"DIR" help:"Output directory, created if missing: report.md, report.html, metrics.json and the charts (PNG, SVG). Default: sim-<scenario name>."`
	Seed     *uint64  `placeholder:"N" help:"Seed of every random draw and of the engine (default: the scenario's seed)."`
	Policy   []string `placeholder:"NAME" help:"A liquidation policy to run: backpack, ladder, classic or partial; repeat to compare. Default: the scenario's policies."`
	Traders  int      `placeholder:"N" help:"Run with N traders instead of the scenario's count."`
	Quiet    bool     `help:"No progress bar."`
}

// simProgress is where the progress bar goes (tests silence it).
var simProgress io.Writer = os.Stderr

// Run loads the scenario, runs every policy and writes the output.
func (c *simCmd) Run() error {
	sc, err := scenario.Load(c.Scenario)
	if err != nil {
		return err
	}
	opt := run.Options{Seed: sc.Seed, Traders: c.Traders}
	if c.Seed != nil {
		opt.Seed = *c.Seed
	}
	if c.Traders < 0 || c.Traders > scenario.MaxTraders {
		return fmt.Errorf("--traders %d is outside 1..%d", c.Traders, scenario.MaxTraders)
	}
	for _, name := range c.Policy {
		p, ok := config.ParsePolicy(name)
		if !ok {
			return fmt.Errorf("--policy %q: unknown policy (backpack, ladder, classic, partial)", name)
		}
		opt.Policies = append(opt.Policies, p)
	}
	out := c.Out
	if out == "" {
		out = "sim-" + sc.Name
	}
	runs := len(opt.Policies)
	if runs == 0 {
		runs = len(sc.PolicyList)
	}
	if !c.Quiet {
		bar := progressbar.NewOptions64(int64(runs)*int64(sc.Ticks()),
			progressbar.OptionSetWriter(simProgress),
			progressbar.OptionSetDescription(fmt.Sprintf("%s, %d run(s)", sc.Name, runs)),
			progressbar.OptionSetItsString("ticks"),
			progressbar.OptionShowIts(),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(simProgress) }))
		var mu sync.Mutex
		opt.Progress = func(n int) {
			mu.Lock()
			defer mu.Unlock()
			_ = bar.Add(n)
		}
	}
	res, err := run.Simulate(sc, opt)
	if err != nil {
		return err
	}
	if err := run.Write(out, res); err != nil {
		return err
	}
	fmt.Printf("%s: %d trader(s), seed %d, %d policy run(s)\n", sc.Name, res.Report.Traders, opt.Seed, len(res.Runs))
	fmt.Printf("wrote %s, %s and the charts\n", filepath.Join(out, "report.md"), filepath.Join(out, "metrics.json"))
	return nil
}
