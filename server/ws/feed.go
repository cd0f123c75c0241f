package ws

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/coder/websocket"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/server/backpack"
	"github.com/waterfallrisk/waterfall/server/sequencer"
)

// feed is the state the hub's goroutine keeps between batches: its
// subscription, the books and prices the streams are made from, and the
// position updates waiting for their risk figures.
type feed struct {
	sub  *sequencer.Subscription
	base uint64 // events with Seq ≤ base were already in the loaded state
	seq  uint64 // engine sequence after the last batch processed
	now  int64  // engine time after it, ms

	book      *book
	marks     []int64 // per market, fixed.Price
	rates     []int64 // per market, last settled funding rate
	index     []int64 // per asset, fixed.Price
	tickers   []rolling
	lotTick   []int64 // per market: quote units per lot × tick
	markDirty []bool
	lastDepth []time.Time   // per market: when the last depth message went out
	top       [][2][2]int64 // per market: the last bookTicker's {bid, ask} {price, lots}
	pending   []posUpdate
}

// posUpdate is a position event waiting for the state read that adds its
// risk figures; mark is the market's mark where the event stands in the
// stream.
type posUpdate struct {
	ev   engine.Event
	mark int64
}

// startFeed subscribes to the sequencer and then reads the state the
// streams start from. Batches already reflected in that state may still
// arrive on the subscription: their events (Seq ≤ base) are skipped.
func (h *Hub) startFeed() (*feed, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sub, err := h.seq.Subscribe(ctx, sequencer.SubscribeOptions{Buffer: h.o.FeedBuffer})
	if err != nil {
		return nil, fmt.Errorf("ws: subscribe: %w", err)
	}
	nm, na := len(h.cfg.Markets), len(h.cfg.Assets)
	f := &feed{sub: sub, marks: make([]int64, nm), rates: make([]int64, nm), index: make([]int64, na),
		tickers: make([]rolling, nm), lotTick: make([]int64, nm), markDirty: make([]bool, nm),
		lastDepth: make([]time.Time, nm), top: make([][2][2]int64, nm)}
	var orders []engine.OrderView
	err = h.seq.Read(ctx, func(e *engine.Engine) {
		f.base, f.now = e.Seq(), e.Now()
		for i := range nm {
			m := config.MarketID(i) //nolint:gosec // few markets
			f.marks[i], f.rates[i], f.tickers[i].last = e.Mark(m), e.FundingRate(m), e.LastPrice(m)
		}
		for i := range na {
			f.index[i] = e.Index(config.AssetID(i)) //nolint:gosec // few assets
		}
		for id := range e.Accounts() {
			orders = append(orders, e.OpenOrderList(engine.AccountID(id), engine.AllMarkets)...) //nolint:gosec // id < Accounts()
		}
	})
	if err != nil {
		sub.Close()
		return nil, fmt.Errorf("ws: load state: %w", err)
	}
	f.seq = f.base
	f.book = newBook(nm, f.base)
	for i := range orders {
		f.book.load(&orders[i])
	}
	for i := range h.cfg.Markets {
		mk := &h.cfg.Markets[i]
		f.lotTick[i] = mk.TickSize * mk.NotionalNum / mk.NotionalDen
	}
	h.lastSeq.Store(f.seq)
	return f, nil
}

// run is the hub's goroutine: batches from the sequencer, and the timers of
// the ticker, markPrice and depth keep-alive messages.
func (h *Hub) run() {
	defer close(h.done)
	tick := time.NewTicker(h.o.TickerInterval)
	defer tick.Stop()
	var beat <-chan time.Time
	if h.o.DepthHeartbeat > 0 {
		t := time.NewTicker(h.o.DepthHeartbeat)
		defer t.Stop()
		beat = t.C
	}
	for {
		select {
		case <-h.quit:
			h.f.sub.Close()
			h.killAll(websocket.StatusGoingAway, "server shutting down")
			return
		case b, ok := <-h.f.sub.C:
			if !ok {
				if err := h.restart(); err != nil {
					return
				}
				continue
			}
			h.batch(&b)
			h.drain()
			h.flushPositions()
		case <-tick.C:
			h.tick()
		case <-beat:
			h.heartbeat()
		}
	}
}

// drain processes the batches already queued (a bounded number), so that
// one state read serves the position updates of all of them.
func (h *Hub) drain() {
	for range 64 {
		select {
		case b, ok := <-h.f.sub.C:
			if !ok {
				return // run sees the closed channel next
			}
			h.batch(&b)
		default:
			return
		}
	}
}

