package ws

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/waterfallrisk/waterfall/engine"
)

const wait = 5 * time.Second

// After orders, a public subscriber sees depth, trade, ticker and markPrice
// messages in Backpack's shapes, with contiguous update ids.
func TestPublicStreams(t *testing.T) {
	e := newEnv(t, nil)
	mm, taker := e.account(1_000_000), e.account(100_000)
	e.index("100000")
	c := e.dial()
	c.subscribe("depth.BTC_USDC_PERP", "trade.BTC_USDC_PERP", "ticker.BTC_USDC_PERP", "markPrice.BTC_USDC_PERP",
		"bookTicker.BTC_USDC_PERP")
	e.subscribed(5)

	e.limit(mm, engine.Ask, 100100, 1)
	d := c.await(wait, func(m wsMsg) bool { return m.Stream == "depth.BTC_USDC_PERP" }).Data
	if str(d, "e") != "depth" || str(d, "s") != "BTC_USDC_PERP" || len(d["b"].([]any)) != 0 {
		t.Fatalf("depth %v", d)
	}
	if a := d["a"].([]any); len(a) != 1 || a[0].([]any)[0] != "100100" || a[0].([]any)[1] != "1" {
		t.Fatalf("asks %v", d["a"])
	}
	e.limit(mm, engine.Bid, 99900, 2)
	u := uint64(c.await(wait, func(m wsMsg) bool { return m.Stream == "depth.BTC_USDC_PERP" }).Data["u"].(float64))
	bt := c.await(wait, func(m wsMsg) bool { return m.Stream == "bookTicker.BTC_USDC_PERP" }).Data
	if str(bt, "a") != "100100" || str(bt, "A") != "1" || str(bt, "b") != "99900" || str(bt, "B") != "2" {
		t.Fatalf("bookTicker %v", bt)
	}

	e.market(taker, engine.Bid, 0.4)
	tr := c.await(wait, func(m wsMsg) bool { return m.Stream == "trade.BTC_USDC_PERP" }).Data
	if str(tr, "e") != "trade" || str(tr, "p") != "100100" || str(tr, "q") != "0.4" || tr["m"] != false ||
		tr["T"].(float64) <= 0 || str(tr, "b") == "" || str(tr, "a") == "" || str(tr, "b") == str(tr, "a") {
		t.Fatalf("trade %v", tr)
	}
	for {
		d = c.await(wait, func(m wsMsg) bool { return m.Stream == "depth.BTC_USDC_PERP" }).Data
		if U := uint64(d["U"].(float64)); U != u+1 {
			t.Fatalf("depth U = %d after u = %d", U, u)
		}
		u = uint64(d["u"].(float64))
		if a := d["a"].([]any); len(a) == 1 && a[0].([]any)[1] == "0.6" {
			break
		}
	}
	tk := c.await(wait, func(m wsMsg) bool { return m.Stream == "ticker.BTC_USDC_PERP" && str(m.Data, "c") != "0" }).Data
	if str(tk, "e") != "ticker" || str(tk, "o") != "100100" || str(tk, "c") != "100100" || str(tk, "h") != "100100" ||
		str(tk, "v") != "0.4" || str(tk, "V") != "40040" || tk["n"].(float64) != 1 {
		t.Fatalf("ticker %v", tk)
	}
	e.index("100050")
	mp := c.await(wait, func(m wsMsg) bool {
		return m.Stream == "markPrice.BTC_USDC_PERP" && str(m.Data, "i") == "100050"
	}).Data
	if str(mp, "e") != "markPrice" || str(mp, "p") == "" || str(mp, "f") != "0" || mp["n"].(float64) <= 0 {
		t.Fatalf("markPrice %v", mp)
	}
}

