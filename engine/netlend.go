package engine

// borrowLend is Backpack's borrowLendExecute (CmdBorrowLend): Side Bid lends
// Amount, Side Ask borrows it, each first closing the opposite position in
// the asset's pool:
//
//	lend,   with a debt:  repay min(Amount, debt), then lend the rest
//	borrow, with a claim: redeem min(Amount, claim), then borrow the rest
//
// Closing the whole position closes the interest up to this command too. It
// is all or nothing: both parts are checked before either is carried out
// (the balance for a repay and a lend, the pool on a copy, the margin for a
// borrow), so a refusal changes nothing.
func (e *Engine) borrowLend(c *Command) *Error {
	if c.Side != Bid && c.Side != Ask {
		return errorf(CodeInvalidClientRequest, "side %d: Bid lends, Ask borrows", c.Side)
	}
	a, i, err := e.lendingUser(c, false)
	if err != nil {
		return err
	}
	claim, debt, lerr := e.lendPosition(c.Account, i)
	if lerr != nil {
		return lendingError("borrowLend", lerr)
	}
	if c.Side == Bid {
		return e.lendNetting(c, a, i, debt)
	}
	return e.borrowNetting(c, a, i, claim)
}

// lendNetting repays the debt, then lends what Amount has beyond it.
func (e *Engine) lendNetting(c *Command, a *account, i int, debt int64) *Error {
	closing, rest := min(c.Amount, debt), c.Amount-min(c.Amount, debt)
	if free := e.freeBalance(c.Account, c.Asset); c.Amount > free {
		return errorf(CodeInsufficientFunds, "borrowLend of %d exceeds the free balance %d", c.Amount, free)
	}
	q := e.pools[i].p
	if closing > 0 {
		if _, err := q.Repay(a.borrowed[i], closing); err != nil {
			return lendingError("repay", err)
		}
	}
	if rest > 0 {
		if _, err := q.Lend(rest); err != nil {
			return lendingError("lend", err)
		}
	}
	if closing > 0 {
		if err := e.repayShares(c.Account, i, closing, SourceRepay); err != nil {
			return err
		}
	}
	if rest > 0 {
		return e.lendFrom(c.Account, i, rest, SourceLend)
	}
	return nil
}

// borrowNetting redeems the claim, then borrows what Amount has beyond it.
func (e *Engine) borrowNetting(c *Command, a *account, i int, claim int64) *Error {
	closing, rest := min(c.Amount, claim), c.Amount-min(c.Amount, claim)
	pl := &e.pools[i]
	q := pl.p
	if closing > 0 {
		if _, err := q.Redeem(pl.par, a.lent[i], closing); err != nil {
			return lendingError("redeem", err)
		}
	}
	if rest > 0 {
		if err := e.borrowFits(c.Account, i, q, rest); err != nil {
			return err
		}
	}
	if closing > 0 {
		if err := e.redeemTo(c.Account, i, closing, SourceRedeem, false); err != nil {
			return err
		}
	}
	if rest > 0 {
		return e.borrowTo(c.Account, i, rest, SourceBorrow, true)
	}
	return nil
}
