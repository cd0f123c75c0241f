package ws

import (
	"strconv"
	"testing"
	"time"

	"github.com/waterfallrisk/waterfall/engine"
)

// A book liquidation (engine/testdata/liquidation/slow_decline.txt, step 1)
// is published on the liquidation streams, stage by stage and fill by fill,
// and to the owner as order updates with O = LIQUIDATION_AUTOCLOSE.
func TestBookLiquidationPublished(t *testing.T) {
	e := newEnv(t, nil)
	trader, mm := e.account(35_000), e.account(1_000_000)
	e.index("100000")
	e.limit(mm, engine.Ask, 100000, 10)
	e.market(trader, engine.Bid, 10)
	e.limit(mm, engine.Bid, 97950, 1)
	all, one, own := e.dial(), e.dial(), e.dial()
	all.subscribe("liquidation")
	one.subscribe("liquidation.BTC_USDC_PERP", "trade.BTC_USDC_PERP")
	own.subscribePrivate(trader, "account.orderUpdate")
	e.subscribed(4)

	evs := e.index("98001.3")
	var stages, fills int
	for _, ev := range evs {
		switch {
		case ev.Kind == engine.EvLiquidation:
			stages++
		case isLiquidationFill(&ev):
			fills++
		}
	}
	if stages != 2 || fills != 1 {
		t.Fatalf("the scenario liquidates differently: %d stages, %d fills", stages, fills)
	}
	st := all.await(wait, func(m wsMsg) bool { return str(m.Data, "e") == "liquidationStage" }).Data
	if str(st, "stage") != "Book" || st["accountId"].(float64) != float64(trader.id) || str(st, "mmr") == "" ||
		str(st, "marginMode") != "Cross" {
		t.Fatalf("stage %v", st)
	}
	f := all.await(wait, func(m wsMsg) bool { return str(m.Data, "e") == "liquidation" }).Data
	if f["accountId"].(float64) != float64(trader.id) || str(f, "S") != "Ask" || str(f, "q") != "1" ||
		str(f, "p") != "97950" || str(f, "s") != "BTC_USDC_PERP" || str(f, "origin") != "LIQUIDATION_AUTOCLOSE" ||
		str(f, "fillType") != "BookLiquidation" || str(f, "systemOrderType") != "LiquidatePositionOnBook" {
		t.Fatalf("liquidation fill %v", f)
	}
	if end := all.await(wait, func(m wsMsg) bool { return str(m.Data, "e") == "liquidationStage" }).Data; str(end, "stage") != "None" {
		t.Fatalf("end %v", end)
	}
	// The book trade is a public trade; the symbol's stream has the fill but
	// not the cross-margin stages.
	e.settle()
	var trades, liq int
	for _, m := range one.collect(100 * time.Millisecond) {
		switch {
		case m.Stream == "trade.BTC_USDC_PERP" && str(m.Data, "p") == "97950":
			trades++
		case m.Stream == "liquidation.BTC_USDC_PERP" && str(m.Data, "e") == "liquidation":
			liq++
		default:
			t.Fatalf("on the symbol's streams: %s %v", m.Stream, m.Data)
		}
	}
	if trades != 1 || liq != 1 {
		t.Fatalf("%d trades, %d liquidation fills on the symbol's streams", trades, liq)
	}
	var o []string
	for len(o) < 2 {
		d := own.await(wait, func(m wsMsg) bool { return m.Stream == "account.orderUpdate" }).Data
		if str(d, "O") != "LIQUIDATION_AUTOCLOSE" || d["r"] != true {
			t.Fatalf("owner's update %v", d)
		}
		o = append(o, str(d, "e"))
	}
	if o[0] != "orderAccepted" || o[1] != "orderFill" {
		t.Fatalf("owner's updates %v", o)
	}
}

// A gap through the bankruptcy price with no book, fund or backstop
// (engine/testdata/liquidation/gap_adl.txt) goes to ADL: every stage and
// every ADL fill of the liquidated account is published, and both sides
// get orderFill updates with O = ADL_AUTOCLOSE.
func TestADLPublished(t *testing.T) {
	e := newEnv(t, nil)
	bust, s1 := e.account(2_100), e.account(10_000)
	e.index("100000")
	e.limit(s1, engine.Ask, 100000, 1.5)
	e.market(bust, engine.Bid, 1.5)
	all := e.dial()
	all.subscribe("liquidation")
	cs, cb := e.dial(), e.dial()
	cs.subscribePrivate(s1, "account.orderUpdate", "account.positionUpdate")
	cb.subscribePrivate(bust, "account.orderUpdate")
	e.subscribed(4)

	evs := e.index("98500")
	want := []string{}
	adl := 0
	for _, ev := range evs {
		if ev.Kind == engine.EvLiquidation {
			want = append(want, ev.Stage.String())
		}
		if isLiquidationFill(&ev) {
			adl++
		}
	}
	if adl == 0 || len(want) < 2 || want[len(want)-1] != "None" {
		t.Fatalf("the scenario liquidates differently: stages %v, %d fills", want, adl)
	}
	var got []string
	var fills int
	for len(got) < len(want) || fills < adl {
		d := all.await(wait, func(m wsMsg) bool { return m.Stream == "liquidation" }).Data
		switch str(d, "e") {
		case "liquidationStage":
			got = append(got, str(d, "stage"))
		case "liquidation":
			fills++
			if str(d, "origin") != "ADL_AUTOCLOSE" || str(d, "fillType") != "Adl" || str(d, "S") != "Ask" ||
				d["accountId"].(float64) != float64(bust.id) {
				t.Fatalf("ADL fill %v", d)
			}
		}
	}
	if strconv.Quote(got[len(got)-1]) != strconv.Quote("None") || fills != adl {
		t.Fatalf("stages %v (want %v), %d fills (want %d)", got, want, fills, adl)
	}
	for _, c := range []*wsClient{cs, cb} {
		d := c.await(wait, func(m wsMsg) bool { return m.Stream == "account.orderUpdate" }).Data
		if str(d, "e") != "orderFill" || str(d, "O") != "ADL_AUTOCLOSE" || str(d, "fillType") != "Adl" ||
			str(d, "systemOrderType") != "LiquidatePositionOnAdl" {
			t.Fatalf("ADL order update %v", d)
		}
	}
	p := cs.await(wait, func(m wsMsg) bool {
		return m.Stream == "account.positionUpdate" && str(m.Data, "e") == "positionClosed"
	}).Data
	if str(p, "q") != "0" {
		t.Fatalf("s1's position after ADL %v", p)
	}
}
