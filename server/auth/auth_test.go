package auth

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/waterfallrisk/waterfall/engine"
)

// clock is a settable wall clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

type fixture struct {
	t     *testing.T
	clk   *clock
	v     *Verifier
	priv  ed25519.PrivateKey
	pub   ed25519.PublicKey
	other ed25519.PrivateKey // a key bound to no account
}

func newFixture(t *testing.T, rate int) *fixture {
	f := &fixture{t: t, clk: &clock{t: time.UnixMilli(1_700_000_000_000)}}
	f.priv = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{1}, 32))
	f.pub = f.priv.Public().(ed25519.PublicKey)
	f.other = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{2}, 32))
	f.v = New(func(k []byte) (engine.AccountID, bool) {
		if bytes.Equal(k, f.pub) {
			return 42, true
		}
		return 0, false
	}, Options{Now: f.clk.now, RateLimit: rate})
	return f
}

// request builds a request signed with key as ccxt signs it: the text from
// the given parts, timestamp ts and window w.
func (f *fixture) request(key ed25519.PrivateKey, method, query, body, instruction string, ts, w int64) *http.Request {
	f.t.Helper()
	texts, err := SigningTexts(method, query, []byte(body), instruction, ts, w)
	if err != nil {
		f.t.Fatal(err)
	}
	url := "/api/v1/x"
	if query != "" {
		url += "?" + query
	}
	r := httptest.NewRequest(method, url, bytes.NewReader([]byte(body)))
	r.Header.Set(HeaderKey, base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey)))
	r.Header.Set(HeaderSignature, base64.StdEncoding.EncodeToString(ed25519.Sign(key, []byte(texts[0]))))
	r.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	r.Header.Set(HeaderWindow, strconv.FormatInt(w, 10))
	return r
}

func (f *fixture) nowMs() int64 { return f.clk.t.UnixMilli() }

func (f *fixture) verify(r *http.Request, body, instruction string) (engine.AccountID, string, int) {
	acct, err := f.v.Verify(r, instruction, []byte(body))
	if err != nil {
		return 0, err.Code, err.Status
	}
	return acct, "", http.StatusOK
}

func TestGoodSignature(t *testing.T) {
	f := newFixture(t, 0)
	body := `{"symbol":"BTC_USDC_PERP","side":"Bid","clientId":7}`
	acct, code, status := f.verify(f.request(f.priv, "POST", "", body, "orderExecute", f.nowMs(), 5000), body, "orderExecute")
	if status != http.StatusOK || acct != 42 {
		t.Fatalf("POST: %d %s acct %d", status, code, acct)
	}
	acct, code, status = f.verify(f.request(f.priv, "GET", "symbol=BTC_USDC_PERP", "", "orderQueryAll", f.nowMs(), 5000), "", "orderQueryAll")
	if status != http.StatusOK || acct != 42 {
		t.Fatalf("GET: %d %s acct %d", status, code, acct)
	}
}

// TestPlainTextSignature: a client that signs the unencoded value (as
// Backpack's own examples do) is accepted too.
func TestPlainTextSignature(t *testing.T) {
	f := newFixture(t, 0)
	body := `{"note":"a b"}`
	ts := f.nowMs()
	r := f.request(f.priv, "POST", "", body, "x", ts, 5000)
	plain := "instruction=x&note=a b&timestamp=" + strconv.FormatInt(ts, 10) + "&window=5000"
	r.Header.Set(HeaderSignature, base64.StdEncoding.EncodeToString(ed25519.Sign(f.priv, []byte(plain))))
	if _, code, status := f.verify(r, body, "x"); status != http.StatusOK {
		t.Fatalf("plain text signature: %d %s", status, code)
	}
}

func TestWrongSignature(t *testing.T) {
	f := newFixture(t, 0)
	body := `{"symbol":"BTC_USDC_PERP"}`
	cases := map[string]*http.Request{
		// Signed for another instruction, another body, another key.
		"instruction": f.request(f.priv, "POST", "", body, "orderCancel", f.nowMs(), 5000),
		"body":        f.request(f.priv, "POST", "", `{"symbol":"ETH_USDC_PERP"}`, "orderExecute", f.nowMs(), 5000),
	}
	for name, r := range cases {
		if _, code, status := f.verify(r, body, "orderExecute"); status != http.StatusUnauthorized || code != "INVALID_SIGNATURE" {
			t.Errorf("%s: %d %s, want 401 INVALID_SIGNATURE", name, status, code)
		}
	}
	r := f.request(f.priv, "POST", "", body, "orderExecute", f.nowMs(), 5000)
	r.Header.Set(HeaderTimestamp, strconv.FormatInt(f.nowMs()+1, 10)) // timestamp not the signed one
	if _, code, status := f.verify(r, body, "orderExecute"); status != http.StatusUnauthorized || code != "INVALID_SIGNATURE" {
		t.Errorf("changed timestamp: %d %s", status, code)
	}
	r = f.request(f.priv, "POST", "", body, "orderExecute", f.nowMs(), 5000)
	r.Header.Set(HeaderSignature, "not base64!")
	if _, code, status := f.verify(r, body, "orderExecute"); status != http.StatusUnauthorized || code != "INVALID_SIGNATURE" {
		t.Errorf("garbage signature: %d %s", status, code)
	}
}