// restart handles the end of the subscription. Dropped (the hub fell
// behind): every client is disconnected, since each may have missed
// messages, and the hub starts over from the current state. Otherwise the
// sequencer stopped: clients are told the server is going away.
func (h *Hub) restart() error {
	err := h.f.sub.Err()
	if errors.Is(err, sequencer.ErrDropped) {
		h.stats.resyncs.Add(1)
		h.o.Logger.Warn("ws: the feed fell behind the sequencer; disconnecting clients and starting over")
		h.killAll(websocket.StatusTryAgainLater, "the server's feed fell behind; reconnect")
		f, serr := h.startFeed()
		if serr == nil {
			h.f = f
			return nil
		}
		err = serr
	}
	h.mu.Lock()
	h.closed = true
	h.mu.Unlock()
	h.killAll(websocket.StatusGoingAway, "server shutting down")
	if err == nil {
		err = errStopped
	}
	return err
}

// batch turns one durable batch into messages.
func (h *Hub) batch(b *sequencer.Batch) {
	f := h.f
	now := h.o.Now().UnixMicro()
	var cur uint64
	var curAt int64
	evs := b.Events
	for i := range evs {
		ev := &evs[i]
		if ev.Seq <= f.base {
			continue
		}
		if ev.Seq != cur {
			if cur != 0 {
				f.book.endCommand(cur, curAt)
			}
			cur = ev.Seq
		}
		curAt = ev.Time
		h.event(evs, i, now)
	}
	if cur != 0 {
		f.book.endCommand(cur, curAt)
	}
	if b.Seq > f.seq {
		f.seq, f.now = b.Seq, b.Time
	}
	wall := time.Now()
	for i := range h.cfg.Markets {
		m := config.MarketID(i) //nolint:gosec // few markets
		if d, ok := f.book.takeDelta(m); ok {
			f.lastDepth[i] = wall
			if t := (topic{kind: kDepth, market: int32(m)}); h.reg.has(t) {
				h.reg.publish(h.r.depth(m, &d, now), t)
			}
			h.bookTicker(m, d.last, d.at, now)
		}
		if f.markDirty[i] {
			f.markDirty[i] = false
			h.publishMark(m, now)
		}
	}
	h.lastSeq.Store(f.seq)
}

// event handles evs[i].
func (h *Hub) event(evs []engine.Event, i int, now int64) {
	f := h.f
	ev := &evs[i]
	switch ev.Kind {
	case engine.EvOrder:
		f.book.apply(ev)
		h.publishOrder(ev, now)
		if isLiquidationFill(ev) {
			h.reg.publish(h.r.liquidation(ev, now), topic{kind: kLiquidation, market: allMarkets},
				topic{kind: kLiquidation, market: int32(ev.Market)})
		}
	case engine.EvTrade:
		h.trade(evs, i, now)
	case engine.EvPosition:
		if h.reg.anyOf(kPositionUpdate) && (h.reg.has(topic{kind: kPositionUpdate, market: allMarkets, account: ev.Account}) ||
			h.reg.has(topic{kind: kPositionUpdate, market: int32(ev.Market), account: ev.Account})) {
			f.pending = append(f.pending, posUpdate{ev: *ev, mark: f.marks[ev.Market]})
		}
	case engine.EvMarkPrice:
		f.marks[ev.Market], f.markDirty[ev.Market] = ev.Value, true
	case engine.EvIndexPrice:
		f.index[ev.Asset] = ev.Value
		for m := range h.cfg.Markets {
			if h.cfg.Markets[m].Base == ev.Asset {
				f.markDirty[m] = true
			}
		}
	case engine.EvFundingRate:
		f.rates[ev.Market], f.markDirty[ev.Market] = ev.Value, true
	case engine.EvLiquidation:
		ts := []topic{{kind: kLiquidation, market: allMarkets}}
		if ev.Isolated {
			ts = append(ts, topic{kind: kLiquidation, market: int32(ev.Market)})
		}
		h.reg.publish(h.r.stage(ev, now), ts...)
	}
}

// publishOrder sends an order update to its account's subscribers.
func (h *Hub) publishOrder(ev *engine.Event, now int64) {
	if !h.reg.anyOf(kOrderUpdate) {
		return
	}
	all := topic{kind: kOrderUpdate, market: allMarkets, account: ev.Account}
	one := topic{kind: kOrderUpdate, market: int32(ev.Market), account: ev.Account}
	if h.reg.has(all) || h.reg.has(one) {
		h.reg.publish(h.r.order(ev, now), all, one)
	}
}

