package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
	"github.com/waterfallrisk/waterfall/internal/servertest"
	"github.com/waterfallrisk/waterfall/server/backpack"
)

// fakeLending is the read model's principal, summed from the fake
// sequencer's EvBorrowLend events as server/readmodel sums its rows: the
// signed movements since the position was last flat.
type fakeLending struct{ seq *fakeSeq }

func (f *fakeLending) BorrowLendPrincipal(_ context.Context, acct engine.AccountID, upTo uint64) (map[config.AssetID]int64, error) {
	f.seq.mu.Lock()
	defer f.seq.mu.Unlock()
	out, prev := map[config.AssetID]int64{}, map[config.AssetID]int64{}
	for _, ev := range f.seq.lending {
		if ev.Account != acct || ev.Seq > upTo {
			continue
		}
		d := -ev.Amount
		if backpack.BorrowLendMoveOf(ev.Source, ev.NetQuantity, prev[ev.Asset]).Into {
			d = ev.Amount
		}
		prev[ev.Asset] = ev.NetQuantity
		out[ev.Asset] += d
		if ev.NetQuantity == 0 {
			out[ev.Asset] = 0
		}
	}
	return out, nil
}

var borrowLendPositionStrings = []string{"cumulativeInterest", "id", "imf", "markPrice", "mmf", "netExposureNotional",
	"netExposureQuantity", "netQuantity", "symbol", "estLiquidationPrice"}

func borrowLend(symbol, side, qty string) map[string]any {
	return map[string]any{"symbol": symbol, "side": side, "quantity": qty}
}

// amount parses a decimal string of asset sym from a response.
func (en *env) amount(sym string, s any) int64 {
	en.t.Helper()
	str, ok := s.(string)
	if !ok {
		en.t.Fatalf("%v is not a string", s)
	}
	v, err := fixed.ParseDecimal(str, en.cfg.Assets[en.asset(sym)].Decimals)
	if err != nil {
		en.t.Fatalf("%v: %v", s, err)
	}
	return v
}

