package metrics

import (
	"context"
	"crypto/ed25519"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/fixed"
	"github.com/waterfallrisk/waterfall/journal"
	"github.com/waterfallrisk/waterfall/server/sequencer"
)

const t0 = 1_700_000_000_000

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// setup opens a manual-clock sequencer with the metrics installed and Run
// going.
func setup(t *testing.T) (*sequencer.Sequencer, *Metrics) {
	t.Helper()
	return setupWith(t, nil)
}

// setupWith is setup with mod adjusting the Metrics before Run starts.
func setupWith(t *testing.T, mod func(*Metrics)) (*sequencer.Sequencer, *Metrics) {
	t.Helper()
	q, err := sequencer.Open(sequencer.Options{
		Store: sequencer.Dir{Path: t.TempDir(), Options: journal.Options{NoSync: true}}, Clock: sequencer.ClockManual,
		Now: func() time.Time { return time.UnixMilli(t0) }, Logger: discard(), SnapshotEvery: -1,
	})
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(q, discard())
	if err != nil {
		t.Fatal(err)
	}
	q.SetObserver(m)
	if mod != nil {
		mod(m)
	}
	done := make(chan error, 1)
	go func() { done <- m.Run(context.Background()) }()
	t.Cleanup(func() {
		_ = q.Close()
		if err := <-done; err != nil {
			t.Errorf("Run after Close: %v", err)
		}
	})
	waitFor(t, "the event subscription", func() bool { return q.Stats().Subscribers == 1 })
	return q, m
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !ok(); time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// value returns the value of the metric name whose labels include want
// (counter, gauge, or a histogram's sample count); -1 if absent.
func value(t *testing.T, m *Metrics, name string, want map[string]string) float64 {
	t.Helper()
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
	next:
		for _, mt := range f.GetMetric() {
			for k, v := range want {
				if !hasLabel(mt, k, v) {
					continue next
				}
			}
			switch {
			case mt.Counter != nil:
				return mt.Counter.GetValue()
			case mt.Gauge != nil:
				return mt.Gauge.GetValue()
			case mt.Histogram != nil:
				return float64(mt.Histogram.GetSampleCount())
			}
		}
	}
	return -1
}

func hasLabel(mt *dto.Metric, k, v string) bool {
	for _, l := range mt.GetLabel() {
		if l.GetName() == k && l.GetValue() == v {
			return true
		}
	}
	return false
}

func submit(t *testing.T, q *sequencer.Sequencer, c engine.Command) {
	t.Helper()
	if _, err := q.Submit(context.Background(), &c); err != nil {
		t.Fatalf("%v: %v", c.Kind, err)
	}
}

