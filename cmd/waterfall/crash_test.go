package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// CrashCyclesEnv sets the number of crash cycles (default: the five kill
// points of crashPoints, plus one graceful SIGTERM cycle). With a number,
// the kill points are drawn at random (seed in the log) and every fifth
// cycle stops with SIGTERM instead.
const CrashCyclesEnv = "WATERFALL_CRASH_CYCLES"

// crashPoints are CI's kill points, in acknowledged orders.
var crashPoints = []int{1, 45, 300, 1200, 3000}

const (
	crashToken  = "crash-test-token"
	crashSymbol = "BTC_USDC_PERP"
)

// TestCrashSafety (issue #4 point 9): `waterfall serve` is killed with
// SIGKILL in the middle of a steady flow of signed orders from several
// clients, restarted on the same data directory, and checked: every order
// acknowledged (HTTP 200) is there, positions agree with the fills
// acknowledged, the engine sequence covers every acknowledged command; then
// the server is stopped with SIGTERM (exit status 0, no torn tail) and
// `waterfall audit` on a copy of the data directory prints the state hash
// the server reported. Each cycle starts on the previous one's data. One
// cycle stops the flow with SIGTERM instead: a graceful shutdown that
// answers what it accepted and leaves the journal synced.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server")
	}
	type cycle struct {
		acks int
		sig  syscall.Signal
	}
	var cycles []cycle
	for _, n := range crashPoints {
		cycles = append(cycles, cycle{n, syscall.SIGKILL})
	}
	cycles = append(cycles, cycle{800, syscall.SIGTERM})
	if env := os.Getenv(CrashCyclesEnv); env != "" {
		n, err := strconv.Atoi(env)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q: want a positive number", CrashCyclesEnv, env)
		}
		seed := uint64(time.Now().UnixNano())
		t.Logf("%d cycles, seed %d", n, seed)
		rng := rand.New(rand.NewPCG(seed, 0))
		cycles = cycles[:0]
		for i := range n {
			c := cycle{1 + rng.IntN(5000), syscall.SIGKILL}
			if i%5 == 4 {
				c.sig = syscall.SIGTERM
			}
			cycles = append(cycles, c)
		}
	}

	h := &harness{t: t, bin: buildWaterfall(t), data: filepath.Join(t.TempDir(), "data")}
	h.start()
	h.setup()
	start := time.Now()
	var rested int
	var filled int64
	for i, c := range cycles {
		acked := h.flow(c.acks, c.sig)
		h.start()
		st := h.verify(acked)
		h.stopAndAudit(st)
		h.start()
		if testing.Verbose() || i%20 == 19 {
			t.Logf("cycle %d: %v after %d acknowledged orders (%d sent, %d resting ones checked open, %d lots of taker fills); engine sequence %d; %v so far",
				i+1, c.sig, acked.orders, acked.sent, len(acked.restIDs[0])+len(acked.restIDs[1]), acked.takerFills,
				st.Sequence, time.Since(start).Round(time.Millisecond))
		}
		rested += len(acked.restIDs[0]) + len(acked.restIDs[1])
		filled += acked.takerFills
	}
	if rested == 0 || filled == 0 {
		t.Fatalf("the flows checked %d resting orders and %d lots of fills: a check went unexercised", rested, filled)
	}
	t.Logf("%d cycles passed in %v", len(cycles), time.Since(start).Round(time.Millisecond))
}

// harness is one data directory served by successive processes.
type harness struct {
	t    *testing.T
	bin  string
	data string
	p    *proc
	c    *client

	resters [2]*key // post-only orders far from the market: always open until cancelled
	maker   *key    // post-only asks at the market
	taker   *key    // market buys against the maker
	nextCID uint32  // client ids, unique over the whole test
	takerAt int64   // the taker's position (lots) before the flow
	cycle   int
}

func (h *harness) start() {
	h.p = startServe(h.t, h.bin, h.data, crashToken)
	h.c = newClient(h.p.url, crashToken, 16)
}

