package engine

import (
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
	"github.com/waterfallrisk/waterfall/engine/lending"
)

// LendingFlags are an account's automatic lending settings (Backpack's
// account fields of the same names), a bit set.
type LendingFlags uint8

const (
	// AutoBorrowSettlements: a spot order beyond the free balance borrows
	// the shortfall, and a negative balance left by a settlement (realized
	// PnL, fees, funding) is borrowed from the asset's pool.
	AutoBorrowSettlements LendingFlags = 1 << iota
	// AutoRepayBorrows: what a fill or a settlement credits in an asset the
	// account owes repays the debt.
	AutoRepayBorrows
	// AutoLend: free balance in an asset with a pool is lent, and redeemed
	// again when a spot order needs it (a withdrawal needs a CmdRedeem).
	AutoLend

	// DefaultLendingFlags is what a new account starts with.
	DefaultLendingFlags = AutoBorrowSettlements | AutoRepayBorrows
	allLendingFlags     = AutoBorrowSettlements | AutoRepayBorrows | AutoLend
)

// Has reports whether every flag of g is set in f.
func (f LendingFlags) Has(g LendingFlags) bool { return f&g == g }

// setLendingFlags replaces an account's lending flags (CmdSetLendingFlags).
func (e *Engine) setLendingFlags(c *Command) *Error {
	a, err := e.user(c.Account)
	if err != nil {
		return err
	}
	if c.Amount < 0 || c.Amount > int64(allLendingFlags) {
		return errorf(CodeInvalidClientRequest, "lending flags %d: only autoBorrowSettlements (1), autoRepayBorrows (2) and autoLend (4) exist", c.Amount)
	}
	a.lendFlags = LendingFlags(c.Amount)
	e.emitSettings(c.Account)
	return nil
}

// The after-command lending pass (issue #5 point 2; docs/policies.md
// "Spot margin"). Every balance movement of a user account in an asset with
// a pool that may call for it is noted while a command runs (noteAuto);
// after the command, in the order noted, each is acted on, the balance and
// the debt read afresh (so a balance noted twice is acted on once as far as
// it needs):
//
//   - a negative balance, under AutoBorrowSettlements: borrowed from the
//     pool (SourceAutoBorrow), as far as its cash, throttle and maximum
//     utilization allow; no margin check, the negative balance already
//     counts in full;
//   - a credit from a fill or a settlement (realized PnL, funding), under
//     AutoRepayBorrows: repays the debt in that asset, up to the credit and
//     the free balance (SourceAutoRepay); a deposit does not (the account
//     may mean it as margin);
//   - under AutoLend: the free balance, when the account owes none of the
//     asset, is lent (SourceAutoLend).
//
// Accounts in liquidation are left to the waterfall. A spot order beyond
// the free balance covers the shortfall before it is placed
// (coverShortfall).

// autoEntry is one noted balance movement.
type autoEntry struct {
	id     AccountID
	asset  config.AssetID
	credit int64 // > 0: a credit that may repay a debt
}

// noteAuto records a movement the after-command pass must look at.
func (e *Engine) noteAuto(id AccountID, asset config.AssetID, i int, amount int64, src Source, balance int64) {
	a := &e.accounts[id]
	if a.system || a.liquidating {
		return
	}
	credit := int64(0)
	if amount > 0 && repaysBorrows(src) && a.borrowed[i] > 0 && a.lendFlags.Has(AutoRepayBorrows) {
		credit = amount
	}
	if credit > 0 || (balance < 0 && a.lendFlags.Has(AutoBorrowSettlements)) || (amount > 0 && a.lendFlags.Has(AutoLend)) {
		e.auto = append(e.auto, autoEntry{id: id, asset: asset, credit: credit})
	}
}

// repaysBorrows reports whether a credit from src repays a debt under
// AutoRepayBorrows: fills and settlements; not deposits, and not borrowing
// or redeeming (they would undo themselves).
func repaysBorrows(src Source) bool {
	switch src {
	case SourceTrade, SourceRealizePnl, SourceFundingPayment:
		return true
	}
	return false
}

