//go:build unix

package server

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/fixed"
	"github.com/waterfallrisk/waterfall/server/api"
	"github.com/waterfallrisk/waterfall/server/sequencer"
)

// BenchmarkHTTPOrders (issue #4 point 11): signed orders through HTTP on
// loopback, journal on (fsync), from concurrent closed-loop clients, each
// with its own API key: POST /api/v1/orders with batches of 20 (one
// signature each) and POST /api/v1/order with one. The orders are GTC limit
// orders of random side, 1-5 lots, bids at 100,000 to 100,010 and asks at
// 99,990 to 100,000, so an order trades whenever the other side rests, and
// self-trade prevention RejectMaker (an account's own resting orders in
// its way are cancelled): the book stays small (the imbalance's random
// walk). Requests are signed before the timer starts (a client's signing
// is not the server's cost; the machine's 2 cores are shared by both);
// latency is one request's round trip. Metrics: orders/s, p50 and p99 in µs,
// refused orders per request, 429s (rate limit: 1,000 requests/s a key),
// commands per fsync and the mean fsync, and cpu-µs/order: the process's
// CPU time (server and clients, user and system) per order, which holds
// when other processes share the machine (orders/s does not).
//
// server=full is the whole server as `waterfall serve` runs it (Start: read
// model, WebSocket, metrics); server=api is the REST API alone over the
// sequencer and its journal, to tell the API's cost from the rest.
func BenchmarkHTTPOrders(b *testing.B) {
	for _, full := range []bool{true, false} {
		for _, c := range []struct{ batch, clients int }{
			{20, 4}, {20, 16}, {20, 64}, {1, 16}, {1, 64},
		} {
			name := "api"
			if full {
				name = "full"
			}
			b.Run(fmt.Sprintf("server=%s/batch=%d/clients=%d", name, c.batch, c.clients), func(b *testing.B) {
				benchHTTPOrders(b, full, c.batch, c.clients)
			})
		}
	}
}

// benchTarget is a server to load: its URL, a way to make a funded account
// with a key, and its sequencer.
type benchTarget struct {
	base    string
	account func() ed25519.PrivateKey
	seq     *sequencer.Sequencer
	stop    func()
}

// fullTarget starts the whole server and sets it up through the operator
// API.
func fullTarget(b *testing.B, hc *http.Client) *benchTarget {
	s, err := Start(Options{DataDir: b.TempDir(), Addr: "127.0.0.1:0", Clock: "manual", AdminToken: "bench",
		Out: io.Discard, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	base := "http://" + s.Addr()
	admin := func(path string, body any, out any) {
		raw, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", base+path, bytes.NewReader(raw))
		req.Header.Set("Authorization", "Bearer bench")
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		rb, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("%s: %d %s", path, resp.StatusCode, rb)
		}
		if out != nil {
			_ = json.Unmarshal(rb, out)
		}
	}
	admin("/admin/v1/prices", map[string]any{"prices": []map[string]string{{"symbol": "BTC", "price": "100000"}}}, nil)
	return &benchTarget{base: base, seq: s.Sequencer(),
		account: func() ed25519.PrivateKey {
			var acct struct {
				AccountID uint32 `json:"accountId"`
				APISecret string `json:"apiSecret"`
			}
			admin("/admin/v1/accounts", map[string]string{"label": "bench"}, &acct)
			admin("/admin/v1/deposits", map[string]any{"accountId": acct.AccountID, "symbol": "USDC", "quantity": "1000000000"}, nil)
			seed, _ := base64.StdEncoding.DecodeString(acct.APISecret)
			return ed25519.NewKeyFromSeed(seed)
		},
		stop: func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_ = s.Shutdown(ctx)
		}}
}

