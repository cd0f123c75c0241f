package api

import (
	"net/http"
	"testing"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// depositCmd deposits a decimal quantity of an asset.
func depositCmd(en *env, u *user, asset, qty string) engine.Command {
	a := en.asset(asset)
	v, err := fixed.ParseDecimal(qty, en.cfg.Assets[a].Decimals)
	if err != nil {
		en.t.Fatal(err)
	}
	return engine.Command{Kind: engine.CmdDeposit, Account: u.id, Asset: a, Amount: v}
}

var (
	positionStrings = []string{"breakEvenPrice", "cumulativeFundingPayment", "cumulativeInterest", "entryPrice",
		"estLiquidationPrice", "estBankruptcyPrice", "imf", "markPrice", "mmf", "netCost", "netExposureNotional",
		"netExposureQuantity", "netQuantity", "pnlRealized", "pnlUnrealized", "positionId", "symbol", "marginMode"}
	positionNumbers = []string{"adlRank", "userId"}
)

// price parses a decimal string from a response (exact, 8 decimals).
func price(t *testing.T, s any) int64 {
	t.Helper()
	v, err := fixed.ParseDecimal(s.(string), fixed.PriceDecimals)
	if err != nil {
		t.Fatalf("%v: %v", s, err)
	}
	return v
}

// TestPositions: fetchPositions after a trade: signed quantities and costs,
// the liquidation and bankruptcy estimates, the ADL indicator; flat
// positions (open orders only) are left out.
func TestPositions(t *testing.T) {
	en := newEnv(t, Options{})
	carol, bob, dave := en.newUser(3, "1000"), en.newUser(2, "1000000"), en.newUser(4, "1000000")
	obj(t, en.call(bob, "POST", "/api/v1/order", limit("BTC_USDC_PERP", "Ask", "100000", "0.1")))
	obj(t, en.call(carol, "POST", "/api/v1/order", map[string]any{"symbol": "BTC_USDC_PERP", "side": "Bid", "orderType": "Market", "quantity": "0.1"}))
	obj(t, en.call(dave, "POST", "/api/v1/order", limit("BTC_USDC_PERP", "Bid", "90000", "0.01"))) // dave: orders only

	l := list(t, en.call(carol, "GET", "/api/v1/position", map[string]any{}))
	if len(l) != 1 {
		t.Fatalf("carol's positions: %v", l)
	}
	p := l[0]
	shape(t, p, positionStrings, positionNumbers, nil, []string{"subaccountId"})
	if p["netQuantity"] != "0.1" || p["netCost"] != "10000" || p["entryPrice"] != "100000" || p["markPrice"] != "100000" ||
		p["netExposureQuantity"] != "0.1" || p["netExposureNotional"] != "10000" || p["symbol"] != "BTC_USDC_PERP" ||
		p["imf"] != "0.01333333" || p["mmf"] != "0.00666667" || p["marginMode"] != "Cross" {
		t.Fatalf("carol's position: %v", p)
	}
	if p["userId"] != float64(carol.id) {
		t.Errorf("userId %v, want %d", p["userId"], carol.id)
	}
	// 1000 USDC less the 5 USDC taker fee carries 0.1 BTC: liquidation
	// near 100000 − (995 − mm)/0.1 ≈ 90,700; bankruptcy at 100000 − 9950.
	liq, bk := price(t, p["estLiquidationPrice"]), price(t, p["estBankruptcyPrice"])
	if liq < 90_000*fixed.PriceScale || liq > 92_000*fixed.PriceScale || bk != 90_050*fixed.PriceScale {
		t.Fatalf("estimates: liquidation %v bankruptcy %v", p["estLiquidationPrice"], p["estBankruptcyPrice"])
	}
	if r := p["adlRank"].(float64); r < 1 || r > 5 {
		t.Fatalf("adlRank %v", r)
	}
	s := list(t, en.call(bob, "GET", "/api/v1/position", map[string]any{}))
	if len(s) != 1 || s[0]["netQuantity"] != "-0.1" || s[0]["netCost"] != "-10000" || s[0]["netExposureQuantity"] != "-0.1" ||
		s[0]["netExposureNotional"] != "-10000" {
		t.Fatalf("bob's short: %v", s)
	}
	if bl := price(t, s[0]["estLiquidationPrice"]); bl < 1_000_000*fixed.PriceScale {
		t.Errorf("bob's short, 1M USDC behind 0.1 BTC: liquidation at %v, want far above", s[0]["estLiquidationPrice"])
	}
	if l := list(t, en.call(dave, "GET", "/api/v1/position", map[string]any{})); len(l) != 0 {
		t.Fatalf("a flat position with open orders is listed: %v", l)
	}
	if l := list(t, en.call(carol, "GET", "/api/v1/position", map[string]any{"symbol": "ETH_USDC_PERP"})); len(l) != 0 {
		t.Fatalf("filtered by another symbol: %v", l)
	}

	// The estimate is the engine's trigger: a mark ten ticks above it leaves
	// carol alone, ten ticks below starts her liquidation.
	tick := int64(10_000_000) // 0.1
	en.index("BTC", fixed.FormatDecimal(liq+10*tick, 8))
	if a := obj(t, en.call(carol, "GET", "/api/v1/account", map[string]any{})); a["liquidating"] != false {
		t.Fatalf("liquidating above the estimate: %v", a)
	}
	en.index("BTC", fixed.FormatDecimal(liq-10*tick, 8))
	if a := obj(t, en.call(carol, "GET", "/api/v1/account", map[string]any{})); a["liquidating"] != true {
		t.Fatalf("not liquidating below the estimate %v", p["estLiquidationPrice"])
	}
}

func TestCapitalAndCollateral(t *testing.T) {
	en := newEnv(t, Options{})
	alice := en.newUser(1, "1000")
	en.apply(depositCmd(en, alice, "BTC", "0.5"))
	obj(t, en.call(alice, "POST", "/api/v1/order", limit("BTC_USDC", "Ask", "110000", "0.2"))) // spot: locks 0.2 BTC
	c := obj(t, en.call(alice, "GET", "/api/v1/capital", map[string]any{}))
	usdc, btc := c["USDC"].(map[string]any), c["BTC"].(map[string]any)
	shape(t, usdc, []string{"available", "locked", "staked"}, nil, nil, nil)
	if usdc["available"] != "1000" || usdc["locked"] != "0" || btc["available"] != "0.3" || btc["locked"] != "0.2" || btc["staked"] != "0" {
		t.Fatalf("capital: %v", c)
	}
	if _, has := c["ETH"]; has {
		t.Fatalf("an asset never held is listed: %v", c)
	}
	col := obj(t, en.call(alice, "GET", "/api/v1/capital/collateral", map[string]any{}))
	shape(t, col, []string{"assetsValue", "borrowLiability", "imf", "unsettledEquity", "liabilitiesValue", "mmf", "netEquity",
		"netEquityAvailable", "netEquityLocked", "netExposureFutures", "pnlUnrealized"}, nil, nil, []string{"marginFraction"})
	if col["assetsValue"] != "51000" || col["borrowLiability"] != "0" {
		t.Fatalf("collateral totals: %v", col)
	}
	items := col["collateral"].([]any)
	if len(items) != 2 {
		t.Fatalf("collateral items: %v", items)
	}
	b := items[1].(map[string]any)
	shape(t, b, []string{"symbol", "assetMarkPrice", "totalQuantity", "balanceNotional", "collateralWeight", "collateralValue",
		"openOrderQuantity", "lendQuantity", "availableQuantity"}, nil, nil, nil)
	if b["symbol"] != "BTC" || b["totalQuantity"] != "0.5" || b["balanceNotional"] != "50000" || b["collateralWeight"] != "0.9" ||
		b["collateralValue"] != "45000" || b["openOrderQuantity"] != "0.2" || b["availableQuantity"] != "0.3" {
		t.Fatalf("BTC collateral: %v", b)
	}
	if col["netEquity"] != "46000" {
		t.Fatalf("net equity %v, want 1000 + 0.9 × 50000", col["netEquity"])
	}
	if l := list(t, en.call(alice, "GET", "/api/v1/borrowLend/positions", map[string]any{})); len(l) != 0 {
		t.Fatalf("borrowLend positions: %v", l)
	}
}

func TestAccountSettings(t *testing.T) {
	en := newEnv(t, Options{})
	alice, bob := en.newUser(1, "100000"), en.newUser(2, "100000")
	a := obj(t, en.call(alice, "GET", "/api/v1/account", map[string]any{}))
	shape(t, a, []string{"borrowLimit", "futuresMakerFee", "futuresTakerFee", "leverageLimit", "positionLimit", "spotMakerFee",
		"spotTakerFee", "positionMode", "marginMode"}, []string{"limitOrders", "triggerOrders"},
		[]string{"autoBorrowSettlements", "autoLend", "autoRealizePnl", "autoRepayBorrows", "liquidating"}, nil)
	if a["leverageLimit"] != "75" || a["futuresMakerFee"] != "2" || a["futuresTakerFee"] != "5" || a["positionMode"] != "OneWay" ||
		a["liquidating"] != false {
		t.Fatalf("account: %v", a)
	}
	a = obj(t, en.call(alice, "PATCH", "/api/v1/account", map[string]any{"leverageLimit": "10", "positionMode": "Hedge"}))
	if a["leverageLimit"] != "10" || a["positionMode"] != "Hedge" {
		t.Fatalf("after PATCH: %v", a)
	}
	before := en.seq.hash()
	apiError(t, en.call(alice, "PATCH", "/api/v1/account", map[string]any{"leverageLimit": "10.5"}), http.StatusBadRequest, "INVALID_CLIENT_REQUEST")
	apiError(t, en.call(alice, "PATCH", "/api/v1/account", map[string]any{"positionMode": "Both"}), http.StatusBadRequest, "INVALID_CLIENT_REQUEST")
	apiError(t, en.call(alice, "PATCH", "/api/v1/account", map[string]any{"autoRealizePnl": false}), http.StatusBadRequest, "NOT_IMPLEMENTED")
	apiError(t, en.call(alice, "PATCH", "/api/v1/account", map[string]any{"autoLend": "yes"}), http.StatusBadRequest, "INVALID_CLIENT_REQUEST")
	apiError(t, en.call(alice, "PATCH", "/api/v1/account", map[string]any{"leverageLimit": "5000"}), http.StatusBadRequest, "INVALID_CLIENT_REQUEST")
	if en.seq.hash() != before {
		t.Fatal("a refused PATCH changed the state")
	}

	// Hedge mode: an order must name its position side.
	apiError(t, en.call(alice, "POST", "/api/v1/order", limit("BTC_USDC_PERP", "Bid", "100000", "0.1")), http.StatusBadRequest, "INVALID_ORDER")
	obj(t, en.call(bob, "POST", "/api/v1/order", limit("BTC_USDC_PERP", "Ask", "100000", "0.1")))
	long := limit("BTC_USDC_PERP", "Bid", "100000", "0.1")
	long["positionSide"] = "Long"
	if o := obj(t, en.call(alice, "POST", "/api/v1/order", long)); o["status"] != "Filled" || o["positionSide"] != "Long" {
		t.Fatalf("hedge order: %v", o)
	}
	p := list(t, en.call(alice, "GET", "/api/v1/position", map[string]any{}))
	if len(p) != 1 || p[0]["positionSide"] != "Long" || p[0]["netQuantity"] != "0.1" {
		t.Fatalf("hedge position: %v", p)
	}
	// With a position the mode cannot change: the engine refuses.
	apiError(t, en.call(alice, "PATCH", "/api/v1/account", map[string]any{"positionMode": "OneWay"}), http.StatusBadRequest, "PRECONDITION_FAILED")
}

// TestIsolatedMargin: an order with marginMode Isolated opens an isolated
// position; POST /api/v1/position/margin adds and removes its margin.
func TestIsolatedMargin(t *testing.T) {
	en := newEnv(t, Options{})
	alice, bob := en.newUser(1, "100000"), en.newUser(2, "100000")
	obj(t, en.call(bob, "POST", "/api/v1/order", limit("ETH_USDC_PERP", "Ask", "4000", "1")))
	o := map[string]any{"symbol": "ETH_USDC_PERP", "side": "Bid", "orderType": "Market", "quantity": "1", "marginMode": "Isolated"}
	if r := obj(t, en.call(alice, "POST", "/api/v1/order", o)); r["marginMode"] != "Isolated" || r["status"] != "Filled" {
		t.Fatalf("isolated order: %v", r)
	}
	p := list(t, en.call(alice, "GET", "/api/v1/position", map[string]any{}))[0]
	if p["marginMode"] != "Isolated" {
		t.Fatalf("position: %v", p)
	}
	margin := price(t, p["isolatedMargin"])
	q := obj(t, en.call(alice, "POST", "/api/v1/position/margin", map[string]any{"symbol": "ETH_USDC_PERP", "quantity": "100"}))
	if got := price(t, q["isolatedMargin"]); got != margin+100*fixed.PriceScale {
		t.Fatalf("margin after adding 100: %v (was %v)", q["isolatedMargin"], p["isolatedMargin"])
	}
	before := en.seq.hash()
	apiError(t, en.call(alice, "POST", "/api/v1/position/margin", map[string]any{"symbol": "ETH_USDC_PERP", "quantity": "-100000"}), http.StatusBadRequest, "INSUFFICIENT_MARGIN")
	apiError(t, en.call(alice, "POST", "/api/v1/position/margin", map[string]any{"symbol": "BTC_USDC_PERP", "quantity": "1"}), http.StatusBadRequest, "INVALID_POSITION_ID")
	apiError(t, en.call(alice, "POST", "/api/v1/position/margin", map[string]any{"symbol": "ETH_USDC_PERP", "quantity": "0.0000001"}), http.StatusBadRequest, "INVALID_CLIENT_REQUEST")
	apiError(t, en.call(alice, "POST", "/api/v1/position/margin", map[string]any{"symbol": "ETH_USDC_PERP"}), http.StatusBadRequest, "INVALID_CLIENT_REQUEST")
	if en.seq.hash() != before {
		t.Fatal("a refused margin change changed the state")
	}
	q = obj(t, en.call(alice, "POST", "/api/v1/position/margin", map[string]any{"symbol": "ETH_USDC_PERP", "quantity": "-50"}))
	if got := price(t, q["isolatedMargin"]); got != margin+50*fixed.PriceScale {
		t.Fatalf("margin after removing 50: %v", q["isolatedMargin"])
	}
	c := obj(t, en.call(alice, "GET", "/api/v1/capital", map[string]any{}))["USDC"].(map[string]any)
	if price(t, c["locked"]) != margin+50*fixed.PriceScale {
		t.Errorf("capital shows the isolated margin as locked: %v", c)
	}
}
