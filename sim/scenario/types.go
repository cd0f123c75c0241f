package scenario

import (
	"fmt"
	"strconv"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/waterfallrisk/waterfall/engine/config"
)

// Scenario is one scripted market: what the simulator builds (engine,
// population, market makers, backstop providers, insurance fund), how the
// index prices move and for how long, and which liquidation policies to
// compare. docs/scenarios.md documents every field with its unit and
// default. Load fills the defaults and the derived fields (marked "Load").
type Scenario struct {
	Name        string   `yaml:"name"`        // default: the file stem
	Description string   `yaml:"description"` // one paragraph
	Seed        uint64   `yaml:"seed"`        // default 1; --seed overrides
	Duration    Duration `yaml:"duration"`    // simulated time, required
	Tick        Duration `yaml:"tick"`        // default 1s
	SampleEvery Duration `yaml:"sampleEvery"` // chart sampling; default ≈ duration/720
	Policies    []string `yaml:"policies"`    // default [backpack]
	// Engine is an engine configuration file (waterfall config format),
	// relative to the scenario file; default the built-in one.
	Engine        string        `yaml:"engine"`
	InsuranceFund Amount        `yaml:"insuranceFund"` // settlement asset, default 0
	Markets       []Market      `yaml:"markets"`
	Traders       Traders       `yaml:"traders"`
	Whales        []Whale       `yaml:"whales"`
	MarketMakers  []MarketMaker `yaml:"marketMakers"`
	Backstops     []Backstop    `yaml:"backstops"`

	// Load: the engine configuration with the markets' overrides applied
	// (its Seed and Liquidation.Policy are set per run), the parsed
	// policies, and the settlement asset's decimals.
	Config         *config.Config             `yaml:"-"`
	PolicyList     []config.LiquidationPolicy `yaml:"-"`
	SettleDecimals int                        `yaml:"-"`
}

// Market is one perpetual market the scenario trades, its starting index
// price, its share of the traders and its index price path.
type Market struct {
	Symbol string `yaml:"symbol"`
	// Price is the base asset's index price at the start, in the quote
	// asset (decimal); with a CSV path it defaults to the first row.
	Price Amount `yaml:"price"`
	// Weight is the market's share of the traders, relative to the other
	// markets' weights; default 1.
	Weight *float64 `yaml:"weight"`
	// LiquidationCapacity overrides the market's per-tick liquidation
	// capacity (settlement asset, decimal; "0" removes the cap).
	LiquidationCapacity *Amount `yaml:"liquidationCapacity"`
	// RiskLimits replaces the market's sqrt margin functions with a bracket
	// table (formulas.md §2).
	RiskLimits *RiskLimits `yaml:"riskLimits"`
	Path       Path        `yaml:"path"`
	// Flow is background taker flow: market orders from one account.
	Flow *Flow `yaml:"flow"`

	ID config.MarketID `yaml:"-"` // Load
}

// Flow is a market's background taker flow: Rate market orders a minute
// on average, each of Size (settlement asset), a sale with probability
// SellShare, all from one account with Collateral.
type Flow struct {
	Rate       float64  `yaml:"rate"`
	Size       *Dist    `yaml:"size"`       // default lognormal median 5,000, σ 1, 10..1,000,000
	SellShare  *float64 `yaml:"sellShare"`  // default 0.5
	Collateral Amount   `yaml:"collateral"` // default 50,000,000
}

// RiskLimits is a bracket table as the engine configuration spells it.
type RiskLimits struct {
	Model    string    `yaml:"model"` // deduction (default) or whole
	Brackets []Bracket `yaml:"brackets"`
}

// Bracket is one tier: notional cap (settlement asset; empty on an open last
// tier), maximum leverage, maintenance margin ratio.
type Bracket struct {
	NotionalCap            Amount `yaml:"notionalCap"`
	MaxLeverage            int64  `yaml:"maxLeverage"`
	MaintenanceMarginRatio Amount `yaml:"maintenanceMarginRatio"`
}

// Path is an index price path: segments of drift, jumps and random walk
// played one after the other, or a CSV of (seconds, price) rows. After the
// last segment or row the price holds.
type Path struct {
	CSV      string    `yaml:"csv"` // relative to the scenario file
	Segments []Segment `yaml:"segments"`

	Points []Point `yaml:"-"` // Load: the CSV's rows
}

// Segment moves the price by Change (a fraction: −0.15 ends 15% lower)
// evenly in log space over Duration, with a seeded random walk of
// Volatility (σ of the log return over one minute) and instant Jumps.
type Segment struct {
	Duration   Duration `yaml:"duration"`
	Change     float64  `yaml:"change"`
	Volatility float64  `yaml:"volatility"`
	Jumps      []Jump   `yaml:"jumps"`
}

// Jump multiplies the price by 1+Size at At into its segment.
type Jump struct {
	At   Duration `yaml:"at"`
	Size float64  `yaml:"size"`
}

// Point is one CSV row.
type Point struct {
	Sec   float64
	Price float64
}

