package ws

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/internal/servertest"
	"github.com/waterfallrisk/waterfall/server/sequencer"
)

// env is a real sequencer (manual clock, journal without fsync) with a hub
// served over HTTP on loopback; Setup submits to the sequencer.
type env struct {
	servertest.Setup
	t    testing.TB
	q    *sequencer.Sequencer
	hub  *Hub
	srv  *httptest.Server
	cfg  *config.Config
	usdc config.AssetID
	btc  config.AssetID
	perp config.MarketID
	spot config.MarketID
}

func newEnv(t testing.TB, mod func(*Options)) *env {
	t.Helper()
	q := servertest.Sequencer(t, t.TempDir(), 1_700_000_000_000)
	o := Options{Logger: servertest.Quiet(), TickerInterval: 50 * time.Millisecond, DepthHeartbeat: -1}
	if mod != nil {
		mod(&o)
	}
	hub, err := New(q, q.Config(), o)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{Setup: servertest.Setup{T: t, Engine: q, Cfg: q.Config()},
		t: t, q: q, hub: hub, srv: httptest.NewServer(hub), cfg: q.Config()}
	t.Cleanup(func() {
		e.srv.Close()
		_ = q.Close()
		<-hub.Done()
	})
	e.usdc, e.btc = e.Asset("USDC"), e.Asset("BTC")
	e.perp, e.spot = e.Market("BTC_USDC_PERP"), e.Market("BTC_USDC")
	return e
}

func (e *env) submit(c engine.Command) []engine.Event { e.t.Helper(); return e.Submit(c) }

// trader is an account with its signing key.
type trader struct {
	id  engine.AccountID
	key ed25519.PrivateKey
}

// account creates an account with a new key, holding usdc whole USDC.
func (e *env) account(usdc int64) trader {
	e.t.Helper()
	key, amount := servertest.NewKey(e.t), ""
	if usdc > 0 {
		amount = strconv.FormatInt(usdc, 10)
	}
	return trader{id: e.Account(key, amount), key: key}
}

// index sets BTC's index price (whole USDC with up to one decimal, as a
// string: "98001.3").
func (e *env) index(price string) []engine.Event { e.t.Helper(); return e.Index("BTC", price) }

// ticks and lots of BTC_USDC_PERP (tick 0.1, lot 0.0001).
func ticks(price float64) int64 { return int64(price*10 + 0.5) }
func lots(btc float64) int64    { return int64(btc*10_000 + 0.5) }

func (e *env) limit(a trader, side engine.Side, price, qty float64) []engine.Event {
	e.t.Helper()
	return e.submit(engine.Command{Kind: engine.CmdPlaceOrder, Account: a.id, Market: e.perp, Side: side,
		Type: engine.Limit, TimeInForce: engine.GTC, Price: ticks(price), Quantity: lots(qty)})
}

func (e *env) market(a trader, side engine.Side, qty float64) []engine.Event {
	e.t.Helper()
	return e.submit(engine.Command{Kind: engine.CmdPlaceOrder, Account: a.id, Market: e.perp, Side: side,
		Type: engine.Market, TimeInForce: engine.GTC, Quantity: lots(qty)})
}

// wsClient is a WebSocket client reading into a channel.
type wsClient struct {
	t  testing.TB
	c  *websocket.Conn
	in chan wsMsg
}

