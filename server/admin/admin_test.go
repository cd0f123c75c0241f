package admin

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/journal"
	"github.com/waterfallrisk/waterfall/server/sequencer"
)

const token = "s3cret"

type fixture struct {
	t   *testing.T
	seq *sequencer.Sequencer
	srv *httptest.Server
	ins *InsuranceLog
}

func newFixture(t *testing.T, clock sequencer.ClockMode) *fixture {
	t.Helper()
	q, err := sequencer.Open(sequencer.Options{
		Store: sequencer.Dir{Path: t.TempDir(), Options: journal.Options{NoSync: true}},
		Clock: clock, SnapshotEvery: -1, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now: func() time.Time { return time.UnixMilli(1_700_000_000_000) },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = q.Close() })
	sub, err := q.Subscribe(context.Background(), sequencer.SubscribeOptions{Lossless: true})
	if err != nil {
		t.Fatal(err)
	}
	ins := &InsuranceLog{}
	go ins.Run(sub.C)
	h, err := New(Options{Token: token, Sequencer: q, Config: q.Config(), History: ins})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(Prefix, h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &fixture{t: t, seq: q, srv: srv, ins: ins}
}

// do sends a request with the token and decodes the answer into out (if
// non-nil); it returns the status and the raw body.
func (f *fixture) do(method, path, body string, out any) (int, string) {
	f.t.Helper()
	return f.doAuth(method, path, body, "Bearer "+token, out)
}

func (f *fixture) doAuth(method, path, body, auth string, out any) (int, string) {
	f.t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(b, out); err != nil {
			f.t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
	return resp.StatusCode, string(b)
}

// ok sends a request that must succeed.
func (f *fixture) ok(method, path, body string, out any) {
	f.t.Helper()
	if st, b := f.do(method, path, body, out); st != http.StatusOK {
		f.t.Fatalf("%s %s %s: %d %s", method, path, body, st, b)
	}
}

type stateAnswer struct {
	Sequence  uint64 `json:"sequence"`
	StateHash string `json:"stateHash"`
}

func (f *fixture) state() stateAnswer {
	f.t.Helper()
	var s stateAnswer
	f.ok("GET", "/admin/v1/state", "", &s)
	return s
}

// refused sends a bad request: it must get wantStatus with a
// {"code","message"} body holding wantCode, and leave the state unchanged.
func (f *fixture) refused(method, path, body string, wantStatus int, wantCode string) {
	f.t.Helper()
	before := f.state()
	st, b := f.do(method, path, body, nil)
	var e struct{ Code, Message string }
	if err := json.Unmarshal([]byte(b), &e); err != nil || e.Code == "" || e.Message == "" {
		f.t.Fatalf("%s %s %s: body %q is not {code, message}", method, path, body, b)
	}
	if st != wantStatus || e.Code != wantCode {
		f.t.Fatalf("%s %s %s: %d %s, want %d %s", method, path, body, st, b, wantStatus, wantCode)
	}
	if after := f.state(); after != before {
		f.t.Fatalf("%s %s %s: refused, yet the state moved from %v to %v", method, path, body, before, after)
	}
}

type accountAnswer struct {
	AccountID engine.AccountID `json:"accountId"`
	APIKey    string           `json:"apiKey"`
	APISecret string           `json:"apiSecret"`
}

func (f *fixture) account() engine.AccountID {
	f.t.Helper()
	var a accountAnswer
	f.ok("POST", "/admin/v1/accounts", `{"label":"x"}`, &a)
	return a.AccountID
}

func TestToken(t *testing.T) {
	f := newFixture(t, sequencer.ClockManual)
	for _, auth := range []string{"", "Bearer", "Bearer wrong", "Basic " + token, token} {
		st, b := f.doAuth("GET", "/admin/v1/state", "", auth, nil)
		if st != http.StatusUnauthorized || !strings.Contains(b, `"code":"UNAUTHORIZED"`) {
			t.Fatalf("Authorization %q: %d %s", auth, st, b)
		}
	}
	if st, _ := f.doAuth("GET", "/admin/v1/state", "", "bearer "+token, nil); st != http.StatusOK {
		t.Fatalf("a lowercase scheme with the right token: %d", st)
	}
}

func TestAccounts(t *testing.T) {
	f := newFixture(t, sequencer.ClockManual)
	var a accountAnswer
	f.ok("POST", "/admin/v1/accounts", `{"label":"alice"}`, &a)
	pub, err := base64.StdEncoding.DecodeString(a.APIKey)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		t.Fatalf("apiKey %q is not a base64 ED25519 public key", a.APIKey)
	}
	seed, err := base64.StdEncoding.DecodeString(a.APISecret)
	if err != nil || len(seed) != ed25519.SeedSize {
		t.Fatalf("apiSecret %q is not a base64 32-byte seed", a.APISecret)
	}
	if !bytes.Equal(ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey), pub) {
		t.Fatal("apiSecret does not derive apiKey")
	}
	if id, ok := f.seq.AccountByKey(pub); !ok || id != a.AccountID {
		t.Fatalf("the key is bound to %d, %v; want %d", id, ok, a.AccountID)
	}
	var b accountAnswer
	f.ok("POST", "/admin/v1/accounts", `{}`, &b)
	if b.AccountID != a.AccountID+1 || b.APIKey == a.APIKey {
		t.Fatal("a second account did not get the next id and its own key")
	}
	f.refused("POST", "/admin/v1/accounts", `{"label":"`+strings.Repeat("x", MaxLabel+1)+`"}`, 400, "INVALID_CLIENT_REQUEST")
	f.refused("POST", "/admin/v1/accounts", `{"label":1}`, 400, "INVALID_CLIENT_REQUEST")
	f.refused("POST", "/admin/v1/accounts", `{"name":"x"}`, 400, "INVALID_CLIENT_REQUEST")
	f.refused("POST", "/admin/v1/accounts", ``, 400, "INVALID_CLIENT_REQUEST")
	f.refused("POST", "/admin/v1/accounts", `{"label":"x"} {}`, 400, "INVALID_CLIENT_REQUEST")
	f.refused("POST", "/admin/v1/accounts", `{"label":"`+strings.Repeat("x", 70<<10)+`"}`, 413, "INVALID_CLIENT_REQUEST")
	f.refused("GET", "/admin/v1/accounts", ``, 405, "INVALID_CLIENT_REQUEST")
	f.refused("GET", "/admin/v1/nothing", ``, 404, "RESOURCE_NOT_FOUND")
}

