package engine

// ensureLocksCovered keeps an account's spot locks within its balances. When
// a settlement (a realized loss, a fee, funding, a liquidation) leaves an
// asset's balance below what the account's open spot orders lock of it, its
// newest such orders are cancelled, with the SETTLEMENT_AUTOCLOSE origin,
// until the lock fits: a resting spot order never spends what the account no
// longer has.
func (e *Engine) ensureLocksCovered(id AccountID) {
	a := &e.accounts[id]
	for asset := range a.locked {
		for a.locked[asset] > 0 && a.locked[asset] > e.ledger.Balance(uint32(id), asset) {
			ref := e.newestLocking(id, asset)
			if ref < 0 {
				break
			}
			e.cancelResting(ref, OrderCancelled, OriginSettlement)
		}
	}
}

// newestLocking returns the account's newest open order locking asset, or -1.
func (e *Engine) newestLocking(id AccountID, asset int) int32 {
	for ref := e.accounts[id].orderHead; ref >= 0; ref = e.orders[ref].next {
		if o := &e.orders[ref]; o.locked > 0 && int(e.lockAsset(o)) == asset {
			return ref
		}
	}
	return -1
}
