// Package ledger keeps every balance of every account, user and system, as a
// double-entry book: value only moves between two accounts, or enters and
// leaves through a recorded deposit or withdrawal.
//
// The invariant it maintains, exactly and per asset:
//
//	Σ balances over all accounts = Σ deposits − Σ withdrawals
//
// A balance may be negative (a liability); whether that is allowed is the
// caller's decision, made before it calls Transfer. The ledger only refuses
// what would overflow.
package ledger

import (
	"fmt"

	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// Ledger is a dense table of balances: accounts × assets.
type Ledger struct {
	assets      int
	bal         []int64 // bal[account*assets + asset]
	deposits    []int64 // per asset
	withdrawals []int64 // per asset
}

// New returns an empty ledger for the given number of assets.
func New(assets int) *Ledger {
	return &Ledger{
		assets:      assets,
		deposits:    make([]int64, assets),
		withdrawals: make([]int64, assets),
	}
}

// Assets is the number of assets per account.
func (l *Ledger) Assets() int { return l.assets }

// Accounts is the number of accounts opened.
func (l *Ledger) Accounts() int { return len(l.bal) / l.assets }

// Open adds an account with zero balances and returns its index.
func (l *Ledger) Open() uint32 {
	id := uint32(l.Accounts()) //nolint:gosec // account count is bounded far below 2^32 by memory
	for range l.assets {
		l.bal = append(l.bal, 0)
	}
	return id
}

// Balance returns an account's balance of an asset.
func (l *Ledger) Balance(account uint32, asset int) int64 {
	return l.bal[int(account)*l.assets+asset]
}

// Deposit credits amount (> 0) from outside the system.
func (l *Ledger) Deposit(account uint32, asset int, amount int64) error {
	if amount <= 0 {
		return fmt.Errorf("ledger: deposit of %d", amount)
	}
	i := int(account)*l.assets + asset
	b, err := fixed.Add(l.bal[i], amount)
	if err != nil {
		return err
	}
	d, err := fixed.Add(l.deposits[asset], amount)
	if err != nil {
		return err
	}
	l.bal[i], l.deposits[asset] = b, d
	return nil
}

// Withdraw debits amount (> 0) to outside the system.
func (l *Ledger) Withdraw(account uint32, asset int, amount int64) error {
	if amount <= 0 {
		return fmt.Errorf("ledger: withdrawal of %d", amount)
	}
	i := int(account)*l.assets + asset
	b, err := fixed.Sub(l.bal[i], amount)
	if err != nil {
		return err
	}
	w, err := fixed.Add(l.withdrawals[asset], amount)
	if err != nil {
		return err
	}
	l.bal[i], l.withdrawals[asset] = b, w
	return nil
}

// Transfer moves amount of asset from one account to another. A zero amount
// is a no-op; a negative one moves value the other way. Either both balances
// change or neither does.
func (l *Ledger) Transfer(from, to uint32, asset int, amount int64) error {
	if amount == 0 || from == to {
		return nil
	}
	i := int(from)*l.assets + asset
	j := int(to)*l.assets + asset
	a, err := fixed.Sub(l.bal[i], amount)
	if err != nil {
		return err
	}
	b, err := fixed.Add(l.bal[j], amount)
	if err != nil {
		return err
	}
	l.bal[i], l.bal[j] = a, b
	return nil
}

// Deposits and Withdrawals return the running totals of an asset.
func (l *Ledger) Deposits(asset int) int64    { return l.deposits[asset] }
func (l *Ledger) Withdrawals(asset int) int64 { return l.withdrawals[asset] }

// Check verifies the double-entry invariant for every asset. The sum is taken
// in 128 bits so that it cannot itself overflow.
func (l *Ledger) Check() error {
	for a := range l.assets {
		var sum fixed.Int128
		for i := a; i < len(l.bal); i += l.assets {
			sum = sum.Add(fixed.From64(l.bal[i]))
		}
		want := fixed.From64(l.deposits[a]).Sub(fixed.From64(l.withdrawals[a]))
		if sum.Cmp(want) != 0 {
			got, _ := sum.Int64()
			return fmt.Errorf("ledger: asset %d: balances sum to %d, deposits − withdrawals = %d",
				a, got, l.deposits[a]-l.withdrawals[a])
		}
	}
	return nil
}