// Traders is the population: how many, how leveraged, how large, which
// side, which margin mode, who uses stop-losses.
type Traders struct {
	Count    int   `yaml:"count"`
	Leverage *Dist `yaml:"leverage"` // default lognormal median 10, σ 0.6, 1..100
	Notional *Dist `yaml:"notional"` // settlement asset; default lognormal median 2,000, σ 1, 50..1,000,000
	// LongShare is the chance a trader is long; default 0.5.
	LongShare *float64 `yaml:"longShare"`
	// IsolatedShare is the chance a trader uses an isolated position.
	IsolatedShare float64 `yaml:"isolatedShare"`
	// HedgedShare is the chance a short also holds the base asset spot,
	// as much as its short (a hedged position for ADL).
	HedgedShare float64  `yaml:"hedgedShare"`
	StopLoss    StopLoss `yaml:"stopLoss"`
	// LowLeverage is the leverage at or below which an ADL'd trader counts
	// as low-leverage in the metrics; default 3.
	LowLeverage float64 `yaml:"lowLeverage"`
}

// Whale is one named large trader, opened after the population like any
// trader (against the market's first market maker, at the opening price).
type Whale struct {
	Market   string  `yaml:"market"`
	Side     string  `yaml:"side"`     // long or short
	Notional Amount  `yaml:"notional"` // settlement asset
	Leverage float64 `yaml:"leverage"` // capped like any trader's
	Isolated bool    `yaml:"isolated"`
	// StopLoss is the stop distance as a fraction of the entry; 0: none.
	StopLoss float64 `yaml:"stopLoss"`

	ID config.MarketID `yaml:"-"` // Load
}

// StopLoss: the share of traders that place a reduce-only stop-market
// order at Distance (a fraction of the entry price) against them.
type StopLoss struct {
	Share    float64 `yaml:"share"`
	Distance *Dist   `yaml:"distance"` // default uniform 0.02..0.10
}

// MarketMaker quotes a ladder of limit orders around the index on one
// market, refreshed every Refresh, and pulls liquidity under stress.
type MarketMaker struct {
	Market     string   `yaml:"market"`
	Count      int      `yaml:"count"`      // identical makers; default 1
	Collateral Amount   `yaml:"collateral"` // settlement asset each, required
	Levels     int      `yaml:"levels"`     // per side; default 10
	Spread     float64  `yaml:"spread"`     // half-spread of the first level, fraction; default 0.0005
	Step       float64  `yaml:"step"`       // spacing between levels, fraction; default 0.001
	Size       float64  `yaml:"size"`       // first level's notional, settlement asset; required
	Growth     float64  `yaml:"growth"`     // each further level's size factor; default 1
	Refresh    Duration `yaml:"refresh"`    // default 1s
	Stress     Stress   `yaml:"stress"`

	ID config.MarketID `yaml:"-"` // Load
}

// Stress is how a market maker pulls liquidity: once the index moved by
// Move (fraction, either way) within Window, it quotes Depth × its sizes
// (0 withdraws) at Spread × its spread and step, until Calm has passed
// without such a move. Move 0 never stresses.
type Stress struct {
	Window Duration `yaml:"window"` // default 60s
	Move   float64  `yaml:"move"`
	Depth  *float64 `yaml:"depth"`  // default 0.25
	Spread float64  `yaml:"spread"` // default 3
	Calm   Duration `yaml:"calm"`   // default 5m
}

// Backstop is a backstop liquidity provider registered on one market.
type Backstop struct {
	Market     string `yaml:"market"`
	Count      int    `yaml:"count"`      // identical providers; default 1
	Collateral Amount `yaml:"collateral"` // settlement asset each
	Capacity   Amount `yaml:"capacity"`   // notional taken per side, settlement asset
	MinEquity  Amount `yaml:"minEquity"`  // settlement asset; default 0

	ID config.MarketID `yaml:"-"` // Load
}

// Duration is a Go duration string ("90s", "2h", "1h30m") or a whole
// number of seconds.
type Duration time.Duration

// UnmarshalYAML reads a duration string or whole seconds.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: a duration is a string like \"90s\" or \"2h\"", n.Line)
	}
	if s, err := strconv.ParseInt(n.Value, 10, 64); err == nil {
		if s < 0 || s > 1<<32 {
			return fmt.Errorf("line %d: %d seconds is out of range", n.Line, s)
		}
		*d = Duration(time.Duration(s) * time.Second)
		return nil
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a duration (\"90s\", \"2h\")", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

// Ms is the duration in milliseconds.
func (d Duration) Ms() int64 { return time.Duration(d).Milliseconds() }

func (d Duration) String() string { return time.Duration(d).String() }

// Amount is an exact decimal, written as a string or a number ("250000",
// 1e6 is refused: no exponents). Load converts it to the smallest units of
// its asset (Units).
type Amount struct {
	Text  string
	Units int64
}

// UnmarshalYAML keeps the scalar's text.
func (a *Amount) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: an amount is a decimal number", n.Line)
	}
	a.Text = n.Value
	return nil
}