// TestBorrowLend: lend, borrow, the positions with interest after an
// engine hour, the pools, and Backpack's netting (Lend on a debt repays,
// Borrow on a claim redeems).
func TestBorrowLend(t *testing.T) {
	lh := &fakeLending{}
	en := newEnv(t, Options{Lending: lh})
	lh.seq = en.seq
	alice, bob := en.newUser(1, "100000"), en.newUser(2, "")
	en.apply(depositCmd(en, bob, "BTC", "1"))
	// Bob's automatic repayment is off: the USDC deposited below stays in
	// his balance for the API's own netting.
	obj(t, en.call(bob, "PATCH", "/api/v1/account", map[string]any{"autoRepayBorrows": false}))

	p := obj(t, en.call(alice, "POST", "/api/v1/borrowLend", borrowLend("USDC", "Lend", "50000")))
	shape(t, p, borrowLendPositionStrings, nil, nil, nil)
	if p["netQuantity"] != "50000" || p["symbol"] != "USDC" || p["markPrice"] != "1" || p["netExposureNotional"] != "50000" ||
		p["id"] != backpack.BorrowLendPositionID(alice.id, en.asset("USDC")) || p["cumulativeInterest"] != "0" {
		t.Fatalf("alice's lend: %v", p)
	}
	bal := obj(t, en.call(alice, "GET", "/api/v1/capital", map[string]any{}))
	if u := bal["USDC"].(map[string]any); u["available"] != "50000" {
		t.Fatalf("alice's balance after lending half: %v", bal)
	}

	p = obj(t, en.call(bob, "POST", "/api/v1/borrowLend", borrowLend("USDC", "Borrow", "10000")))
	if p["netQuantity"] != "-10000" || p["netExposureQuantity"] != "-10000" || p["netExposureNotional"] != "-10000" ||
		p["imf"] != "0.01333333" || p["mmf"] != "0.00666667" {
		t.Fatalf("bob's borrow: %v", p)
	}
	if f, ok := p["imfFunction"].(map[string]any); !ok || f["type"] != "sqrt" || f["base"] != "0.01333333" || f["factor"] != "0" {
		t.Fatalf("imfFunction %v", p["imfFunction"])
	}
	if u := obj(t, en.call(bob, "GET", "/api/v1/capital", map[string]any{}))["USDC"].(map[string]any); u["available"] != "10000" {
		t.Fatalf("bob's borrowed USDC: %v", u)
	}

	markets := list(t, en.get("/api/v1/borrowLend/markets"))
	var usdc map[string]any
	for _, m := range markets {
		shape(t, m, []string{"state", "assetMarkPrice", "borrowInterestRate", "borrowedQuantity", "fee", "lendInterestRate",
			"lentQuantity", "maxUtilization", "openBorrowLendLimit", "optimalUtilization", "symbol", "timestamp",
			"throttleUtilizationThreshold", "throttleUtilizationBound", "throttleUpdateFraction", "utilization", "stepSize",
			"baseRate", "slopeBelowOptimal", "slopeAboveOptimal"}, nil, []string{"throttled"}, nil)
		if m["symbol"] == "USDC" {
			usdc = m
		}
	}
	// u = 0.2: borrow rate 0.1 × 0.2 / 0.8 = 0.025; lend 0.025 × 0.2 × (1 − 0.1) = 0.0045.
	if usdc == nil || usdc["lentQuantity"] != "50000" || usdc["borrowedQuantity"] != "10000" || usdc["utilization"] != "0.2" ||
		usdc["borrowInterestRate"] != "0.025" || usdc["lendInterestRate"] != "0.0045" || usdc["optimalUtilization"] != "0.8" ||
		usdc["maxUtilization"] != "0.95" || usdc["fee"] != "0.1" || usdc["stepSize"] != "0.000001" || usdc["state"] != "Open" {
		t.Fatalf("USDC pool: %v", usdc)
	}

	// One engine hour: the debt grows by about 10000 × 0.025 / 8760 ≈ 0.0285,
	// the claim by its share; netQuantity and cumulativeInterest show it.
	en.advance(3_600_000)
	b := list(t, en.call(bob, "GET", "/api/v1/borrowLend/positions", map[string]any{}))
	if len(b) != 1 {
		t.Fatalf("bob's positions: %v", b)
	}
	debt := -en.amount("USDC", b[0]["netQuantity"])
	if debt <= 10_000_000_000 || debt > 10_000_030_000 {
		t.Fatalf("bob's debt after an hour: %v", b[0]["netQuantity"])
	}
	if got := en.amount("USDC", b[0]["cumulativeInterest"]); got != 10_000_000_000-debt {
		t.Fatalf("bob's cumulativeInterest %v, want %d units", b[0]["cumulativeInterest"], 10_000_000_000-debt)
	}
	a := list(t, en.call(alice, "GET", "/api/v1/borrowLend/positions", map[string]any{}))
	claim := en.amount("USDC", a[0]["netQuantity"])
	if claim <= 50_000_000_000 || claim-50_000_000_000 > debt-10_000_000_000 {
		t.Fatalf("alice's claim %d: interest must be positive and at most what bob pays (%d)", claim, debt-10_000_000_000)
	}

	// Lend on a debt repays it; past the debt, the rest is lent.
	p = obj(t, en.call(bob, "POST", "/api/v1/borrowLend", borrowLend("USDC", "Lend", "4000")))
	// The debt left is re-read from the shares left, rounded up: within a
	// unit of debt − 4000.
	left := -en.amount("USDC", p["netQuantity"])
	if left < debt-4_000_000_000 || left > debt-4_000_000_000+1 {
		t.Fatalf("bob after repaying 4000: %v, want -%d units (+1)", p["netQuantity"], debt-4_000_000_000)
	}
	en.apply(depositCmd(en, bob, "USDC", "1"))
	p = obj(t, en.call(bob, "POST", "/api/v1/borrowLend", borrowLend("USDC", "Lend", "6001")))
	// The claim is read from the lend shares, rounded down: within a unit
	// of what was lent, the difference shown as (negative) interest.
	lent := 6_001_000_000 - left
	if got := en.amount("USDC", p["netQuantity"]); got > lent || got < lent-1 ||
		en.amount("USDC", p["cumulativeInterest"]) != got-lent {
		t.Fatalf("bob after lending %d units past his debt: %v", lent, p)
	}
	// Borrow on a claim redeems it: all of it gives a flat position ({}).
	w := en.call(alice, "POST", "/api/v1/borrowLend", borrowLend("USDC", "Borrow", backpack.Dec(a[0]["netQuantity"].(string)).Text))
	if m := obj(t, w); len(m) != 0 {
		t.Fatalf("alice after redeeming everything: %v", m)
	}
	if l := list(t, en.call(alice, "GET", "/api/v1/borrowLend/positions", map[string]any{})); len(l) != 0 {
		t.Fatalf("alice's positions after redeeming: %v", l)
	}
}

