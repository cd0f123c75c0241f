package engine

import (
	"errors"
	"fmt"

	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
	"github.com/waterfallrisk/waterfall/engine/lending"
	"github.com/waterfallrisk/waterfall/engine/risk"
)

// Lending pools (issue #5 point 1, docs/policies.md "Lending"): one
// lending.Pool per configured pool, and per account and pool the lend and
// borrow shares it holds (account.lent, account.borrowed).
//
// # Where the money is
//
// A pool's cash is real money, but it is held off the ledger, in the pool
// (lending.Pool.Cash): lending or repaying takes it out of the account's
// balance with a ledger withdrawal, redeeming or borrowing puts it back with a
// ledger deposit. The ledger's own invariant (Σ balances = deposits −
// withdrawals) therefore keeps holding, and the money that left the ledger
// for a pool is counted twice, independently: by the pool (Cash) and by the
// engine (pool.moved, the net amount the ledger has moved into the pool).
// CheckInvariants requires them equal, so per asset
//
//	external deposits − external withdrawals = Σ balances + pool cash
//
// with external = the ledger's totals less the pool's movements. Claims and
// debts are obligations between the pool and its accounts, off the ledger:
// they are shares times an index, and grow with interest while no balance
// moves. CheckInvariants also requires Pool.Check (cash + Σ debts = Σ claims
// + house, exactly, in sub-units) and, per pool, Σ account shares = the
// pool's share totals.
//
// # Margin
//
// Per asset, an account's holding for margin is balance + claim − debt (the
// claim rounded down, the debt up): a positive holding is collateral with the
// asset's haircut, a negative one a liability in full, as a negative balance
// is. Each debt also counts in exposure, its notional at the index with the
// pool's IMF and MMF (risk.Fractions). Interest is charged at every engine
// hour boundary (AccrueHour on every pool, an EvInterest per pool).

// pool is one configured lending pool and its state.
type pool struct {
	asset config.AssetID // from the configuration
	par   lending.Params // from the configuration
	p     lending.Pool
	moved int64 // net amount moved off the ledger into the pool: always p.Cash
}

// newPools makes one empty pool per configured pool.
func newPools(cfg *config.Config) []pool {
	var out []pool
	for _, lp := range cfg.Lending {
		out = append(out, pool{asset: lp.Asset, par: lending.ParamsOf(lp), p: lending.NewPool()})
	}
	return out
}

// poolIndex maps each asset to its pool's index (-1: none).
func poolIndex(cfg *config.Config) []int {
	out := make([]int, len(cfg.Assets))
	for i := range out {
		out[i] = -1
	}
	for i, lp := range cfg.Lending {
		out[lp.Asset] = i
	}
	return out
}

// poolOf returns the index of asset's pool, or an error.
func (e *Engine) poolOf(asset config.AssetID) (int, *Error) {
	if err := e.asset(asset); err != nil {
		return 0, err
	}
	for i := range e.pools {
		if e.pools[i].asset == asset {
			return i, nil
		}
	}
	return 0, errorf(CodeInvalidAsset, "%s has no lending pool", e.cfg.Assets[asset].Symbol)
}

// lendingError maps a pool refusal to an engine refusal.
func lendingError(op string, err error) *Error {
	switch {
	case errors.Is(err, lending.ErrThrottled):
		return errorf(CodePreconditionFailed, "%s: the pool is throttled", op)
	case errors.Is(err, lending.ErrMaxUtilization):
		return errorf(CodePreconditionFailed, "%s: the pool would pass its maximum utilization", op)
	case errors.Is(err, lending.ErrInsufficientCash):
		return errorf(CodeInsufficientFunds, "%s: not enough cash in the pool", op)
	case errors.Is(err, lending.ErrDust):
		return errorf(CodeInvalidQuantity, "%s: amount below one share", op)
	case errors.Is(err, lending.ErrExceedsPosition):
		return errorf(CodeInvalidQuantity, "%s: amount exceeds the position", op)
	}
	return errorf(CodeInvalidQuantity, "%s: %v", op, err)
}

// lendingUser checks what every lending command needs: a user account not in
// liquidation, an asset with a pool, an amount in range (0 allowed when
// zeroOK: the whole position).
func (e *Engine) lendingUser(c *Command, zeroOK bool) (*account, int, *Error) {
	a, err := e.user(c.Account)
	if err != nil {
		return nil, 0, err
	}
	i, err := e.poolOf(c.Asset)
	if err != nil {
		return nil, 0, err
	}
	if a.liquidating {
		return nil, 0, errorf(CodeAccountLiquidating, "account %d is being liquidated", c.Account)
	}
	if c.Amount < 0 || c.Amount > MaxAmount || (c.Amount == 0 && !zeroOK) {
		return nil, 0, errorf(CodeInvalidQuantity, "amount %d is out of range", c.Amount)
	}
	return a, i, nil
}

