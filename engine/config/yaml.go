package config

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// The YAML format. Field names are Backpack's where Backpack has one
// (GET /api/v1/markets, GET /api/v1/collateral); the rest are Waterfall's.
//
//	seed: 1                         # the engine's random generator
//	settlementAsset: USDC
//	assets:
//	  - symbol: BTC
//	    decimals: 8                 # one smallest unit = 1e-8 BTC
//	    haircutFunction:
//	      weight: "0.9"
//	      kind: {type: inverseSqrt, base: "1.1", positiveCurvePenalty: "0.000222"}
//	markets:
//	  - symbol: BTC_USDC_PERP
//	    marketType: PERP            # SPOT | PERP
//	    baseSymbol: BTC
//	    quoteSymbol: USDC
//	    tickSize: "0.1"             # quote per base; at most 8 decimals
//	    stepSize: "0.0001"          # base; a whole number of smallest units
//	    minQuantity: "0.0001"       # base; a whole number of steps
//	    maxQuantity: null           # optional, as minQuantity; null: no limit
//	    makerFee: "0.0002"
//	    takerFee: "0.0005"
//	    imfFunction: {type: sqrt, base: "0.01333333", factor: "0.00002494"}
//	    mmfFunction: {type: sqrt, base: "0.00666667", factor: "0.00001496"}
//	    priceBands:
//	      minMultiplier: "0.75"         # limit band
//	      maxMultiplier: "1.25"
//	      minImpactMultiplier: "0.97"   # impact band
//	      maxImpactMultiplier: "1.03"
//	      meanMarkPriceBand: {minMultiplier: "0.9", maxMultiplier: "1.1", window: 300000}
//	      meanPremiumBand: {tolerancePct: "0.01"}   # a fraction, as Backpack's
//	    markPrice: {basisWindow: 60000, band: "0.05"}
//	    fundingInterval: 3600000        # ms
//	    fundingRateUpperBound: "100"    # basis points, as Backpack's
//	    fundingRateLowerBound: "-100"
//	    fundingSampleInterval: 1000     # ms
//	    fundingInterestRate: "0.0001"   # per fundingPeriodHours
//	    fundingPremiumClamp: "0.0005"
//	    fundingPeriodHours: 8
//	    openInterestLimit: null         # optional, base quantity; null: no limit
//	    liquidationCapacity: null       # optional, quote notional per liquidation tick; null: no cap
//	  - symbol: ETH_USDC_PERP           # a perpetual margined by a bracket table instead
//	    ...                             # (riskLimits replaces imfFunction and mmfFunction)
//	    riskLimits:
//	      model: deduction              # deduction | whole (formulas.md §2)
//	      brackets:                     # 1..16 tiers, caps ascending, in quote (settlement) units
//	        - {notionalCap: "150000", maxLeverage: 125, maintenanceMarginRatio: "0.004"}
//	        - {notionalCap: "900000", maxLeverage: 100, maintenanceMarginRatio: "0.005"}
//	        - {maxLeverage: 50, maintenanceMarginRatio: "0.01"}   # last cap omitted or "": open
//	lending:                            # optional: borrow/lend pools, at most one per asset (lending.go)
//	  - symbol: USDC                    # the asset lent and borrowed
//	    baseRate: "0"                   # yearly borrow rate at zero utilization
//	    slopeBelowOptimal: "0.1"        # yearly rate added from 0 to optimalUtilization
//	    optimalUtilization: "0.8"       # the curve's kink, in (0, 1)
//	    slopeAboveOptimal: "1"          # yearly rate added from optimalUtilization to 1
//	    maxUtilization: "0.95"          # borrows and redemptions may not leave more, in (optimal, 1]
//	    throttleUtilizationThreshold: "0.95"  # at or above: redemptions and new borrows pause
//	    fee: "0.1"                      # the house's share of the interest, in [0, 1]
//	    imfFunction: {type: sqrt, base: "0.01333333", factor: "0"}   # the borrow's margin
//	    mmfFunction: {type: sqrt, base: "0.00666667", factor: "0"}
//	liquidation:                        # optional, and so is every key: absent ones take these defaults
//	  policy: backpack                  # backpack | ladder | classic | partial
//	  tickMs: 1000
//	  probability: "0.5"
//	  fraction: "0.1"
//	  fee: "0.01"
//	  acmfDivisor: 2                    # integer ≥ 2
//	  acmfOffset: "0.06"
//	  backstopEquityShare: "1"
//	  ladderPriceOffset: "0.001"
//	  partialStep: "0.2"
//	  partialThreshold: "100000"        # settlement asset
//	  partialCooldownMs: 30000
//	  partialVaultRatio: "0.66666667"
//	  adlRanking: pnlLeverage           # pnlLeverage | pnlMargin | markLeverage
//
// Decimals may be strings or bare YAML numbers; either way the literal text is
// parsed exactly (fixed.ParseDecimal), never through a float, and a value more
// precise than its field's unit is refused, not rounded. Durations are integer
// milliseconds. A null value is the same as an absent key. Keys not listed
// here are refused. A SPOT market must not give imfFunction, mmfFunction, the
// funding* fields, openInterestLimit or riskLimits: spot markets have none
// (their fields in Market stay zero). A perpetual gives either imfFunction
// and mmfFunction or riskLimits, never both. Aliases (*anchor) may be used to
// share blocks.