// TestBorrowLendRefused: bad requests and engine refusals answer a 4xx
// with Backpack's error body and change nothing.
func TestBorrowLendRefused(t *testing.T) {
	en := newEnv(t, Options{})
	alice, bob, carol := en.newUser(1, "1000"), en.newUser(2, "1000"), en.newUser(3, "1")
	obj(t, en.call(bob, "POST", "/api/v1/borrowLend", borrowLend("USDC", "Lend", "500")))
	before := en.seq.hash()
	for _, c := range []struct {
		who    *user
		body   any
		status int
		code   string
	}{
		{alice, borrowLend("DOGE", "Lend", "1"), http.StatusBadRequest, "INVALID_ASSET"},
		{alice, borrowLend("", "Lend", "1"), http.StatusBadRequest, "INVALID_ASSET"},
		{alice, borrowLend("BTC_USDC", "Lend", "1"), http.StatusBadRequest, "INVALID_ASSET"},
		{alice, borrowLend("USDC", "Both", "1"), http.StatusBadRequest, "INVALID_CLIENT_REQUEST"},
		{alice, map[string]any{"symbol": "USDC", "side": "Lend"}, http.StatusBadRequest, "INVALID_QUANTITY"},
		{alice, borrowLend("USDC", "Lend", "0"), http.StatusBadRequest, "INVALID_QUANTITY"},
		{alice, borrowLend("USDC", "Lend", "-1"), http.StatusBadRequest, "INVALID_CLIENT_REQUEST"},
		{alice, borrowLend("USDC", "Lend", "0.0000001"), http.StatusBadRequest, "INVALID_CLIENT_REQUEST"},
		{alice, map[string]any{"symbol": "USDC", "side": "Lend", "quantity": "1", "autoLend": true}, http.StatusBadRequest, "INVALID_CLIENT_REQUEST"},
		{alice, borrowLend("USDC", "Lend", "1000.5"), http.StatusBadRequest, "INSUFFICIENT_FUNDS"},
		{alice, borrowLend("USDC", "Borrow", "99999999999"), http.StatusBadRequest, "INSUFFICIENT_FUNDS"},        // more than the pool holds
		{alice, borrowLend("USDC", "Borrow", "99999999999999"), http.StatusBadRequest, "INVALID_CLIENT_REQUEST"}, // past int64 units
		{alice, borrowLend("USDC", "Borrow", "480"), http.StatusBadRequest, "PRECONDITION_FAILED"},               // past 95% of the 500 lent
		{alice, borrowLend("BTC", "Borrow", "0.0001"), http.StatusBadRequest, ""},                                // nobody lends BTC
		// 1 USDC cannot carry 400 of debt (IMF 1.33%: 5.33 USDC).
		{carol, borrowLend("USDC", "Borrow", "400"), http.StatusBadRequest, "INSUFFICIENT_MARGIN"},
	} {
		apiError(t, en.call(c.who, "POST", "/api/v1/borrowLend", c.body), c.status, c.code)
		if en.seq.hash() != before {
			t.Fatalf("%v: a refused borrowLend changed the state", c.body)
		}
	}
	// Malformed JSON, a nested value, unsigned, signed for another instruction.
	apiError(t, en.raw(alice, "POST", "/api/v1/borrowLend", `{"symbol":"USDC",`), http.StatusBadRequest, "INVALID_CLIENT_REQUEST")
	apiError(t, en.raw(alice, "POST", "/api/v1/borrowLend", `{"symbol":"USDC","side":"Lend","quantity":["1"]}`), http.StatusBadRequest, "")
	apiError(t, serve(en, httptest.NewRequest("POST", "/api/v1/borrowLend", strings.NewReader(`{"symbol":"USDC","side":"Lend","quantity":"1"}`))),
		http.StatusUnauthorized, "UNAUTHORIZED")
	en.wall = en.wall.Add(time.Millisecond)
	r := servertest.Sign(alice.priv, "orderExecute", "POST", "/api/v1/borrowLend", borrowLend("USDC", "Lend", "1"), en.wall.UnixMilli(), 5000).Request()
	apiError(t, serve(en, r), http.StatusUnauthorized, "INVALID_SIGNATURE")
	apiError(t, serve(en, httptest.NewRequest("DELETE", "/api/v1/borrowLend", nil)), http.StatusMethodNotAllowed, "INVALID_CLIENT_REQUEST")
	if en.seq.hash() != before {
		t.Fatal("a refused borrowLend changed the state")
	}
}