// lend moves Amount of the free balance into the pool for lend shares.
func (e *Engine) lend(c *Command) *Error {
	a, i, err := e.lendingUser(c, false)
	if err != nil {
		return err
	}
	free := e.ledger.Balance(uint32(c.Account), int(c.Asset)) - a.locked[c.Asset]
	if c.Amount > free {
		return errorf(CodeInsufficientFunds, "lend of %d exceeds the free balance %d", c.Amount, free)
	}
	return e.lendFrom(c.Account, i, c.Amount, SourceLend)
}

// lendFrom moves amount (at most the free balance: the caller checks) of the
// account's balance into pool i for lend shares.
func (e *Engine) lendFrom(id AccountID, i int, amount int64, src Source) *Error {
	a := &e.accounts[id]
	pl := &e.pools[i]
	q := pl.p
	shares, perr := q.Lend(amount)
	if perr != nil {
		return lendingError("lend", perr)
	}
	held, ferr := fixed.Add(a.lent[i], shares)
	if ferr != nil {
		return errorf(CodeInvalidQuantity, "lend: %v", ferr)
	}
	if err := e.ledger.Withdraw(uint32(id), int(pl.asset), amount); err != nil {
		return errorf(CodeInvalidQuantity, "lend: %v", err)
	}
	pl.p, pl.moved, a.lent[i] = q, pl.moved+amount, held
	e.emitBalance(id, pl.asset, -amount, src, id, 0)
	e.emitBorrowLend(id, i, src, amount)
	return nil
}

// redeem takes Amount of the account's claim (0 or more than the claim: all
// of it) out of the pool into its balance. A claim worth less than one unit
// (what a write-off can leave) is forfeited instead.
func (e *Engine) redeem(c *Command) *Error {
	a, i, err := e.lendingUser(c, true)
	if err != nil {
		return err
	}
	if a.lent[i] == 0 {
		return errorf(CodePreconditionFailed, "account %d lends no %s", c.Account, e.cfg.Assets[c.Asset].Symbol)
	}
	claim, cerr := e.pools[i].p.Claim(a.lent[i])
	if cerr != nil {
		return lendingError("redeem", cerr)
	}
	if claim == 0 { // shares a write-off left worth less than a unit: dropped
		e.forfeitClaim(c.Account, i)
		e.emitBorrowLend(c.Account, i, SourceRedeem, 0)
		return nil
	}
	amount := c.Amount
	if amount == 0 || amount > claim {
		amount = claim
	}
	return e.redeemTo(c.Account, i, amount, SourceRedeem, false)
}

// redeemTo pays amount (> 0, at most the claim) of the account's claim in
// pool i into its balance. force: the engine's own redemption (a liquidating
// lender), which no throttle or maximum utilization stops; cash still does.
func (e *Engine) redeemTo(id AccountID, i int, amount int64, src Source, force bool) *Error {
	a := &e.accounts[id]
	pl := &e.pools[i]
	held := a.lent[i]
	if bal := e.ledger.Balance(uint32(id), int(pl.asset)); bal > MaxAmount-amount {
		return errorf(CodeInvalidQuantity, "redeem of %d is out of range", amount)
	}
	q := pl.p
	var burnt int64
	var perr error
	if force {
		burnt, perr = q.ForceRedeem(held, amount)
	} else {
		burnt, perr = q.Redeem(pl.par, held, amount)
	}
	if perr != nil {
		return lendingError("redeem", perr)
	}
	if err := e.ledger.Deposit(uint32(id), int(pl.asset), amount); err != nil {
		return errorf(CodeInvalidQuantity, "redeem: %v", err)
	}
	pl.p, pl.moved, a.lent[i] = q, pl.moved-amount, held-burnt
	e.emitBalance(id, pl.asset, amount, src, id, 0)
	e.emitBorrowLend(id, i, src, amount)
	return nil
}

// borrow credits Amount from the pool to the balance and records the debt.
// Refused when the pool is throttled, would pass its maximum utilization, or
// the account's IMR would reach 100% with the debt.
func (e *Engine) borrow(c *Command) *Error {
	_, i, err := e.lendingUser(c, false)
	if err != nil {
		return err
	}
	return e.borrowTo(c.Account, i, c.Amount, SourceBorrow, true)
}

