// Package scenario reads the crash simulator's scenario files (YAML,
// documented field by field in docs/scenarios.md): it checks every field,
// fills the defaults and builds the engine configuration the runs start
// from. It draws nothing: sim/run samples the distributions it describes.
package scenario

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// Limits of a scenario, so that a typo cannot ask for a year of ticks.
const (
	MaxTraders  = 10_000_000
	MaxDuration = 31 * 24 * 3600 * 1000 // ms
	MaxTicks    = 10_000_000
)

// Load reads, checks and completes the scenario file at path. Relative
// paths inside it (engine, csv) are relative to its directory.
func Load(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	stem := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	s, err := Parse(data, filepath.Dir(path), stem)
	if err != nil {
		return nil, fmt.Errorf("scenario %s: %w", path, err)
	}
	return s, nil
}

// Parse reads a scenario from data; dir resolves relative paths and stem is
// the default name.
func Parse(data []byte, dir, stem string) (*Scenario, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var s Scenario
	if err := dec.Decode(&s); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("the file is empty")
		}
		return nil, err
	}
	if s.Name == "" {
		s.Name = stem
	}
	if s.Seed == 0 {
		s.Seed = 1
	}
	s.Description = strings.TrimSpace(s.Description)
	if err := s.complete(dir); err != nil {
		return nil, err
	}
	return &s, nil
}

// complete checks every field, fills the defaults and builds the config.
func (s *Scenario) complete(dir string) error {
	if err := s.timing(); err != nil {
		return err
	}
	if len(s.Policies) == 0 {
		s.Policies = []string{config.PolicyBackpack.String()}
	}
	s.PolicyList = s.PolicyList[:0]
	for i, name := range s.Policies {
		p, ok := config.ParsePolicy(name)
		if !ok {
			return fmt.Errorf("policies[%d]: unknown policy %q (backpack, ladder, classic, partial)", i, name)
		}
		s.PolicyList = append(s.PolicyList, p)
	}
	cfg := config.Default()
	if s.Engine != "" {
		var err error
		if cfg, err = config.LoadFile(resolve(dir, s.Engine)); err != nil {
			return fmt.Errorf("engine: %w", err)
		}
	}
	s.Config = cfg
	settle, ok := cfg.AssetBySymbol(cfg.SettlementAsset)
	if !ok {
		return fmt.Errorf("engine: no settlement asset %q", cfg.SettlementAsset)
	}
	s.SettleDecimals = cfg.Assets[settle].Decimals
	if err := s.amount("insuranceFund", &s.InsuranceFund, s.SettleDecimals, true); err != nil {
		return err
	}
	if err := s.markets(dir); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("markets (engine configuration after overrides): %w", err)
	}
	if err := s.traders(); err != nil {
		return err
	}
	if err := s.whales(); err != nil {
		return err
	}
	if err := s.makers(); err != nil {
		return err
	}
	return s.backstops()
}

func (s *Scenario) timing() error {
	switch {
	case s.Duration <= 0:
		return errors.New("duration: required, e.g. \"2h\"")
	case s.Duration.Ms() > MaxDuration:
		return fmt.Errorf("duration: %s is longer than 31 days", s.Duration)
	}
	if s.Tick == 0 {
		s.Tick = Duration(1e9)
	}
	d, t := s.Duration.Ms(), s.Tick.Ms()
	switch {
	case t <= 0:
		return fmt.Errorf("tick: %s must be at least 1ms", s.Tick)
	case d%t != 0:
		return fmt.Errorf("duration: %s is not a whole number of ticks of %s", s.Duration, s.Tick)
	case d/t > MaxTicks:
		return fmt.Errorf("duration: %d ticks is more than %d", d/t, MaxTicks)
	}
	if s.SampleEvery == 0 {
		n := (d/t + 719) / 720 // ticks per sample: at most ~720 samples
		s.SampleEvery = Duration(n * t * 1e6)
	}
	if e := s.SampleEvery.Ms(); e <= 0 || e%t != 0 {
		return fmt.Errorf("sampleEvery: %s must be a positive whole number of ticks of %s", s.SampleEvery, s.Tick)
	}
	return nil
}

// Ticks is the number of ticks the scenario runs.
func (s *Scenario) Ticks() int { return int(s.Duration.Ms() / s.Tick.Ms()) }