// TestCollateralWithLending: a lent asset's item carries the claim in
// lendQuantity and totalQuantity, a borrow counts in borrowLiability, and
// an asset held only in a pool gets an item; the short-BTC borrower gets a
// liquidation price above the index.
func TestCollateralWithLending(t *testing.T) {
	en := newEnv(t, Options{})
	alice, bob := en.newUser(1, ""), en.newUser(2, "20000")
	en.apply(depositCmd(en, alice, "BTC", "1"))
	obj(t, en.call(alice, "POST", "/api/v1/borrowLend", borrowLend("BTC", "Lend", "1")))
	obj(t, en.call(bob, "POST", "/api/v1/borrowLend", borrowLend("BTC", "Borrow", "0.1")))

	col := obj(t, en.call(alice, "GET", "/api/v1/capital/collateral", map[string]any{}))
	items := col["collateral"].([]any)
	var btc map[string]any
	for _, it := range items {
		if m := it.(map[string]any); m["symbol"] == "BTC" {
			btc = m
		}
	}
	// 1 BTC lent, none in the balance: the item is the claim, valued with
	// the haircut at 100,000 (weight 0.9 at this size, as a balance).
	if btc == nil || btc["lendQuantity"] != "1" || btc["totalQuantity"] != "1" || btc["availableQuantity"] != "0" ||
		btc["balanceNotional"] != "100000" || btc["collateralValue"] != "90000" || btc["collateralWeight"] != "0.9" {
		t.Fatalf("alice's BTC item: %v (all: %v)", btc, items)
	}
	if col["netEquity"] != "90000" || col["borrowLiability"] != "0" {
		t.Fatalf("alice's collateral: %v", col)
	}

	col = obj(t, en.call(bob, "GET", "/api/v1/capital/collateral", map[string]any{}))
	if col["borrowLiability"] != "10000" {
		t.Fatalf("bob's borrowLiability %v, want 0.1 BTC at 100,000", col["borrowLiability"])
	}
	for _, it := range col["collateral"].([]any) {
		if m := it.(map[string]any); m["symbol"] == "BTC" &&
			(m["totalQuantity"] != "0" || m["availableQuantity"] != "0.1" || m["lendQuantity"] != "0") {
			t.Fatalf("bob's BTC item: borrowed and held, net 0: %v", m)
		}
	}
	// fetchBalance (GET /api/v1/capital) keeps its shape: the borrowed BTC is available.
	bal := obj(t, en.call(bob, "GET", "/api/v1/capital", map[string]any{}))
	if b, ok := bal["BTC"].(map[string]any); !ok || b["available"] != "0.1" || b["locked"] != "0" || b["staked"] != "0" {
		t.Fatalf("bob's balances: %v", bal)
	}

	// Bob sells the borrowed BTC away (a withdrawal stands in): short 0.1
	// BTC on 20,000 USDC, liquidating when BTC rises far enough.
	en.apply(engine.Command{Kind: engine.CmdWithdraw, Account: bob.id, Asset: en.asset("BTC"), Amount: 10_000_000})
	en.apply(depositCmd(en, bob, "USDC", "10000"))
	p := list(t, en.call(bob, "GET", "/api/v1/borrowLend/positions", map[string]any{}))
	if len(p) != 1 || p[0]["symbol"] != "BTC" || p[0]["netQuantity"] != "-0.1" {
		t.Fatalf("bob's positions: %v", p)
	}
	liq := price(t, p[0]["estLiquidationPrice"])
	if liq <= 100_000*fixed.PriceScale {
		t.Fatalf("bob's liquidation price %v, want above the index", p[0]["estLiquidationPrice"])
	}
	// Just below it the account does not liquidate; at it, it does.
	liquidating := func() bool {
		var v engine.AccountView
		_ = en.seq.Read(context.Background(), func(e *engine.Engine) { v, _ = e.AccountInfo(bob.id) })
		return v.Liquidating
	}
	en.index("BTC", fixed.FormatDecimal(liq-1, fixed.PriceDecimals))
	if liquidating() {
		t.Fatalf("bob liquidates below his liquidation price %v", p[0]["estLiquidationPrice"])
	}
	en.index("BTC", p[0]["estLiquidationPrice"].(string))
	if !liquidating() {
		t.Fatalf("bob does not liquidate at his liquidation price %v", p[0]["estLiquidationPrice"])
	}
}