// borrowTo credits amount (> 0) from pool i to the account's balance and
// records the debt, under the pool's throttle and maximum utilization.
// checkMargin: refused when the account's IMR would reach 100% with it (a
// borrow the account asks for); without, a settlement's negative balance
// becoming a debt (it already counts in full).
func (e *Engine) borrowTo(id AccountID, i int, amount int64, src Source, checkMargin bool) *Error {
	a := &e.accounts[id]
	pl := &e.pools[i]
	if e.index[pl.asset] == 0 {
		return errorf(CodeInvalidPrice, "%s has no index price", e.cfg.Assets[pl.asset].Symbol)
	}
	if bal := e.ledger.Balance(uint32(id), int(pl.asset)); bal > MaxAmount-amount {
		return errorf(CodeInvalidQuantity, "borrow of %d is out of range", amount)
	}
	q := pl.p
	shares, perr := q.Borrow(pl.par, amount)
	if perr != nil {
		return lendingError("borrow", perr)
	}
	held, ferr := fixed.Add(a.borrowed[i], shares)
	if ferr != nil {
		return errorf(CodeInvalidQuantity, "borrow: %v", ferr)
	}
	// Evaluate the account with the debt recorded and the balance credited
	// (whatIf subtracts delta), then put both back if it may not.
	oldPool, oldHeld := pl.p, a.borrowed[i]
	pl.p, a.borrowed[i] = q, held
	if checkMargin {
		if r := e.marginOf(id, &whatIf{asset: pl.asset, delta: -amount}); !r.CanIncrease() {
			pl.p, a.borrowed[i] = oldPool, oldHeld
			return errorf(CodeInsufficientMargin, "borrow would put the account's IMR at or above 100%%")
		}
	}
	if err := e.ledger.Deposit(uint32(id), int(pl.asset), amount); err != nil {
		pl.p, a.borrowed[i] = oldPool, oldHeld
		return errorf(CodeInvalidQuantity, "borrow: %v", err)
	}
	pl.moved -= amount
	e.emitBalance(id, pl.asset, amount, src, id, 0)
	e.emitBorrowLend(id, i, src, amount)
	return nil
}

// repay pays Amount of the debt (0 or more than the debt: all of it) from the
// free balance.
func (e *Engine) repay(c *Command) *Error {
	a, err := e.user(c.Account)
	if err != nil {
		return err
	}
	i, err := e.poolOf(c.Asset)
	if err != nil {
		return err
	}
	if c.Amount < 0 || c.Amount > MaxAmount {
		return errorf(CodeInvalidQuantity, "amount %d is out of range", c.Amount)
	}
	pl := &e.pools[i]
	held := a.borrowed[i]
	if held == 0 {
		return errorf(CodePreconditionFailed, "account %d owes no %s", c.Account, e.cfg.Assets[c.Asset].Symbol)
	}
	debt, derr := pl.p.Debt(held)
	if derr != nil {
		return lendingError("repay", derr)
	}
	amount := c.Amount
	if amount == 0 || amount > debt {
		amount = debt
	}
	free := e.ledger.Balance(uint32(c.Account), int(c.Asset)) - a.locked[c.Asset]
	if amount > free {
		return errorf(CodeInsufficientFunds, "repay of %d exceeds the free balance %d", amount, free)
	}
	return e.repayShares(c.Account, i, amount, SourceRepay)
}

// repayShares pays amount (at most the debt and the free balance, checked
// by the caller) of the account's debt in pool i from its balance.
func (e *Engine) repayShares(id AccountID, i int, amount int64, src Source) *Error {
	a := &e.accounts[id]
	pl := &e.pools[i]
	held := a.borrowed[i]
	q := pl.p
	burnt, perr := q.Repay(held, amount)
	if perr != nil {
		return lendingError("repay", perr)
	}
	if err := e.ledger.Withdraw(uint32(id), int(pl.asset), amount); err != nil {
		return errorf(CodeInvalidQuantity, "repay: %v", err)
	}
	pl.p, pl.moved, a.borrowed[i] = q, pl.moved+amount, held-burnt
	e.emitBalance(id, pl.asset, -amount, src, id, 0)
	e.emitBorrowLend(id, i, src, amount)
	return nil
}

// emitBorrowLend reports a lending position change: Amount moved, and the
// position after as NetQuantity = claim − debt (asset units).
func (e *Engine) emitBorrowLend(id AccountID, i int, src Source, amount int64) {
	ev := e.emit(EvBorrowLend)
	ev.Account, ev.Asset, ev.Source, ev.Amount = id, e.pools[i].asset, src, amount
	claim, debt, _ := e.lendPosition(id, i)
	ev.NetQuantity = claim - debt
	e.liqTouch(id)
	e.noteADL(id)
	e.trackBorrower(id)
}