// trade handles a public trade (evs[i], EvTrade): the trade stream, and the
// ticker's statistics when both sides are user orders. The two orderFill
// events of the same trade follow it in the same command.
func (h *Hub) trade(evs []engine.Event, i int, now int64) {
	tr := &evs[i]
	m := tr.Market
	var maker uint64
	user := true
	for j := i + 1; j < len(evs) && j <= i+8 && evs[j].Seq == tr.Seq; j++ {
		if f := &evs[j]; f.Kind == engine.EvOrder && f.OrderEvent == engine.OrderFill && f.TradeID == tr.TradeID {
			if f.Maker {
				maker = f.OrderID
			}
			if f.Origin != engine.OriginUser {
				user = false
			}
		}
	}
	if user {
		h.f.tickers[m].add(tr.Time, tr.Price, tr.Quantity, tr.Quantity*tr.Price*h.f.lotTick[m])
	}
	if t := (topic{kind: kTrade, market: int32(m)}); h.reg.has(t) {
		h.reg.publish(h.r.trade(tr, maker, now), t)
	}
}

// bookTicker sends market m's best bid and ask if they changed.
func (h *Hub) bookTicker(m config.MarketID, u uint64, at, now int64) {
	t := topic{kind: kBookTicker, market: int32(m)}
	if !h.reg.has(t) {
		return
	}
	bid, bq, okB := h.f.book.best(m, engine.Bid)
	ask, aq, okA := h.f.book.best(m, engine.Ask)
	cur := [2][2]int64{{bid.price, bq}, {ask.price, aq}}
	if cur == h.f.top[m] || !okB || !okA {
		h.f.top[m] = cur
		return
	}
	h.f.top[m] = cur
	h.reg.publish(h.r.bookTicker(m, cur[0], cur[1], u, at, now), t)
}

// publishMark sends market m's markPrice message (once it has a mark).
func (h *Hub) publishMark(m config.MarketID, now int64) {
	t := topic{kind: kMarkPrice, market: int32(m)}
	f := h.f
	if f.marks[m] == 0 || !h.reg.has(t) {
		return
	}
	mk := &h.cfg.Markets[m]
	var next int64
	if iv := mk.Funding.IntervalMs; mk.Kind == config.Perp && iv > 0 && f.now > 0 {
		next = (f.now/iv + 1) * iv // the engine's funding grid (engine/clock.go)
	}
	h.reg.publish(h.r.markPrice(m, f.marks[m], f.index[mk.Base], f.rates[m], next, now), t)
}

// flushPositions sends the waiting position updates, with the risk figures
// of one state read for all their accounts.
func (h *Hub) flushPositions() {
	f := h.f
	if len(f.pending) == 0 {
		return
	}
	risks := map[engine.AccountID][]engine.PositionRisk{}
	for i := range f.pending {
		risks[f.pending[i].ev.Account] = nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	err := h.seq.Read(ctx, func(e *engine.Engine) {
		for a := range risks {
			risks[a] = e.PositionRisks(a)
		}
	})
	cancel()
	now := h.o.Now().UnixMicro()
	for i := range f.pending {
		p := &f.pending[i]
		var pr *engine.PositionRisk
		if err == nil && p.ev.NetQuantity != 0 {
			rs := risks[p.ev.Account]
			for k := range rs {
				if rs[k].Market == p.ev.Market && rs[k].Hedge == backpack.Hedge(p.ev.PositionSide) {
					pr = &rs[k]
				}
			}
		}
		h.reg.publish(h.r.position(&p.ev, p.mark, pr, now),
			topic{kind: kPositionUpdate, market: allMarkets, account: p.ev.Account},
			topic{kind: kPositionUpdate, market: int32(p.ev.Market), account: p.ev.Account})
	}
	clear(f.pending)
	f.pending = f.pending[:0]
}

// tick pushes the ticker and markPrice of every subscribed market.
func (h *Hub) tick() {
	now := h.o.Now().UnixMicro()
	for i := range h.cfg.Markets {
		m := config.MarketID(i) //nolint:gosec // few markets
		if t := (topic{kind: kTicker, market: int32(m)}); h.reg.has(t) {
			s := h.f.tickers[i].stats(h.f.now)
			h.reg.publish(h.r.ticker(m, &s, now), t)
		}
		h.publishMark(m, now)
	}
}

// heartbeat sends the depth keep-alive of every subscribed market whose book
// has been quiet for DepthHeartbeat.
func (h *Hub) heartbeat() {
	if !h.reg.anyOf(kDepth) {
		return
	}
	now, wall := h.o.Now().UnixMicro(), time.Now()
	for i := range h.cfg.Markets {
		m := config.MarketID(i) //nolint:gosec // few markets
		t := topic{kind: kDepth, market: int32(m)}
		if !h.reg.has(t) || wall.Sub(h.f.lastDepth[i]) < h.o.DepthHeartbeat {
			continue
		}
		if d, ok := h.f.book.takeHeartbeat(m, h.f.seq); ok {
			d.at = h.f.now
			h.f.lastDepth[i] = wall
			h.reg.publish(h.r.depth(m, &d, now), t)
		}
	}
}