// setup creates the accounts, funds them and sets the BTC index.
func (h *harness) setup() {
	t := h.t
	var err error
	for i := range h.resters {
		if h.resters[i], err = h.c.newAccount(fmt.Sprintf("rester%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if h.maker, err = h.c.newAccount("maker"); err != nil {
		t.Fatal(err)
	}
	if h.taker, err = h.c.newAccount("taker"); err != nil {
		t.Fatal(err)
	}
	for _, k := range []*key{h.resters[0], h.resters[1], h.maker, h.taker} {
		if err := h.c.admin("POST", "/admin/v1/deposits", map[string]any{"accountId": k.account, "symbol": "USDC", "quantity": "1000000000"}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.c.admin("POST", "/admin/v1/prices", map[string]any{"prices": []map[string]string{{"symbol": "BTC", "price": "100000"}}}, nil); err != nil {
		t.Fatal(err)
	}
}

// acked is what one flow's clients sent and had acknowledged.
type acked struct {
	mu         sync.Mutex
	restIDs    [2]map[string]uint32 // acknowledged resting order id → client id
	restSent   [2]map[uint32]bool   // client ids sent
	takerFills int64                // lots executed by acknowledged taker orders
	takerSent  int64                // lots of every taker order sent
	orders     int                  // acknowledged orders (each one an accepted command)
	sent       int
	seqBefore  uint64
}

func (a *acked) add(n int) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.orders += n
	return a.orders
}

func (h *harness) cid() uint32 { return atomic.AddUint32(&h.nextCID, 1) }

func order(side, typ, price, qty string, cid uint32, postOnly bool) map[string]any {
	o := map[string]any{"symbol": crashSymbol, "side": side, "orderType": typ, "quantity": qty, "clientId": cid}
	if price != "" {
		o["price"] = price
	}
	if postOnly {
		o["postOnly"] = true
	}
	return o
}

// flow runs the four clients until n orders are acknowledged, then stops
// the server with sig and returns what was acknowledged. Clients stop at
// their first request that gets no answer.
func (h *harness) flow(n int, sig syscall.Signal) *acked {
	t := h.t
	h.cycle++
	a := &acked{restIDs: [2]map[string]uint32{{}, {}}, restSent: [2]map[uint32]bool{{}, {}}}
	a.seqBefore = h.state().Sequence
	h.takerAt = h.position(h.taker)

	var stopOnce sync.Once
	stopped := make(chan error, 1)
	stopServer := func() { stopOnce.Do(func() { stopped <- h.p.stop(sig, 20*time.Second) }) }
	var failed atomic.Bool
	fail := func(format string, args ...any) {
		if failed.CompareAndSwap(false, true) {
			t.Errorf(format, args...)
		}
		stopServer()
	}
	live := func() bool {
		select {
		case <-h.p.done:
			return false
		default:
			return !failed.Load()
		}
	}
	var wg sync.WaitGroup
	// Resters: batches of 20 post-only orders far from the market, every
	// fourth request a single order.
	for r := range h.resters {
		wg.Go(func() {
			k := h.resters[r]
			for i := 0; live(); i++ {
				var batch []map[string]any
				size := 20
				if i%4 == 3 {
					size = 1
				}
				for j := range size {
					side, px := "Bid", fmt.Sprintf("%d.%d", 90000+(i*7+j)%5000, j%10)
					if (i+j)%2 == 1 {
						side, px = "Ask", fmt.Sprintf("%d.%d", 105001+(i*7+j)%5000, j%10)
					}
					batch = append(batch, order(side, "Limit", px, "0.0001", h.cid(), true))
				}
				a.mu.Lock()
				for _, o := range batch {
					a.restSent[r][o["clientId"].(uint32)] = true
				}
				a.sent += len(batch)
				a.mu.Unlock()
				var status int
				var body []byte
				var err error
				if size == 1 {
					status, body, err = h.c.signed(k, "POST", "/api/v1/order", batch[0])
					body = append(append([]byte{'['}, body...), ']')
				} else {
					status, body, err = h.c.signed(k, "POST", "/api/v1/orders", batch)
				}
				if err != nil {
					return // no answer: the server is gone
				}
				if status == http.StatusTooManyRequests {
					time.Sleep(5 * time.Millisecond)
					continue
				}
				if status == http.StatusServiceUnavailable {
					return // shutting down
				}
				var out []struct {
					ID       string  `json:"id"`
					ClientID *uint32 `json:"clientId"`
					Code     string  `json:"code"`
					Message  string  `json:"message"`
				}
				if status != http.StatusOK || json.Unmarshal(body, &out) != nil || len(out) != len(batch) {
					fail("rester %d: status %d: %s", r, status, body)
					return
				}
				for j, o := range out {
					if o.Code != "" || o.ID == "" || o.ClientID == nil || *o.ClientID != batch[j]["clientId"] {
						fail("rester %d: order %d of an acknowledged batch: %+v", r, j, o)
						return
					}
				}
				a.mu.Lock()
				for _, o := range out {
					a.restIDs[r][o.ID] = *o.ClientID
				}
				a.mu.Unlock()
				if a.add(len(out)) >= n {
					stopServer()
				}
			}
		})
	}
	// Maker: batches of 20 post-only asks at 100,000.0 to 100,001.9.
	wg.Go(func() {
		for i := 0; live(); i++ {
			batch := make([]map[string]any, 20)
			for j := range batch {
				batch[j] = order("Ask", "Limit", fmt.Sprintf("100001.%d", j%10), "0.0002", h.cid(), true)
			}
			a.mu.Lock()
			a.sent += len(batch)
			a.mu.Unlock()
			status, body, err := h.c.signed(h.maker, "POST", "/api/v1/orders", batch)
			switch {
			case err != nil || status == http.StatusServiceUnavailable:
				return
			case status == http.StatusTooManyRequests:
				time.Sleep(5 * time.Millisecond)
				continue
			case status != http.StatusOK:
				fail("maker: status %d: %s", status, body)
				return
			}
			var out []struct {
				ID string `json:"id"`
			}
			if json.Unmarshal(body, &out) != nil || len(out) != len(batch) {
				fail("maker: %s", body)
				return
			}
			for _, o := range out {
				if o.ID == "" {
					fail("maker: a refused order in %s", body)
					return
				}
			}
			if a.add(len(out)) >= n {
				stopServer()
			}
		}
	})
	// Taker: single IOC buys of 0.0001 at 100,002, filled from the maker's
	// asks (or expired when none rests), never reaching the resters'.
	wg.Go(func() {
		for live() {
			o := order("Bid", "Limit", "100002", "0.0001", h.cid(), false)
			o["timeInForce"] = "IOC"
			a.mu.Lock()
			a.takerSent++
			a.sent++
			a.mu.Unlock()
			status, body, err := h.c.signed(h.taker, "POST", "/api/v1/order", o)
			switch {
			case err != nil || status == http.StatusServiceUnavailable:
				return
			case status == http.StatusTooManyRequests:
				time.Sleep(5 * time.Millisecond)
				continue
			case status != http.StatusOK:
				fail("taker: status %d: %s", status, body)
				return
			}
			var out struct {
				ExecutedQuantity string `json:"executedQuantity"`
			}
			if err := json.Unmarshal(body, &out); err != nil {
				fail("taker: %s", body)
				return
			}
			l, err := lots(out.ExecutedQuantity)
			if err != nil {
				fail("taker: %v", err)
				return
			}
			a.mu.Lock()
			a.takerFills += l
			a.mu.Unlock()
			if a.add(1) >= n {
				stopServer()
			}
		}
	})
	wg.Wait()
	stopServer()
	err := <-stopped
	if t.Failed() {
		t.FailNow()
	}
	switch sig {
	case syscall.SIGKILL:
		if err == nil {
			t.Fatalf("cycle %d: the server exited with status 0 after SIGKILL", h.cycle)
		}
	default:
		if err != nil {
			t.Fatalf("cycle %d: after %v the server did not exit cleanly: %v\n%s", h.cycle, sig, err, h.p.stderr.String())
		}
	}
	if a.orders < n {
		t.Fatalf("cycle %d: the clients stopped after %d acknowledged orders, before %d\n%s", h.cycle, a.orders, n, h.p.stderr.String())
	}
	return a
}

// stateAnswer is GET /admin/v1/state.
type stateAnswer struct {
	Sequence  uint64 `json:"sequence"`
	StateHash string `json:"stateHash"`
}

func (h *harness) state() stateAnswer {
	h.t.Helper()
	var s stateAnswer
	if err := h.c.admin("GET", "/admin/v1/state", nil, &s); err != nil {
		h.t.Fatal(err)
	}
	return s
}

// position returns k's net BTC perpetual position in lots.
func (h *harness) position(k *key) int64 {
	h.t.Helper()
	status, body, err := h.c.signed(k, "GET", "/api/v1/position", map[string]any{})
	var ps []struct {
		Symbol      string `json:"symbol"`
		NetQuantity string `json:"netQuantity"`
	}
	if err != nil || status != http.StatusOK || json.Unmarshal(body, &ps) != nil {
		h.t.Fatalf("positions: %d %v %s", status, err, body)
	}
	for _, p := range ps {
		if p.Symbol == crashSymbol {
			n, err := lots(p.NetQuantity)
			if err != nil {
				h.t.Fatal(err)
			}
			return n
		}
	}
	return 0
}

// openOrders returns k's open orders: id → client id.
func (h *harness) openOrders(k *key) map[string]uint32 {
	h.t.Helper()
	status, body, err := h.c.signed(k, "GET", "/api/v1/orders", map[string]any{"symbol": crashSymbol})
	var list []struct {
		ID       string  `json:"id"`
		ClientID *uint32 `json:"clientId"`
	}
	if err != nil || status != http.StatusOK || json.Unmarshal(body, &list) != nil {
		h.t.Fatalf("open orders: %d %v %s", status, err, body)
	}
	out := make(map[string]uint32, len(list))
	for _, o := range list {
		if o.ClientID == nil {
			h.t.Fatalf("open order %s without its client id", o.ID)
		}
		out[o.ID] = *o.ClientID
	}
	return out
}

// verify checks the restarted server against what was acknowledged, then
// cancels the resting orders (a fresh book for the next cycle) and returns
// the state.
func (h *harness) verify(a *acked) stateAnswer {
	t := h.t
	for r, k := range h.resters {
		open := h.openOrders(k)
		for id, cid := range a.restIDs[r] {
			if got, ok := open[id]; !ok || got != cid {
				t.Fatalf("cycle %d: acknowledged order %s (client id %d) of rester %d is not open after the restart (%d open, %d acknowledged)",
					h.cycle, id, cid, r, len(open), len(a.restIDs[r]))
			}
		}
		for id, cid := range open {
			if !a.restSent[r][cid] {
				t.Fatalf("cycle %d: open order %s has client id %d, which was never sent", h.cycle, id, cid)
			}
		}
	}
	got := h.position(h.taker) - h.takerAt
	if got < a.takerFills || got > a.takerSent {
		t.Fatalf("cycle %d: the taker's position moved by %d lots; acknowledged fills %d, sent at most %d", h.cycle, got, a.takerFills, a.takerSent)
	}
	if m := h.position(h.maker); m != -h.position(h.taker) {
		t.Fatalf("cycle %d: maker %d lots, taker %d: they only trade with each other", h.cycle, m, h.position(h.taker))
	}
	st := h.state()
	if st.Sequence < a.seqBefore+uint64(a.orders) {
		t.Fatalf("cycle %d: engine sequence %d after the restart; %d before the flow and %d orders acknowledged", h.cycle, st.Sequence, a.seqBefore, a.orders)
	}
	for _, k := range []*key{h.resters[0], h.resters[1], h.maker} {
		if status, body, err := h.c.signed(k, "DELETE", "/api/v1/orders", map[string]any{"symbol": crashSymbol}); err != nil || status != http.StatusOK {
			t.Fatalf("cancel all: %d %v %s", status, err, body)
		}
	}
	st = h.state()
	h.checkMetrics(st.Sequence)
	return st
}

// checkMetrics reads /metrics: the engine sequence gauge equals seq (the
// server is idle), and the command counters count the cancels just made.
func (h *harness) checkMetrics(seq uint64) {
	t := h.t
	req, _ := http.NewRequest("GET", h.c.url+"/metrics", nil)
	status, body, err := h.c.send(req)
	if err != nil || status != http.StatusOK {
		t.Fatalf("GET /metrics: %d %v %s", status, err, body)
	}
	want := []string{
		"waterfall_engine_sequence " + strconv.FormatUint(seq, 10) + "\n",
		`waterfall_commands_total{kind="cancel-all",result="accepted"} 3` + "\n",
		"waterfall_journal_fsync_seconds_count ",
		"waterfall_websocket_clients ",
	}
	for _, w := range want {
		if !bytes.Contains(body, []byte(w)) {
			t.Fatalf("cycle %d: /metrics lacks %q:\n%s", h.cycle, w, body)
		}
	}
}

// stopAndAudit stops the server with SIGTERM (exit status 0), audits a copy
// of the data directory offline and compares the state hash with st.
func (h *harness) stopAndAudit(st stateAnswer) {
	t := h.t
	if err := h.p.stop(syscall.SIGTERM, 20*time.Second); err != nil {
		t.Fatalf("cycle %d: SIGTERM: %v\n%s", h.cycle, err, h.p.stderr.String())
	}
	cp := filepath.Join(t.TempDir(), "copy")
	if out, err := exec.Command("cp", "-a", h.data, cp).CombinedOutput(); err != nil {
		t.Fatalf("copying the data directory: %v: %s", err, out)
	}
	out, err := exec.Command(h.bin, "audit", "--data", cp).CombinedOutput()
	_ = os.RemoveAll(cp)
	if err != nil {
		t.Fatalf("cycle %d: waterfall audit: %v\n%s", h.cycle, err, out)
	}
	var hash, seq string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		name, value, _ := strings.Cut(sc.Text(), " ")
		switch name {
		case "stateHash":
			hash = value
		case "engineSequence":
			seq = value
		case "tornBytes":
			t.Fatalf("cycle %d: a torn tail after a graceful shutdown:\n%s", h.cycle, out)
		}
	}
	if hash != st.StateHash || seq != strconv.FormatUint(st.Sequence, 10) {
		t.Fatalf("cycle %d: audit: sequence %s hash %s; the server said %d %s\n%s", h.cycle, seq, hash, st.Sequence, st.StateHash, out)
	}
}
