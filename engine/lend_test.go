package engine

import (
	"testing"

	"pgregory.net/rapid"

	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
	"github.com/waterfallrisk/waterfall/engine/lending"
)

// TestLendingCommandNames: the journal's kind numbers are append only, and
// every kind has a name.
func TestLendingCommandNames(t *testing.T) {
	if len(commandNames) != int(CmdKinds) {
		t.Fatalf("%d command names for %d kinds", len(commandNames), CmdKinds)
	}
	want := map[CommandKind]string{CmdAdjustMargin: "adjust-margin", CmdLend: "lend", CmdRedeem: "redeem",
		CmdBorrow: "borrow", CmdRepay: "repay"}
	for k, name := range want {
		if k.String() != name {
			t.Errorf("kind %d is %q, want %q", k, k, name)
		}
	}
	if CmdAdjustMargin != 15 || CmdLend != 16 || CmdRepay != 19 {
		t.Fatal("command kind numbers moved: the journal format is append only")
	}
	if len(eventNames) != int(EvInterest)+1 {
		t.Fatalf("%d event names for %d kinds", len(eventNames), EvInterest)
	}
}

// TestLendingProperty: random lends, redemptions, borrows, repayments, BTC
// price moves and hours of interest, over a few accounts. After every
// command the invariants hold (pool identity, pool cash = what the ledger
// moved, shares sum to the pool's totals) and a refusal changes nothing.
// At the end every debt is repaid and every claim redeemed: each pool's cash
// is then exactly its house share (fee and rounding), to the smallest unit,
// and per asset Σ balances + pool cash = the deposits.
func TestLendingProperty(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		cfg := config.Default()
		e, err := New(cfg)
		if err != nil {
			rt.Fatal(err)
		}
		btc, _ := cfg.AssetBySymbol("BTC")
		usdc := e.settle
		do := func(c Command) bool {
			before, seq := e.StateHash(), e.Seq()
			_, err := e.Apply(&c)
			if ierr := e.CheckInvariants(); ierr != nil {
				rt.Fatalf("%v %+v: invariant: %v", c.Kind, c, ierr)
			}
			if err != nil && (e.StateHash() != before || e.Seq() != seq) {
				rt.Fatalf("refused %v changed the state: %v", c.Kind, err)
			}
			return err == nil
		}
		const n = 4
		var ids []AccountID
		for range n {
			do(Command{Kind: CmdCreateAccount})
			ids = append(ids, AccountID(len(e.accounts)-1)) //nolint:gosec // small
		}
		deposits := map[config.AssetID]int64{}
		for _, id := range ids {
			for _, a := range []config.AssetID{usdc, btc} {
				amt := rapid.Int64Range(1, 1e12).Draw(rt, "deposit")
				if do(Command{Kind: CmdDeposit, Account: id, Asset: a, Amount: amt}) {
					deposits[a] += amt
				}
			}
		}
		do(Command{Kind: CmdSetIndexPrice, Asset: btc, Amount: rapid.Int64Range(1e11, 1e13).Draw(rt, "btc")})
		do(Command{Kind: CmdAdvanceTime, Amount: 3_600_000})
		for _, id := range ids[:2] { // two lenders to start: borrows find cash
			for _, a := range []config.AssetID{usdc, btc} {
				do(Command{Kind: CmdLend, Account: id, Asset: a, Amount: rapid.Int64Range(1, 5e11).Draw(rt, "lend")})
			}
		}
		steps := rapid.IntRange(1, 60).Draw(rt, "steps")
		for range steps {
			id := rapid.SampledFrom(ids).Draw(rt, "account")
			asset := rapid.SampledFrom([]config.AssetID{usdc, btc}).Draw(rt, "asset")
			amt := rapid.OneOf(rapid.Int64Range(0, 1e9), rapid.Int64Range(0, 2e11)).Draw(rt, "amount")
			switch rapid.IntRange(0, 7).Draw(rt, "op") {
			case 7: // Backpack's netting request: all or nothing
				side := rapid.SampledFrom([]Side{Bid, Ask}).Draw(rt, "side")
				do(Command{Kind: CmdBorrowLend, Account: id, Asset: asset, Amount: amt, Side: side})
			case 0:
				do(Command{Kind: CmdLend, Account: id, Asset: asset, Amount: amt})
			case 1:
				do(Command{Kind: CmdRedeem, Account: id, Asset: asset, Amount: amt})
			case 2:
				do(Command{Kind: CmdBorrow, Account: id, Asset: asset, Amount: amt})
			case 3:
				do(Command{Kind: CmdRepay, Account: id, Asset: asset, Amount: amt})
			case 4:
				do(Command{Kind: CmdSetIndexPrice, Asset: btc, Amount: rapid.Int64Range(1e11, 1e13).Draw(rt, "btc")})
			default:
				hours := rapid.Int64Range(1, 200).Draw(rt, "hours")
				do(Command{Kind: CmdAdvanceTime, Amount: e.Now() + hours*3_600_000 + rapid.Int64Range(0, 3_599_999).Draw(rt, "ms")})
			}
		}
		// Close everything: top up what a debt needs (interest), repay, redeem.
		for i := range e.pools {
			asset := e.pools[i].asset
			for _, id := range ids {
				if e.accounts[id].borrowed[i] == 0 {
					continue
				}
				_, debt, _ := e.lendPosition(id, i)
				if do(Command{Kind: CmdDeposit, Account: id, Asset: asset, Amount: debt}) {
					deposits[asset] += debt
				}
				if !do(Command{Kind: CmdRepay, Account: id, Asset: asset}) || e.accounts[id].borrowed[i] != 0 {
					rt.Fatalf("account %d: a full repay left %d shares", id, e.accounts[id].borrowed[i])
				}
			}
		}
		for i := range e.pools {
			for _, id := range ids {
				if e.accounts[id].lent[i] == 0 {
					continue
				}
				if !do(Command{Kind: CmdRedeem, Account: id, Asset: e.pools[i].asset}) || e.accounts[id].lent[i] != 0 {
					rt.Fatalf("account %d: a full redemption left %d shares", id, e.accounts[id].lent[i])
				}
			}
		}
		for i := range e.pools {
			p := &e.pools[i].p
			house, err := p.HouseAmount()
			if err != nil || p.Lent != 0 || p.Borrowed != 0 {
				rt.Fatalf("pool %d not empty: %+v", i, *p)
			}
			// Cash·scale = house exactly (Pool.Check with no shares); house
			// in whole units is then the cash.
			if house != p.Cash || p.House().Cmp(fixed.Wide(p.Cash, lending.IndexScale)) != 0 {
				rt.Fatalf("pool %d: cash %d, house %d", i, p.Cash, house)
			}
		}
		checkHeld(rt, e, deposits)
	})
}