func TestDepositsAndWithdrawals(t *testing.T) {
	f := newFixture(t, sequencer.ClockManual)
	id := f.account()
	var bal map[string]map[string]string
	f.ok("POST", "/admin/v1/deposits", `{"accountId":`+itoa(id)+`,"symbol":"USDC","quantity":"10000.5"}`, &bal)
	if bal["USDC"]["available"] != "10000.5" || bal["USDC"]["locked"] != "0" {
		t.Fatalf("balances after a deposit: %v", bal)
	}
	f.ok("POST", "/admin/v1/deposits", `{"accountId":`+itoa(id)+`,"symbol":"BTC","quantity":0.5}`, &bal)
	if bal["BTC"]["available"] != "0.5" || bal["USDC"]["available"] != "10000.5" {
		t.Fatalf("balances after a JSON-number deposit: %v", bal)
	}
	f.ok("POST", "/admin/v1/withdrawals", `{"accountId":`+itoa(id)+`,"symbol":"USDC","quantity":"0.5"}`, &bal)
	if bal["USDC"]["available"] != "10000" {
		t.Fatalf("balances after a withdrawal: %v", bal)
	}
	acct := `"accountId":` + itoa(id)
	for _, c := range []struct {
		body   string
		status int
		code   string
	}{
		{`{` + acct + `,"symbol":"USDC","quantity":"1.0000001"}`, 400, "INVALID_QUANTITY"}, // 7 decimals
		{`{` + acct + `,"symbol":"USDC","quantity":"-1"}`, 400, "INVALID_QUANTITY"},
		{`{` + acct + `,"symbol":"USDC","quantity":"0"}`, 400, "INVALID_QUANTITY"},
		{`{` + acct + `,"symbol":"USDC","quantity":"abc"}`, 400, "INVALID_QUANTITY"},
		{`{` + acct + `,"symbol":"USDC","quantity":"1e30"}`, 400, "INVALID_QUANTITY"},
		{`{` + acct + `,"symbol":"USDC"}`, 400, "INVALID_CLIENT_REQUEST"},
		{`{` + acct + `,"symbol":"DOGE","quantity":"1"}`, 400, "INVALID_ASSET"},
		{`{` + acct + `,"symbol":"BTC_USDC_PERP","quantity":"1"}`, 400, "INVALID_ASSET"},
		{`{` + acct + `,"quantity":"1"}`, 400, "INVALID_CLIENT_REQUEST"},
		{`{"symbol":"USDC","quantity":"1"}`, 400, "INVALID_CLIENT_REQUEST"},
		{`{"accountId":"5","symbol":"USDC","quantity":"1"}`, 400, "INVALID_CLIENT_REQUEST"},
		{`{"accountId":1.5,"symbol":"USDC","quantity":"1"}`, 400, "INVALID_CLIENT_REQUEST"},
		{`{"accountId":999,"symbol":"USDC","quantity":"1"}`, 404, "RESOURCE_NOT_FOUND"},
		{`{"accountId":-1,"symbol":"USDC","quantity":"1"}`, 404, "RESOURCE_NOT_FOUND"},
		{`{` + acct + `,"symbol":"USDC","quantity":"1",}`, 400, "INVALID_CLIENT_REQUEST"},
	} {
		f.refused("POST", "/admin/v1/deposits", c.body, c.status, c.code)
		f.refused("POST", "/admin/v1/withdrawals", c.body, c.status, c.code)
	}
	f.refused("POST", "/admin/v1/withdrawals", `{`+acct+`,"symbol":"USDC","quantity":"10000.000001"}`, 400, "INSUFFICIENT_FUNDS")

	// The insurance fund (account 1) takes the operator's seed deposit, in
	// USDC only, and gives nothing back.
	f.ok("POST", "/admin/v1/deposits", `{"accountId":1,"symbol":"USDC","quantity":"250"}`, nil)
	var ins struct{ Balance string }
	f.ok("GET", "/admin/v1/insurance", "", &ins)
	if ins.Balance != "250" {
		t.Fatalf("insurance fund after a 250 USDC seed: %q", ins.Balance)
	}
	f.refused("POST", "/admin/v1/deposits", `{"accountId":1,"symbol":"BTC","quantity":"1"}`, 400, "INVALID_ASSET")
	f.refused("POST", "/admin/v1/withdrawals", `{"accountId":1,"symbol":"USDC","quantity":"1"}`, 404, "RESOURCE_NOT_FOUND")

	// A withdrawal that would break margin: a 1 BTC long on 10,000 USDC.
	other, trader := f.account(), f.account()
	acct = `"accountId":` + itoa(trader)
	f.ok("POST", "/admin/v1/deposits", `{"accountId":`+itoa(other)+`,"symbol":"USDC","quantity":"100000"}`, nil)
	f.ok("POST", "/admin/v1/deposits", `{`+acct+`,"symbol":"USDC","quantity":"10000"}`, nil)
	f.ok("POST", "/admin/v1/prices", `{"prices":[{"symbol":"BTC","price":"100000"}]}`, nil)
	perp, _ := f.seq.Config().MarketBySymbol("BTC_USDC_PERP")
	for _, c := range []engine.Command{
		{Kind: engine.CmdPlaceOrder, Account: other, Market: perp, Side: engine.Ask, Price: 1_000_000, Quantity: 10_000},
		{Kind: engine.CmdPlaceOrder, Account: trader, Market: perp, Side: engine.Bid, Type: engine.Market, Quantity: 10_000},
	} {
		if _, err := f.seq.Submit(context.Background(), &c); err != nil {
			t.Fatal(err)
		}
	}
	before := f.state()
	st, b := f.do("POST", "/admin/v1/withdrawals", `{`+acct+`,"symbol":"USDC","quantity":"9000"}`, nil)
	if st != 400 || !strings.Contains(b, "INSUFFICIENT_MARGIN") || !strings.Contains(b, "withdrawal refused") {
		t.Fatalf("a withdrawal that breaks margin: %d %s", st, b)
	}
	if f.state() != before {
		t.Fatal("a refused withdrawal changed the state")
	}
}

