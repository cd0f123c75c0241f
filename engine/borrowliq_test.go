package engine

import (
	"slices"
	"testing"

	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
	"pgregory.net/rapid"
)

// TestBorrowLiquidationProperty: borrowers of USDC and BTC with no
// perpetual position, a market maker quoting BTC_USDC around the index,
// random borrows, repayments, BTC index shocks and hours of interest.
// After every command the invariants hold (pool identity, pool cash = what
// the ledger moved, shares = the pool's totals), a refusal changes nothing,
// and after every detection (an index move, a sweep) no account it
// concerns is liquidatable without being in liquidation. At the end every debt is repaid and every claim redeemed, and per
// asset Σ balances + pool cash = the deposits less the withdrawals (conversions, their fees and
// the insurance fund move money between accounts, never create it).
func TestBorrowLiquidationProperty(t *testing.T) {
	var runs, liquidated, stuck int
	seen := map[Source]int{} // lending movements by source, to show what the runs reached
	defer func() {
		t.Logf("%d runs, %d with a liquidation, %d with one left (no liquidity, or a deficit the fund cannot cover) to the closing repay; borrow-lend movements %v",
			runs, liquidated, stuck, seen)
	}()
	rapid.Check(t, func(rt *rapid.T) {
		cfg := config.Default()
		e, err := New(cfg)
		if err != nil {
			rt.Fatal(err)
		}
		btc, _ := cfg.AssetBySymbol("BTC")
		spot, _ := cfg.MarketBySymbol("BTC_USDC")
		m := &e.markets[spot]
		usdc := e.settle
		runs++
		liquidations := 0
		var ids []AccountID
		do := func(c Command) bool {
			before, seq, sweepBefore := e.StateHash(), e.Seq(), e.nextSweep
			evs, err := e.Apply(&c)
			for i := range evs {
				if evs[i].Kind == EvBorrowLend {
					seen[evs[i].Source]++
				}
			}
			if ierr := e.CheckInvariants(); ierr != nil {
				rt.Fatalf("%v %+v: invariant: %v", c.Kind, c, ierr)
			}
			if err != nil && (e.StateHash() != before || e.Seq() != seq) {
				rt.Fatalf("refused %v changed the state: %v", c.Kind, err)
			}
			// After a detection (an index move: the accounts it concerns;
			// a sweep: all), no account is liquidatable and not in
			// liquidation. Between detections one may be, by a rounding
			// unit of a repayment, until the next sweep.
			swept := e.nextSweep != sweepBefore
			for id := e.firstUser; int(id) < len(e.accounts); id++ {
				a := &e.accounts[id]
				if a.liquidating {
					liquidations++
				}
				detected := swept || err == nil && c.Kind == CmdSetIndexPrice && e.touches(id, c.Asset)
				if detected && !a.liquidating && !a.system && e.liquidatable(id) {
					rt.Fatalf("after %v %+v: account %d is liquidatable and not in liquidation", c.Kind, c, id)
				}
			}
			return err == nil
		}
		deposits := map[config.AssetID]int64{}
		deposit := func(id AccountID, a config.AssetID, amt int64) {
			if do(Command{Kind: CmdDeposit, Account: id, Asset: a, Amount: amt}) {
				deposits[a] += amt
			}
		}
		newAccount := func() AccountID {
			do(Command{Kind: CmdCreateAccount})
			return AccountID(len(e.accounts) - 1) //nolint:gosec // small
		}
		do(Command{Kind: CmdAdvanceTime, Amount: 1000})
		do(Command{Kind: CmdSetIndexPrice, Asset: btc, Amount: 50_000 * fixed.PriceScale})
		lender, mm := newAccount(), newAccount()
		// Deep pools, or shallow ones the borrowers soon lend out (a
		// liquidating lender then meets lend-side ADL).
		lentU, lentB := int64(1e13), int64(1e10)
		if rapid.Bool().Draw(rt, "shallow pools") {
			lentU, lentB = 1e9, 1e6
		}
		deposit(lender, usdc, lentU)
		deposit(lender, btc, lentB)
		do(Command{Kind: CmdLend, Account: lender, Asset: usdc, Amount: lentU})
		do(Command{Kind: CmdLend, Account: lender, Asset: btc, Amount: lentB})
		if rapid.Bool().Draw(rt, "insurance") { // a fund that can cover deficits, or only the fees
			deposit(AccountInsurance, usdc, 1e12)
		}
		deposit(mm, usdc, 1e15)
		deposit(mm, btc, 1e11)
		const n = 4
		for range n {
			id := newAccount()
			ids = append(ids, id)
			// One collateral asset mostly, a little of the other.
			u, b := rapid.Int64Range(1e9, 1e11).Draw(rt, "usdc"), rapid.Int64Range(1e6, 1e9).Draw(rt, "btc")
			if rapid.Bool().Draw(rt, "btc collateral") {
				u /= 1000
			} else {
				b /= 1000
			}
			deposit(id, usdc, u) // 1 to 100,000 USDC
			deposit(id, btc, b)  // 0.00001 to 10 BTC
		}
		// quote replaces mm's BTC_USDC quotes around the index (when depth
		// draws true; else the book stays empty on that side or both).
		quote := func() {
			do(Command{Kind: CmdCancelAll, Account: mm, Market: spot})
			idx := e.index[btc]
			spread := rapid.Int64Range(1, 50).Draw(rt, "spread")                                       // in 0.1%
			lots := (int64(1e10) >> rapid.IntRange(0, 40).Draw(rt, "depth halvings")) / m.cfg.StepSize // 100 BTC down
			if lots == 0 {
				return
			}
			bid, _ := fixed.MulDiv(idx, 1000-spread, 1000, fixed.Floor)
			ask, _ := fixed.MulDiv(idx, 1000+spread, 1000, fixed.Ceil)
			do(Command{Kind: CmdPlaceOrder, Account: mm, Market: spot, Side: Bid, Type: Limit, Price: m.priceTicks(bid, fixed.Floor), Quantity: lots})
			do(Command{Kind: CmdPlaceOrder, Account: mm, Market: spot, Side: Ask, Type: Limit, Price: m.priceTicks(ask, fixed.Ceil), Quantity: lots})
		}
		quote()
		steps := rapid.IntRange(1, 60).Draw(rt, "steps")
		for range steps {
			id := rapid.SampledFrom(ids).Draw(rt, "account")
			asset := rapid.SampledFrom([]config.AssetID{usdc, btc}).Draw(rt, "asset")
			switch rapid.IntRange(0, 8).Draw(rt, "op") {
			case 6:
				// Any combination of the lending flags.
				do(Command{Kind: CmdSetLendingFlags, Account: id, Amount: int64(rapid.IntRange(0, int(allLendingFlags)).Draw(rt, "flags"))})
			case 7:
				// A spot order at the touch, possibly beyond the balance:
				// spot margin (auto-borrow, auto-redeem, auto-repay).
				side := rapid.SampledFrom([]Side{Bid, Ask}).Draw(rt, "side")
				lots := max(rapid.Int64Range(1, 1e9).Draw(rt, "lots")/m.cfg.StepSize, m.cfg.MinQty)
				px, _ := fixed.MulDiv(e.index[btc], 1050, 1000, fixed.Ceil)
				if side == Ask {
					px, _ = fixed.MulDiv(e.index[btc], 950, 1000, fixed.Floor)
				}
				do(Command{Kind: CmdPlaceOrder, Account: id, Market: spot, Side: side, Type: Limit, TimeInForce: IOC, Price: m.priceTicks(px, fixed.Floor), Quantity: lots})
			case 8:
				// Lend part of the free balance: a liquidation redeems it,
				// or closes it against the borrowers (lend-side ADL).
				if free := e.freeBalance(id, asset); free > 1 {
					do(Command{Kind: CmdLend, Account: id, Asset: asset, Amount: rapid.Int64Range(1, free).Draw(rt, "lend")})
				}
			case 0, 1:
				// Borrow, then take out what was borrowed: a short sale.
				// A short sale: borrow and take it out, the largest amount
				// the margin allows, halving from a large one (a borrow whose
				// withdrawal is refused is repaid). Sometimes the borrowed
				// amount stays in the account.
				amt := int64(1e12) >> rapid.IntRange(0, 30).Draw(rt, "halvings") // 1,000,000 USDC down
				if asset == btc {
					amt = int64(1e10) >> rapid.IntRange(0, 30).Draw(rt, "halvings") // 100 BTC down
				}
				keep := rapid.IntRange(0, 3).Draw(rt, "keep") == 3
				for ; amt > 0; amt /= 2 {
					if !do(Command{Kind: CmdBorrow, Account: id, Asset: asset, Amount: amt}) {
						continue
					}
					if keep {
						break
					}
					if do(Command{Kind: CmdWithdraw, Account: id, Asset: asset, Amount: amt}) {
						deposits[asset] -= amt
						break
					}
					do(Command{Kind: CmdRepay, Account: id, Asset: asset, Amount: amt})
				}
			case 2:
				do(Command{Kind: CmdRepay, Account: id, Asset: asset, Amount: rapid.Int64Range(0, 1e10).Draw(rt, "amount")})
			case 3, 4:
				// A shock of 2% to 20%, either way.
				shock := rapid.Int64Range(20, 200).Draw(rt, "shock")
				if rapid.Bool().Draw(rt, "down") {
					shock = -shock
				}
				p, _ := fixed.MulDiv(e.index[btc], 1000+shock, 1000, fixed.Floor)
				do(Command{Kind: CmdSetIndexPrice, Asset: btc, Amount: max(p, fixed.PriceScale)})
				quote()
			default:
				ms := rapid.Int64Range(1, 3*3_600_000).Draw(rt, "ms")
				do(Command{Kind: CmdAdvanceTime, Amount: e.Now() + ms})
			}
		}
		// A snapshot restores the borrower list (derived) as it was.
		data, err := e.Snapshot()
		if err != nil {
			rt.Fatal(err)
		}
		r, err := Restore(cfg, data)
		if err != nil {
			rt.Fatal(err)
		}
		if !slices.Equal(r.liq.borrowers, e.liq.borrowers) || r.StateHash() != e.StateHash() {
			rt.Fatalf("restored borrowers %v, had %v", r.liq.borrowers, e.liq.borrowers)
		}
		// Two ticks on the last quotes: what is still liquidating then has
		// no liquidity or is bankrupt beyond what the fund can cover.
		do(Command{Kind: CmdAdvanceTime, Amount: e.Now() + 2*e.cfg.Liquidation.TickMs})
		for _, id := range ids {
			if e.accounts[id].liquidating {
				stuck++
				break
			}
		}
		// Close everything: the default flags back (autoLend would lend
		// the top-ups away), top up what a debt needs, repay, let the
		// liquidations end, redeem.
		for _, id := range ids {
			do(Command{Kind: CmdSetLendingFlags, Account: id, Amount: int64(DefaultLendingFlags)})
		}
		for i := range e.pools {
			asset := e.pools[i].asset
			for _, id := range ids {
				if e.accounts[id].borrowed[i] == 0 {
					continue
				}
				_, debt, _ := e.lendPosition(id, i)
				// A USDC balance may be negative (a liability the collateral
				// backs): the top-up covers it too.
				deposit(id, asset, debt+max(-e.freeBalance(id, asset), 0))
				if !do(Command{Kind: CmdRepay, Account: id, Asset: asset}) || e.accounts[id].borrowed[i] != 0 {
					rt.Fatalf("account %d: a full repay left %d shares", id, e.accounts[id].borrowed[i])
				}
			}
		}
		do(Command{Kind: CmdAdvanceTime, Amount: e.Now() + 2*e.cfg.Liquidation.TickMs})
		for id := e.firstUser; int(id) < len(e.accounts); id++ {
			if e.accounts[id].liquidating {
				rt.Fatalf("account %d still liquidating with no debt", id)
			}
		}
		for i := range e.pools {
			for _, id := range append([]AccountID{lender}, ids...) {
				if e.accounts[id].lent[i] == 0 {
					continue
				}
				if !do(Command{Kind: CmdRedeem, Account: id, Asset: e.pools[i].asset}) || e.accounts[id].lent[i] != 0 {
					rt.Fatalf("account %d: a full redemption left %d shares", id, e.accounts[id].lent[i])
				}
			}
		}
		checkHeld(rt, e, deposits)
		if liquidations > 0 {
			liquidated++
		}
	})
}
