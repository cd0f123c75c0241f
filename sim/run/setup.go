package run

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/sim/scenario"
)

// Account roles, for the ADL metrics.
const (
	roleNone uint8 = iota
	roleTrader
	roleMaker
	roleBackstop
	roleFlow
)

// Independent random streams, so that changing one part of a scenario
// (the population) does not change another (the price paths).
const (
	streamPaths = 0x7061746873 // "paths"
	streamPop   = 0x706f70     // "pop"
)

// sim is one policy's run.
type sim struct {
	sc     *scenario.Scenario
	opt    Options
	cfg    *config.Config
	policy config.LiquidationPolicy
	e      *engine.Engine
	cmd    engine.Command // reused

	markets  []mkt
	byEngine []int // engine MarketID → index in markets, −1 if not simulated
	settle   config.AssetID
	scale    float64 // one whole settlement unit in smallest units

	count    int // traders to create
	traders  []trader
	opened   int
	role     []uint8 // per AccountID
	makers   []maker
	deposits []int64 // per asset: Σ deposits the simulator made

	col    collector
	charts charts
}

// mkt is a simulated market.
type mkt struct {
	sc     *scenario.Market
	cfg    *config.Market
	id     config.MarketID
	path   []int64 // index per tick, fixed.Price
	open   int64   // opening price (path[0]), fixed.Price
	opener engine.AccountID
	index  int64 // index price last set
	mark   int64 // mark price, from the events
	stops  stopBook
	flow   *flow // nil: no taker flow
}

// lotUnits is one lot's notional at price p (fixed.Price), in the
// settlement asset's smallest units, as a float.
func (m *mkt) lotUnits(p int64) float64 {
	return float64(p) * float64(m.cfg.NotionalNum) / float64(m.cfg.NotionalDen)
}

func newSim(sc *scenario.Scenario, opt Options, traders int, policy config.LiquidationPolicy) (*sim, error) {
	cfg := *sc.Config
	cfg.Seed = opt.Seed
	cfg.Liquidation.Policy = policy
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	e, err := engine.New(&cfg)
	if err != nil {
		return nil, err
	}
	settle, _ := cfg.AssetBySymbol(cfg.SettlementAsset)
	s := &sim{sc: sc, opt: opt, cfg: &cfg, policy: policy, e: e, settle: settle,
		scale: math.Pow10(sc.SettleDecimals), count: traders,
		deposits: make([]int64, len(cfg.Assets)), byEngine: make([]int, len(cfg.Markets))}
	for i := range s.byEngine {
		s.byEngine[i] = -1
	}
	ticks := sc.Ticks()
	for i := range sc.Markets {
		m := &sc.Markets[i]
		r := rand.New(rand.NewPCG(opt.Seed, streamPaths+uint64(i)))
		path := indexPath(m, ticks, sc.Tick.Ms(), r)
		s.markets = append(s.markets, mkt{sc: m, cfg: &s.cfg.Markets[m.ID], id: m.ID, path: path, open: path[0]})
		s.byEngine[m.ID] = i
	}
	s.col.init(s)
	s.charts.init(s)
	return s, nil
}

// setup builds the state at engine time 0: index prices, market makers
// (the first of each market also takes the other side of every trader's
// opening trade), traders, backstop providers, the flow takers, the
// insurance fund, then the makers' first quotes.
func (s *sim) setup() error {
	for i := range s.markets {
		s.setIndex(i, s.markets[i].open)
		if s.markets[i].index == 0 {
			return fmt.Errorf("%s: the opening index price was refused", s.markets[i].cfg.Symbol)
		}
	}
	if err := s.setupMakers(); err != nil {
		return err
	}
	if err := s.setupTraders(); err != nil {
		return err
	}
	for i := range s.sc.Backstops {
		b := &s.sc.Backstops[i]
		for range b.Count {
			id, err := s.account(roleBackstop, b.Collateral.Units)
			if err != nil {
				return fmt.Errorf("backstops[%d]: %w", i, err)
			}
			s.cmd = engine.Command{Kind: engine.CmdRegisterBackstop, Account: id, Market: b.ID,
				Amount: b.Capacity.Units, MinEquity: b.MinEquity.Units}
			if _, err := s.apply(); err != nil {
				return fmt.Errorf("backstops[%d]: register: %w", i, err)
			}
		}
	}
	if err := s.setupFlows(); err != nil {
		return err
	}
	if f := s.sc.InsuranceFund.Units; f > 0 {
		if err := s.deposit(engine.AccountInsurance, s.settle, f); err != nil {
			return fmt.Errorf("insuranceFund: %w", err)
		}
	}
	s.quoteAll(0)
	return nil
}

// account creates an account with role and deposits collateral (settlement
// asset) into it.
func (s *sim) account(role uint8, collateral int64) (engine.AccountID, error) {
	s.cmd = engine.Command{Kind: engine.CmdCreateAccount}
	evs, err := s.apply()
	if err != nil {
		return 0, err
	}
	id := evs[0].Account
	for int(id) >= len(s.role) {
		s.role = append(s.role, roleNone)
	}
	s.role[id] = role
	if collateral > 0 {
		if err := s.deposit(id, s.settle, collateral); err != nil {
			return 0, err
		}
	}
	return id, nil
}

func (s *sim) deposit(id engine.AccountID, asset config.AssetID, amount int64) error {
	s.cmd = engine.Command{Kind: engine.CmdDeposit, Account: id, Asset: asset, Amount: amount}
	if _, err := s.apply(); err != nil {
		return fmt.Errorf("deposit %d to account %d: %w", amount, id, err)
	}
	s.deposits[asset] += amount
	return nil
}