// Load reads a configuration in the YAML format above, converts it to fixed
// point and validates it (see Validate). Any refused value is reported as a
// *FieldError naming the field's path and line.
func Load(r io.Reader) (*Config, error) {
	root, err := parseDocument(r)
	if err != nil {
		return nil, err
	}
	rd := &reading{lines: map[string]int{}}
	c := rd.config(root)
	if rd.err != nil {
		return nil, rd.err
	}
	if err := c.Validate(); err != nil {
		return nil, rd.locate(err)
	}
	return c, nil
}

// LoadFile is Load on the named file; errors name the file.
func LoadFile(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	c, err := Load(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// parseDocument returns the top node of the one YAML document r holds.
func parseDocument(r io.Reader) (*yaml.Node, error) {
	dec := yaml.NewDecoder(r)
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &FieldError{Err: errors.New("empty document")}
		}
		return nil, fmt.Errorf("config: %w", err)
	}
	if len(doc.Content) == 0 {
		return nil, &FieldError{Err: errors.New("empty document")}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, &FieldError{Line: extra.Line, Err: errors.New("more than one YAML document")}
	}
	return doc.Content[0], nil
}

// locate adds the file line to a Validate error about a field that was read.
func (r *reading) locate(err error) error {
	var fe *FieldError
	if errors.As(err, &fe) && fe.Line == 0 {
		fe.Line = r.lines[fe.Path]
	}
	return err
}

// config reads the top-level mapping.
func (r *reading) config(n *yaml.Node) *Config {
	o := r.object("", n)
	c := &Config{Seed: o.uint("seed"), SettlementAsset: o.str("settlementAsset")}
	nodes, paths := o.list("assets")
	for i, a := range nodes {
		c.Assets = append(c.Assets, r.asset(paths[i], a))
	}
	nodes, paths = o.list("markets")
	for i, m := range nodes {
		c.Markets = append(c.Markets, r.market(c, paths[i], m))
	}
	c.Lending = r.lending(c, o)
	c.Liquidation = r.liquidation(c, o)
	o.done()
	return c
}

// asset reads one entry of assets.
func (r *reading) asset(path string, n *yaml.Node) Asset {
	o := r.object(path, n)
	a := Asset{Symbol: o.str("symbol"), Decimals: int(o.int("decimals"))}
	if a.Decimals < 0 || a.Decimals > maxDecimals {
		r.fail(o.sub("decimals"), r.lines[o.sub("decimals")], "%d is outside 0..%d", a.Decimals, maxDecimals)
	}
	a.Haircut = r.haircut(o.child("haircutFunction"))
	o.done()
	return a
}