// TestLendingFlags: GET /api/v1/account shows the lending flags (new
// accounts: autoBorrowSettlements and autoRepayBorrows on, autoLend off);
// PATCH sets any subset and keeps the others.
func TestLendingFlags(t *testing.T) {
	en := newEnv(t, Options{})
	alice := en.newUser(1, "100")
	flags := func(a map[string]any) [3]any {
		return [3]any{a["autoBorrowSettlements"], a["autoRepayBorrows"], a["autoLend"]}
	}
	a := obj(t, en.call(alice, "GET", "/api/v1/account", map[string]any{}))
	if flags(a) != [3]any{true, true, false} {
		t.Fatalf("a new account's flags: %v", a)
	}
	a = obj(t, en.call(alice, "PATCH", "/api/v1/account", map[string]any{"autoLend": true}))
	if flags(a) != [3]any{true, true, true} {
		t.Fatalf("after autoLend: %v", a)
	}
	a = obj(t, en.call(alice, "PATCH", "/api/v1/account", map[string]any{"autoBorrowSettlements": false, "autoRealizePnl": true}))
	if flags(a) != [3]any{false, true, true} {
		t.Fatalf("after autoBorrowSettlements off: %v", a)
	}
	var v engine.AccountView
	_ = en.seq.Read(context.Background(), func(e *engine.Engine) { v, _ = e.AccountInfo(alice.id) })
	if v.LendingFlags != engine.AutoRepayBorrows|engine.AutoLend {
		t.Fatalf("engine flags %b", v.LendingFlags)
	}
	before := en.seq.hash()
	apiError(t, en.call(alice, "PATCH", "/api/v1/account", map[string]any{"autoLend": 1}), http.StatusBadRequest, "INVALID_CLIENT_REQUEST")
	apiError(t, en.call(alice, "PATCH", "/api/v1/account", map[string]any{"autoRealizePnl": false, "autoLend": false}), http.StatusBadRequest, "NOT_IMPLEMENTED")
	if en.seq.hash() != before {
		t.Fatal("a refused PATCH changed the state")
	}
}