func resolve(dir, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

// amount parses a decimal with decimals places into a.Units; empty is 0
// when optional.
func (s *Scenario) amount(path string, a *Amount, decimals int, optional bool) error {
	if a.Text == "" {
		if !optional {
			return fmt.Errorf("%s: required", path)
		}
		a.Units = 0
		return nil
	}
	v, err := fixed.ParseDecimal(a.Text, decimals)
	if err != nil {
		return fmt.Errorf("%s: %q: %w", path, a.Text, err)
	}
	if v < 0 {
		return fmt.Errorf("%s: %s must not be negative", path, a.Text)
	}
	a.Units = v
	return nil
}

func (s *Scenario) markets(dir string) error {
	if len(s.Markets) == 0 {
		return errors.New("markets: at least one market is required")
	}
	seen := map[config.AssetID]string{}
	for i := range s.Markets {
		m := &s.Markets[i]
		path := fmt.Sprintf("markets[%d]", i)
		id, ok := s.Config.MarketBySymbol(m.Symbol)
		if !ok {
			return fmt.Errorf("%s.symbol: no market %q in the engine configuration", path, m.Symbol)
		}
		mc := &s.Config.Markets[id]
		if mc.Kind != config.Perp {
			return fmt.Errorf("%s.symbol: %s is a spot market; scenarios trade perpetuals", path, m.Symbol)
		}
		if other, dup := seen[mc.Base]; dup {
			return fmt.Errorf("%s.symbol: %s has the same base asset as %s: one index path per asset", path, m.Symbol, other)
		}
		seen[mc.Base] = m.Symbol
		m.ID = id
		if m.Weight == nil {
			w := 1.0
			m.Weight = &w
		}
		if !(*m.Weight >= 0) || *m.Weight > 1e9 {
			return fmt.Errorf("%s.weight: %v must be ≥ 0", path, *m.Weight)
		}
		if err := s.path(path+".path", &m.Path, dir); err != nil {
			return err
		}
		if m.Price.Text == "" && len(m.Path.Points) > 0 {
			m.Price.Text = fmt.Sprintf("%.8f", m.Path.Points[0].Price)
		}
		if err := s.amount(path+".price", &m.Price, fixed.PriceDecimals, false); err != nil {
			return err
		}
		if m.Price.Units == 0 {
			return fmt.Errorf("%s.price: must be > 0", path)
		}
		if m.LiquidationCapacity != nil {
			if err := s.amount(path+".liquidationCapacity", m.LiquidationCapacity, s.SettleDecimals, false); err != nil {
				return err
			}
			mc.LiquidationCapacity = m.LiquidationCapacity.Units
		}
		if m.RiskLimits != nil {
			if err := s.riskLimits(path+".riskLimits", m.RiskLimits, mc); err != nil {
				return err
			}
		}
		if m.Flow != nil {
			if err := s.flow(path+".flow", m.Flow); err != nil {
				return err
			}
		}
	}
	total := 0.0
	for i := range s.Markets {
		total += *s.Markets[i].Weight
	}
	if total <= 0 {
		return errors.New("markets: the weights sum to 0")
	}
	return nil
}

func (s *Scenario) flow(path string, f *Flow) error {
	if !(f.Rate > 0 && f.Rate <= 6000) {
		return fmt.Errorf("%s.rate: %v orders a minute must be within (0, 6000]", path, f.Rate)
	}
	if f.Size == nil {
		f.Size = &Dist{Kind: "lognormal", Median: 5000, Sigma: 1, Min: 10, Max: 1_000_000}
	}
	if err := f.Size.check(path + ".size"); err != nil {
		return err
	}
	if f.SellShare == nil {
		half := 0.5
		f.SellShare = &half
	}
	if !(*f.SellShare >= 0 && *f.SellShare <= 1) {
		return fmt.Errorf("%s.sellShare: %v must be within [0, 1]", path, *f.SellShare)
	}
	if f.Collateral.Text == "" {
		f.Collateral.Text = "50000000"
	}
	return s.amount(path+".collateral", &f.Collateral, s.SettleDecimals, false)
}

func (s *Scenario) riskLimits(path string, rl *RiskLimits, mc *config.Market) error {
	var out config.RiskLimits
	switch rl.Model {
	case "", "deduction":
		out.Model = config.BracketDeduction
	case "whole":
		out.Model = config.BracketWhole
	default:
		return fmt.Errorf("%s.model: unknown model %q (deduction, whole)", path, rl.Model)
	}
	if len(rl.Brackets) == 0 || len(rl.Brackets) > config.MaxBrackets {
		return fmt.Errorf("%s.brackets: 1..%d brackets", path, config.MaxBrackets)
	}
	for i := range rl.Brackets {
		b := &rl.Brackets[i]
		bp := fmt.Sprintf("%s.brackets[%d]", path, i)
		if err := s.amount(bp+".notionalCap", &b.NotionalCap, s.SettleDecimals, i == len(rl.Brackets)-1); err != nil {
			return err
		}
		if err := s.amount(bp+".maintenanceMarginRatio", &b.MaintenanceMarginRatio, fixed.RateDecimals, false); err != nil {
			return err
		}
		out.Brackets[i] = config.Bracket{NotionalCap: b.NotionalCap.Units, MaxLeverage: b.MaxLeverage,
			MaintenanceMarginRatio: b.MaintenanceMarginRatio.Units}
	}
	out.Count = len(rl.Brackets)
	mc.RiskLimits = out
	mc.IMF = config.MarginFunction{Kind: config.MarginBrackets}
	mc.MMF = config.MarginFunction{Kind: config.MarginBrackets}
	return nil
}

func (s *Scenario) path(path string, p *Path, dir string) error {
	if (p.CSV != "") == (len(p.Segments) > 0) {
		return fmt.Errorf("%s: give either csv or segments", path)
	}
	if p.CSV != "" {
		pts, err := readCSV(resolve(dir, p.CSV))
		if err != nil {
			return fmt.Errorf("%s.csv: %w", path, err)
		}
		p.Points = pts
		return nil
	}
	for i := range p.Segments {
		g := &p.Segments[i]
		sp := fmt.Sprintf("%s.segments[%d]", path, i)
		switch {
		case g.Duration.Ms() <= 0:
			return fmt.Errorf("%s.duration: required and > 0", sp)
		case !(g.Change > -1) || g.Change > 100:
			return fmt.Errorf("%s.change: %v must be within (−1, 100]", sp, g.Change)
		case !(g.Volatility >= 0) || g.Volatility > 1:
			return fmt.Errorf("%s.volatility: %v must be within [0, 1] (σ per minute)", sp, g.Volatility)
		}
		for j, jmp := range g.Jumps {
			jp := fmt.Sprintf("%s.jumps[%d]", sp, j)
			if jmp.At < 0 || jmp.At.Ms() >= g.Duration.Ms() {
				return fmt.Errorf("%s.at: %s is outside the segment (0..%s)", jp, jmp.At, g.Duration)
			}
			if !(jmp.Size > -1) || jmp.Size > 100 {
				return fmt.Errorf("%s.size: %v must be within (−1, 100]", jp, jmp.Size)
			}
		}
	}
	return nil
}

func (s *Scenario) traders() error {
	t := &s.Traders
	if t.Count < 0 || t.Count > MaxTraders {
		return fmt.Errorf("traders.count: %d is outside 0..%d", t.Count, MaxTraders)
	}
	if t.Leverage == nil {
		t.Leverage = &Dist{Kind: "lognormal", Median: 10, Sigma: 0.6, Min: 1, Max: 100}
	}
	if t.Notional == nil {
		t.Notional = &Dist{Kind: "lognormal", Median: 2000, Sigma: 1, Min: 50, Max: 1_000_000}
	}
	if t.LongShare == nil {
		half := 0.5
		t.LongShare = &half
	}
	if t.StopLoss.Distance == nil {
		t.StopLoss.Distance = &Dist{Kind: "uniform", Min: 0.02, Max: 0.10}
	}
	if t.LowLeverage == 0 {
		t.LowLeverage = 3
	}
	if err := t.Leverage.check("traders.leverage"); err != nil {
		return err
	}
	if err := t.Notional.check("traders.notional"); err != nil {
		return err
	}
	if err := t.StopLoss.Distance.check("traders.stopLoss.distance"); err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"longShare", *t.LongShare}, {"isolatedShare", t.IsolatedShare}, {"hedgedShare", t.HedgedShare}, {"stopLoss.share", t.StopLoss.Share}} {
		if !(f.v >= 0 && f.v <= 1) {
			return fmt.Errorf("traders.%s: %v must be within [0, 1]", f.name, f.v)
		}
	}
	if !(t.LowLeverage > 0) {
		return fmt.Errorf("traders.lowLeverage: %v must be > 0", t.LowLeverage)
	}
	return nil
}