// haircut reads Backpack's haircutFunction {weight, kind: {type, ...}}.
func (r *reading) haircut(o *object) Haircut {
	h := Haircut{Weight: o.rate("weight")}
	k := o.child("kind")
	switch t := k.str("type"); t {
	case "identity":
		h.Kind = HaircutIdentity
	case "inverseSqrt":
		h.Kind = HaircutInverseSqrt
		h.Base = k.rate("base")
		h.Penalty = k.rate("positiveCurvePenalty")
	default:
		r.fail(k.sub("type"), r.lines[k.sub("type")], "unknown kind %q (want identity or inverseSqrt)", t)
	}
	k.done()
	o.done()
	return h
}

// market reads one entry of markets; c holds the assets already read.
func (r *reading) market(c *Config, path string, n *yaml.Node) Market {
	o := r.object(path, n)
	m := Market{Symbol: o.str("symbol"), Kind: r.marketKind(o)}
	var base, quote *Asset
	m.Base, base = r.assetRef(c, o, "baseSymbol")
	m.Quote, quote = r.assetRef(c, o, "quoteSymbol")
	m.TickSize = o.decimal("tickSize", fixed.PriceDecimals, "finer than the price precision 1e-8")
	if base != nil {
		r.quantities(o, &m, base)
	}
	m.MakerFee = o.rate("makerFee")
	m.TakerFee = o.rate("takerFee")
	m.Bands = r.bands(o.child("priceBands"))
	m.Mark = r.mark(o.child("markPrice"))
	if m.Kind == Perp {
		r.perp(o, &m, base, quote)
	} else {
		forbidPerpFields(o)
	}
	if o.has("liquidationCapacity") && quote != nil {
		m.LiquidationCapacity = o.decimal("liquidationCapacity", quote.Decimals,
			fmt.Sprintf("not a whole number of %s's smallest unit (1e-%d)", quote.Symbol, quote.Decimals))
	}
	o.done()
	return m
}

// marketKind reads marketType: SPOT or PERP.
func (r *reading) marketKind(o *object) MarketKind {
	switch t := o.str("marketType"); t {
	case "SPOT":
		return Spot
	case "PERP":
		return Perp
	default:
		r.fail(o.sub("marketType"), r.lines[o.sub("marketType")], "unknown market type %q (want SPOT or PERP)", t)
		return Spot
	}
}

// assetRef resolves the asset symbol under key to its ID.
func (r *reading) assetRef(c *Config, o *object, key string) (AssetID, *Asset) {
	s := o.str(key)
	for i := range c.Assets {
		if c.Assets[i].Symbol == s {
			return AssetID(i), &c.Assets[i]
		}
	}
	if s != "" {
		r.fail(o.sub(key), r.lines[o.sub(key)], "unknown asset %q", s)
	}
	return 0, nil
}

// quantities reads stepSize, minQuantity and maxQuantity.
func (r *reading) quantities(o *object, m *Market, base *Asset) {
	finer := fmt.Sprintf("not a whole number of %s's smallest unit (1e-%d)", base.Symbol, base.Decimals)
	m.StepSize = o.decimal("stepSize", base.Decimals, finer)
	if m.StepSize <= 0 {
		r.fail(o.sub("stepSize"), r.lines[o.sub("stepSize")], "must be positive")
		return
	}
	m.MinQty = r.lots(o, "minQuantity", m.StepSize, base)
	if o.has("maxQuantity") {
		m.MaxQty = r.lots(o, "maxQuantity", m.StepSize, base)
	}
}

// lots reads a base quantity under key as a whole number of steps.
func (r *reading) lots(o *object, key string, step int64, base *Asset) int64 {
	finer := fmt.Sprintf("not a whole number of %s's smallest unit (1e-%d)", base.Symbol, base.Decimals)
	units := o.decimal(key, base.Decimals, finer)
	if units%step != 0 {
		r.fail(o.sub(key), r.lines[o.sub(key)], "%s is not a whole number of steps (stepSize %s)",
			fixed.FormatDecimal(units, base.Decimals), fixed.FormatDecimal(step, base.Decimals))
	}
	return units / step
}

