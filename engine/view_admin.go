package engine

// Read-only views for the operator API and the sequencer's clock. Like
// view.go, none of them changes anything; slices are fresh copies.

// LiquidationView is one cross-margin account being liquidated: its stage in
// the waterfall and its maintenance margin ratio (fixed.Rate, saturating;
// 1e12 = 100%). Isolated positions are liquidated within one command and are
// never listed.
type LiquidationView struct {
	Account AccountID
	Stage   LiquidationStage
	MMR     int64
}

// Liquidations returns the accounts now in liquidation, in ascending id.
func (e *Engine) Liquidations() []LiquidationView {
	out := make([]LiquidationView, 0, len(e.liquidating))
	for _, id := range e.liquidating {
		r := e.marginOf(id, nil)
		out = append(out, LiquidationView{Account: id, Stage: e.accounts[id].stage, MMR: r.MMR()})
	}
	return out
}

// NextTimer returns the engine time (ms) at which the earliest timer is due:
// a basis or premium sample, a funding settlement, a liquidation tick or the
// liquidation sweep. It returns math.MaxInt64 when none is scheduled (before
// the first CmdAdvanceTime).
func (e *Engine) NextTimer() int64 { return e.nextTimer() }

// Live reports whether moving engine time can change anything a client sees
// before the next command arrives: an account is being liquidated, a
// perpetual market has positions (funding), a trigger order waits, an order
// rests on a book (its mid feeds the mark's basis), or a smoothed basis is
// still decaying toward zero. When Live is false, the due timers only sample
// and reschedule themselves, and running them later, in the same order, just
// before the next command, leaves the same state as running them on time:
// a wall-clock sequencer can then let time stand still.
func (e *Engine) Live() bool {
	if len(e.liquidating) > 0 {
		return true
	}
	for i := range e.markets {
		m := &e.markets[i]
		if len(m.holders) > 0 || len(m.triggers) > 0 || m.book.Len() > 0 || m.basis != 0 {
			return true
		}
	}
	return false
}
