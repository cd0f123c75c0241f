package engine

import (
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// account is one account's non-ledger state: its settings, positions and
// open orders. Balances live in the ledger.
type account struct {
	system       bool
	positionMode PositionMode
	marginMode   MarginMode
	leverage     int64 // user leverage limit (whole number), 0 = platform maximum
	lendFlags    LendingFlags
	liquidating  bool
	stage        LiquidationStage
	cooldown     int64      // partial preset: engine time before which no step runs
	frozen       bool       // ladder preset: a reduction step runs; the owner may not trade
	positions    []position // one slot per market with a position or open orders
	locked       []int64    // per asset: balance reserved by open spot orders
	lent         []int64    // per lending pool: lend shares (nil without pools)
	borrowed     []int64    // per lending pool: borrow shares (nil without pools)
	orderHead    int32      // first open order (slab index), -1 = none
	openOrders   int
}

func (e *Engine) openAccount(system bool) AccountID {
	id := AccountID(e.ledger.Open())
	a := account{
		system:    system,
		locked:    make([]int64, len(e.cfg.Assets)),
		orderHead: -1,
		lendFlags: DefaultLendingFlags,
	}
	if n := len(e.cfg.Lending); n > 0 {
		a.lent, a.borrowed = make([]int64, n), make([]int64, n)
	}
	e.accounts = append(e.accounts, a)
	return id
}

// user returns the user account id refers to, or an error.
func (e *Engine) user(id AccountID) (*account, *Error) {
	if int(id) >= len(e.accounts) || id < e.firstUser {
		return nil, errorf(CodeResourceNotFound, "account %d does not exist", id)
	}
	return &e.accounts[id], nil
}

func (e *Engine) createAccount() *Error {
	id := e.openAccount(false)
	ev := e.emit(EvAccountCreated)
	ev.Account = id
	return nil
}

func (e *Engine) asset(id config.AssetID) *Error {
	if int(id) >= len(e.cfg.Assets) {
		return errorf(CodeInvalidAsset, "asset %d does not exist", id)
	}
	return nil
}

// deposit credits a user account, or seeds the insurance fund in the
// settlement asset (the operator's capital: the only system account value
// may enter).
func (e *Engine) deposit(c *Command) *Error {
	if err := e.asset(c.Asset); err != nil {
		return err
	}
	if c.Account == AccountInsurance {
		if c.Asset != e.settle {
			return errorf(CodeInvalidAsset, "the insurance fund holds the settlement asset only")
		}
	} else if _, err := e.user(c.Account); err != nil {
		return err
	}
	bal := e.ledger.Balance(uint32(c.Account), int(c.Asset))
	if c.Amount <= 0 || c.Amount > MaxAmount || bal > MaxAmount-c.Amount {
		return errorf(CodeInvalidQuantity, "deposit of %d is out of range", c.Amount)
	}
	if err := e.ledger.Deposit(uint32(c.Account), int(c.Asset), c.Amount); err != nil {
		return errorf(CodeInvalidQuantity, "deposit: %v", err)
	}
	e.emitBalance(c.Account, c.Asset, c.Amount, SourceDeposit, c.Account, 0)
	if e.accounts[c.Account].liquidating {
		if r := e.marginOf(c.Account, nil); !e.due(&r) {
			e.endLiquidation(c.Account) // a top-up that clears the trigger stops it
		}
	}
	return nil
}

func (e *Engine) withdraw(c *Command) *Error {
	a, err := e.user(c.Account)
	if err != nil {
		return err
	}
	if err := e.asset(c.Asset); err != nil {
		return err
	}
	if a.liquidating {
		return errorf(CodeAccountLiquidating, "account %d is being liquidated", c.Account)
	}
	free := e.ledger.Balance(uint32(c.Account), int(c.Asset)) - a.locked[c.Asset]
	if c.Amount <= 0 || c.Amount > MaxAmount {
		return errorf(CodeInvalidQuantity, "withdrawal of %d is out of range", c.Amount)
	}
	if c.Amount > free {
		return errorf(CodeInsufficientFunds, "withdrawal of %d exceeds the free balance %d", c.Amount, free)
	}
	if !e.canWithdraw(c.Account, c.Asset, c.Amount) {
		return errorf(CodeInsufficientMargin, "withdrawal would leave the account's IMR at or above 100%%")
	}
	if err := e.ledger.Withdraw(uint32(c.Account), int(c.Asset), c.Amount); err != nil {
		return errorf(CodeInvalidQuantity, "withdrawal: %v", err)
	}
	e.emitBalance(c.Account, c.Asset, -c.Amount, SourceWithdrawal, c.Account, 0)
	return nil
}

func (e *Engine) setPositionMode(c *Command) *Error {
	a, err := e.user(c.Account)
	if err != nil {
		return err
	}
	if c.PositionMode > Hedge {
		return errorf(CodeInvalidClientRequest, "unknown position mode %d", c.PositionMode)
	}
	if a.liquidating {
		return errorf(CodeAccountLiquidating, "account %d is being liquidated", c.Account)
	}
	if a.openOrders > 0 || a.hasPosition() {
		return errorf(CodePreconditionFailed, "position mode can change only with no positions and no open orders")
	}
	a.positionMode = c.PositionMode
	e.emitSettings(c.Account)
	return nil
}

func (e *Engine) setMarginMode(c *Command) *Error {
	a, err := e.user(c.Account)
	if err != nil {
		return err
	}
	if c.MarginMode > Isolated {
		return errorf(CodeInvalidClientRequest, "unknown margin mode %d", c.MarginMode)
	}
	if a.liquidating {
		return errorf(CodeAccountLiquidating, "account %d is being liquidated", c.Account)
	}
	if a.openOrders > 0 || a.hasPosition() {
		return errorf(CodePreconditionFailed, "margin mode can change only with no positions and no open orders")
	}
	a.marginMode = c.MarginMode
	e.emitSettings(c.Account)
	return nil
}

// setLeverageLimit sets the user's maximum leverage: IMF base becomes at least
// 1/leverage. Lowering leverage is refused if the account's IMR would reach
// 100% with the new base; raising it is always allowed.
func (e *Engine) setLeverageLimit(c *Command) *Error {
	a, err := e.user(c.Account)
	if err != nil {
		return err
	}
	if c.Amount < 0 || c.Amount > 1000 {
		return errorf(CodeInvalidClientRequest, "leverage limit %d is outside 0..1000", c.Amount)
	}
	if a.liquidating {
		return errorf(CodeAccountLiquidating, "account %d is being liquidated", c.Account)
	}
	old := a.leverage
	a.leverage = c.Amount
	if (old == 0 || (c.Amount != 0 && c.Amount < old)) && !e.canIncrease(c.Account, nil) && a.hasExposure() {
		a.leverage = old
		return errorf(CodeMaxLeverageReached, "leverage %d would put the account's IMR at or above 100%%", c.Amount)
	}
	e.emitSettings(c.Account)
	return nil
}

// userBase returns the IMF floor a user leverage limit imposes (fixed.Rate).
func (a *account) userBase() int64 {
	if a.leverage == 0 {
		return 0
	}
	return fixed.RateScale / a.leverage
}

func (a *account) hasPosition() bool {
	for i := range a.positions {
		if a.positions[i].qty != 0 {
			return true
		}
	}
	return false
}

// hasCrossPosition reports a non-zero cross-margin position.
func (a *account) hasCrossPosition() bool {
	for i := range a.positions {
		if a.positions[i].qty != 0 && !a.positions[i].isolated {
			return true
		}
	}
	return false
}

func (a *account) hasExposure() bool { return a.hasPosition() || a.openOrders > 0 || a.hasBorrow() }

func (e *Engine) emitSettings(id AccountID) {
	ev := e.emit(EvAccountSettings)
	ev.Account = id
}

// emitBalance reports a ledger movement into account (negative: out of it).
func (e *Engine) emitBalance(account AccountID, asset config.AssetID, amount int64, src Source, other AccountID, m config.MarketID) {
	ev := e.emit(EvBalance)
	ev.Account, ev.Asset, ev.Market = account, asset, m
	ev.Amount, ev.Source, ev.Counterparty = amount, src, other
	ev.Balance = e.ledger.Balance(uint32(account), int(asset))
	e.liqBalance(account, asset, amount)
	e.noteADL(account)
	if i := e.poolAt[asset]; i >= 0 && !e.autoRunning {
		e.noteAuto(account, asset, i, amount, src, ev.Balance)
	}
}

// transfer moves amount of asset between two accounts and reports both sides.
func (e *Engine) transfer(from, to AccountID, asset config.AssetID, amount int64, src Source, m config.MarketID) error {
	if amount == 0 {
		return nil
	}
	if err := e.ledger.Transfer(uint32(from), uint32(to), int(asset), amount); err != nil {
		return err
	}
	e.emitBalance(from, asset, -amount, src, to, m)
	e.emitBalance(to, asset, amount, src, from, m)
	return nil
}
