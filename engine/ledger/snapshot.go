package ledger

import "github.com/waterfallrisk/waterfall/engine/internal/wire"

// AppendSnapshot writes the ledger's whole state: the number of assets and
// accounts, the deposit and withdrawal totals, and every balance.
func (l *Ledger) AppendSnapshot(w *wire.Writer) {
	w.Count(l.assets)
	w.Count(len(l.bal) / max(l.assets, 1))
	for a := range l.assets {
		w.I64(l.deposits[a])
		w.I64(l.withdrawals[a])
	}
	for _, b := range l.bal {
		w.I64(b)
	}
}

// ReadSnapshot reads what AppendSnapshot wrote and returns the ledger, equal
// to the one written. It requires assets assets (the configuration's) and
// checks the double-entry invariant (Check); any failure is recorded in r
// and returns nil.
func ReadSnapshot(r *wire.Reader, assets int) *Ledger {
	if n := r.Count(16); r.Err() == nil && (n != assets || assets <= 0) {
		r.Failf("ledger: %d assets, the configuration has %d", n, assets)
	}
	accounts := r.Count(8 * max(assets, 1))
	if r.Err() != nil {
		return nil
	}
	l := New(assets)
	for a := range assets {
		l.deposits[a] = r.I64()
		l.withdrawals[a] = r.I64()
	}
	l.bal = make([]int64, accounts*assets)
	for i := range l.bal {
		l.bal[i] = r.I64()
	}
	if r.Err() != nil {
		return nil
	}
	if err := l.Check(); err != nil {
		r.Failf("%v", err)
		return nil
	}
	return l
}