func account(t *testing.T, q *sequencer.Sequencer) engine.AccountID {
	t.Helper()
	pub, _, _ := ed25519.GenerateKey(nil)
	id, err := q.CreateAccount(context.Background(), "", pub)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// Commands by kind and result, fsyncs, batches and sequences follow what
// the sequencer did; a liquidation shows in liquidations_total and moves
// the insurance fund's gauge to the fund's balance.
func TestMetricsFollowTheEngine(t *testing.T) {
	q, m := setup(t)
	cfg := q.Config()
	usdc, _ := cfg.AssetBySymbol("USDC")
	btc, _ := cfg.AssetBySymbol("BTC")
	perp, _ := cfg.MarketBySymbol("BTC_USDC_PERP")

	long, maker, provider := account(t, q), account(t, q), account(t, q)
	for _, d := range []struct {
		id  engine.AccountID
		qty int64
	}{{long, 10_000}, {maker, 1_000_000}, {provider, 10_000_000}} {
		submit(t, q, engine.Command{Kind: engine.CmdDeposit, Account: d.id, Asset: usdc, Amount: d.qty * 1_000_000})
	}
	if _, err := q.Submit(context.Background(), &engine.Command{Kind: engine.CmdWithdraw, Account: long, Asset: usdc, Amount: 1 << 50}); err == nil {
		t.Fatal("an impossible withdrawal was accepted")
	}
	submit(t, q, engine.Command{Kind: engine.CmdSetIndexPrice, Asset: btc, Amount: 100_000 * fixed.PriceScale})
	submit(t, q, engine.Command{Kind: engine.CmdRegisterBackstop, Account: provider, Market: perp, Amount: 10_000_000_000_000})
	// The scenario of the operator API's test: a 10x long, a resting bid
	// above its auto-close level, the price falls through its liquidation
	// price; stage 1 sells on the book and pays the fee to the fund.
	submit(t, q, engine.Command{Kind: engine.CmdPlaceOrder, Account: maker, Market: perp, Side: engine.Ask, Price: 1_000_000, Quantity: 10_000})
	submit(t, q, engine.Command{Kind: engine.CmdPlaceOrder, Account: long, Market: perp, Side: engine.Bid, Type: engine.Market, Quantity: 10_000})
	submit(t, q, engine.Command{Kind: engine.CmdPlaceOrder, Account: maker, Market: perp, Side: engine.Bid, Price: 904_000, Quantity: 10_000})
	submit(t, q, engine.Command{Kind: engine.CmdSetIndexPrice, Asset: btc, Amount: 90_500 * fixed.PriceScale})
	for range 30 {
		if _, err := q.AdvanceClock(context.Background(), 1000); err != nil {
			t.Fatal(err)
		}
	}

	want := []struct {
		name   string
		labels map[string]string
		value  float64
	}{
		{"waterfall_commands_total", map[string]string{"kind": "deposit", "result": "accepted"}, 3},
		{"waterfall_commands_total", map[string]string{"kind": "withdraw", "result": "refused"}, 1},
		{"waterfall_commands_total", map[string]string{"kind": "create-account", "result": "accepted"}, 3},
		{"waterfall_commands_total", map[string]string{"kind": "place-order", "result": "accepted"}, 3},
		{"waterfall_commands_total", map[string]string{"kind": "advance-time", "result": "accepted"}, 31}, // the manual clock's start too
		{"waterfall_liquidations_total", map[string]string{"stage": "Book"}, 1},
		{"waterfall_websocket_clients", nil, 0},
	}
	waitFor(t, "the liquidation event", func() bool {
		return value(t, m, "waterfall_liquidations_total", map[string]string{"stage": "Book"}) >= 1
	})
	for _, w := range want {
		if got := value(t, m, w.name, w.labels); got != w.value {
			t.Errorf("%s%v = %v, want %v", w.name, w.labels, got, w.value)
		}
	}
	st := q.Stats()
	for name, n := range map[string]uint64{
		"waterfall_journal_fsync_seconds":        st.Syncs,
		"waterfall_journal_group_commit_records": st.Syncs,
		"waterfall_sequencer_batch_requests":     st.Batches,
		"waterfall_engine_sequence":              st.Seq,
		"waterfall_journal_sequence":             st.JournalSeq,
	} {
		if got := value(t, m, name, nil); got != float64(n) || n == 0 {
			t.Errorf("%s = %v, want %d (non-zero)", name, got, n)
		}
	}

	var fund int64
	if err := q.Read(context.Background(), func(e *engine.Engine) { fund = e.Balance(engine.AccountInsurance, usdc) }); err != nil {
		t.Fatal(err)
	}
	wantFund := float64(fund) / 1e6
	waitFor(t, "the insurance gauge", func() bool {
		return value(t, m, "waterfall_insurance_fund_balance", map[string]string{"asset": "USDC"}) == wantFund
	})
	if fund == 0 {
		t.Fatal("the liquidation paid nothing to the insurance fund: the scenario does not test the gauge")
	}

	WSClients.Inc()
	defer WSClients.Dec()
	if got := value(t, m, "waterfall_websocket_clients", nil); got != 1 {
		t.Fatalf("websocket_clients = %v after Inc", got)
	}
}

// The handler serves the text format with the metric names.
func TestHandler(t *testing.T) {
	_, m := setup(t)
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	for _, name := range []string{"waterfall_commands_total", "waterfall_journal_fsync_seconds_bucket",
		"waterfall_sequencer_queue_depth", "waterfall_insurance_fund_balance", "waterfall_websocket_clients",
		"waterfall_engine_sequence", "waterfall_liquidations_total", "go_goroutines"} {
		if !strings.Contains(string(b), name) {
			t.Errorf("/metrics lacks %s", name)
		}
	}
}

// A subscription dropped for falling behind is renewed and the insurance
// balance read afresh.
func TestRunResubscribesWhenDropped(t *testing.T) {
	gate := make(chan struct{})
	q, m := setupWith(t, func(m *Metrics) {
		m.buffer = 1
		m.onBatch = func() { <-gate }
	})
	usdc, _ := q.Config().AssetBySymbol("USDC")
	a := account(t, q)  // Run takes this batch and blocks in onBatch
	m.insurance.Set(-1) // a stale value the renewal must overwrite
	for range 3 {       // one fills the buffer, the next drops Run
		submit(t, q, engine.Command{Kind: engine.CmdDeposit, Account: a, Asset: usdc, Amount: 1})
	}
	if d := q.Stats().Dropped; d != 1 {
		t.Fatalf("Stats.Dropped = %d, want 1", d)
	}
	close(gate)
	waitFor(t, "a renewed subscription", func() bool { return q.Stats().Subscribers == 1 })
	waitFor(t, "the insurance gauge read afresh", func() bool {
		return value(t, m, "waterfall_insurance_fund_balance", map[string]string{"asset": "USDC"}) == 0
	})
}