// lendPosition returns an account's claim and debt in pool i.
func (e *Engine) lendPosition(id AccountID, i int) (claim, debt int64, err error) {
	a := &e.accounts[id]
	pl := &e.pools[i]
	if claim, err = pl.p.Claim(a.lent[i]); err != nil {
		return 0, 0, err
	}
	debt, err = pl.p.Debt(a.borrowed[i])
	return claim, debt, err
}

// accrueInterest runs one hourly step on every pool and reports each.
func (e *Engine) accrueInterest() {
	for i := range e.pools {
		pl := &e.pools[i]
		charging := pl.p.Borrowed > 0
		acc, err := pl.p.AccrueHour(pl.par)
		if err != nil || !charging { // an index past int64: the pool stays as it was
			continue // a pool with no borrower charges nothing: no event
		}
		ev := e.emit(EvInterest)
		ev.Asset = pl.asset
		ev.Value = acc.BorrowRate
		ev.Amount, _ = acc.Charged.Div(lending.IndexScale, fixed.Ceil)
		ev.Balance, _ = acc.Credited.Div(lending.IndexScale, fixed.Floor)
	}
}

// addLending adds, for asset, the account's claim less its debt to the
// holding its collateral is valued on (hold), and the debt to exposure.
func (e *Engine) lendingHolding(id AccountID, asset int, bal int64) (int64, error) {
	a := &e.accounts[id]
	for i := range e.pools {
		if int(e.pools[i].asset) != asset || (a.lent[i] == 0 && a.borrowed[i] == 0) {
			continue
		}
		claim, debt, err := e.lendPosition(id, i)
		if err != nil {
			return 0, err
		}
		if bal, err = fixed.Add(bal, claim); err != nil {
			return 0, err
		}
		return fixed.Sub(bal, debt)
	}
	return bal, nil
}

// addBorrows adds each debt to exposure, its notional at the index (Ceil)
// with the pool's IMF and MMF.
func (e *Engine) addBorrows(r *risk.Account, id AccountID) error {
	a := &e.accounts[id]
	if !a.hasBorrow() {
		return nil
	}
	sdec := e.cfg.Assets[e.settle].Decimals
	for i := range e.pools {
		if a.borrowed[i] == 0 {
			continue
		}
		pl := &e.pools[i]
		debt, err := pl.p.Debt(a.borrowed[i])
		if err != nil {
			return err
		}
		notional := debt
		if pl.asset != e.settle {
			v, err := e.assetValue(pl.asset, -debt) // Floor of a negative: the debt rounded up
			if err != nil {
				return err
			}
			notional = -v
		}
		lp := &e.cfg.Lending[i]
		imf, mmf, err := risk.Fractions(lp.IMF, lp.MMF, notional, sdec, a.userBase())
		if err != nil {
			return err
		}
		if err := r.AddPosition(notional, imf, mmf); err != nil {
			return err
		}
	}
	return nil
}

// hasLending reports whether the account lends or borrows anything.
func (a *account) hasLending() bool {
	for i := range a.lent {
		if a.lent[i] != 0 || a.borrowed[i] != 0 {
			return true
		}
	}
	return false
}

// hasBorrow reports whether the account owes anything.
func (a *account) hasBorrow() bool {
	for _, s := range a.borrowed {
		if s != 0 {
			return true
		}
	}
	return false
}

// checkLending: Pool.Check, the pool's cash = what the ledger moved into it,
// and Σ account shares = the pool's totals.
func (e *Engine) checkLending() error {
	for i := range e.pools {
		pl := &e.pools[i]
		sym := e.cfg.Assets[pl.asset].Symbol
		if err := pl.p.Check(); err != nil {
			return fmt.Errorf("%s pool: %w", sym, err)
		}
		if pl.p.Cash != pl.moved {
			return fmt.Errorf("%s pool: cash %d, the ledger moved %d into it", sym, pl.p.Cash, pl.moved)
		}
		var lent, borrowed int64
		for id := range e.accounts {
			a := &e.accounts[id]
			if a.lent[i] < 0 || a.borrowed[i] < 0 {
				return fmt.Errorf("account %d: negative %s shares", id, sym)
			}
			lent += a.lent[i]
			borrowed += a.borrowed[i]
		}
		if lent != pl.p.Lent || borrowed != pl.p.Borrowed {
			return fmt.Errorf("%s pool: accounts hold %d lend and %d borrow shares, the pool %d and %d",
				sym, lent, borrowed, pl.p.Lent, pl.p.Borrowed)
		}
	}
	return nil
}
