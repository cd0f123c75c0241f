package readmodel

import (
	"context"
	"testing"

	"github.com/waterfallrisk/waterfall/engine"
)

// TestBorrowLendHistory: every lending movement of a user is a row with its
// event type and signed delta; the
// principal of a position restarts once it is flat, so net − principal is
// the interest the position accrued.
func TestBorrowLendHistory(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.advance(1) // engine time starts
	usdc := e.asset("USDC")
	e.index("BTC", "100000")
	alice, bob := e.account(), e.account()
	e.deposit(alice, "USDC", "100000")
	e.deposit(bob, "BTC", "1")
	submit := func(k engine.CommandKind, a engine.AccountID, amount int64) []engine.Event {
		t.Helper()
		return e.Submit(engine.Command{Kind: k, Account: a, Asset: usdc, Amount: amount})
	}
	// Bob's automatic repayment is off: the deposit below stays in his
	// balance (the source table's automatic rows: server/backpack's test).
	e.Submit(engine.Command{Kind: engine.CmdSetLendingFlags, Account: bob, Amount: 0})
	submit(engine.CmdLend, alice, 50_000_000_000)
	submit(engine.CmdBorrow, bob, 10_000_000_000)
	e.advance(3_600_000) // one engine hour: interest
	submit(engine.CmdRepay, bob, 4_000_000_000)
	e.deposit(bob, "USDC", "1")            // the interest
	evs := submit(engine.CmdRepay, bob, 0) // all of it: flat
	var paid int64
	for _, ev := range evs {
		if ev.Kind == engine.EvBorrowLend {
			paid = ev.Amount
		}
	}
	submit(engine.CmdBorrow, bob, 1_000_000_000) // a new position
	e.sync()

	moves, err := e.m.BorrowLendMoves(ctx, BorrowLendFilter{Account: bob})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		typ          int64
		amount, delt int64
	}{
		{EventBorrow, 10_000_000_000, -10_000_000_000},
		{EventBorrowRepay, 4_000_000_000, 4_000_000_000},
		{EventBorrowRepay, paid, paid},
		{EventBorrow, 1_000_000_000, -1_000_000_000},
	}
	if len(moves) != len(want) {
		t.Fatalf("bob's moves: %+v", moves)
	}
	for i, w := range want {
		m := moves[i]
		if m.EventType != w.typ || m.Amount != w.amount || m.Delta != w.delt || m.Asset != usdc || m.Source != engine.SourceBorrow && m.Source != engine.SourceRepay {
			t.Errorf("move %d: %+v, want %+v", i, m, w)
		}
	}
	// The new debt is read from its shares, rounded up: a unit above at most.
	if moves[2].Net != 0 || moves[3].Net > -1_000_000_000 || moves[3].Net < -1_000_000_001 {
		t.Fatalf("positions after: %d, %d", moves[2].Net, moves[3].Net)
	}
	// The hour's interest: what bob repaid past 10,000 (the debt grew).
	if interest := 4_000_000_000 + paid - 10_000_000_000; interest <= 0 || interest > 30_000 {
		t.Fatalf("bob's interest over an hour: %d units", interest)
	}

	// Filters: event type and time window.
	repays, err := e.m.BorrowLendMoves(ctx, BorrowLendFilter{Account: bob, EventTypes: []int64{EventBorrowRepay}, Page: Page{Desc: true, Limit: 1}})
	if err != nil || len(repays) != 1 || repays[0].Amount != paid {
		t.Fatalf("last repay: %+v %v", repays, err)
	}

	// Principal: bob's new position only; alice's whole lend.
	pr, err := e.m.BorrowLendPrincipal(ctx, bob, e.seq.Stats().Seq)
	if err != nil || pr[usdc] != -1_000_000_000 {
		t.Fatalf("bob's principal %v %v", pr, err)
	}
	pr, err = e.m.BorrowLendPrincipal(ctx, alice, e.seq.Stats().Seq)
	if err != nil || pr[usdc] != 50_000_000_000 {
		t.Fatalf("alice's principal %v %v", pr, err)
	}
	// As of an earlier sequence: before bob went flat.
	pr, err = e.m.BorrowLendPrincipal(ctx, bob, moves[1].Seq)
	if err != nil || pr[usdc] != -6_000_000_000 {
		t.Fatalf("bob's principal at his first repay: %v %v", pr, err)
	}

	if count(t, e.m.DB, "borrow_lend") != 5 { // alice 1, bob 4
		t.Fatalf("borrow_lend rows: %d", count(t, e.m.DB, "borrow_lend"))
	}
}
