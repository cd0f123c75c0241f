package ws

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// conn is one client connection. Its reader (the HTTP handler's goroutine)
// handles the client's requests and owns subs; its writer goroutine sends
// what the feed and the reader queue. Nothing ever waits for a client: send
// never blocks, and a client whose queue would exceed Options.QueueBytes is
// dropped.
type conn struct {
	h  *Hub
	ws *websocket.Conn

	mu     sync.Mutex
	queue  [][]byte // messages waiting for the writer
	queued int      // their bytes
	wake   chan struct{}

	dead      chan struct{}
	once      sync.Once
	code      websocket.StatusCode
	reason    string
	abrupt    bool // cut the connection, no close handshake
	writerEnd chan struct{}

	subs map[topic]struct{} // reader goroutine only
}

func newConn(h *Hub, c *websocket.Conn) *conn {
	return &conn{h: h, ws: c, wake: make(chan struct{}, 1), dead: make(chan struct{}),
		writerEnd: make(chan struct{}), subs: map[topic]struct{}{}}
}

// send queues a message; false if the connection is gone or was just
// dropped because its queue is full (a slow client).
func (c *conn) send(msg []byte) bool {
	select {
	case <-c.dead:
		return false
	default:
	}
	c.mu.Lock()
	if c.queued+len(msg) > c.h.o.QueueBytes {
		c.mu.Unlock()
		if c.kill(websocket.StatusPolicyViolation, "slow consumer: too many messages queued", true) {
			c.h.stats.slow.Add(1)
		}
		return false
	}
	c.queue = append(c.queue, msg)
	c.queued += len(msg)
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
	return true
}

// take returns the queued messages, emptying the queue (their bytes stay
// counted until written: done).
func (c *conn) take(buf [][]byte) [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	buf = append(buf[:0], c.queue...)
	clear(c.queue)
	c.queue = c.queue[:0]
	return buf
}

// done uncounts n written bytes.
func (c *conn) done(n int) {
	c.mu.Lock()
	c.queued -= n
	c.mu.Unlock()
}

// kill ends the connection with a close code and reason (the first call
// wins); true for the call that did it. The writer then closes with a close
// handshake, or, abrupt, cuts the connection (a client that does not read
// or answer pings would not finish a handshake). A writer stuck in a write
// (the client stopped reading) is cut after WriteTimeout.
func (c *conn) kill(code websocket.StatusCode, reason string, abrupt bool) bool {
	done := false
	c.once.Do(func() {
		c.code, c.reason, c.abrupt = code, reason, abrupt
		close(c.dead)
		time.AfterFunc(c.h.o.WriteTimeout, func() { _ = c.ws.CloseNow() })
		done = true
	})
	return done
}

// closeWS closes the socket as kill asked (writer goroutine).
func (c *conn) closeWS() {
	if c.abrupt {
		_ = c.ws.CloseNow()
		return
	}
	_ = c.ws.Close(c.code, c.reason)
}

// serve runs the connection until it ends: the writer in its own goroutine,
// the reader here.
func (c *conn) serve(ctx context.Context) {
	go c.writeLoop()
	c.ws.SetReadLimit(c.h.o.MaxMessageBytes)
	for {
		_, data, err := c.ws.Read(ctx)
		if err != nil {
			break
		}
		c.handle(ctx, data)
	}
	c.kill(websocket.StatusNormalClosure, "", false)
	for t := range c.subs {
		c.h.reg.remove(t, c)
	}
	<-c.writerEnd
}

// writeLoop sends queued messages, pings the client every PingInterval and
// closes the connection when it is killed or a write or ping fails.
func (c *conn) writeLoop() {
	defer close(c.writerEnd)
	ping := time.NewTicker(c.h.o.PingInterval)
	defer ping.Stop()
	var batch [][]byte
	for {
		select {
		case <-c.dead:
			c.closeWS()
			return
		case <-c.wake:
			batch = c.take(batch)
			for i, msg := range batch {
				select {
				case <-c.dead:
					c.closeWS()
					return
				default:
				}
				// No deadline per write (a timer per message costs more than
				// the write): a client that stops reading fills its queue and
				// is killed, which cuts a write stuck for WriteTimeout.
				err := c.ws.Write(context.Background(), websocket.MessageText, msg)
				if err != nil {
					c.kill(websocket.StatusGoingAway, "write failed", true)
					_ = c.ws.CloseNow()
					return
				}
				c.done(len(msg))
				batch[i] = nil
			}
			c.h.stats.sent.Add(uint64(len(batch)))
		case <-ping.C:
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), c.h.o.PongTimeout)
				defer cancel()
				if err := c.ws.Ping(ctx); err != nil {
					c.kill(websocket.StatusPolicyViolation, "no pong", true)
				}
			}()
		}
	}
}

// handle answers one client message: subscribe or unsubscribe streams, or
// an error (the connection stays open).
func (c *conn) handle(ctx context.Context, data []byte) {
	req, werr := parseRequest(data)
	if werr != nil {
		var id []byte
		if req != nil {
			id = req.ID
		}
		c.send(answer(id, werr))
		return
	}
	if werr := c.apply(ctx, req); werr != nil {
		c.send(answer(req.ID, werr))
	}
}

// apply carries out a well-formed request: every stream must be valid, and
// a subscription to a private one needs a valid signature, or nothing is
// done.
func (c *conn) apply(ctx context.Context, req *request) *wsError {
	cfg := c.h.cfg
	ts := make([]topic, len(req.Params))
	private := false
	for i, name := range req.Params {
		t, ok := parseStream(cfg, name)
		if !ok {
			return errorf(CodeInvalidStream, "Invalid stream: %q", name)
		}
		ts[i], private = t, private || t.kind.private()
	}
	if req.Method == "UNSUBSCRIBE" {
		for _, t := range ts {
			for s := range c.subs { // a private stream: whichever account it was subscribed with
				if s.kind == t.kind && s.market == t.market {
					c.h.reg.remove(s, c)
					delete(c.subs, s)
				}
			}
		}
		return nil
	}
	if private {
		acct, werr := verify(c.h.auth, req.Signature)
		if werr != nil {
			return werr
		}
		for i := range ts {
			if ts[i].kind.private() {
				ts[i].account = acct
			}
		}
	}
	fresh := 0
	for i, t := range ts {
		if _, ok := c.subs[t]; !ok && !slices.Contains(ts[:i], t) {
			fresh++
		}
	}
	if len(c.subs)+fresh > c.h.o.MaxStreams {
		return errorf(CodeTooManyStreams, "Too many streams: at most %d per connection", c.h.o.MaxStreams)
	}
	for _, t := range ts {
		if _, ok := c.subs[t]; ok {
			continue
		}
		c.subs[t] = struct{}{}
		c.h.reg.add(t, streamName(cfg, t), c)
		if t.kind == kPositionUpdate {
			c.h.sendPositions(ctx, c, t)
		}
	}
	return nil
}
