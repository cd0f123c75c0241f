package engine

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
	// again when an order or a withdrawal needs it.
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
