package demo

import (
	"context"
	"fmt"
	"math"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// Backstop registration on every perpetual: the notional the provider takes
// per side, and the equity it keeps.
const (
	backstopMaxNotional = 2_000_000
	backstopMinEquity   = 1_000_000
)

// setup makes the demo's world exist, idempotently: every command it sends
// is one a restart may send again without harm (an account is created only
// when its key is unbound; a price only where there is none; a deposit
// only below a floor; a setting only when it differs; the backstop
// registration is an update to the same values).
func (d *Demo) setup(ctx context.Context, startSeq uint64) error {
	secret, err := loadSecret(d.opts.Dir)
	if err != nil {
		return err
	}
	created := 0
	for i := range d.members {
		pub := d.pubKey(secret, i)
		id, ok := d.seq.AccountByKey(pub)
		if !ok {
			if id, err = d.seq.CreateAccount(ctx, "demo:"+d.members[i].name, pub); err != nil {
				return fmt.Errorf("demo: creating account %s: %w", d.members[i].name, err)
			}
			created++
		}
		d.members[i].id = id
		d.byID[id] = i
	}
	if err := writeAccounts(d.opts.Dir, secret, d.members); err != nil {
		return err
	}
	if err := d.startPrices(ctx, startSeq); err != nil {
		return err
	}
	if err := d.settings(ctx); err != nil {
		return err
	}
	s, err := d.snapshot(ctx)
	if err != nil {
		return err
	}
	if err := d.refill(ctx, s); err != nil {
		return err
	}
	for i := range d.members {
		if m := &d.members[i]; m.role != roleMaker && m.role != roleBackstop && m.role != roleSpot {
			if _, err := d.topUp(ctx, m, &s.accts[i]); err != nil {
				return err
			}
		}
	}
	for i := range d.markets {
		if !d.markets[i].perp {
			continue
		}
		c := engine.Command{Kind: engine.CmdRegisterBackstop, Account: d.members[d.backstop].id, Market: d.markets[i].id,
			Amount: d.units(backstopMaxNotional), MinEquity: d.units(backstopMinEquity)}
		if err := d.submit(ctx, &c); err != nil {
			return fmt.Errorf("demo: registering the backstop provider: %w", err)
		}
	}
	d.log.Info("demo set up", "accounts", len(d.members), "created", created, "seq", startSeq)
	return nil
}

// startPrices starts the feed on every asset that a market trades, at its
// index if it has one, else at its starting price (which is then set).
func (d *Demo) startPrices(ctx context.Context, startSeq uint64) error {
	var index []int64
	if err := d.seq.Read(ctx, func(e *engine.Engine) {
		for i := range d.cfg.Assets {
			index = append(index, e.Index(config.AssetID(i)))
		}
	}); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	var walks []walk
	seen := map[config.AssetID]bool{}
	for i := range d.markets {
		a := d.markets[i].base
		if seen[a] || a == d.settle {
			continue
		}
		seen[a] = true
		sym := d.cfg.Assets[a].Symbol
		w := walk{asset: a, symbol: sym, price: float64(index[a]) / fixed.PriceScale, vol: defaultVol}
		if v, ok := vols[sym]; ok {
			w.vol = v
		}
		if index[a] == 0 {
			w.price = 100
			if p, ok := startPrices[sym]; ok {
				w.price = p
			}
			c := engine.Command{Kind: engine.CmdSetIndexPrice, Asset: a, Amount: fixedPrice(w.price)}
			if err := d.submit(ctx, &c); err != nil {
				return fmt.Errorf("demo: setting the %s index: %w", sym, err)
			}
		}
		walks = append(walks, w)
	}
	d.feed = newFeed(d.opts.Seed, startSeq, walks)
	for _, w := range walks {
		if d.spotBase(w.asset) {
			d.makerBase[w.asset] = makerBaseValue / w.price
		}
	}
	return nil
}

// spotBase reports whether a spot market trades the asset.
func (d *Demo) spotBase(a config.AssetID) bool {
	for i := range d.markets {
		if !d.markets[i].perp && d.markets[i].base == a {
			return true
		}
	}
	return false
}

// settings puts hedgers in hedge mode and isolated traders under their
// leverage limit, where they are not already (a change the engine refuses,
// e.g. with a position open, is left for the next start).
func (d *Demo) settings(ctx context.Context) error {
	infos := make([]engine.AccountView, len(d.members))
	if err := d.seq.Read(ctx, func(e *engine.Engine) {
		for i := range d.members {
			infos[i], _ = e.AccountInfo(d.members[i].id)
		}
	}); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	for i := range d.members {
		m := &d.members[i]
		if m.role == roleHedger && infos[i].PositionMode != engine.Hedge {
			if err := d.submit(ctx, &engine.Command{Kind: engine.CmdSetPositionMode, Account: m.id, PositionMode: engine.Hedge}); err != nil {
				return err
			}
		}
		if m.role == roleIsolated && infos[i].LeverageLimit != m.leverage {
			if err := d.submit(ctx, &engine.Command{Kind: engine.CmdSetLeverageLimit, Account: m.id, Amount: m.leverage}); err != nil {
				return err
			}
		}
	}
	return nil
}

// units converts settlement-asset units to its smallest units.
func (d *Demo) units(x float64) int64 { return d.baseUnits(d.settle, x) }

// baseUnits converts an amount of an asset to its smallest units.
func (d *Demo) baseUnits(a config.AssetID, x float64) int64 {
	return int64(math.Round(x * math.Pow10(d.cfg.Assets[a].Decimals)))
}

// amount converts an asset's smallest units to whole units.
func (d *Demo) amount(a config.AssetID, units int64) float64 {
	return float64(units) / math.Pow10(d.cfg.Assets[a].Decimals)
}

// deposit credits an account (a refusal is only logged).
func (d *Demo) deposit(ctx context.Context, id engine.AccountID, a config.AssetID, units int64) error {
	if units <= 0 {
		return nil
	}
	return d.submit(ctx, &engine.Command{Kind: engine.CmdDeposit, Account: id, Asset: a, Amount: units})
}