// The depth stream syncs as ccxt syncs it: after a snapshot at sequence N
// (the REST depth's lastUpdateId), applying the messages with u > N gives
// the engine's book, whatever happened before, during and after: resting,
// crossing, IOC, moved, cancelled and trigger orders from several accounts.
func TestDepthSyncsWithSnapshot(t *testing.T) {
	for _, seed := range []uint64{7, 8, 9} {
		t.Run(strconv.FormatUint(seed, 10), func(t *testing.T) { depthSync(t, seed) })
	}
}

func depthSync(t *testing.T, seed uint64) {
	e := newEnv(t, nil)
	e.index("100000")
	accts := []trader{e.account(1_000_000), e.account(1_000_000), e.account(1_000_000)}
	c := e.dial()
	c.subscribe("depth.BTC_USDC_PERP")
	e.subscribed(1)
	rng := seed
	next := func(n uint64) uint64 { rng = rng*6364136223846793005 + 1442695040888963407; return (rng >> 33) % n }
	var open []uint64
	seen := map[engine.OrderEvent]int{}
	try := func(c engine.Command) {
		evs, _ := e.q.Submit(context.Background(), &c)
		for _, ev := range evs {
			if ev.Kind == engine.EvOrder {
				seen[ev.OrderEvent]++
			}
			if ev.Kind == engine.EvOrder && (ev.OrderEvent == engine.OrderAccepted || ev.OrderEvent == engine.TriggerPlaced) {
				open = append(open, ev.OrderID)
			}
		}
	}
	step := func() {
		a := accts[next(3)]
		side, price := engine.Bid, 99_950+float64(next(60))
		if next(2) == 0 {
			side, price = engine.Ask, 100_050-float64(next(60))
		}
		qty := lots(0.1 * float64(1+next(5)))
		switch k := next(20); {
		case k < 9: // a limit order, crossing sometimes
			try(engine.Command{Kind: engine.CmdPlaceOrder, Account: a.id, Market: e.perp, Side: side,
				Type: engine.Limit, TimeInForce: engine.GTC, Price: ticks(price), Quantity: qty})
		case k < 10:
			try(engine.Command{Kind: engine.CmdPlaceOrder, Account: a.id, Market: e.perp, Side: side,
				Type: engine.Limit, TimeInForce: engine.IOC, Price: ticks(price), Quantity: qty})
		case k < 12 && len(open) > 0: // a cancel (refused if gone or not its own)
			try(engine.Command{Kind: engine.CmdCancelOrder, Account: a.id, Market: e.perp, OrderID: open[next(uint64(len(open)))]})
		case k < 14 && len(open) > 0: // a move, to a price that may cross
			try(engine.Command{Kind: engine.CmdMoveOrder, Account: a.id, Market: e.perp, OrderID: open[next(uint64(len(open)))],
				Price: ticks(99_970 + float64(next(60)))})
		case k < 16: // a trigger order on the last price
			try(engine.Command{Kind: engine.CmdPlaceOrder, Account: a.id, Market: e.perp, Side: side,
				Type: engine.Limit, TimeInForce: engine.GTC, Price: ticks(price), Quantity: qty,
				TriggerPrice: ticks(99_980 + float64(next(40))), TriggerBy: engine.TriggerByLast})
		case k < 17:
			e.index(strconv.Itoa(99_990 + int(next(20))))
		default:
			try(engine.Command{Kind: engine.CmdPlaceOrder, Account: a.id, Market: e.perp, Side: side,
				Type: engine.Market, TimeInForce: engine.GTC, Quantity: qty})
		}
	}
	for range 300 {
		step()
	}
	var snapSeq uint64
	var bids, asks [][2]int64
	if err := e.q.Read(context.Background(), func(en *engine.Engine) {
		bids, asks, snapSeq = en.Depth(e.perp, engine.Bid, 1000), en.Depth(e.perp, engine.Ask, 1000), en.Seq()
	}); err != nil {
		t.Fatal(err)
	}
	for range 300 {
		step()
	}
	e.limit(accts[0], engine.Bid, 90_000, 0.1) // a last change, so the stream reaches the last sequence
	var want [2][][2]int64
	var last uint64
	if err := e.q.Read(context.Background(), func(en *engine.Engine) {
		want[0], want[1], last = en.Depth(e.perp, engine.Bid, 1000), en.Depth(e.perp, engine.Ask, 1000), en.Seq()
	}); err != nil {
		t.Fatal(err)
	}
	book := [2]map[string]string{toLevels(e, bids), toLevels(e, asks)}
	var prevU uint64
	for prevU < last {
		d := c.await(wait, func(m wsMsg) bool { return m.Stream == "depth.BTC_USDC_PERP" }).Data
		U, u := uint64(d["U"].(float64)), uint64(d["u"].(float64))
		if prevU != 0 && U != prevU+1 {
			t.Fatalf("U %d after u %d", U, prevU)
		}
		prevU = u
		if u <= snapSeq {
			continue
		}
		for i, side := range []string{"b", "a"} {
			for _, l := range d[side].([]any) {
				p, q := l.([]any)[0].(string), l.([]any)[1].(string)
				if q == "0" {
					delete(book[i], p)
				} else {
					book[i][p] = q
				}
			}
		}
	}
	for i := range 2 {
		w := toLevels(e, want[i])
		if len(w) != len(book[i]) {
			t.Fatalf("side %d: %d levels from the stream, %d in the engine\n%v\n%v", i, len(book[i]), len(w), book[i], w)
		}
		for p, q := range w {
			if book[i][p] != q {
				t.Fatalf("side %d level %s: stream %q, engine %q", i, p, book[i][p], q)
			}
		}
	}
	if len(want[0])+len(want[1]) == 0 {
		t.Fatal("an empty book tests nothing")
	}
	for _, k := range []engine.OrderEvent{engine.OrderAccepted, engine.OrderFill, engine.OrderCancelled,
		engine.OrderExpired, engine.OrderModified, engine.TriggerPlaced} {
		if seen[k] == 0 {
			t.Fatalf("no %v event: %v", k, seen)
		}
	}
	t.Logf("order events: %v", seen)
}