// perp reads the fields only perpetuals have. The margin is either
// imfFunction and mmfFunction, or riskLimits.
func (r *reading) perp(o *object, m *Market, base, quote *Asset) {
	if o.has("riskLimits") {
		const why = "riskLimits and imfFunction/mmfFunction are mutually exclusive"
		o.forbid("imfFunction", why)
		o.forbid("mmfFunction", why)
		m.IMF = MarginFunction{Kind: MarginBrackets}
		m.MMF = MarginFunction{Kind: MarginBrackets}
		m.RiskLimits = r.riskLimits(o.child("riskLimits"), quote)
	} else {
		if !o.has("imfFunction") && !o.has("mmfFunction") {
			r.fail(o.sub("imfFunction"), o.line, "required: imfFunction and mmfFunction, or riskLimits")
		}
		m.IMF = r.marginFunction(o.child("imfFunction"))
		m.MMF = r.marginFunction(o.child("mmfFunction"))
	}
	m.Funding = r.funding(o)
	if base != nil && m.StepSize > 0 && o.has("openInterestLimit") {
		m.OpenInterestLimit = r.lots(o, "openInterestLimit", m.StepSize, base)
	}
}

// forbidPerpFields refuses, on a spot market, the fields only perpetuals have.
func forbidPerpFields(o *object) {
	for _, k := range []string{"imfFunction", "mmfFunction", "riskLimits", "fundingInterval", "fundingRateUpperBound",
		"fundingRateLowerBound", "fundingSampleInterval", "fundingInterestRate", "fundingPremiumClamp",
		"fundingPeriodHours", "openInterestLimit"} {
		o.forbid(k, "a SPOT market has no margin function, risk limits, funding or open interest")
	}
}

// marginFunction reads Backpack's {type: sqrt, base, factor}.
func (r *reading) marginFunction(o *object) MarginFunction {
	if t := o.str("type"); t != "sqrt" && t != "" {
		r.fail(o.sub("type"), r.lines[o.sub("type")], "unknown function type %q (want sqrt)", t)
	}
	f := MarginFunction{Kind: MarginSqrt, Base: o.rate("base"), Factor: o.rate("factor")}
	o.done()
	return f
}

// riskLimits reads a bracket table {model, brackets: [...]}; quote is the
// asset caps count in (nil when unknown: an error is already recorded).
func (r *reading) riskLimits(o *object, quote *Asset) RiskLimits {
	var rl RiskLimits
	switch t := o.str("model"); t {
	case "deduction":
		rl.Model = BracketDeduction
	case "whole":
		rl.Model = BracketWhole
	default:
		r.fail(o.sub("model"), r.lines[o.sub("model")], "unknown model %q (want deduction or whole)", t)
	}
	nodes, paths := o.list("brackets")
	if len(nodes) > MaxBrackets {
		r.fail(o.sub("brackets"), r.lines[o.sub("brackets")], "%d brackets; at most %d", len(nodes), MaxBrackets)
		nodes = nodes[:MaxBrackets]
	}
	for i, n := range nodes {
		rl.Brackets[i] = r.bracket(paths[i], n, quote)
	}
	rl.Count = len(nodes)
	o.done()
	return rl
}

// bracket reads {notionalCap, maxLeverage, maintenanceMarginRatio}; a cap
// that is absent, null or "" is open (0).
func (r *reading) bracket(path string, n *yaml.Node, quote *Asset) Bracket {
	o := r.object(path, n)
	var b Bracket
	if v := o.get("notionalCap"); v != nil && !(v.Kind == yaml.ScalarNode && v.Value == "") && quote != nil {
		b.NotionalCap = o.decimal("notionalCap", quote.Decimals,
			fmt.Sprintf("not a whole number of %s's smallest unit (1e-%d)", quote.Symbol, quote.Decimals))
	}
	b.MaxLeverage = o.int("maxLeverage")
	b.MaintenanceMarginRatio = o.rate("maintenanceMarginRatio")
	o.done()
	return b
}