func TestPrices(t *testing.T) {
	f := newFixture(t, sequencer.ClockManual)
	var ans struct {
		Sequence uint64
		Prices   []struct{ Symbol, Price string }
	}
	f.ok("POST", "/admin/v1/prices", `{"prices":[{"symbol":"BTC","price":"100000.12345678"},{"symbol":"ETH","price":3000},{"symbol":"USDC","price":"1.0"}]}`, &ans)
	if len(ans.Prices) != 3 || ans.Prices[0].Price != "100000.12345678" || ans.Prices[1].Price != "3000" || ans.Prices[2].Price != "1" {
		t.Fatalf("answer %+v", ans)
	}
	var idx [2]int64
	_ = f.seq.Read(context.Background(), func(e *engine.Engine) {
		btc, _ := e.Config().AssetBySymbol("BTC")
		eth, _ := e.Config().AssetBySymbol("ETH")
		idx = [2]int64{e.Index(btc), e.Index(eth)}
	})
	if idx != [2]int64{10_000_012_345_678, 300_000_000_000} {
		t.Fatalf("index prices %v", idx)
	}
	if s := f.state(); s.Sequence != ans.Sequence {
		t.Fatalf("answer sequence %d, state %d", ans.Sequence, s.Sequence)
	}
	for _, c := range []struct {
		body string
		code string
	}{
		{`{"prices":[{"symbol":"USDC","price":"2"}]}`, "INVALID_PRICE"},
		{`{"prices":[{"symbol":"BTC","price":"1"},{"symbol":"USDC","price":"0.99"}]}`, "INVALID_PRICE"},
		{`{"prices":[{"symbol":"BTC_USDC_PERP","price":"1"}]}`, "INVALID_ASSET"},
		{`{"prices":[{"symbol":"BTC_USDC","price":"1"}]}`, "INVALID_ASSET"},
		{`{"prices":[{"symbol":"XYZ","price":"1"}]}`, "INVALID_ASSET"},
		{`{"prices":[{"symbol":"BTC","price":"1.123456789"}]}`, "INVALID_PRICE"},
		{`{"prices":[{"symbol":"BTC","price":"-5"}]}`, "INVALID_PRICE"},
		{`{"prices":[{"symbol":"BTC","price":"0"}]}`, "INVALID_PRICE"},
		{`{"prices":[{"symbol":"BTC","price":"20000000000"}]}`, "INVALID_PRICE"},
		{`{"prices":[{"symbol":"BTC"}]}`, "INVALID_PRICE"},
		{`{"prices":[{"symbol":"BTC","price":"1"},{"symbol":"BTC","price":"2"}]}`, "INVALID_CLIENT_REQUEST"},
		{`{"prices":[{"symbol":"BTC","price":"1"},{"symbol":"SOL","price":"x"}]}`, "INVALID_PRICE"},
		{`{"prices":[]}`, "INVALID_CLIENT_REQUEST"},
		{`{}`, "INVALID_CLIENT_REQUEST"},
		{`{"prices":{"BTC":"1"}}`, "INVALID_CLIENT_REQUEST"},
		{`[]`, "INVALID_CLIENT_REQUEST"},
	} {
		f.refused("POST", "/admin/v1/prices", c.body, 400, c.code)
	}
}