// autoLending runs the pass over what the command noted.
func (e *Engine) autoLending() {
	e.autoRunning = true
	defer func() { e.autoRunning = false }()
	for k := range e.auto {
		en := e.auto[k]
		a := &e.accounts[en.id]
		if a.liquidating {
			continue
		}
		i := e.poolAt[en.asset]
		bal := e.ledger.Balance(uint32(en.id), int(en.asset))
		switch {
		case bal < 0 && a.lendFlags.Has(AutoBorrowSettlements):
			if amount := min(-bal, e.pools[i].p.Cash); amount > 0 && e.borrowTo(en.id, i, amount, SourceAutoBorrow, false) == nil {
				// The debt's maintenance may tip the account over: it is
				// detected now, as a borrow changing is.
				if e.liquidatable(en.id) {
					e.startLiquidation(en.id)
					e.liq.enqueue(en.id, true, 0)
				}
			}
		case en.credit > 0 && a.borrowed[i] > 0:
			if _, debt, err := e.lendPosition(en.id, i); err == nil {
				if amount := min(debt, en.credit, e.freeBalance(en.id, en.asset)); amount > 0 {
					_ = e.repayShares(en.id, i, amount, SourceAutoRepay)
				}
			}
		}
		if a.lendFlags.Has(AutoLend) && a.borrowed[i] == 0 {
			if free := e.freeBalance(en.id, en.asset); free > 0 {
				_ = e.lendFrom(en.id, i, free, SourceAutoLend)
			}
		}
	}
	e.auto = e.auto[:0]
}

// coverShortfall makes short more of asset free for an order: under
// AutoLend by redeeming the account's claim first, then under
// AutoBorrowSettlements by borrowing the rest, only if the account's IMR
// stays below 100% with the debt. It changes nothing and returns false when
// it cannot cover all of it.
func (e *Engine) coverShortfall(id AccountID, asset config.AssetID, short int64) bool {
	i := e.poolAt[asset]
	a := &e.accounts[id]
	if i < 0 || a.liquidating || short <= 0 {
		return false
	}
	pl := &e.pools[i]
	redeem := int64(0)
	q := pl.p
	if a.lendFlags.Has(AutoLend) && a.lent[i] > 0 {
		claim, err := q.Claim(a.lent[i])
		if err == nil && claim > 0 {
			redeem = min(claim, short)
			if _, err := q.Redeem(pl.par, a.lent[i], redeem); err != nil {
				redeem, q = 0, pl.p
			}
		}
	}
	borrow := short - redeem
	if borrow > 0 && (!a.lendFlags.Has(AutoBorrowSettlements) || e.borrowFits(id, i, q, borrow) != nil) {
		return false
	}
	if redeem > 0 && e.redeemTo(id, i, redeem, SourceAutoRedeem, false) != nil {
		return false
	}
	return borrow == 0 || e.borrowTo(id, i, borrow, SourceSpotMargin, true) == nil
}

// borrowFits reports, nil or why not, whether borrowing amount from pool i,
// in state q, is allowed: the pool's throttle, cash and maximum
// utilization, and the account's IMR below 100% with the debt and the
// credit.
func (e *Engine) borrowFits(id AccountID, i int, q lending.Pool, amount int64) *Error {
	pl := &e.pools[i]
	a := &e.accounts[id]
	if e.index[pl.asset] == 0 {
		return errorf(CodeInvalidPrice, "%s has no index price", e.cfg.Assets[pl.asset].Symbol)
	}
	shares, err := q.Borrow(pl.par, amount)
	if err != nil {
		return lendingError("borrow", err)
	}
	held, err := fixed.Add(a.borrowed[i], shares)
	if err != nil {
		return errorf(CodeInvalidQuantity, "borrow: %v", err)
	}
	saved, savedHeld := pl.p, a.borrowed[i]
	pl.p, a.borrowed[i] = q, held
	r := e.marginOf(id, &whatIf{asset: pl.asset, delta: -amount})
	pl.p, a.borrowed[i] = saved, savedHeld
	if !r.CanIncrease() {
		return errorf(CodeInsufficientMargin, "borrow would put the account's IMR at or above 100%%")
	}
	return nil
}