// wsMsg is one message received: an envelope, or an error answer.
type wsMsg struct {
	Stream string          `json:"stream"`
	Data   map[string]any  `json:"data"`
	ID     json.RawMessage `json:"id"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
	closed error
}

func (e *env) dial() *wsClient {
	e.t.Helper()
	e.settle() // what happened before the client connected is behind the hub
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.srv.URL, "http"), nil)
	if err != nil {
		e.t.Fatal(err)
	}
	c.SetReadLimit(1 << 22)
	w := &wsClient{t: e.t, c: c, in: make(chan wsMsg, 4096)}
	go func() {
		for {
			_, b, err := c.Read(context.Background())
			if err != nil {
				w.in <- wsMsg{closed: err}
				close(w.in)
				return
			}
			var m wsMsg
			if err := json.Unmarshal(b, &m); err != nil {
				w.in <- wsMsg{closed: err}
				close(w.in)
				return
			}
			w.in <- m
		}
	}()
	e.t.Cleanup(func() { _ = c.CloseNow() })
	return w
}

func (w *wsClient) write(s string) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := w.c.Write(ctx, websocket.MessageText, []byte(s)); err != nil {
		w.t.Fatal(err)
	}
}

func (w *wsClient) request(method string, streams []string, sig []string) {
	w.t.Helper()
	b, _ := json.Marshal(map[string]any{"method": method, "params": streams, "signature": sig})
	if sig == nil {
		b, _ = json.Marshal(map[string]any{"method": method, "params": streams})
	}
	w.write(string(b))
}

func (w *wsClient) subscribe(streams ...string) { w.t.Helper(); w.request("SUBSCRIBE", streams, nil) }

// signature is Backpack's subscription signature array for key, as ccxt
// builds it.
func signature(key ed25519.PrivateKey, atMs int64) []string {
	ts, window := strconv.FormatInt(atMs, 10), "5000"
	sig := ed25519.Sign(key, []byte("instruction=subscribe&timestamp="+ts+"&window="+window))
	pub := key.Public().(ed25519.PublicKey)
	return []string{base64.StdEncoding.EncodeToString(pub), base64.StdEncoding.EncodeToString(sig), ts, window}
}

func (w *wsClient) subscribePrivate(a trader, streams ...string) {
	w.t.Helper()
	w.request("SUBSCRIBE", streams, signature(a.key, time.Now().UnixMilli()))
}

// next returns the next message, failing after timeout.
func (w *wsClient) next(timeout time.Duration) wsMsg {
	w.t.Helper()
	select {
	case m, ok := <-w.in:
		if !ok {
			w.t.Fatal("connection closed")
		}
		if m.closed != nil {
			w.t.Fatalf("connection closed: %v", m.closed)
		}
		return m
	case <-time.After(timeout):
		w.t.Fatalf("no message within %v", timeout)
	}
	return wsMsg{}
}

// await returns the first message matching ok, skipping others; fails after
// timeout.
func (w *wsClient) await(timeout time.Duration, ok func(m wsMsg) bool) wsMsg {
	w.t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case m, open := <-w.in:
			if !open || m.closed != nil {
				w.t.Fatalf("connection closed while waiting: %v", m.closed)
			}
			if ok(m) {
				return m
			}
		case <-deadline:
			w.t.Fatalf("no matching message within %v", timeout)
		}
	}
}

// collect gathers messages until the connection has been quiet for quiet
// (at most 2 s in all: periodic streams are never quiet).
func (w *wsClient) collect(quiet time.Duration) []wsMsg {
	var out []wsMsg
	limit := time.After(2 * time.Second)
	for {
		select {
		case m, ok := <-w.in:
			if !ok || m.closed != nil {
				return out
			}
			out = append(out, m)
		case <-time.After(quiet):
			return out
		case <-limit:
			return out
		}
	}
}

// settle waits until the hub has processed the sequencer's batches up to the
// current sequence.
func (e *env) settle() {
	e.t.Helper()
	var seq uint64
	if err := e.q.Read(context.Background(), func(en *engine.Engine) { seq = en.Seq() }); err != nil {
		e.t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for e.hub.Stats().Seq < seq {
		if time.Now().After(deadline) {
			e.t.Fatalf("hub stuck at %d, sequencer at %d", e.hub.Stats().Seq, seq)
		}
		time.Sleep(time.Millisecond)
	}
}

// subscribed waits until the hub has n subscriptions in all (subscriptions
// are not acknowledged).
func (e *env) subscribed(n int) {
	e.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for e.hub.Stats().Subscriptions < n {
		if time.Now().After(deadline) {
			e.t.Fatalf("%d subscriptions, want %d", e.hub.Stats().Subscriptions, n)
		}
		time.Sleep(time.Millisecond)
	}
}

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}