func TestClock(t *testing.T) {
	f := newFixture(t, sequencer.ClockManual)
	var a struct {
		Sequence uint64
		Time     int64
	}
	f.ok("POST", "/admin/v1/clock", `{"advanceMs":1000}`, &a)
	if a.Time != 1_700_000_000_000+1000 {
		t.Fatalf("time %d after advancing 1 s from the clock start", a.Time)
	}
	f.ok("POST", "/admin/v1/clock", `{"advanceMs":604800000}`, &a)
	if a.Time != 1_700_000_000_000+1000+604_800_000 {
		t.Fatalf("time %d after advancing 7 days", a.Time)
	}
	for _, body := range []string{`{"advanceMs":0}`, `{"advanceMs":-5}`, `{"advanceMs":604800001}`,
		`{"advanceMs":"1000"}`, `{"advanceMs":1.5}`, `{"advanceMs":1e3}`, `{}`, `{"advance":1}`} {
		f.refused("POST", "/admin/v1/clock", body, 400, "INVALID_CLIENT_REQUEST")
	}
	w := newFixture(t, sequencer.ClockWall)
	st, b := w.do("POST", "/admin/v1/clock", `{"advanceMs":1000}`, nil)
	if st != 400 || !strings.Contains(b, "--clock manual") {
		t.Fatalf("clock with the wall clock: %d %s", st, b)
	}
}

