package engine_test

import (
	"testing"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// vaEngine is an engine on the default configuration with engine time
// started and index prices BTC 100,000, ETH 4,000 (the API views' tests).
type vaEngine struct {
	t   *testing.T
	e   *engine.Engine
	cfg *config.Config
}

func newVAEngine(t *testing.T) *vaEngine {
	cfg := config.Default()
	e, err := engine.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	v := &vaEngine{t: t, e: e, cfg: cfg}
	v.ok(engine.Command{Kind: engine.CmdAdvanceTime, Amount: 1_000_000})
	v.index("BTC", 100_000)
	v.index("ETH", 4_000)
	return v
}

func (v *vaEngine) ok(c engine.Command) []engine.Event {
	v.t.Helper()
	ev, err := v.e.Apply(&c)
	if err != nil {
		v.t.Fatalf("%v: %v", c.Kind, err)
	}
	return ev
}

func (v *vaEngine) asset(s string) config.AssetID {
	a, _ := v.cfg.AssetBySymbol(s)
	return a
}

func (v *vaEngine) market(s string) config.MarketID {
	m, _ := v.cfg.MarketBySymbol(s)
	return m
}

func (v *vaEngine) index(s string, whole int64) {
	v.ok(engine.Command{Kind: engine.CmdSetIndexPrice, Asset: v.asset(s), Amount: whole * fixed.PriceScale})
}

// account creates an account holding usdc whole USDC.
func (v *vaEngine) account(usdc int64) engine.AccountID {
	id := v.ok(engine.Command{Kind: engine.CmdCreateAccount})[0].Account
	v.ok(engine.Command{Kind: engine.CmdDeposit, Account: id, Asset: v.asset("USDC"), Amount: usdc * 1_000_000})
	return id
}

// order places an order; price in whole units, qty in lots.
func (v *vaEngine) order(id engine.AccountID, m string, side engine.Side, typ engine.OrderType, price, lots int64, mod func(*engine.Command)) []engine.Event {
	mk := v.market(m)
	c := engine.Command{Kind: engine.CmdPlaceOrder, Account: id, Market: mk, Side: side, Type: typ, Quantity: lots}
	if price > 0 {
		c.Price = price * fixed.PriceScale / v.cfg.Markets[mk].TickSize
	}
	if mod != nil {
		mod(&c)
	}
	return v.ok(c)
}

// unchanged runs a view and fails if it changed the state.
func (v *vaEngine) unchanged(view func()) {
	v.t.Helper()
	before, seq := v.e.StateHash(), v.e.Seq()
	view()
	if v.e.StateHash() != before || v.e.Seq() != seq {
		v.t.Fatal("a view changed the state")
	}
}

func TestOpenOrderViews(t *testing.T) {
	v := newVAEngine(t)
	alice, bob := v.account(1_000_000), v.account(1_000_000)
	btc, eth := v.market("BTC_USDC_PERP"), v.market("ETH_USDC_PERP")
	v.order(alice, "BTC_USDC_PERP", engine.Bid, engine.Limit, 99_000, 100, func(c *engine.Command) { c.ClientID, c.PostOnly = 7, true })
	v.order(alice, "BTC_USDC_PERP", engine.Bid, engine.Limit, 98_000, 200, func(c *engine.Command) { c.ClientID, c.STP = 7, engine.RejectBoth })
	v.order(alice, "ETH_USDC_PERP", engine.Ask, engine.Market, 0, 1000, func(c *engine.Command) {
		c.TriggerPrice, c.TriggerBy = 3_000*fixed.PriceScale/v.cfg.Markets[eth].TickSize, engine.TriggerByLast
	})
	v.order(bob, "BTC_USDC_PERP", engine.Ask, engine.Market, 0, 40, nil) // fills 40 of alice's first

	var all, onlyBTC []engine.OrderView
	v.unchanged(func() { all, onlyBTC = v.e.OpenOrderList(alice, engine.AllMarkets), v.e.OpenOrderList(alice, btc) })
	if len(all) != 3 || len(onlyBTC) != 2 || all[0].ID >= all[1].ID || all[1].ID >= all[2].ID {
		t.Fatalf("open orders: %+v", all)
	}
	first := all[0]
	if first.ClientID != 7 || !first.PostOnly || first.Price != 990_000 || first.Quantity != 100 || first.Executed != 40 ||
		first.Status != engine.StatusPartiallyFilled || first.ExecutedQt != 40*99_000*100 || first.Side != engine.Bid ||
		first.CreatedTime != 1_000_000 || first.Origin != engine.OriginUser || first.Pending {
		t.Fatalf("first order: %+v", first)
	}
	if all[1].STP != engine.RejectBoth || all[1].Status != engine.StatusNew {
		t.Fatalf("second order: %+v", all[1])
	}
	trig := all[2]
	if !trig.Pending || trig.TriggerBy != engine.TriggerByLast || trig.TriggerPrice != 300_000 || trig.Market != eth || trig.Type != engine.Market {
		t.Fatalf("trigger order: %+v", trig)
	}
	// By id; by client id the newest with it (as cancel picks).
	if o, ok := v.e.OpenOrder(alice, btc, first.ID, 0); !ok || o.ID != first.ID {
		t.Fatalf("by id: %+v %v", o, ok)
	}
	if o, ok := v.e.OpenOrder(alice, btc, 0, 7); !ok || o.ID != all[1].ID {
		t.Fatalf("by client id: %+v %v", o, ok)
	}
	for _, c := range []struct {
		acct   engine.AccountID
		m      config.MarketID
		id     uint64
		client uint32
	}{{bob, btc, first.ID, 0}, {alice, eth, first.ID, 0}, {alice, btc, 0, 8}, {alice, btc, 0, 0}, {alice, btc, 999, 0}, {0, btc, first.ID, 0}, {1 << 30, btc, first.ID, 0}} {
		if o, ok := v.e.OpenOrder(c.acct, c.m, c.id, c.client); ok {
			t.Errorf("OpenOrder(%d, %d, %d, %d) found %+v", c.acct, c.m, c.id, c.client, o)
		}
	}
	if l := v.e.OpenOrderList(engine.AccountFees, engine.AllMarkets); l != nil {
		t.Errorf("a system account's orders: %v", l)
	}
}

// TestPositionRiskViews: estimates, ADL ranks, flat slots left out; the
// isolated estimate is the isolated trigger.
func TestPositionRiskViews(t *testing.T) {
	v := newVAEngine(t)
	carol, bob, dave := v.account(1_000), v.account(1_000_000), v.account(1_000_000)
	btc := v.market("BTC_USDC_PERP")
	v.order(bob, "BTC_USDC_PERP", engine.Ask, engine.Limit, 100_000, 1000, nil)
	v.order(carol, "BTC_USDC_PERP", engine.Bid, engine.Market, 0, 1000, nil)
	v.order(dave, "BTC_USDC_PERP", engine.Bid, engine.Limit, 90_000, 10, nil)

	var rs []engine.PositionRisk
	v.unchanged(func() { rs = v.e.PositionRisks(carol) })
	if len(rs) != 1 {
		t.Fatalf("carol: %+v", rs)
	}
	p := rs[0]
	// 995 USDC after the fee behind 0.1 BTC: bankrupt at 90,050, liquidated
	// where 995 + 0.1(P − 100000) = 0.00666667 × 0.1 × P, P ≈ 90,654.5.
	if !p.HasBankruptcy || p.Bankruptcy != 900_500 || !p.HasLiquidation || p.Liquidation < 906_540 || p.Liquidation > 906_550 {
		t.Fatalf("carol's estimates: liquidation %d bankruptcy %d", p.Liquidation, p.Bankruptcy)
	}
	if p.IMF != 13_333_330_000 || p.MMF != 6_666_670_000 || p.ExposureNotional != 10_000_000_000 || p.ADLRank < 1 || p.ADLRank > 5 {
		t.Fatalf("carol's position: %+v", p)
	}
	var short []engine.PositionRisk
	v.unchanged(func() { short = v.e.PositionRisks(bob) })
	if len(short) != 1 || short[0].NetQuantity != -1000 || short[0].ExposureNotional != -10_000_000_000 || short[0].ADLRank < 1 {
		t.Fatalf("bob: %+v", short)
	}
	if rs := v.e.PositionRisks(dave); len(rs) != 0 {
		t.Fatalf("dave holds only an order: %+v", rs)
	}
	// The estimate is the trigger: a tick above it carol is safe, at the
	// tick below she liquidates.
	tick := v.cfg.Markets[btc].TickSize
	v.ok(engine.Command{Kind: engine.CmdSetIndexPrice, Asset: v.asset("BTC"), Amount: (p.Liquidation + 1) * tick})
	if v.e.Liquidating(carol) {
		t.Fatal("liquidating a tick above the estimate")
	}
	v.ok(engine.Command{Kind: engine.CmdSetIndexPrice, Asset: v.asset("BTC"), Amount: (p.Liquidation - 1) * tick})
	if !v.e.Liquidating(carol) {
		t.Fatal("not liquidating a tick below the estimate")
	}
}

func TestIsolatedEstimate(t *testing.T) {
	v := newVAEngine(t)
	erin, bob := v.account(100_000), v.account(1_000_000)
	eth := v.market("ETH_USDC_PERP")
	v.order(bob, "ETH_USDC_PERP", engine.Ask, engine.Limit, 4_000, 10_000, nil)
	v.order(erin, "ETH_USDC_PERP", engine.Bid, engine.Market, 0, 10_000, func(c *engine.Command) { c.MarginMode = engine.Isolated })
	rs := v.e.PositionRisks(erin)
	if len(rs) != 1 || !rs[0].Isolated || !rs[0].HasLiquidation || !rs[0].HasBankruptcy || rs[0].Liquidation <= rs[0].Bankruptcy {
		t.Fatalf("isolated position: %+v", rs)
	}
	// 10 ETH on its initial margin only (2% of 40,000 = 800): liquidated
	// near 4000 − (800 − mm)/10, far above what cross collateral would give.
	liq := rs[0].Liquidation
	if liq < 392_000 || liq > 400_000 {
		t.Fatalf("isolated liquidation estimate %d", liq)
	}
	tick := v.cfg.Markets[eth].TickSize
	v.ok(engine.Command{Kind: engine.CmdSetIndexPrice, Asset: v.asset("ETH"), Amount: (liq + 1) * tick})
	if rs := v.e.PositionRisks(erin); len(rs) != 1 || rs[0].NetQuantity != 10_000 {
		t.Fatal("the isolated position was liquidated a tick above its estimate")
	}
	v.ok(engine.Command{Kind: engine.CmdSetIndexPrice, Asset: v.asset("ETH"), Amount: (liq - 1) * tick})
	if rs := v.e.PositionRisks(erin); len(rs) == 1 && rs[0].NetQuantity == 10_000 {
		t.Fatal("the isolated position survived a tick below its estimate")
	}
}

func TestAccountAndCollateralViews(t *testing.T) {
	v := newVAEngine(t)
	alice := v.account(1_000)
	v.ok(engine.Command{Kind: engine.CmdDeposit, Account: alice, Asset: v.asset("BTC"), Amount: 50_000_000}) // 0.5 BTC
	v.ok(engine.Command{Kind: engine.CmdSetPositionMode, Account: alice, PositionMode: engine.Hedge})
	v.ok(engine.Command{Kind: engine.CmdSetLeverageLimit, Account: alice, Amount: 20})
	v.order(alice, "BTC_USDC", engine.Ask, engine.Limit, 110_000, 2000, nil) // locks 0.2 BTC

	var a engine.AccountView
	var ok bool
	var col []engine.CollateralView
	v.unchanged(func() { a, ok = v.e.AccountInfo(alice); col = v.e.Collateral(alice) })
	if !ok || a.PositionMode != engine.Hedge || a.LeverageLimit != 20 || a.MarginMode != engine.Cross || a.Liquidating || a.OpenOrders != 1 {
		t.Fatalf("account: %+v %v", a, ok)
	}
	if len(col) != 2 {
		t.Fatalf("collateral: %+v", col)
	}
	usdc, btc := col[0], col[1]
	if usdc.Balance != 1_000_000_000 || usdc.Value != usdc.Balance || usdc.Weight != fixed.RateScale || usdc.Index != fixed.PriceScale {
		t.Fatalf("USDC: %+v", usdc)
	}
	if btc.Balance != 50_000_000 || btc.Locked != 20_000_000 || btc.Notional != 50_000_000_000 || btc.Weight != 900_000_000_000 ||
		btc.Value != 45_000_000_000 {
		t.Fatalf("BTC: %+v", btc)
	}
	if m := v.e.Margin(alice); m.NetEquity != usdc.Value+btc.Value {
		t.Fatalf("collateral values %d + %d differ from the margin's net equity %d", usdc.Value, btc.Value, m.NetEquity)
	}
	for _, id := range []engine.AccountID{engine.AccountFees, engine.AccountInsurance, v.e.Clearing(v.market("BTC_USDC_PERP")), 1 << 30} {
		if _, ok := v.e.AccountInfo(id); ok {
			t.Errorf("AccountInfo(%d) answered for a non-user account", id)
		}
		if v.e.Collateral(id) != nil || v.e.PositionRisks(id) != nil || v.e.IsUser(id) {
			t.Errorf("views of non-user account %d are not empty", id)
		}
	}
	if v.e.NextFunding(v.market("BTC_USDC")) != 0 || v.e.NextFunding(v.market("BTC_USDC_PERP")) != 3_600_000 || v.e.MarketClosed(v.market("BTC_USDC_PERP")) {
		t.Fatal("market views")
	}
}