// checkHeld requires, per asset, every account's balance plus the pools'
// cash to equal what was deposited (deposits: net of withdrawals).
func checkHeld(rt *rapid.T, e *Engine, deposits map[config.AssetID]int64) {
	for asset, dep := range deposits {
		sum := int64(0)
		for id := range e.accounts {
			sum += e.ledger.Balance(uint32(id), int(asset)) //nolint:gosec // small
		}
		for i := range e.pools {
			if e.pools[i].asset == asset {
				sum += e.pools[i].p.Cash
			}
		}
		if sum != dep {
			rt.Fatalf("%s: balances + pool cash %d ≠ deposits %d", e.cfg.Assets[asset].Symbol, sum, dep)
		}
	}
}

// Backpack's borrowLendExecute (CmdBorrowLend) first closes the opposite
// position, all or nothing: a borrow beyond the claim that the pool or the
// margin refuses leaves the claim unredeemed; one it allows redeems the claim and
// borrows the rest; a lend beyond the debt repays it and lends the rest.
func TestBorrowLendNetsAllOrNothing(t *testing.T) {
	e, ids := newTestEngine(t, 2)
	pool, trader := ids[0], ids[1]
	usdc := e.settle
	const unit = 1_000_000 // USDC has 6 decimals
	apply(t, e, Command{Kind: CmdDeposit, Account: pool, Asset: usdc, Amount: 1_000_000 * unit})
	apply(t, e, Command{Kind: CmdLend, Account: pool, Asset: usdc, Amount: 1_000_000 * unit})
	apply(t, e, Command{Kind: CmdDeposit, Account: trader, Asset: usdc, Amount: 1_000 * unit})
	apply(t, e, Command{Kind: CmdLend, Account: trader, Asset: usdc, Amount: 1_000 * unit})
	position := func() (claim, debt int64) {
		i, _ := e.poolOf(usdc)
		c, d, _ := e.lendPosition(trader, i)
		return c, d
	}
	// A 999,000 borrow after the 1,000 redeemed: past the pool's 95% maximum
	// utilization and what 1,000 of equity backs. Refused, nothing redeemed.
	before := e.StateHash()
	if _, err := e.Apply(&Command{Kind: CmdBorrowLend, Account: trader, Asset: usdc, Amount: 1_000_000 * unit, Side: Ask}); err == nil {
		t.Fatal("a borrow beyond the margin was accepted")
	}
	if c, d := position(); e.StateHash() != before || c != 1_000*unit || d != 0 {
		t.Fatalf("a refused request changed the position: claim %d, debt %d", c, d)
	}
	// Borrow 1,500: redeem the 1,000 claim, borrow 500.
	apply(t, e, Command{Kind: CmdBorrowLend, Account: trader, Asset: usdc, Amount: 1_500 * unit, Side: Ask})
	if c, d := position(); c != 0 || d != 500*unit {
		t.Fatalf("after borrowing 1,500: claim %d, debt %d; want 0 and 500", c, d)
	}
	// Lend 700: repay the 500, lend 200.
	apply(t, e, Command{Kind: CmdBorrowLend, Account: trader, Asset: usdc, Amount: 700 * unit, Side: Bid})
	if c, d := position(); c != 200*unit || d != 0 {
		t.Fatalf("after lending 700: claim %d, debt %d; want 200 and 0", c, d)
	}
	if err := e.CheckInvariants(); err != nil {
		t.Fatal(err)
	}
}
