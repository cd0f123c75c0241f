// Command waterfall is Waterfall's command line: the engine's configuration
// (config), the server (serve), the journal audit (audit) and the crash
// simulator (sim, docs/scenarios.md).
package main

import (
	"fmt"
	"os"

	"github.com/alecthomas/kong"

	"github.com/waterfallrisk/waterfall/engine/config"
)

type cli struct {
	Config configCmd `cmd:"" help:"Print the built-in configuration as YAML, or check and print a configuration file."`
	Serve  serveCmd  `cmd:"" help:"Serve the engine behind Backpack's API and the operator API, journaling every command."`
	Audit  auditCmd  `cmd:"" help:"Verify a data directory's journal (checksums, hash chain), replay it, check the invariants and print the state hash."`
	Sim    simCmd    `cmd:"" help:"Run a crash scenario through the engine under one or more liquidation policies and write a report, metrics.json and charts."`
}

type configCmd struct {
	File string `arg:"" optional:"" type:"existingfile" help:"A configuration file to check (default: the built-in one)."`
}

// Run loads, validates and prints the configuration in canonical form.
func (c *configCmd) Run() error {
	cfg := config.Default()
	if c.File != "" {
		var err error
		if cfg, err = config.LoadFile(c.File); err != nil {
			return err
		}
	}
	return cfg.WriteYAML(os.Stdout)
}

func main() {
	ctx := kong.Parse(&cli{},
		kong.Name("waterfall"),
		kong.Description("Waterfall: a deterministic liquidation and risk engine for crypto derivatives exchanges."),
		kong.UsageOnError())
	if err := ctx.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "waterfall:", err)
		os.Exit(1)
	}
}
