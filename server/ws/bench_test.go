package ws

import (
	"context"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/waterfallrisk/waterfall/engine"
)

// BenchmarkFanout1000 is WebSocket fan-out to 1,000 subscribers on loopback:
// every client subscribes to trade.BTC_USDC_PERP; each iteration is one
// trade (a 1-lot market order against a resting ask, submitted from four
// goroutines through the sequencer), which every client receives. At most
// inFlight trades are in flight (submitted, not yet read by every client),
// so this is a sustained rate, not an overload (where the hub, behind the
// sequencer, would start over). msgs/s counts trade messages read by all
// clients per second, from the first order until the last client has its
// last message. The clients read on the same two cores as the server.
func BenchmarkFanout1000(b *testing.B) { benchFanout(b, 1000) }

const inFlight = 512

func benchFanout(b *testing.B, clients int) {
	e := newEnv(b, func(o *Options) { o.TickerInterval = time.Hour })
	mm, taker := e.account(1_000_000_000), e.account(1_000_000_000)
	e.index("100000")
	e.submit(engine.Command{Kind: engine.CmdPlaceOrder, Account: mm.id, Market: e.perp, Side: engine.Ask,
		Type: engine.Limit, TimeInForce: engine.GTC, Price: ticks(100_000), Quantity: int64(b.N) + 1})
	url := "ws" + strings.TrimPrefix(e.srv.URL, "http")
	var got atomic.Int64
	var wg sync.WaitGroup
	conns := make([]*websocket.Conn, clients)
	for i := range conns {
		c, _, err := websocket.Dial(context.Background(), url, nil)
		if err != nil {
			b.Fatal(err)
		}
		conns[i] = c
		if err := c.Write(context.Background(), websocket.MessageText,
			[]byte(`{"method":"SUBSCRIBE","params":["trade.BTC_USDC_PERP"]}`)); err != nil {
			b.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				_, r, err := c.Reader(context.Background())
				if err != nil {
					return
				}
				if _, err := io.Copy(io.Discard, r); err != nil {
					return
				}
				got.Add(1)
			}
		}()
	}
	e.subscribed(clients)
	b.ResetTimer()
	start := time.Now()
	var sub sync.WaitGroup
	var next atomic.Int64
	for range 4 {
		sub.Add(1)
		go func() {
			defer sub.Done()
			for {
				k := next.Add(1)
				if k > int64(b.N) {
					return
				}
				for got.Load() < (k-inFlight)*int64(clients) {
					time.Sleep(50 * time.Microsecond)
				}
				c := engine.Command{Kind: engine.CmdPlaceOrder, Account: taker.id, Market: e.perp, Side: engine.Bid,
					Type: engine.Market, TimeInForce: engine.GTC, Quantity: 1}
				if _, err := e.q.Submit(context.Background(), &c); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	sub.Wait()
	want := int64(clients) * int64(b.N)
	deadline := time.Now().Add(2 * time.Minute)
	for got.Load() < want {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d messages after 2 minutes (%+v)", got.Load(), want, e.hub.Stats())
		}
		time.Sleep(100 * time.Microsecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(want)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "trades/s")
	if st := e.hub.Stats(); st.SlowDropped != 0 {
		b.Fatalf("%d clients dropped", st.SlowDropped)
	}
	for _, c := range conns {
		_ = c.CloseNow()
	}
	wg.Wait()
}
