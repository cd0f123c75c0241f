package ws

import (
	"context"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/waterfallrisk/waterfall/engine"
)

// closeCode waits for the client's connection to end and returns its close
// status.
func closeCode(t *testing.T, c *wsClient) websocket.StatusCode {
	t.Helper()
	deadline := time.After(wait)
	for {
		select {
		case m, ok := <-c.in:
			if !ok {
				t.Fatal("closed without a status")
			}
			if m.closed != nil {
				return websocket.CloseStatus(m.closed)
			}
		case <-deadline:
			t.Fatal("the connection stayed open")
		}
	}
}

// When the sequencer stops, every client gets a going-away close and the
// hub stops; a new handshake is refused.
func TestSequencerStopClosesClients(t *testing.T) {
	e := newEnv(t, nil)
	c := e.dial()
	c.subscribe("trade.BTC_USDC_PERP")
	e.subscribed(1)
	if err := e.q.Close(); err != nil {
		t.Fatal(err)
	}
	if code := closeCode(t, c); code != websocket.StatusGoingAway {
		t.Fatalf("close status %v", code)
	}
	select {
	case <-e.hub.Done():
	case <-time.After(wait):
		t.Fatal("the hub did not stop")
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if _, resp, err := websocket.Dial(ctx, "ws"+e.srv.URL[len("http"):], nil); err == nil || resp == nil || resp.StatusCode != 503 {
		t.Fatalf("a handshake after the stop: %v %v", resp, err)
	}
}

// Close disconnects the clients and stops the hub; it may be called twice.
func TestHubClose(t *testing.T) {
	e := newEnv(t, nil)
	c := e.dial()
	c.subscribe("depth.BTC_USDC_PERP")
	e.subscribed(1)
	_ = e.hub.Close()
	_ = e.hub.Close()
	if code := closeCode(t, c); code != websocket.StatusGoingAway {
		t.Fatalf("close status %v", code)
	}
}

// A client that does not answer pings is disconnected; one that reads
// stays.
func TestPingTimeout(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.PingInterval, o.PongTimeout = 20*time.Millisecond, time.Second })
	live := e.dial()  // reads, so it answers pings
	_ = e.dialSmall() // never reads
	clients := func(n int) {
		t.Helper()
		deadline := time.Now().Add(wait)
		for e.hub.Stats().Clients != n {
			if time.Now().After(deadline) {
				t.Fatalf("clients %d, want %d", e.hub.Stats().Clients, n)
			}
			time.Sleep(time.Millisecond)
		}
	}
	clients(2)
	clients(1)
	time.Sleep(200 * time.Millisecond)
	if e.hub.Stats().Clients != 1 {
		t.Fatal("the reading client was dropped")
	}
	live.subscribe("trade.NOPE") // still served: answers an error
	if m := live.next(wait); m.Error == nil || m.Error.Code != CodeInvalidStream {
		t.Fatalf("%+v", m)
	}
}

// If the hub falls behind the sequencer it is dropped: every client is
// told to reconnect (1013), the hub reloads the state (resting orders
// included) and a new subscriber's depth stream syncs with the engine.
func TestHubResyncs(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.FeedBuffer = 16 })
	e.index("100000")
	mm := e.account(10_000_000)
	c := e.dial()
	c.subscribe("depth.BTC_USDC_PERP")
	e.subscribed(1)
	before := e.hub.Stats().Resyncs
	// Hold the hub (it needs the registry for its next batch) while more
	// batches than its buffer are published.
	e.hub.reg.mu.Lock()
	for i := range 100 {
		e.submit(engine.Command{Kind: engine.CmdPlaceOrder, Account: mm.id, Market: e.perp, Side: engine.Bid,
			Type: engine.Limit, TimeInForce: engine.GTC, Price: ticks(99_000) + int64(i), Quantity: 1})
	}
	e.hub.reg.mu.Unlock()
	if code := closeCode(t, c); code != websocket.StatusTryAgainLater {
		t.Fatalf("close status %v", code)
	}
	if e.hub.Stats().Resyncs != before+1 {
		t.Fatalf("resyncs %d, want %d", e.hub.Stats().Resyncs, before+1)
	}
	deadline := time.Now().Add(wait)
	for st := e.hub.Stats(); st.Clients != 0 || st.Subscriptions != 0; st = e.hub.Stats() {
		if time.Now().After(deadline) {
			t.Fatalf("after the resync: %+v", st)
		}
		time.Sleep(time.Millisecond)
	}
	// A fresh subscriber: the reloaded book plus its deltas equal the engine's.
	c2 := e.dial()
	c2.subscribe("depth.BTC_USDC_PERP")
	e.subscribed(1)
	var bids [][2]int64
	var snap uint64
	if err := e.q.Read(context.Background(), func(en *engine.Engine) {
		bids, snap = en.Depth(e.perp, engine.Bid, 5000), en.Seq()
	}); err != nil {
		t.Fatal(err)
	}
	book := toLevels(e, bids)
	e.submit(engine.Command{Kind: engine.CmdPlaceOrder, Account: mm.id, Market: e.perp, Side: engine.Bid,
		Type: engine.Limit, TimeInForce: engine.GTC, Price: ticks(99_000), Quantity: 5}) // an existing level grows
	var want [][2]int64
	if err := e.q.Read(context.Background(), func(en *engine.Engine) { want = en.Depth(e.perp, engine.Bid, 5000) }); err != nil {
		t.Fatal(err)
	}
	d := c2.await(wait, func(m wsMsg) bool { return m.Stream == "depth.BTC_USDC_PERP" }).Data
	if uint64(d["u"].(float64)) <= snap {
		t.Fatalf("delta %v at or before the snapshot %d", d, snap)
	}
	for _, l := range d["b"].([]any) {
		book[l.([]any)[0].(string)] = l.([]any)[1].(string)
	}
	w := toLevels(e, want)
	if len(w) != len(book) || book["99000"] != w["99000"] || w["99000"] == "" {
		t.Fatalf("after the resync: stream %d levels (99000: %s), engine %d (99000: %s)", len(book), book["99000"], len(w), w["99000"])
	}
}
