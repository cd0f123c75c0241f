// Package config describes the assets and markets an engine runs: the
// parameters every decision depends on, already converted to fixed point.
//
// A Config is immutable once loaded: the engine reads it and never writes it,
// and it is part of the journal's first record so a replay needs nothing else.
// Decimal strings exist only in the YAML form (see yaml.go); every field here
// is an integer in the unit its comment names.
package config

// Config is the whole static configuration of an engine.
type Config struct {
	// Seed seeds the engine's random generator (liquidation coin flips).
	Seed uint64
	// SettlementAsset is the asset PnL, fees and funding settle in ("USDC").
	SettlementAsset string
	// Assets in a fixed order; an asset's index is its AssetID.
	Assets []Asset
	// Markets in a fixed order; a market's index is its MarketID.
	Markets []Market
	// Lending holds the borrow/lend pools, at most one per asset, in a fixed
	// order (lending.go); empty: no lending.
	Lending []LendingPool
	// Liquidation parameterizes the liquidation waterfall (liquidation.go).
	Liquidation Liquidation
}

// AssetID indexes Config.Assets.
type AssetID uint16

// MarketID indexes Config.Markets.
type MarketID uint16

// Asset is a token accounts can hold.
type Asset struct {
	Symbol string // "BTC"
	// Decimals: one smallest unit is 10^-Decimals of the token.
	Decimals int
	// Haircut values the asset as collateral.
	Haircut Haircut
}

// HaircutKind names the shape of a collateral haircut function.
type HaircutKind uint8

const (
	// HaircutIdentity: the weight is constant.
	HaircutIdentity HaircutKind = iota
	// HaircutInverseSqrt: the weight falls as the holding grows,
	// w(n) = min(Weight, Base / (1 + Penalty·√n)), n the holding's notional in
	// the settlement asset (whole units). This is FTX's published form, the
	// ancestor of Backpack's `inverseSqrt` kind.
	HaircutInverseSqrt
)

// Haircut is Backpack's `haircutFunction`: {weight, kind}.
type Haircut struct {
	Kind    HaircutKind
	Weight  int64 // fixed.Rate, 0..1e12
	Base    int64 // fixed.Rate (inverseSqrt only)
	Penalty int64 // fixed.Rate per √(settlement unit) (inverseSqrt only)
}

// MarketKind distinguishes spot markets from perpetual futures.
type MarketKind uint8

const (
	Spot MarketKind = iota
	Perp
)

// MarginKind names the shape of an IMF or MMF function.
type MarginKind uint8

const (
	// MarginSqrt: f(n) = max(Base, Factor·√n), n the position notional in the
	// settlement asset (whole units); Backpack's {"type":"sqrt"}.
	MarginSqrt MarginKind = iota
	// MarginBrackets: the market's RiskLimits table gives the fraction
	// (formulas.md §2); Base and Factor are zero. A perpetual's IMF and MMF
	// are both MarginBrackets exactly when it has a RiskLimits table, so code
	// that evaluates only sqrt functions fails (risk.ErrUnknownKind) instead
	// of reading a zero fraction.
	MarginBrackets
)

// MarginFunction is Backpack's `imfFunction` / `mmfFunction`.
type MarginFunction struct {
	Kind   MarginKind
	Base   int64 // fixed.Rate
	Factor int64 // fixed.Rate per √(settlement unit)
}

// PriceBands are the protections of formulas.md §1, each a pair of
// multipliers (fixed.Rate) around a reference price.
type PriceBands struct {
	// Limit band: a limit price beyond activePrice × [LimitMin, LimitMax] is refused.
	LimitMin, LimitMax int64
	// Impact band: a taker sweeps only to bestAsk × ImpactMax / bestBid × ImpactMin.
	ImpactMin, ImpactMax int64
	// Mean-mark band: taker fills are capped at the mean mark × [MeanMarkMin, MeanMarkMax].
	MeanMarkMin, MeanMarkMax int64
	// MeanMarkWindowMs: the window of the mean mark (5 minutes by default).
	MeanMarkWindowMs int64
	// MeanPremiumTolerance: fills are capped at index × (1 + meanPremium ± tolerance).
	MeanPremiumTolerance int64
}

// Funding parameterizes a perpetual's funding (DESIGN.md §5).
type Funding struct {
	IntervalMs int64 // settlement interval (1 h)
	SampleMs   int64 // premium sampling period (1 s)
	// Lower and Upper bound the rate per interval (fixed.Rate; ±100 bps).
	Lower, Upper int64
	// Interest is I of the formula, per PeriodHours (0.01% per 8 h).
	Interest int64
	// PremiumClamp bounds I − P̄ (0.05%).
	PremiumClamp int64
	// PeriodHours is the divisor of the formula's h/8 (8).
	PeriodHours int64
}

// Mark parameterizes the mark price: index + smoothed basis, clamped.
type Mark struct {
	// BasisWindowMs is the EWMA window of the basis (1 minute).
	BasisWindowMs int64
	// Band clamps the mark to index × (1 ± Band) (fixed.Rate; 5%).
	Band int64
}

// Market is a spot or perpetual market.
type Market struct {
	Symbol string // "BTC_USDC_PERP", "SOL_USDC"
	Kind   MarketKind
	Base   AssetID
	Quote  AssetID
	// TickSize is one tick in fixed.Price units (1e-8 quote per base).
	TickSize int64
	// StepSize is one lot in the base asset's smallest units.
	StepSize int64
	// MinQty is the smallest order, in lots.
	MinQty int64
	// MaxQty is the largest order, in lots (0: no limit).
	MaxQty int64
	// MakerFee and TakerFee are fixed.Rate fractions of notional.
	MakerFee, TakerFee int64
	// IMF and MMF apply to perpetuals (and spot margin, issue 5). Both are
	// {Kind: MarginBrackets} when RiskLimits gives the margin instead.
	IMF, MMF MarginFunction
	// RiskLimits is the bracket table of a perpetual margined by tiers
	// (formulas.md §2), the alternative to sqrt IMF and MMF functions; zero
	// (Model 0, Count 0) for a market without one. See risklimits.go.
	RiskLimits RiskLimits
	Bands      PriceBands
	Funding    Funding
	Mark       Mark
	// OpenInterestLimit caps long open interest in lots (0: no limit).
	OpenInterestLimit int64
	// LiquidationCapacity caps the notional that liquidation orders may fill
	// in this market per liquidation tick, summed over all accounts, in the
	// quote asset's smallest units (a perpetual's: the settlement asset's);
	// 0: no cap. DESIGN.md §5 stage 1 and formulas.md §1 ("capped by
	// liquidation capacity"); issue #3 point 2.
	LiquidationCapacity int64

	// NotionalNum / NotionalDen convert lots × Price to the quote asset's
	// smallest units (for a perpetual, the settlement asset's):
	// notional = lots × price × NotionalNum / NotionalDen, the exact ratio
	// StepSize × 10^quoteDecimals / (1e8 × 10^baseDecimals) in lowest terms.
	// Derived by Validate (so by Load); never written to YAML.
	NotionalNum, NotionalDen int64
}