// liquidation reads the optional top-level liquidation section. Every key is
// optional: an absent one (or the whole section absent) keeps its
// DefaultLiquidation value.
func (r *reading) liquidation(c *Config, top *object) Liquidation {
	settlement, known := c.AssetBySymbol(c.SettlementAsset)
	decimals := 0
	if known {
		decimals = c.Assets[settlement].Decimals
	}
	l := DefaultLiquidation(decimals)
	if !top.has("liquidation") {
		return l
	}
	o := top.child("liquidation")
	if o.has("policy") {
		name := o.str("policy")
		if p, ok := ParsePolicy(name); ok {
			l.Policy = p
		} else {
			r.fail(o.sub("policy"), r.lines[o.sub("policy")], "unknown policy %q (want %s)", name, strings.Join(policyNames[:], ", "))
		}
	}
	ints := []struct {
		key string
		dst *int64
	}{{"tickMs", &l.TickMs}, {"acmfDivisor", &l.ACMFDivisor}, {"partialCooldownMs", &l.PartialCooldownMs}}
	for _, f := range ints {
		if o.has(f.key) {
			*f.dst = o.int(f.key)
		}
	}
	rates := []struct {
		key string
		dst *int64
	}{
		{"probability", &l.Probability}, {"fraction", &l.Fraction}, {"fee", &l.Fee},
		{"acmfOffset", &l.ACMFOffset}, {"backstopEquityShare", &l.BackstopEquityShare},
		{"ladderPriceOffset", &l.LadderPriceOffset}, {"partialStep", &l.PartialStep},
		{"partialVaultRatio", &l.PartialVaultRatio},
	}
	for _, f := range rates {
		if o.has(f.key) {
			*f.dst = o.rate(f.key)
		}
	}
	if o.has("partialThreshold") && known {
		s := &c.Assets[settlement]
		l.PartialThreshold = o.decimal("partialThreshold", s.Decimals,
			fmt.Sprintf("not a whole number of %s's smallest unit (1e-%d)", s.Symbol, s.Decimals))
	}
	if o.has("adlRanking") {
		name := o.str("adlRanking")
		if k, ok := ParseADLRanking(name); ok {
			l.ADLRanking = k
		} else {
			r.fail(o.sub("adlRanking"), r.lines[o.sub("adlRanking")], "unknown ranking %q (want %s)", name, strings.Join(rankingNames[:], ", "))
		}
	}
	o.done()
	return l
}

// bands reads priceBands.
func (r *reading) bands(o *object) PriceBands {
	b := PriceBands{
		LimitMin:  o.rate("minMultiplier"),
		LimitMax:  o.rate("maxMultiplier"),
		ImpactMin: o.rate("minImpactMultiplier"),
		ImpactMax: o.rate("maxImpactMultiplier"),
	}
	mm := o.child("meanMarkPriceBand")
	b.MeanMarkMin = mm.rate("minMultiplier")
	b.MeanMarkMax = mm.rate("maxMultiplier")
	b.MeanMarkWindowMs = mm.int("window")
	mm.done()
	mp := o.child("meanPremiumBand")
	b.MeanPremiumTolerance = mp.rate("tolerancePct")
	mp.done()
	o.done()
	return b
}

// mark reads markPrice.
func (r *reading) mark(o *object) Mark {
	m := Mark{BasisWindowMs: o.int("basisWindow"), Band: o.rate("band")}
	o.done()
	return m
}

// funding reads a perpetual's funding* fields. The bounds are in basis points,
// as Backpack publishes them: n bps is n·1e-4, which as a fixed.Rate (1e-12)
// is exactly n parsed with 8 decimals.
func (r *reading) funding(o *object) Funding {
	return Funding{
		IntervalMs:   o.int("fundingInterval"),
		Upper:        o.decimal("fundingRateUpperBound", bpsDecimals, "more precise than 1e-8 bps"),
		Lower:        o.decimal("fundingRateLowerBound", bpsDecimals, "more precise than 1e-8 bps"),
		SampleMs:     o.int("fundingSampleInterval"),
		Interest:     o.rate("fundingInterestRate"),
		PremiumClamp: o.rate("fundingPremiumClamp"),
		PeriodHours:  o.int("fundingPeriodHours"),
	}
}

// bpsDecimals: a basis-point count parsed with this many decimals is a
// fixed.Rate (1 bps = 1e-4 = 1e8 Rate units).
const bpsDecimals = fixed.RateDecimals - 4