func toLevels(e *env, ls [][2]int64) map[string]string {
	out := map[string]string{}
	for _, l := range ls {
		out[e.hub.cat.Price(e.perp, l[0])] = e.hub.cat.Quantity(e.perp, l[1])
	}
	return out
}

// A quiet book gets empty depth messages that keep U = u + 1 while the
// engine sequence moves, and none while it does not.
func TestDepthHeartbeat(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.DepthHeartbeat = 20 * time.Millisecond })
	e.index("100000")
	c := e.dial()
	c.subscribe("depth.BTC_USDC_PERP")
	e.subscribed(1)
	e.index("100001") // moves the sequence, not the book
	d := c.await(wait, func(m wsMsg) bool { return m.Stream == "depth.BTC_USDC_PERP" }).Data
	if len(d["a"].([]any)) != 0 || len(d["b"].([]any)) != 0 || d["U"].(float64) > d["u"].(float64) {
		t.Fatalf("heartbeat %v", d)
	}
	if extra := c.collect(150 * time.Millisecond); len(extra) != 0 {
		t.Fatalf("heartbeats without a sequence move: %v", extra)
	}
}

// Unsubscribing stops a stream; the others go on.
func TestUnsubscribe(t *testing.T) {
	e := newEnv(t, nil)
	mm, taker := e.account(1_000_000), e.account(100_000)
	e.index("100000")
	e.limit(mm, engine.Ask, 100100, 5)
	c := e.dial()
	c.subscribe("trade.BTC_USDC_PERP", "depth.BTC_USDC_PERP")
	e.subscribed(2)
	e.market(taker, engine.Bid, 0.1)
	c.await(wait, func(m wsMsg) bool { return m.Stream == "trade.BTC_USDC_PERP" })
	c.request("UNSUBSCRIBE", []string{"trade.BTC_USDC_PERP"}, nil)
	deadline := time.Now().Add(wait)
	for e.hub.Stats().Subscriptions != 1 {
		if time.Now().After(deadline) {
			t.Fatal("unsubscribe not applied")
		}
		time.Sleep(time.Millisecond)
	}
	c.collect(50 * time.Millisecond)
	e.market(taker, engine.Bid, 0.1)
	e.settle()
	for _, m := range c.collect(100 * time.Millisecond) {
		if m.Stream == "trade.BTC_USDC_PERP" {
			t.Fatalf("trade after unsubscribe: %v", m.Data)
		}
	}
}