// apiTarget serves the REST API alone over a sequencer with its journal
// (fsync on, snapshots as the server takes them, manual clock).
func apiTarget(b *testing.B) *benchTarget {
	q, err := sequencer.Open(sequencer.Options{Store: sequencer.Dir{Path: b.TempDir()}, Clock: sequencer.ClockManual,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	h, err := api.New(q, q.Config(), api.Options{})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(h)
	cfg := q.Config()
	btc, _ := cfg.AssetBySymbol("BTC")
	usdc, _ := cfg.AssetBySymbol("USDC")
	ctx := context.Background()
	if _, err := q.Submit(ctx, &engine.Command{Kind: engine.CmdSetIndexPrice, Asset: btc, Amount: 100_000 * fixed.PriceScale}); err != nil {
		b.Fatal(err)
	}
	return &benchTarget{base: srv.URL, seq: q,
		account: func() ed25519.PrivateKey {
			pub, priv, _ := ed25519.GenerateKey(nil)
			id, err := q.CreateAccount(ctx, "bench", pub)
			if err == nil {
				_, err = q.Submit(ctx, &engine.Command{Kind: engine.CmdDeposit, Account: id, Asset: usdc, Amount: 1_000_000_000 * 1_000_000})
			}
			if err != nil {
				b.Fatal(err)
			}
			return priv
		},
		stop: func() {
			srv.Close()
			_ = q.Close()
		}}
}

func benchHTTPOrders(b *testing.B, full bool, batch, clients int) {
	hc := &http.Client{Transport: &http.Transport{MaxIdleConns: clients, MaxIdleConnsPerHost: clients, DisableCompression: true}}
	var tg *benchTarget
	if full {
		tg = fullTarget(b, hc)
	} else {
		tg = apiTarget(b)
	}
	defer tg.stop()
	base := tg.base

	// Each client's requests, signed now.
	per := (b.N + clients - 1) / clients
	reqs := make([][]benchReq, clients)
	for c := range clients {
		priv := tg.account()
		rng := rand.New(rand.NewPCG(uint64(c), 1))
		for i := range min(per, b.N-c*per) {
			orders := make([]map[string]any, batch)
			for j := range orders {
				side, px := "Bid", 1_000_000+rng.IntN(101) // ticks of 0.1
				if rng.IntN(2) == 1 {
					side, px = "Ask", 1_000_000-rng.IntN(101)
				}
				orders[j] = map[string]any{"symbol": "BTC_USDC_PERP", "side": side, "orderType": "Limit",
					"price": strconv.Itoa(px/10) + "." + strconv.Itoa(px%10), "quantity": "0.000" + strconv.Itoa(1+rng.IntN(5)),
					"clientId": json.Number(strconv.Itoa(i*batch + j + 1)), "selfTradePrevention": "RejectMaker"}
			}
			reqs[c] = append(reqs[c], signBench(priv, batch, orders))
		}
	}
	path := "/api/v1/orders"
	if batch == 1 {
		path = "/api/v1/order"
	}

	lat := make([][]time.Duration, clients)
	var refused, limited atomic.Int64
	var wg sync.WaitGroup
	cpu0 := cpuTime()
	b.ResetTimer()
	for c := range clients {
		wg.Go(func() {
			for _, r := range reqs[c] {
				for {
					req, _ := http.NewRequest("POST", base+path, bytes.NewReader(r.body))
					req.Header = r.header.Clone()
					t0 := time.Now()
					resp, err := hc.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					rb, err := io.ReadAll(resp.Body)
					resp.Body.Close()
					if err != nil {
						b.Error(err)
						return
					}
					if resp.StatusCode == http.StatusTooManyRequests {
						limited.Add(1)
						time.Sleep(time.Millisecond)
						continue
					}
					lat[c] = append(lat[c], time.Since(t0))
					if resp.StatusCode != http.StatusOK {
						b.Errorf("status %d: %s", resp.StatusCode, rb)
						return
					}
					refused.Add(int64(bytes.Count(rb, []byte(`"code"`))))
					break
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	cpu := cpuTime() - cpu0
	all := slices.Concat(lat...)
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	if len(all) == 0 {
		return
	}
	pct := func(p float64) float64 { return float64(all[int(p*float64(len(all)-1))].Microseconds()) }
	b.ReportMetric(float64(len(all)*batch)/b.Elapsed().Seconds(), "orders/s")
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
	b.ReportMetric(float64(refused.Load())/float64(len(all)), "refused/op")
	b.ReportMetric(float64(limited.Load()), "429s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(len(all)*batch), "cpu-µs/order")
	st := tg.seq.Stats()
	if st.Syncs > 0 {
		b.ReportMetric(float64(st.Commands)/float64(st.Syncs), "cmds/fsync")
		b.ReportMetric(float64(st.SyncTotal.Microseconds())/float64(st.Syncs), "fsync-µs")
	}
}

// cpuTime is the CPU time (user and system) this process has used: what
// the server and its in-process clients cost, whatever other processes
// take from the machine meanwhile.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchReq is a signed request ready to send.
type benchReq struct {
	header http.Header
	body   []byte
}

// signBench signs orders as ccxt does: a batch (POST /api/v1/orders) when
// batch > 1, else the single order (POST /api/v1/order). Window: 60 s (the
// requests are sent within it).
func signBench(priv ed25519.PrivateKey, batch int, orders []map[string]any) benchReq {
	ts := strconv.FormatInt(time.Now().UnixMilli(), 10)
	tail := "timestamp=" + ts + "&window=60000"
	var sb strings.Builder
	for _, o := range orders {
		keys := make([]string, 0, len(o))
		for k := range o {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		sb.WriteString("instruction=orderExecute&")
		for _, k := range keys {
			sb.WriteString(k + "=" + fmt.Sprint(o[k]) + "&")
		}
	}
	var body []byte
	if batch > 1 {
		body, _ = json.Marshal(orders)
	} else {
		body, _ = json.Marshal(orders[0])
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("X-Timestamp", ts)
	h.Set("X-Window", "60000")
	h.Set("X-API-Key", base64.StdEncoding.EncodeToString(priv.Public().(ed25519.PublicKey)))
	h.Set("X-Signature", base64.StdEncoding.EncodeToString(ed25519.Sign(priv, []byte(sb.String()+tail))))
	return benchReq{header: h, body: body}
}