func TestExpiredAndFuture(t *testing.T) {
	f := newFixture(t, 0)
	now := f.nowMs()
	cases := []struct {
		name   string
		ts, w  int64
		status int
	}{
		{"edge of the window", now - 5000, 5000, http.StatusOK},
		{"expired", now - 5001, 5000, http.StatusUnauthorized},
		{"expired, long window", now - 60001, 60000, http.StatusUnauthorized},
		{"within a long window", now - 59000, 60000, http.StatusOK},
		{"future", now + 5001, 5000, http.StatusUnauthorized},
		{"slightly ahead", now + 100, 5000, http.StatusOK},
	}
	for _, c := range cases {
		_, code, status := f.verify(f.request(f.priv, "GET", "", "", "positionQuery", c.ts, c.w), "", "positionQuery")
		if status != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, status, code, c.status)
		}
		if status == http.StatusUnauthorized && code != "UNAUTHORIZED" {
			t.Errorf("%s: code %s, want UNAUTHORIZED", c.name, code)
		}
	}
}

func TestBadHeaders(t *testing.T) {
	f := newFixture(t, 0)
	r := f.request(f.priv, "GET", "", "", "positionQuery", f.nowMs(), 5000)
	r.Header.Set(HeaderWindow, "60001")
	if _, code, status := f.verify(r, "", "positionQuery"); status != http.StatusBadRequest || code != "INVALID_CLIENT_REQUEST" {
		t.Errorf("window over 60000: %d %s", status, code)
	}
	r = f.request(f.priv, "GET", "", "", "positionQuery", f.nowMs(), 5000)
	r.Header.Set(HeaderTimestamp, "soon")
	if _, _, status := f.verify(r, "", "positionQuery"); status != http.StatusBadRequest {
		t.Errorf("timestamp not a number: %d", status)
	}
	r = f.request(f.priv, "GET", "", "", "positionQuery", f.nowMs(), 5000)
	r.Header.Del(HeaderKey)
	if _, code, status := f.verify(r, "", "positionQuery"); status != http.StatusUnauthorized || code != "UNAUTHORIZED" {
		t.Errorf("no key: %d %s", status, code)
	}
	// No X-Window: the default 5000 ms, which the signature must use.
	ts := f.nowMs()
	r = f.request(f.priv, "GET", "", "", "positionQuery", ts, 5000)
	r.Header.Del(HeaderWindow)
	if _, code, status := f.verify(r, "", "positionQuery"); status != http.StatusOK {
		t.Errorf("default window: %d %s", status, code)
	}
}

func TestUnknownKey(t *testing.T) {
	f := newFixture(t, 0)
	if _, code, status := f.verify(f.request(f.other, "GET", "", "", "positionQuery", f.nowMs(), 5000), "", "positionQuery"); status != http.StatusUnauthorized || code != "UNAUTHORIZED" {
		t.Fatalf("unknown key: %d %s", status, code)
	}
}