// Malformed messages are answered with Backpack's error shape, echoing the
// id, and the connection goes on serving.
func TestMalformedRequests(t *testing.T) {
	e := newEnv(t, nil)
	c := e.dial()
	for _, tc := range []struct {
		msg  string
		code int
		id   string
	}{
		{`not json`, CodeInvalidRequest, "null"},
		{`{"method":"SUBSCRIBE","params":"trade.BTC_USDC_PERP"}`, CodeInvalidRequest, "null"},
		{`{"method":"PING","id":7}`, CodeInvalidRequest, "7"},
		{`{"method":"SUBSCRIBE","params":[],"id":"x"}`, CodeInvalidRequest, `"x"`},
		{`{"method":"SUBSCRIBE","params":["trade.NOPE_USDC"],"id":1}`, CodeInvalidStream, "1"},
		{`{"method":"SUBSCRIBE","params":["trade.BTC_USDC_PERP","kline.1m.BTC_USDC_PERP"]}`, CodeInvalidStream, "null"},
		{`{"method":"SUBSCRIBE","params":["account.orderUpdate"]}`, CodeUnauthorized, "null"},
		{`{} {}`, CodeInvalidRequest, "null"},
	} {
		c.write(tc.msg)
		m := c.next(wait)
		if m.Error == nil || m.Error.Code != tc.code || string(m.ID) != tc.id || m.Error.Message == "" {
			t.Fatalf("%s: answered %+v (id %s, error %+v)", tc.msg, m, m.ID, m.Error)
		}
	}
	if n := e.hub.Stats().Subscriptions; n != 0 {
		t.Fatalf("%d subscriptions after refused requests", n)
	}
	mm := e.account(1_000_000)
	e.index("100000")
	c.subscribe("depth.BTC_USDC_PERP")
	e.subscribed(1)
	e.limit(mm, engine.Ask, 100100, 1)
	c.await(wait, func(m wsMsg) bool { return m.Stream == "depth.BTC_USDC_PERP" })
}

// Plain HTTP requests get the JSON 404, on the root and elsewhere.
func TestPlainHTTPIsJSON404(t *testing.T) {
	e := newEnv(t, nil)
	for _, path := range []string{"/", "/nothing", "/ws"} {
		resp, err := http.Get(e.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b := make([]byte, 512)
		n, _ := resp.Body.Read(b)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound || !strings.Contains(resp.Header.Get("Content-Type"), "json") ||
			!strings.Contains(string(b[:n]), `"code":"RESOURCE_NOT_FOUND"`) {
			t.Fatalf("GET %s: %d %q", path, resp.StatusCode, b[:n])
		}
	}
}

// A request that would pass Options.MaxStreams is refused whole.
func TestMaxStreams(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.MaxStreams = 2 })
	c := e.dial()
	c.subscribe("trade.BTC_USDC_PERP", "depth.BTC_USDC_PERP", "ticker.BTC_USDC_PERP")
	if m := c.next(wait); m.Error == nil || m.Error.Code != CodeTooManyStreams {
		t.Fatalf("%+v", m)
	}
	if n := e.hub.Stats().Subscriptions; n != 0 {
		t.Fatalf("%d subscriptions", n)
	}
	c.subscribe("trade.BTC_USDC_PERP", "depth.BTC_USDC_PERP", "trade.BTC_USDC_PERP")
	e.subscribed(2)
}
