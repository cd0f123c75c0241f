package ws

import (
	"crypto/ed25519"
	"strconv"
	"testing"
	"time"

	"github.com/waterfallrisk/waterfall/engine"
)

// Signed subscribers see their own account's order and position updates,
// with the origin O, and nobody else's.
func TestPrivateStreams(t *testing.T) {
	e := newEnv(t, nil)
	alice, bob := e.account(100_000), e.account(100_000)
	e.index("100000")
	ca, cb := e.dial(), e.dial()
	ca.subscribePrivate(alice, "account.orderUpdate", "account.positionUpdate")
	cb.subscribePrivate(bob, "account.orderUpdate.BTC_USDC_PERP", "account.positionUpdate.BTC_USDC_PERP")
	e.subscribed(4)

	ask := e.limit(alice, engine.Ask, 100000, 0.5)[0].OrderID
	bid := e.market(bob, engine.Bid, 0.5)[0].OrderID
	e.settle()

	wantOrders := func(c *wsClient, stream, id string, events ...string) {
		t.Helper()
		for _, want := range events {
			m := c.await(wait, func(m wsMsg) bool { return m.Stream == stream })
			d := m.Data
			if str(d, "i") != id || str(d, "e") != want || str(d, "O") != "USER" || str(d, "s") != "BTC_USDC_PERP" ||
				d["T"].(float64) <= 0 || d["E"].(float64) <= 0 {
				t.Fatalf("%s: want %s of %s, got %v", stream, want, id, d)
			}
			if want == "orderFill" && (str(d, "l") != "0.5" || str(d, "X") != "Filled" || str(d, "fillType") != "User" ||
				str(d, "N") != "USDC" || str(d, "n") == "" || str(d, "L") != "100000") {
				t.Fatalf("fill %v", d)
			}
		}
	}
	sAsk, sBid := strconv.FormatUint(ask, 10), strconv.FormatUint(bid, 10)
	wantOrders(ca, "account.orderUpdate", sAsk, "orderAccepted", "orderFill")
	wantOrders(cb, "account.orderUpdate.BTC_USDC_PERP", sBid, "orderAccepted", "orderFill")

	pa := ca.await(wait, func(m wsMsg) bool { return m.Stream == "account.positionUpdate" }).Data
	if str(pa, "e") != "positionOpened" || str(pa, "q") != "-0.5" || str(pa, "B") != "100000" || str(pa, "l") != "0" ||
		str(pa, "M") != "100000" || str(pa, "f") == "0" || str(pa, "m") == "0" || str(pa, "Q") != "-0.5" ||
		str(pa, "n") != "-50000" || str(pa, "marginMode") != "Cross" || pa["adlRank"] == nil || str(pa, "i") == "" {
		t.Fatalf("alice's position %v", pa)
	}
	pb := cb.await(wait, func(m wsMsg) bool { return m.Stream == "account.positionUpdate.BTC_USDC_PERP" }).Data
	if str(pb, "e") != "positionOpened" || str(pb, "q") != "0.5" || str(pb, "P") != "0" || str(pb, "p") != "0" {
		t.Fatalf("bob's position %v", pb)
	}
	for _, m := range append(ca.collect(100*time.Millisecond), cb.collect(50*time.Millisecond)...) {
		if str(m.Data, "i") == sBid && m.Stream == "account.orderUpdate" || str(m.Data, "i") == sAsk && m.Stream != "account.orderUpdate" {
			t.Fatalf("an update reached the other account: %v %v", m.Stream, m.Data)
		}
	}

	// A new subscriber gets the open positions at once, without e.
	cc := e.dial()
	cc.subscribePrivate(alice, "account.positionUpdate")
	snap := cc.next(wait)
	if snap.Stream != "account.positionUpdate" || snap.Data["e"] != nil || str(snap.Data, "q") != "-0.5" {
		t.Fatalf("snapshot %+v", snap)
	}
}

// A private subscription with a bad signature, an unknown key, an expired
// timestamp or no signature is refused with an error; the connection stays
// and a correct one then works.
func TestPrivateRefused(t *testing.T) {
	e := newEnv(t, nil)
	alice := e.account(100_000)
	_, stranger, _ := ed25519.GenerateKey(nil)
	c := e.dial()
	now := time.Now().UnixMilli()
	bad := signature(alice.key, now)
	bad[2] = strconv.FormatInt(now+1, 10) // signed over another timestamp
	forged := signature(stranger, now)
	forged[0] = signature(alice.key, now)[0] // alice's key, a stranger's signature
	for name, sig := range map[string][]string{
		"bad signature": bad,
		"forged":        forged,
		"unknown key":   signature(stranger, now),
		"expired":       signature(alice.key, now-60_000),
		"short":         {"x"},
		"garbage key":   {"!!", "!!", "1", "5000"},
	} {
		c.request("SUBSCRIBE", []string{"account.orderUpdate"}, sig)
		m := c.next(wait)
		if m.Error == nil || m.Error.Code != CodeUnauthorized {
			t.Fatalf("%s: %+v", name, m)
		}
	}
	if n := e.hub.Stats().Subscriptions; n != 0 {
		t.Fatalf("%d subscriptions after refusals", n)
	}
	c.subscribePrivate(alice, "account.orderUpdate")
	e.subscribed(1)
	e.index("100000")
	e.limit(alice, engine.Bid, 99000, 0.1)
	if m := c.await(wait, func(m wsMsg) bool { return m.Stream == "account.orderUpdate" }); str(m.Data, "e") != "orderAccepted" {
		t.Fatalf("after refusals: %v", m.Data)
	}
}
