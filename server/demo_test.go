package server

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/server/demo"
)

func startDemo(t *testing.T, dir, clock string, o demo.Options) (*Server, *bytes.Buffer) {
	t.Helper()
	var out bytes.Buffer
	s, err := Start(Options{DataDir: dir, Addr: "127.0.0.1:0", Clock: clock, Out: &out, Demo: true, DemoOptions: o,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return s, &out
}

// engineState reads what the demo tests check: the number of accounts,
// whether any demo account holds a position, and the invariants.
func engineState(t *testing.T, s *Server) (accounts int, positions bool, inv error) {
	t.Helper()
	ids := s.demo.Accounts()
	if err := s.seq.Read(context.Background(), func(e *engine.Engine) {
		accounts, inv = e.Accounts(), e.CheckInvariants()
		for _, id := range ids {
			for _, p := range e.Positions(id) {
				positions = positions || p.NetQuantity != 0
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	return
}

// `serve --demo` on the wall clock, stepping fast: the market trades, demo
// accounts hold positions, and within 300 steps the engine liquidates
// someone (the demo only moves prices); the operator API shows the
// invariants hold. A restart on the same data directory creates no account
// and the demo goes on.
func TestServeDemo(t *testing.T) {
	t.Setenv(TokenEnv, "")
	dir := t.TempDir()
	s, out := startDemo(t, dir, "wall", demo.Options{Interval: 2 * time.Millisecond})
	for _, want := range []string{"demo:", "running", "/admin/v1/liquidations", "/api/v1/insuranceFund", demo.AccountsFile} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("the banner does not mention %q:\n%s", want, out)
		}
	}
	deadline := time.Now().Add(60 * time.Second)
	for st := s.demo.Stats(); st.Liquidations == 0 || st.Trades == 0; st = s.demo.Stats() {
		if st.Steps > 300 || time.Now().After(deadline) {
			t.Fatalf("no liquidation after %d steps: %+v", st.Steps, st)
		}
		time.Sleep(5 * time.Millisecond)
	}
	c := &client{t: t, base: "http://" + s.Addr(), token: s.Token()}
	var inv struct {
		OK         bool     `json:"ok"`
		Violations []string `json:"violations"`
	}
	c.do("GET", "/admin/v1/invariants", "", &inv)
	if !inv.OK {
		t.Fatalf("invariants: %v", inv.Violations)
	}
	var liq []map[string]any
	c.do("GET", "/admin/v1/liquidations", "", &liq)
	accounts, positions, err := engineState(t, s)
	if err != nil || !positions {
		t.Fatalf("invariants %v, positions %v", err, positions)
	}
	t.Logf("%+v; in liquidation now: %v", s.demo.Stats(), liq)
	stop(t, s)

	s2, out2 := startDemo(t, dir, "wall", demo.Options{Interval: 2 * time.Millisecond})
	defer stop(t, s2)
	if !strings.Contains(out2.String(), "demo:") {
		t.Fatalf("no demo line after the restart:\n%s", out2)
	}
	for s2.demo.Stats().Steps < 10 {
		select {
		case <-s2.demo.Done():
			t.Fatalf("the demo stopped after a restart: %+v", s2.demo.Stats())
		case <-time.After(5 * time.Millisecond):
		}
	}
	after, _, err := engineState(t, s2)
	if err != nil {
		t.Fatal(err)
	}
	if after != accounts {
		t.Fatalf("%d accounts before the restart, %d after: the demo created duplicates", accounts, after)
	}
	c.base = "http://" + s2.Addr()
	c.do("GET", "/admin/v1/invariants", "", &inv)
	if !inv.OK {
		t.Fatalf("invariants after the restart: %v", inv.Violations)
	}
}

// With the manual clock the demo advances it one step (StepMs) per step,
// and the operator's clock endpoint still works beside it.
func TestServeDemoManualClock(t *testing.T) {
	t.Setenv(TokenEnv, "")
	s, out := startDemo(t, t.TempDir(), "manual", demo.Options{Interval: time.Millisecond, StepMs: 500, MaxSteps: 8})
	defer stop(t, s)
	if !strings.Contains(out.String(), "advances the manual clock 500 ms") {
		t.Fatalf("banner:\n%s", out)
	}
	select {
	case <-s.demo.Done():
	case <-time.After(30 * time.Second):
		t.Fatal("8 steps did not finish")
	}
	var now int64
	if err := s.seq.Read(context.Background(), func(e *engine.Engine) { now = e.Now() }); err != nil {
		t.Fatal(err)
	}
	if got := now - s.seq.ClockStart(); got != 8*500 {
		t.Fatalf("engine time moved %d ms in 8 steps of 500", got)
	}
	c := &client{t: t, base: "http://" + s.Addr(), token: s.Token()}
	if st := c.do("POST", "/admin/v1/clock", `{"advanceMs":1000}`, nil); st != http.StatusOK {
		t.Fatalf("clock: %d", st)
	}
}