func TestBackstopAndCloseMarket(t *testing.T) {
	f := newFixture(t, sequencer.ClockManual)
	id := f.account()
	var bs map[string]any
	f.ok("POST", "/admin/v1/backstop", `{"accountId":`+itoa(id)+`,"symbol":"BTC_USDC_PERP","maxNotional":"1000000"}`, &bs)
	if bs["maxNotional"] != "1000000" || bs["minEquity"] != "0" || bs["symbol"] != "BTC_USDC_PERP" {
		t.Fatalf("backstop answer %v", bs)
	}
	f.ok("POST", "/admin/v1/backstop", `{"accountId":`+itoa(id)+`,"symbol":"ETH_USDC_PERP","maxNotional":500,"minEquity":"100.25"}`, &bs)
	if bs["minEquity"] != "100.25" {
		t.Fatalf("backstop answer %v", bs)
	}
	acct := `"accountId":` + itoa(id)
	for _, c := range []struct {
		body string
		code string
	}{
		{`{` + acct + `,"symbol":"BTC_USDC","maxNotional":"1"}`, "INVALID_MARKET"},
		{`{` + acct + `,"symbol":"BTC","maxNotional":"1"}`, "INVALID_MARKET"},
		{`{` + acct + `,"symbol":"NOPE","maxNotional":"1"}`, "INVALID_MARKET"},
		{`{` + acct + `,"symbol":"BTC_USDC_PERP","maxNotional":"-1"}`, "INVALID_QUANTITY"},
		{`{` + acct + `,"symbol":"BTC_USDC_PERP","maxNotional":"1","minEquity":"-1"}`, "INVALID_QUANTITY"},
		{`{` + acct + `,"symbol":"BTC_USDC_PERP"}`, "INVALID_CLIENT_REQUEST"},
		{`{"symbol":"BTC_USDC_PERP","maxNotional":"1"}`, "INVALID_CLIENT_REQUEST"},
	} {
		f.refused("POST", "/admin/v1/backstop", c.body, 400, c.code)
	}
	f.refused("POST", "/admin/v1/backstop", `{"accountId":0,"symbol":"BTC_USDC_PERP","maxNotional":"1"}`, 404, "RESOURCE_NOT_FOUND")

	var closed map[string]any
	f.ok("POST", "/admin/v1/markets/close", `{"symbol":"SOL_USDC_PERP"}`, &closed)
	if closed["symbol"] != "SOL_USDC_PERP" || closed["sequence"].(float64) == 0 {
		t.Fatalf("close answer %v", closed)
	}
	f.refused("POST", "/admin/v1/markets/close", `{"symbol":"SOL_USDC_PERP"}`, 400, "PRECONDITION_FAILED")
	f.refused("POST", "/admin/v1/markets/close", `{"symbol":"SOL"}`, 400, "INVALID_MARKET")
	f.refused("POST", "/admin/v1/markets/close", `{}`, 400, "INVALID_CLIENT_REQUEST")
}