func (s *Scenario) whales() error {
	for i := range s.Whales {
		w := &s.Whales[i]
		path := fmt.Sprintf("whales[%d]", i)
		id, err := s.marketOf(path, w.Market)
		if err != nil {
			return err
		}
		w.ID = id
		switch {
		case w.Side != "long" && w.Side != "short":
			return fmt.Errorf("%s.side: %q is neither long nor short", path, w.Side)
		case !(w.Leverage >= 1 && w.Leverage <= 1000):
			return fmt.Errorf("%s.leverage: %v must be within 1..1000", path, w.Leverage)
		case !(w.StopLoss >= 0 && w.StopLoss < 1):
			return fmt.Errorf("%s.stopLoss: %v must be within [0, 1)", path, w.StopLoss)
		}
		if err := s.amount(path+".notional", &w.Notional, s.SettleDecimals, false); err != nil {
			return err
		}
		if w.Notional.Units == 0 {
			return fmt.Errorf("%s.notional: must be > 0", path)
		}
	}
	return nil
}

// marketOf resolves a market symbol among the scenario's markets.
func (s *Scenario) marketOf(path, symbol string) (config.MarketID, error) {
	for _, m := range s.Markets {
		if m.Symbol == symbol {
			return m.ID, nil
		}
	}
	return 0, fmt.Errorf("%s.market: %q is not one of the scenario's markets", path, symbol)
}