// TestReplay: a mutating request's (key, signature) is accepted once within
// its window; a GET may repeat; a replay after the window is expired anyway,
// and the cache forgets it.
func TestReplay(t *testing.T) {
	f := newFixture(t, 0)
	ts := f.nowMs()
	for _, method := range []string{"POST", "DELETE", "PATCH"} {
		body := `{"symbol":"BTC_USDC_PERP","m":"` + method + `"}`
		if _, code, status := f.verify(f.request(f.priv, method, "", body, "x", ts, 5000), body, "x"); status != http.StatusOK {
			t.Fatalf("%s first: %d %s", method, status, code)
		}
		if _, code, status := f.verify(f.request(f.priv, method, "", body, "x", ts, 5000), body, "x"); status != http.StatusUnauthorized || code != "UNAUTHORIZED" {
			t.Fatalf("%s replay: %d %s, want 401", method, status, code)
		}
		// The same body signed at another timestamp is a new request.
		if _, code, status := f.verify(f.request(f.priv, method, "", body, "x", ts+1, 5000), body, "x"); status != http.StatusOK {
			t.Fatalf("%s re-signed: %d %s", method, status, code)
		}
	}
	for i := 0; i < 3; i++ {
		if _, code, status := f.verify(f.request(f.priv, "GET", "a=1", "", "x", ts, 5000), "", "x"); status != http.StatusOK {
			t.Fatalf("GET repeat %d: %d %s", i, status, code)
		}
	}
	if n := f.v.replays.len(); n != 6 {
		t.Fatalf("replay cache holds %d requests, want 6", n)
	}
	// After the window the entries go; a new request evicts them.
	f.clk.t = f.clk.t.Add(6 * time.Second)
	body := `{"fresh":true}`
	if _, code, status := f.verify(f.request(f.priv, "POST", "", body, "x", f.nowMs(), 5000), body, "x"); status != http.StatusOK {
		t.Fatalf("fresh request: %d %s", status, code)
	}
	if n := f.v.replays.len(); n != 1 {
		t.Fatalf("replay cache holds %d requests after the window, want 1", n)
	}
	// The old request now fails as expired, not as a replay.
	old := `{"symbol":"BTC_USDC_PERP","m":"POST"}`
	if _, _, status := f.verify(f.request(f.priv, "POST", "", old, "x", ts, 5000), old, "x"); status != http.StatusUnauthorized {
		t.Fatalf("old request after its window: %d", status)
	}
}

// TestRateLimit: a key gets RateLimit requests at once (the burst), then 429
// TOO_MANY_REQUESTS until time refills its bucket.
func TestRateLimit(t *testing.T) {
	f := newFixture(t, 5)
	get := func() (string, int) {
		_, code, status := f.verify(f.request(f.priv, "GET", "", "", "x", f.nowMs(), 5000), "", "x")
		return code, status
	}
	for i := range 5 {
		if code, status := get(); status != http.StatusOK {
			t.Fatalf("request %d: %d %s", i, status, code)
		}
	}
	if code, status := get(); status != http.StatusTooManyRequests || code != "TOO_MANY_REQUESTS" {
		t.Fatalf("sixth request: %d %s, want 429", status, code)
	}
	f.clk.t = f.clk.t.Add(200 * time.Millisecond) // one token back (5/s)
	if code, status := get(); status != http.StatusOK {
		t.Fatalf("after 200 ms: %d %s", status, code)
	}
	if _, status := get(); status != http.StatusTooManyRequests {
		t.Fatalf("second after 200 ms: %d, want 429", status)
	}
	f.clk.t = f.clk.t.Add(10 * time.Second) // a full bucket, never more
	for i := range 5 {
		if code, status := get(); status != http.StatusOK {
			t.Fatalf("refilled request %d: %d %s", i, status, code)
		}
	}
	if _, status := get(); status != http.StatusTooManyRequests {
		t.Fatalf("burst exceeded after idling: %d", status)
	}
}

func TestNoRateLimit(t *testing.T) {
	f := newFixture(t, -1)
	for i := range 5000 {
		if _, code, status := f.verify(f.request(f.priv, "GET", "", "", "x", f.nowMs(), 5000), "", "x"); status != http.StatusOK {
			t.Fatalf("request %d: %d %s", i, status, code)
		}
	}
}

// TestConcurrentVerify: many goroutines verify at once (run with -race);
// each distinct request passes once, and each replay of it fails.
func TestConcurrentVerify(t *testing.T) {
	f := newFixture(t, -1)
	ts := f.nowMs()
	const workers, each = 8, 50
	reqs := make([][]*http.Request, workers)
	bodies := make([][]string, workers)
	for w := range workers {
		for i := range each {
			body := `{"w":` + strconv.Itoa(w) + `,"i":` + strconv.Itoa(i) + `}`
			bodies[w] = append(bodies[w], body)
			reqs[w] = append(reqs[w], f.request(f.priv, "POST", "", body, "x", ts, 5000), f.request(f.priv, "POST", "", body, "x", ts, 5000))
		}
	}
	ok := make([]int, workers)
	done := make(chan int)
	for w := range workers {
		go func() {
			for i := range each {
				for k := range 2 {
					if _, err := f.v.Verify(reqs[w][2*i+k], "x", []byte(bodies[w][i])); err == nil {
						ok[w]++
					}
				}
			}
			done <- w
		}()
	}
	for range workers {
		<-done
	}
	for w, n := range ok {
		if n != each {
			t.Errorf("worker %d: %d requests passed, want %d (each once, its replay refused)", w, n, each)
		}
	}
}
