package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	wfserver "github.com/waterfallrisk/waterfall/server"
)

// serveCmd is `waterfall serve` (DESIGN.md §4).
type serveCmd struct {
	Config     string `type:"existingfile" help:"Configuration file for a new data directory (default: the built-in markets). An existing data directory keeps the configuration in its journal."`
	Data       string `default:"./waterfall-data" help:"Data directory: the journal, its snapshots and admin.token."`
	Addr       string `default:"127.0.0.1:8080" help:"Listen address, host:port."`
	Clock      string `default:"wall" enum:"wall,manual" help:"Engine clock: wall, or manual (advanced only by POST /admin/v1/clock)."`
	AdminToken string `name:"admin-token" help:"Operator API token (default: $WATERFALL_ADMIN_TOKEN, else generated into <data>/admin.token)."`
	RateLimit  int    `name:"rate-limit" default:"1000" help:"Requests per second each API key may make, REST, history and WebSocket subscriptions together (negative: no limit). The operator API has none."`
	Demo       bool   `help:"Run a price feed, a market maker, a backstop provider and trader bots in process: a live market whose liquidations the engine decides within a few minutes. With --clock manual the demo advances the clock 1 s a step itself."`
}

// Run serves until SIGINT or SIGTERM, then shuts down gracefully.
func (c *serveCmd) Run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return wfserver.Run(ctx, wfserver.Options{
		ConfigPath: c.Config, DataDir: c.Data, Addr: c.Addr, Clock: c.Clock, AdminToken: c.AdminToken, Demo: c.Demo,
		RateLimit: c.RateLimit,
	})
}