func (s *Scenario) makers() error {
	for i := range s.MarketMakers {
		mm := &s.MarketMakers[i]
		path := fmt.Sprintf("marketMakers[%d]", i)
		id, err := s.marketOf(path, mm.Market)
		if err != nil {
			return err
		}
		mm.ID = id
		if err := s.amount(path+".collateral", &mm.Collateral, s.SettleDecimals, false); err != nil {
			return err
		}
		if mm.Count == 0 {
			mm.Count = 1
		}
		if mm.Levels == 0 {
			mm.Levels = 10
		}
		if mm.Spread == 0 {
			mm.Spread = 0.0005
		}
		if mm.Step == 0 {
			mm.Step = 0.001
		}
		if mm.Growth == 0 {
			mm.Growth = 1
		}
		if mm.Refresh == 0 {
			mm.Refresh = Duration(1e9)
		}
		st := &mm.Stress
		if st.Window == 0 {
			st.Window = Duration(60e9)
		}
		if st.Depth == nil {
			d := 0.25
			st.Depth = &d
		}
		if st.Spread == 0 {
			st.Spread = 3
		}
		if st.Calm == 0 {
			st.Calm = Duration(300e9)
		}
		switch {
		case mm.Count < 0 || mm.Count > 100:
			return fmt.Errorf("%s.count: %d is outside 1..100", path, mm.Count)
		case mm.Levels < 0 || mm.Levels > 200:
			return fmt.Errorf("%s.levels: %d is outside 1..200", path, mm.Levels)
		case !(mm.Spread > 0 && mm.Spread < 0.2):
			return fmt.Errorf("%s.spread: %v must be within (0, 0.2)", path, mm.Spread)
		case !(mm.Step > 0 && mm.Step < 0.2):
			return fmt.Errorf("%s.step: %v must be within (0, 0.2)", path, mm.Step)
		case !(mm.Size > 0):
			return fmt.Errorf("%s.size: required, the first level's notional (> 0)", path)
		case !(mm.Growth > 0 && mm.Growth <= 10):
			return fmt.Errorf("%s.growth: %v must be within (0, 10]", path, mm.Growth)
		case mm.Refresh.Ms() <= 0 || mm.Refresh.Ms()%s.Tick.Ms() != 0:
			return fmt.Errorf("%s.refresh: %s must be a whole number of ticks of %s", path, mm.Refresh, s.Tick)
		case st.Window.Ms() < s.Tick.Ms():
			return fmt.Errorf("%s.stress.window: %s is shorter than a tick", path, st.Window)
		case !(st.Move >= 0):
			return fmt.Errorf("%s.stress.move: %v must be ≥ 0", path, st.Move)
		case !(*st.Depth >= 0 && *st.Depth <= 1):
			return fmt.Errorf("%s.stress.depth: %v must be within [0, 1]", path, *st.Depth)
		case !(st.Spread >= 1 && st.Spread <= 100):
			return fmt.Errorf("%s.stress.spread: %v must be within [1, 100]", path, st.Spread)
		case st.Calm < 0:
			return fmt.Errorf("%s.stress.calm: must not be negative", path)
		}
	}
	for i := range s.Markets {
		if !s.hasMaker(s.Markets[i].ID) && (s.Traders.Count > 0 || len(s.Whales) > 0) {
			return fmt.Errorf("markets[%d]: %s has no market maker: the traders open their positions against its first one", i, s.Markets[i].Symbol)
		}
	}
	return nil
}

func (s *Scenario) hasMaker(id config.MarketID) bool {
	for _, mm := range s.MarketMakers {
		if mm.ID == id {
			return true
		}
	}
	return false
}

func (s *Scenario) backstops() error {
	for i := range s.Backstops {
		b := &s.Backstops[i]
		path := fmt.Sprintf("backstops[%d]", i)
		id, err := s.marketOf(path, b.Market)
		if err != nil {
			return err
		}
		b.ID = id
		if b.Count == 0 {
			b.Count = 1
		}
		if b.Count < 0 || b.Count > 100 {
			return fmt.Errorf("%s.count: %d is outside 1..100", path, b.Count)
		}
		if err := s.amount(path+".collateral", &b.Collateral, s.SettleDecimals, false); err != nil {
			return err
		}
		if err := s.amount(path+".capacity", &b.Capacity, s.SettleDecimals, false); err != nil {
			return err
		}
		if err := s.amount(path+".minEquity", &b.MinEquity, s.SettleDecimals, true); err != nil {
			return err
		}
	}
	return nil
}
