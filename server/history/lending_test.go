package history

import (
	"testing"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/fixed"
	"github.com/waterfallrisk/waterfall/server/backpack"
)

// TestBorrowLendHistory: the movements of lending positions, with
// Backpack's eventType and source, the filters, and the positions they make
// (open and closed) with their exact interest.
func TestBorrowLendHistory(t *testing.T) {
	e := newEnv(t)
	e.advance(1)
	e.index("BTC", "100000")
	alice, bob := e.user(1, "100000"), e.user(2, "1")
	e.Deposit(bob.id, "BTC", "1")
	usdc := e.Asset("USDC")
	submit := func(k engine.CommandKind, u *user, amount int64) {
		t.Helper()
		e.Submit(engine.Command{Kind: k, Account: u.id, Asset: usdc, Amount: amount})
	}
	submit(engine.CmdLend, alice, 50_000_000_000)
	submit(engine.CmdBorrow, bob, 10_000_000_000)
	e.advance(3_600_000)
	submit(engine.CmdRepay, bob, 0) // all: flat, interest paid
	submit(engine.CmdBorrow, bob, 2_000_000_000)

	l := list(t, e.call(bob, "/wapi/v1/history/borrowLend", map[string]any{"sortDirection": "Asc"}))
	if len(l) != 3 {
		t.Fatalf("bob's movements: %v", l)
	}
	shape(t, l[0], []string{"eventType", "positionId", "positionQuantity", "quantity", "source", "symbol", "timestamp"}, nil, nil,
		[]string{"spotMarginOrderId"})
	id := backpack.BorrowLendPositionID(bob.id, usdc)
	if l[0]["eventType"] != "Borrow" || l[0]["quantity"] != "10000" || l[0]["positionQuantity"] != "-10000" ||
		l[0]["source"] != "Manual" || l[0]["symbol"] != "USDC" || l[0]["positionId"] != id {
		t.Fatalf("bob's borrow: %v", l[0])
	}
	if l[1]["eventType"] != "BorrowRepay" || l[1]["positionQuantity"] != "0" || l[2]["eventType"] != "Borrow" {
		t.Fatalf("bob's repay and new borrow: %v", l[1:])
	}
	repaid, err := fixed.ParseDecimal(l[1]["quantity"].(string), 6)
	if err != nil || repaid <= 10_000_000_000 {
		t.Fatalf("the repay must include the hour's interest: %v", l[1])
	}

	// Filters: type, sources, symbol, positionId, limit (newest first).
	if f := list(t, e.call(bob, "/wapi/v1/history/borrowLend", map[string]any{"type": "BorrowRepay"})); len(f) != 1 || f[0]["quantity"] != l[1]["quantity"] {
		t.Fatalf("type BorrowRepay: %v", f)
	}
	if f := list(t, e.call(bob, "/wapi/v1/history/borrowLend", map[string]any{"sources": "AutoLend,Liquidation"})); len(f) != 0 {
		t.Fatalf("sources AutoLend,Liquidation: %v", f)
	}
	if f := list(t, e.call(bob, "/wapi/v1/history/borrowLend", map[string]any{"symbol": "BTC"})); len(f) != 0 {
		t.Fatalf("symbol BTC: %v", f)
	}
	if f := list(t, e.call(bob, "/wapi/v1/history/borrowLend", map[string]any{"positionId": "7"})); len(f) != 0 {
		t.Fatalf("an unknown positionId: %v", f)
	}
	if f := list(t, e.call(bob, "/wapi/v1/history/borrowLend", map[string]any{"positionId": id, "limit": 1})); len(f) != 1 || f[0]["quantity"] != "2000" {
		t.Fatalf("newest of the position: %v", f)
	}
	if f := list(t, e.call(alice, "/wapi/v1/history/borrowLend", nil)); len(f) != 1 || f[0]["eventType"] != "Lend" || f[0]["positionQuantity"] != "50000" {
		t.Fatalf("alice's movements: %v", f)
	}

	// Positions: bob's closed one (interest = 10000 − repaid) and his open one.
	ps := list(t, e.call(bob, "/wapi/v1/history/borrowLend/positions", nil))
	if len(ps) != 2 {
		t.Fatalf("bob's positions: %v", ps)
	}
	shape(t, ps[0], []string{"positionId", "quantity", "symbol", "source", "cumulativeInterest", "side", "createdAt", "state"}, nil, nil, nil)
	open, closed := ps[0], ps[1] // newest first
	interest := fixed.FormatDecimal(10_000_000_000-repaid, 6)
	if closed["state"] != "Closed" || closed["side"] != "Borrow" || closed["quantity"] != "0" || closed["cumulativeInterest"] != interest ||
		closed["source"] != "Manual" {
		t.Fatalf("bob's closed position: %v, want interest %s", closed, interest)
	}
	if open["state"] != "Open" || open["side"] != "Borrow" || open["quantity"] != "-2000" && open["quantity"] != "-2000.000001" {
		t.Fatalf("bob's open position: %v", open)
	}
	if f := list(t, e.call(bob, "/wapi/v1/history/borrowLend/positions", map[string]any{"state": "Closed"})); len(f) != 1 || f[0]["state"] != "Closed" {
		t.Fatalf("state Closed: %v", f)
	}
	if f := list(t, e.call(bob, "/wapi/v1/history/borrowLend/positions", map[string]any{"side": "Lend"})); len(f) != 0 {
		t.Fatalf("side Lend: %v", f)
	}
	if f := list(t, e.call(alice, "/wapi/v1/history/borrowLend/positions", map[string]any{"side": "Lend"})); len(f) != 1 || f[0]["cumulativeInterest"] != "0" {
		t.Fatalf("alice's lend (interest since her last movement: none): %v", f)
	}
}
