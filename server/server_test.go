package server

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/waterfallrisk/waterfall/internal/servertest"
)

type client struct {
	t     *testing.T
	base  string
	token string
}

func (c *client) do(method, path, body string, out any) int {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusOK && out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
	if resp.StatusCode != http.StatusOK && out != nil {
		c.t.Fatalf("%s %s %s: %d %s", method, path, body, resp.StatusCode, b)
	}
	return resp.StatusCode
}

type state struct {
	Sequence  uint64 `json:"sequence"`
	StateHash string `json:"stateHash"`
}

func start(t *testing.T, dir string) (*Server, *bytes.Buffer) {
	t.Helper()
	var out bytes.Buffer
	s, err := Start(Options{DataDir: dir, Addr: "127.0.0.1:0", Out: &out,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return s, &out
}

func stop(t *testing.T, s *Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}

// The server starts in process on a free port with a generated token, takes
// an account, a deposit and prices over the operator API, and after a
// restart on the same data directory shows the same sequence and state hash
// and reuses its token.
func TestServeRestartKeepsState(t *testing.T) {
	t.Setenv(TokenEnv, "")
	dir := t.TempDir()
	s, out := start(t, dir)
	tokenPath := filepath.Join(dir, TokenFile)
	fi, err := os.Stat(tokenPath)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file: %v, mode %v", err, fi)
	}
	for _, want := range []string{"http://" + s.Addr(), dir, tokenPath, "/admin/v1/state", "/api/v1/"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("banner does not mention %q:\n%s", want, out)
		}
	}
	c := &client{t: t, base: "http://" + s.Addr(), token: s.Token()}
	if st := (&client{t: t, base: c.base}).do("GET", "/admin/v1/state", "", nil); st != http.StatusUnauthorized {
		t.Fatalf("state without the token: %d", st)
	}
	var acct struct {
		AccountID int `json:"accountId"`
	}
	c.do("POST", "/admin/v1/accounts", `{"label":"alice"}`, &acct)
	c.do("POST", "/admin/v1/deposits", `{"accountId":`+itoaInt(acct.AccountID)+`,"symbol":"USDC","quantity":"1000"}`, &map[string]any{})
	c.do("POST", "/admin/v1/prices", `{"prices":[{"symbol":"BTC","price":"100000"},{"symbol":"ETH","price":"3000"}]}`, &map[string]any{})
	var before state
	c.do("GET", "/admin/v1/state", "", &before)
	if before.Sequence == 0 || len(before.StateHash) != 64 {
		t.Fatalf("state %+v", before)
	}
	if st := c.do("GET", "/api/v1/markets", "", nil); st != http.StatusOK {
		t.Fatalf("GET /api/v1/markets: %d", st)
	}
	if st := c.do("GET", "/nothing", "", nil); st != http.StatusNotFound {
		t.Fatalf("unknown path: %d", st)
	}
	token := s.Token()
	stop(t, s)

	s2, _ := start(t, dir)
	defer stop(t, s2)
	if s2.Token() != token {
		t.Fatal("the token was not reused after a restart")
	}
	c.base = "http://" + s2.Addr()
	time.Sleep(250 * time.Millisecond) // a few wall-clock ticks: an idle engine journals nothing
	var after state
	c.do("GET", "/admin/v1/state", "", &after)
	if after != before {
		t.Fatalf("after a restart: %+v, before: %+v", after, before)
	}
}

// The token comes from the option, else the environment, else the file.
func TestTokenSources(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(TokenEnv, "from-env")
	tok, src, err := adminToken("from-flag", dir)
	if err != nil || tok != "from-flag" || src != "--admin-token" {
		t.Fatal(tok, src, err)
	}
	if tok, _, _ = adminToken("", dir); tok != "from-env" {
		t.Fatal(tok)
	}
	t.Setenv(TokenEnv, "")
	tok, src, err = adminToken("", dir)
	if err != nil || len(tok) != 64 || src != filepath.Join(dir, TokenFile) {
		t.Fatal(tok, src, err)
	}
	if again, _, _ := adminToken("", dir); again != tok {
		t.Fatal("the generated token was not reused")
	}
	if _, err := os.Stat(filepath.Join(dir, TokenFile)); err != nil {
		t.Fatal(err)
	}
}

// Run shuts down when its context ends, and a second server on the same
// data directory then recovers.
func TestRunGracefulShutdown(t *testing.T) {
	t.Setenv(TokenEnv, "")
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{DataDir: dir, Addr: "127.0.0.1:0", Clock: "manual", Out: io.Discard,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	}()
	time.Sleep(200 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	s, _ := start(t, dir)
	stop(t, s)
}

func itoaInt(n int) string { b, _ := json.Marshal(n); return string(b) }

// One rate limit per key spans the signed surfaces: with a limit of 2 a
// second, two signed REST queries use it up and a signed history query
// right after is refused (429), as is a third REST query.
func TestRateLimitSharedAcrossSurfaces(t *testing.T) {
	t.Setenv(TokenEnv, "")
	s, err := Start(Options{DataDir: t.TempDir(), Addr: "127.0.0.1:0", Out: io.Discard, RateLimit: 2,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer stop(t, s)
	base := "http://" + s.Addr()
	c := &client{t: t, base: base, token: s.Token()}
	var acct struct {
		APIKey    string `json:"apiKey"`
		APISecret string `json:"apiSecret"`
	}
	c.do("POST", "/admin/v1/accounts", `{"label":"x"}`, &acct)
	seed, err := base64.StdEncoding.DecodeString(acct.APISecret)
	if err != nil {
		t.Fatal(err)
	}
	key := ed25519.NewKeyFromSeed(seed)
	status := func(instruction, path string) int {
		now := time.Now().UnixMilli()
		req, err := servertest.Sign(key, instruction, "GET", path, map[string]any{}, now, 5000).ClientRequest(context.Background(), base)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for i := range 2 {
		if st := status("balanceQuery", "/api/v1/capital"); st != http.StatusOK {
			t.Fatalf("REST query %d: %d", i, st)
		}
	}
	if st := status("fillHistoryQueryAll", "/wapi/v1/history/fills"); st != http.StatusTooManyRequests {
		t.Fatalf("a history query over the shared limit: %d, want 429", st)
	}
	if st := status("balanceQuery", "/api/v1/capital"); st != http.StatusTooManyRequests {
		t.Fatalf("a third REST query: %d, want 429", st)
	}
}

// Backpack endpoints the server does not serve answer 404 NOT_IMPLEMENTED,
// under /api/ and /wapi/ alike; the history endpoints under /wapi/ are
// served (an unsigned request is refused as unauthorized, not unknown).
func TestUnservedPaths(t *testing.T) {
	t.Setenv(TokenEnv, "")
	s, _ := start(t, t.TempDir())
	defer stop(t, s)
	for path, want := range map[string]string{
		"/api/v1/account/limits/borrow": `"NOT_IMPLEMENTED"`,
		"/wapi/v1/capital/withdrawals":  `"NOT_IMPLEMENTED"`,
		"/wapi/v1/history/fills":        `"UNAUTHORIZED"`,
	} {
		resp, err := http.Get("http://" + s.Addr() + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode/100 != 4 || !strings.Contains(string(b), want) {
			t.Errorf("GET %s: %d %s, want a 4xx with %s", path, resp.StatusCode, b, want)
		}
	}
}
