package config

import (
	"bytes"
	"fmt"
	"io"

	"go.yaml.in/yaml/v3"

	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// The file* types are the YAML format as written (yaml.go documents it); Load
// reads what they write. Decimals are strings so they are written exactly.

type fileConfig struct {
	Seed            uint64            `yaml:"seed"`
	SettlementAsset string            `yaml:"settlementAsset"`
	Assets          []fileAsset       `yaml:"assets"`
	Markets         []fileMarket      `yaml:"markets"`
	Lending         []fileLendingPool `yaml:"lending,omitempty"`
	Liquidation     fileLiquidation   `yaml:"liquidation"`
}

// fileLiquidation writes every key, defaults included: a key left out would
// read back as its default, whatever the Config held.
type fileLiquidation struct {
	Policy              string `yaml:"policy"`
	TickMs              int64  `yaml:"tickMs"`
	Probability         string `yaml:"probability"`
	Fraction            string `yaml:"fraction"`
	Fee                 string `yaml:"fee"`
	ACMFDivisor         int64  `yaml:"acmfDivisor"`
	ACMFOffset          string `yaml:"acmfOffset"`
	BackstopEquityShare string `yaml:"backstopEquityShare"`
	LadderPriceOffset   string `yaml:"ladderPriceOffset"`
	PartialStep         string `yaml:"partialStep"`
	PartialThreshold    string `yaml:"partialThreshold"`
	PartialCooldownMs   int64  `yaml:"partialCooldownMs"`
	PartialVaultRatio   string `yaml:"partialVaultRatio"`
	ADLRanking          string `yaml:"adlRanking"`
}

type fileAsset struct {
	Symbol          string      `yaml:"symbol"`
	Decimals        int         `yaml:"decimals"`
	HaircutFunction fileHaircut `yaml:"haircutFunction"`
}

type fileHaircut struct {
	Weight string          `yaml:"weight"`
	Kind   fileHaircutKind `yaml:"kind,flow"`
}

type fileHaircutKind struct {
	Type                 string `yaml:"type"`
	Base                 string `yaml:"base,omitempty"`
	PositiveCurvePenalty string `yaml:"positiveCurvePenalty,omitempty"`
}

type fileMarket struct {
	Symbol                string          `yaml:"symbol"`
	MarketType            string          `yaml:"marketType"`
	BaseSymbol            string          `yaml:"baseSymbol"`
	QuoteSymbol           string          `yaml:"quoteSymbol"`
	TickSize              string          `yaml:"tickSize"`
	StepSize              string          `yaml:"stepSize"`
	MinQuantity           string          `yaml:"minQuantity"`
	MaxQuantity           string          `yaml:"maxQuantity,omitempty"`
	MakerFee              string          `yaml:"makerFee"`
	TakerFee              string          `yaml:"takerFee"`
	IMFFunction           *fileFunction   `yaml:"imfFunction,omitempty,flow"`
	MMFFunction           *fileFunction   `yaml:"mmfFunction,omitempty,flow"`
	RiskLimits            *fileRiskLimits `yaml:"riskLimits,omitempty"`
	PriceBands            fileBands       `yaml:"priceBands"`
	MarkPrice             fileMark        `yaml:"markPrice,flow"`
	FundingInterval       int64           `yaml:"fundingInterval,omitempty"`
	FundingRateUpperBound string          `yaml:"fundingRateUpperBound,omitempty"`
	FundingRateLowerBound string          `yaml:"fundingRateLowerBound,omitempty"`
	FundingSampleInterval int64           `yaml:"fundingSampleInterval,omitempty"`
	FundingInterestRate   string          `yaml:"fundingInterestRate,omitempty"`
	FundingPremiumClamp   string          `yaml:"fundingPremiumClamp,omitempty"`
	FundingPeriodHours    int64           `yaml:"fundingPeriodHours,omitempty"`
	OpenInterestLimit     string          `yaml:"openInterestLimit,omitempty"`
	LiquidationCapacity   string          `yaml:"liquidationCapacity,omitempty"`
}

type fileRiskLimits struct {
	Model    string        `yaml:"model"`
	Brackets []fileBracket `yaml:"brackets"`
}

// fileBracket is written as one flow mapping per line; an open cap is left out.
type fileBracket struct {
	NotionalCap            string `yaml:"notionalCap,omitempty"`
	MaxLeverage            int64  `yaml:"maxLeverage"`
	MaintenanceMarginRatio string `yaml:"maintenanceMarginRatio"`
}

// bracketLine is fileBracket without its MarshalYAML, so encoding it does not recurse.
type bracketLine fileBracket

// MarshalYAML writes a bracket in flow style inside the block list.
func (b fileBracket) MarshalYAML() (any, error) {
	var n yaml.Node
	if err := n.Encode(bracketLine(b)); err != nil {
		return nil, err
	}
	n.Style = yaml.FlowStyle
	return &n, nil
}

type fileFunction struct {
	Type   string `yaml:"type"`
	Base   string `yaml:"base"`
	Factor string `yaml:"factor"`
}

type fileBands struct {
	MinMultiplier       string          `yaml:"minMultiplier"`
	MaxMultiplier       string          `yaml:"maxMultiplier"`
	MinImpactMultiplier string          `yaml:"minImpactMultiplier"`
	MaxImpactMultiplier string          `yaml:"maxImpactMultiplier"`
	MeanMarkPriceBand   fileMeanMark    `yaml:"meanMarkPriceBand,flow"`
	MeanPremiumBand     fileMeanPremium `yaml:"meanPremiumBand,flow"`
}

type fileMeanMark struct {
	MinMultiplier string `yaml:"minMultiplier"`
	MaxMultiplier string `yaml:"maxMultiplier"`
	Window        int64  `yaml:"window"`
}

type fileMeanPremium struct {
	TolerancePct string `yaml:"tolerancePct"`
}

type fileMark struct {
	BasisWindow int64  `yaml:"basisWindow"`
	Band        string `yaml:"band"`
}

// WriteYAML writes c in the YAML format Load reads, such that Load of the
// output equals c (derived fields included, since Load derives them again).
// It refuses a Config that Validate would refuse, so what it writes always
// loads. c is not changed.
func (c *Config) WriteYAML(w io.Writer) error {
	if _, err := c.check(); err != nil {
		return err
	}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(c.file()); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	return enc.Close()
}

// Marshal returns WriteYAML's output.
func (c *Config) Marshal() ([]byte, error) {
	var b bytes.Buffer
	if err := c.WriteYAML(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// file converts a checked Config to its file form.
func (c *Config) file() fileConfig {
	f := fileConfig{Seed: c.Seed, SettlementAsset: c.SettlementAsset}
	for _, a := range c.Assets {
		f.Assets = append(f.Assets, fileAsset{Symbol: a.Symbol, Decimals: a.Decimals, HaircutFunction: haircutFile(a.Haircut)})
	}
	for i := range c.Markets {
		f.Markets = append(f.Markets, c.marketFile(&c.Markets[i]))
	}
	f.Lending = c.lendingFile()
	f.Liquidation = c.liquidationFile()
	return f
}

func (c *Config) liquidationFile() fileLiquidation {
	l := &c.Liquidation
	settle, _ := c.AssetBySymbol(c.SettlementAsset) // check() ruled out a missing one
	return fileLiquidation{
		Policy:              l.Policy.String(),
		TickMs:              l.TickMs,
		Probability:         rateText(l.Probability),
		Fraction:            rateText(l.Fraction),
		Fee:                 rateText(l.Fee),
		ACMFDivisor:         l.ACMFDivisor,
		ACMFOffset:          rateText(l.ACMFOffset),
		BackstopEquityShare: rateText(l.BackstopEquityShare),
		LadderPriceOffset:   rateText(l.LadderPriceOffset),
		PartialStep:         rateText(l.PartialStep),
		PartialThreshold:    fixed.FormatDecimal(l.PartialThreshold, c.Assets[settle].Decimals),
		PartialCooldownMs:   l.PartialCooldownMs,
		PartialVaultRatio:   rateText(l.PartialVaultRatio),
		ADLRanking:          l.ADLRanking.String(),
	}
}

func haircutFile(h Haircut) fileHaircut {
	f := fileHaircut{Weight: rateText(h.Weight), Kind: fileHaircutKind{Type: "identity"}}
	if h.Kind == HaircutInverseSqrt {
		f.Kind = fileHaircutKind{Type: "inverseSqrt", Base: rateText(h.Base), PositiveCurvePenalty: rateText(h.Penalty)}
	}
	return f
}

func (c *Config) marketFile(m *Market) fileMarket {
	base := c.Assets[m.Base]
	qty := func(lots int64) string { return fixed.FormatDecimal(lots*m.StepSize, base.Decimals) } // check() ruled out overflow
	f := fileMarket{
		Symbol:      m.Symbol,
		MarketType:  "SPOT",
		BaseSymbol:  base.Symbol,
		QuoteSymbol: c.Assets[m.Quote].Symbol,
		TickSize:    fixed.FormatDecimal(m.TickSize, fixed.PriceDecimals),
		StepSize:    fixed.FormatDecimal(m.StepSize, base.Decimals),
		MinQuantity: qty(m.MinQty),
		MakerFee:    rateText(m.MakerFee),
		TakerFee:    rateText(m.TakerFee),
		PriceBands:  bandsFile(m.Bands),
		MarkPrice:   fileMark{BasisWindow: m.Mark.BasisWindowMs, Band: rateText(m.Mark.Band)},
	}
	if m.MaxQty != 0 {
		f.MaxQuantity = qty(m.MaxQty)
	}
	quote := c.Assets[m.Quote]
	if m.Kind == Perp {
		perpFile(&f, m, quote.Decimals)
		if m.OpenInterestLimit != 0 {
			f.OpenInterestLimit = qty(m.OpenInterestLimit)
		}
	}
	if m.LiquidationCapacity != 0 {
		f.LiquidationCapacity = fixed.FormatDecimal(m.LiquidationCapacity, quote.Decimals)
	}
	return f
}

func perpFile(f *fileMarket, m *Market, quoteDecimals int) {
	f.MarketType = "PERP"
	if m.RiskLimits.Count > 0 {
		f.RiskLimits = riskLimitsFile(&m.RiskLimits, quoteDecimals)
	} else {
		f.IMFFunction = &fileFunction{Type: "sqrt", Base: rateText(m.IMF.Base), Factor: rateText(m.IMF.Factor)}
		f.MMFFunction = &fileFunction{Type: "sqrt", Base: rateText(m.MMF.Base), Factor: rateText(m.MMF.Factor)}
	}
	f.FundingInterval = m.Funding.IntervalMs
	f.FundingRateUpperBound = fixed.FormatDecimal(m.Funding.Upper, bpsDecimals)
	f.FundingRateLowerBound = fixed.FormatDecimal(m.Funding.Lower, bpsDecimals)
	f.FundingSampleInterval = m.Funding.SampleMs
	f.FundingInterestRate = rateText(m.Funding.Interest)
	f.FundingPremiumClamp = rateText(m.Funding.PremiumClamp)
	f.FundingPeriodHours = m.Funding.PeriodHours
}

func riskLimitsFile(rl *RiskLimits, quoteDecimals int) *fileRiskLimits {
	f := &fileRiskLimits{Model: rl.Model.String()}
	for _, b := range rl.Tiers() {
		fb := fileBracket{MaxLeverage: b.MaxLeverage, MaintenanceMarginRatio: rateText(b.MaintenanceMarginRatio)}
		if b.NotionalCap != 0 {
			fb.NotionalCap = fixed.FormatDecimal(b.NotionalCap, quoteDecimals)
		}
		f.Brackets = append(f.Brackets, fb)
	}
	return f
}

func bandsFile(b PriceBands) fileBands {
	return fileBands{
		MinMultiplier:       rateText(b.LimitMin),
		MaxMultiplier:       rateText(b.LimitMax),
		MinImpactMultiplier: rateText(b.ImpactMin),
		MaxImpactMultiplier: rateText(b.ImpactMax),
		MeanMarkPriceBand: fileMeanMark{
			MinMultiplier: rateText(b.MeanMarkMin),
			MaxMultiplier: rateText(b.MeanMarkMax),
			Window:        b.MeanMarkWindowMs,
		},
		MeanPremiumBand: fileMeanPremium{TolerancePct: rateText(b.MeanPremiumTolerance)},
	}
}
