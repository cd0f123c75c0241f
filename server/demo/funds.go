package demo

import (
	"context"

	"github.com/waterfallrisk/waterfall/engine/config"
)

// unwindBackstop sells down a share of every position the backstop
// provider took over.
func (d *Demo) unwindBackstop(ctx context.Context, s *snapshot) error {
	st := &s.accts[d.backstop]
	if st.liquidating {
		return nil
	}
	for _, p := range st.positions {
		mk := &d.markets[p.Market]
		lots := min(abs(p.NetQuantity), max(mk.cfg.MinQty, int64(float64(abs(p.NetQuantity))*unwindShare+0.999)))
		if err := d.reduce(ctx, d.members[d.backstop].id, mk, p.NetQuantity, lots, p.Hedge, p.Isolated); err != nil {
			return err
		}
	}
	return nil
}

// topUp brings a flat trader whose settlement balance fell below half its
// capital back to its capital, and returns its equity after.
func (d *Demo) topUp(ctx context.Context, m *member, st *acctState) (float64, error) {
	bal := d.amount(d.settle, st.balances[d.settle])
	if len(st.positions) > 0 || bal >= topUpBelow*m.capital {
		return st.equity, nil
	}
	add := d.units(m.capital) - st.balances[d.settle]
	if err := d.deposit(ctx, m.id, d.settle, add); err != nil {
		return 0, err
	}
	st.balances[d.settle] += add
	st.equity += d.amount(d.settle, add)
	d.log.Debug("demo trader topped up", "account", m.id, "name", m.name, "deposit", d.amount(d.settle, add))
	return st.equity, nil
}

// refill tops up the maker (settlement asset and each spot base asset), the
// backstop provider and the spot traders where a holding fell below
// refillBelow of its target.
func (d *Demo) refill(ctx context.Context, s *snapshot) error {
	for i := range d.members {
		m := &d.members[i]
		st := &s.accts[i]
		targets := map[int]float64{} // asset → target in whole units
		switch m.role {
		case roleMaker:
			targets[int(d.settle)] = m.capital
			for a, amt := range d.makerBase {
				targets[int(a)] = amt
			}
		case roleBackstop:
			targets[int(d.settle)] = m.capital
		case roleSpot:
			targets[int(d.settle)] = m.capital
			for a := range d.makerBase {
				if s.index[a] > 0 {
					targets[int(a)] = spotBaseValue / s.index[a]
				}
			}
		default:
			continue
		}
		for a := range d.cfg.Assets { // asset order: deterministic
			want, ok := targets[a]
			if !ok {
				continue
			}
			asset := config.AssetID(a) //nolint:gosec // a < len(Assets) < 2^16
			if d.amount(asset, st.balances[a]) >= refillBelow*want {
				continue
			}
			add := d.baseUnits(asset, want) - st.balances[a]
			if err := d.deposit(ctx, m.id, asset, add); err != nil {
				return err
			}
			st.balances[a] += add
		}
	}
	return nil
}