func TestStateInvariantsLiquidationsInsurance(t *testing.T) {
	f := newFixture(t, sequencer.ClockManual)
	s := f.state()
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(s.StateHash) {
		t.Fatalf("stateHash %q is not lowercase hex", s.StateHash)
	}
	var inv struct {
		OK         bool     `json:"ok"`
		Violations []string `json:"violations"`
	}
	f.ok("GET", "/admin/v1/invariants", "", &inv)
	if !inv.OK || inv.Violations == nil || len(inv.Violations) != 0 {
		t.Fatalf("invariants %+v", inv)
	}

	// A 10x long whose price falls through its liquidation price (about
	// 90,650) but not its auto-close level (about 90,350), above a resting
	// bid: stage 1 sells it on the book, paying the liquidation fee to the
	// insurance fund.
	long, maker, provider := f.account(), f.account(), f.account()
	for _, d := range []struct {
		id  engine.AccountID
		qty string
	}{{long, "10000"}, {maker, "1000000"}, {provider, "10000000"}} {
		f.ok("POST", "/admin/v1/deposits", `{"accountId":`+itoa(d.id)+`,"symbol":"USDC","quantity":"`+d.qty+`"}`, nil)
	}
	f.ok("POST", "/admin/v1/prices", `{"prices":[{"symbol":"BTC","price":"100000"}]}`, nil)
	f.ok("POST", "/admin/v1/backstop", `{"accountId":`+itoa(provider)+`,"symbol":"BTC_USDC_PERP","maxNotional":"10000000"}`, nil)
	perp, _ := f.seq.Config().MarketBySymbol("BTC_USDC_PERP")
	for _, c := range []engine.Command{
		{Kind: engine.CmdPlaceOrder, Account: maker, Market: perp, Side: engine.Ask, Price: 1_000_000, Quantity: 10_000},
		{Kind: engine.CmdPlaceOrder, Account: long, Market: perp, Side: engine.Bid, Type: engine.Market, Quantity: 10_000},
		{Kind: engine.CmdPlaceOrder, Account: maker, Market: perp, Side: engine.Bid, Price: 904_000, Quantity: 10_000},
	} {
		if _, err := f.seq.Submit(context.Background(), &c); err != nil {
			t.Fatal(err)
		}
	}
	var liq []struct {
		AccountID engine.AccountID `json:"accountId"`
		Stage     string           `json:"stage"`
		MMR       string           `json:"mmr"`
	}
	f.ok("GET", "/admin/v1/liquidations", "", &liq)
	if liq == nil || len(liq) != 0 {
		t.Fatalf("liquidations before the fall: %v", liq)
	}
	f.ok("POST", "/admin/v1/prices", `{"prices":[{"symbol":"BTC","price":"90500"}]}`, nil)
	f.ok("GET", "/admin/v1/liquidations", "", &liq)
	if len(liq) != 1 || liq[0].AccountID != long || liq[0].Stage == "" || !regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`).MatchString(liq[0].MMR) {
		t.Fatalf("liquidations after the fall: %+v", liq)
	}
	for range 30 {
		f.ok("POST", "/admin/v1/clock", `{"advanceMs":1000}`, nil)
	}
	f.ok("GET", "/admin/v1/invariants", "", &inv)
	if !inv.OK {
		t.Fatalf("invariants after a liquidation: %v", inv.Violations)
	}

	// The fund's history is what the subscriber saw, as the balance says.
	var ins struct {
		Balance string `json:"balance"`
		History []struct {
			Sequence uint64 `json:"sequence"`
			Symbol   string `json:"symbol"`
			Amount   string `json:"amount"`
			Balance  string `json:"balance"`
			Source   string `json:"source"`
		} `json:"history"`
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		f.ok("GET", "/admin/v1/insurance", "", &ins)
		if n := len(ins.History); n > 0 && ins.History[n-1].Balance == ins.Balance || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if ins.Balance == "0" || len(ins.History) == 0 {
		t.Fatalf("insurance after a liquidation: %+v", ins)
	}
	last := ins.History[len(ins.History)-1]
	if last.Balance != ins.Balance || last.Symbol != "USDC" || last.Source == "" {
		t.Fatalf("insurance history %+v, balance %s", ins.History, ins.Balance)
	}
}

func itoa(id engine.AccountID) string { b, _ := json.Marshal(id); return string(b) }
