package ws

import (
	"context"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/waterfallrisk/waterfall/engine"
)

// dialSmall connects with a small receive buffer and never reads: a client
// that cannot keep up.
func (e *env) dialSmall() *websocket.Conn {
	e.t.Helper()
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err == nil {
			_ = c.(*net.TCPConn).SetReadBuffer(4096)
		}
		return c, err
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.srv.URL, "http"),
		&websocket.DialOptions{HTTPClient: &http.Client{Transport: tr}})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { _ = c.CloseNow() })
	return c
}

// A client that does not read is disconnected once its queue is full; the
// engine never waits for it and the other clients get every message.
func TestSlowClientDropped(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.QueueBytes = 64 << 10; o.WriteTimeout = time.Second })
	mm := e.account(10_000_000)
	e.index("100000")
	slow := e.dialSmall()
	if err := slow.Write(context.Background(), websocket.MessageText,
		[]byte(`{"method":"SUBSCRIBE","params":["depth.BTC_USDC_PERP"]}`)); err != nil {
		t.Fatal(err)
	}
	fast := e.dial()
	fast.subscribe("depth.BTC_USDC_PERP")
	e.subscribed(2)
	var lastU, gaps atomic.Uint64
	go func() {
		for m := range fast.in {
			if m.closed != nil {
				return
			}
			U, u := uint64(m.Data["U"].(float64)), uint64(m.Data["u"].(float64))
			if prev := lastU.Load(); prev != 0 && U != prev+1 {
				gaps.Add(1)
			}
			lastU.Store(u)
		}
	}()
	// catchUp waits for the fast client to have every message so far: it
	// keeps up (the engine, as the test drives it, is faster than any
	// socket).
	catchUp := func() {
		t.Helper()
		e.settle()
		seq := e.hub.Stats().Seq
		deadline := time.Now().Add(wait)
		for lastU.Load() < seq {
			if time.Now().After(deadline) {
				t.Fatalf("the fast client is at %d, the engine at %d", lastU.Load(), seq)
			}
			time.Sleep(100 * time.Microsecond)
		}
	}
	start := time.Now()
	var slowest time.Duration
	n := 0
	for e.hub.Stats().SlowDropped == 0 {
		if n%50 == 0 && n > 0 {
			catchUp()
		}
		if n > 200_000 || time.Since(start) > 60*time.Second {
			t.Fatalf("the slow client was not dropped after %d orders", n)
		}
		t0 := time.Now()
		e.submit(engine.Command{Kind: engine.CmdPlaceOrder, Account: mm.id, Market: e.perp, Side: engine.Bid,
			Type: engine.Limit, TimeInForce: engine.GTC, Price: ticks(80_000) + int64(n%150_000), Quantity: 1})
		slowest = max(slowest, time.Since(t0))
		n++
	}
	t.Logf("dropped after %d orders; slowest submit %v", n, slowest)
	if slowest > 2*time.Second {
		t.Fatalf("a submit took %v: the engine waited for a client", slowest)
	}
	for range 100 { // the others go on
		e.submit(engine.Command{Kind: engine.CmdPlaceOrder, Account: mm.id, Market: e.perp, Side: engine.Bid,
			Type: engine.Limit, TimeInForce: engine.GTC, Price: ticks(80_000) + int64(n%150_000), Quantity: 1})
		n++
	}
	catchUp()
	if gaps.Load() != 0 {
		t.Fatalf("%d gaps in the fast client's depth stream", gaps.Load())
	}
	// The server lets the slow connection go (the close handshake cannot
	// get through its full socket: the connection is cut after the write
	// timeouts).
	deadline := time.Now().Add(20 * time.Second)
	for e.hub.Stats().Clients != 1 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if st := e.hub.Stats(); st.Clients != 1 || st.Subscriptions != 1 {
		t.Fatalf("after the drop: %+v", st)
	}
}
