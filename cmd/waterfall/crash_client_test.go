package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/waterfallrisk/waterfall/internal/servertest"
	"github.com/waterfallrisk/waterfall/server/api"
)

// The helpers of the crash-safety test: the waterfall binary, a `waterfall
// serve` process, and an HTTP client that signs as ccxt's backpack client
// does.

// buildWaterfall builds this command into a temporary directory.
func buildWaterfall(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "waterfall")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// proc is a running `waterfall serve`.
type proc struct {
	cmd    *exec.Cmd
	url    string
	done   chan struct{} // closed when the process has exited
	err    error         // Wait's result, set before done is closed
	stderr tailBuffer
}

// startServe starts `waterfall serve` on a free loopback port with the
// manual clock and waits for its banner.
func startServe(t *testing.T, bin, dataDir, token string) *proc {
	t.Helper()
	p := &proc{done: make(chan struct{})}
	p.cmd = exec.Command(bin, "serve", "--clock", "manual", "--data", dataDir, "--addr", "127.0.0.1:0", "--admin-token", token)
	p.cmd.Stderr = &p.stderr
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "Waterfall is serving on "); ok {
				ready <- strings.TrimSpace(rest)
			}
		}
		close(ready)
	}()
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	select {
	case url, ok := <-ready:
		if !ok {
			<-p.done
			t.Fatalf("waterfall serve exited before serving: %v\n%s", p.err, p.stderr.String())
		}
		p.url = url
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		t.Fatalf("waterfall serve did not start\n%s", p.stderr.String())
	}
	t.Cleanup(func() { p.kill() })
	return p
}

// kill sends SIGKILL (if still running) and waits for the exit.
func (p *proc) kill() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Kill()
	<-p.done
}

// stop sends sig and waits for the exit, at most timeout; it returns the
// exit error (nil: status 0).
func (p *proc) stop(sig os.Signal, timeout time.Duration) error {
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
		return p.err
	case <-time.After(timeout):
		p.kill()
		return fmt.Errorf("no exit within %v after %v", timeout, sig)
	}
}

// tailBuffer keeps the last 64 KiB written to it (a server's logs).
type tailBuffer struct {
	mu sync.Mutex
	b  []byte
}

func (w *tailBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.b = append(w.b, p...)
	if over := len(w.b) - 64<<10; over > 0 {
		w.b = append(w.b[:0], w.b[over:]...)
	}
	return len(p), nil
}

func (w *tailBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return string(w.b)
}

// client talks to one server: the operator API with the token, Backpack's
// API signed with an account's key.
type client struct {
	url, token string
	hc         *http.Client
}

func newClient(url, token string, conns int) *client {
	tr := &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns}
	return &client{url: url, token: token, hc: &http.Client{Transport: tr, Timeout: 20 * time.Second}}
}

// key is an account's API key pair.
type key struct {
	account uint32
	priv    ed25519.PrivateKey
}

// admin sends an operator request and decodes a 200's body into out.
func (c *client) admin(method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, c.url+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	status, b, err := c.send(req)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return fmt.Errorf("%s %s: status %d: %s", method, path, status, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// newAccount creates an account with a key through the operator API.
func (c *client) newAccount(label string) (*key, error) {
	var a struct {
		AccountID uint32 `json:"accountId"`
		APIKey    string `json:"apiKey"`
		APISecret string `json:"apiSecret"`
	}
	if err := c.admin("POST", "/admin/v1/accounts", map[string]string{"label": label}, &a); err != nil {
		return nil, err
	}
	seed, err := base64.StdEncoding.DecodeString(a.APISecret)
	if err != nil {
		return nil, err
	}
	priv := ed25519.NewKeyFromSeed(seed)
	if servertest.APIKey(priv) != a.APIKey {
		return nil, fmt.Errorf("account %d: apiKey %s is not apiSecret's public key", a.AccountID, a.APIKey)
	}
	return &key{account: a.AccountID, priv: priv}, nil
}

// signed sends a request signed as ccxt's backpack sign() signs it
// (servertest.Sign): params is a map[string]any (an object; the query of a
// GET) or a []map[string]any (a batch).
func (c *client) signed(k *key, method, path string, params any) (int, []byte, error) {
	instruction := api.Instructions[method+" "+path]
	if instruction == "" {
		return 0, nil, fmt.Errorf("no instruction for %s %s", method, path)
	}
	req, err := servertest.Sign(k.priv, instruction, method, path, params, time.Now().UnixMilli(), 5000).
		ClientRequest(context.Background(), c.url)
	if err != nil {
		return 0, nil, err
	}
	return c.send(req)
}

// send does req and reads the whole answer: an error means no complete
// answer arrived (the request may or may not have been applied).
func (c *client) send(req *http.Request) (int, []byte, error) {
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, err
	}
	return resp.StatusCode, b, nil
}

// lots parses a BTC quantity ("0.0012", "-1") into lots of 0.0001.
func lots(s string) (int64, error) {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > 4 {
		return 0, errors.New("more than 4 decimals: " + s)
	}
	n, err := strconv.ParseInt(whole+frac+strings.Repeat("0", 4-len(frac)), 10, 64)
	if neg {
		n = -n
	}
	return n, err
}
