package config

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

// LendingPool parameterizes one asset's borrow/lend pool (formulas.md §1
// "Borrow/lend"; issue #5 point 1; engine/lending implements the math). Every
// field but Asset is a fixed.Rate; the rates are yearly (an APR), accrued
// hourly as rate/8760. The interest-rate curve has two slopes, each the rate
// added across its segment:
//
//	u ≤ optimal:  rate = BaseRate + SlopeBelowOptimal · u / OptimalUtilization
//	u > optimal:  rate = BaseRate + SlopeBelowOptimal
//	                     + SlopeAboveOptimal · (u − OptimalUtilization) / (1 − OptimalUtilization)
//
// with u = borrowed / lent. It holds no references, so copying a Config's
// Lending slice copies everything.
type LendingPool struct {
	// Asset is the asset lent and borrowed.
	Asset AssetID
	// BaseRate is the yearly borrow rate at zero utilization, in 0..10.
	BaseRate int64
	// SlopeBelowOptimal is the yearly rate added from zero to optimal
	// utilization, in 0..10.
	SlopeBelowOptimal int64
	// OptimalUtilization is the kink of the curve, in (0, 1).
	OptimalUtilization int64
	// SlopeAboveOptimal is the yearly rate added from optimal to full
	// utilization, in 0..10.
	SlopeAboveOptimal int64
	// MaxUtilization caps the utilization a borrow or a lend redemption may
	// leave (Backpack's maxUtilization), in (OptimalUtilization, 1].
	MaxUtilization int64
	// ThrottleThreshold is the utilization at or above which redemptions
	// and new borrows pause (Backpack's throttleUtilizationThreshold), in
	// (0, 1].
	ThrottleThreshold int64
	// Fee is the house's share of the interest borrowers pay, in 0..1:
	// lendRate = borrowRate × utilization × (1 − Fee).
	Fee int64
	// IMF and MMF are the borrow position's margin functions (Backpack's
	// imfFunction / mmfFunction on borrow-lend positions): sqrt functions
	// under the same rules as a perpetual's.
	IMF, MMF MarginFunction
}

// maxInterestRate bounds each yearly rate of a curve: above 1000% a year is a
// typo.
const maxInterestRate = 10 * rateOne

// PoolByAsset returns the index in Lending of the pool lending asset a.
func (c *Config) PoolByAsset(a AssetID) (int, bool) {
	for i := range c.Lending {
		if c.Lending[i].Asset == a {
			return i, true
		}
	}
	return 0, false
}

// checkLending applies the lending section's rules: each pool names an
// existing asset, one pool per asset, and its parameters lie in their ranges
// (LendingPool's field comments), its margin functions as a perpetual's.
func (c *Config) checkLending() error {
	for i := range c.Lending {
		path := fmt.Sprintf("lending[%d]", i)
		lp := &c.Lending[i]
		if int(lp.Asset) >= len(c.Assets) {
			return fieldErr(path+".symbol", "asset %d does not exist", lp.Asset)
		}
		for j := range i {
			if c.Lending[j].Asset == lp.Asset {
				return fieldErr(path+".symbol", "%s already has a pool: lending[%d]", c.Assets[lp.Asset].Symbol, j)
			}
		}
		if err := checkLendingPool(path, lp); err != nil {
			return err
		}
	}
	return nil
}

func checkLendingPool(path string, lp *LendingPool) error {
	rates := []struct {
		key  string
		rate int64
	}{{"baseRate", lp.BaseRate}, {"slopeBelowOptimal", lp.SlopeBelowOptimal}, {"slopeAboveOptimal", lp.SlopeAboveOptimal}}
	for _, r := range rates {
		if r.rate < 0 || r.rate > maxInterestRate {
			return fieldErr(path+"."+r.key, "%s is outside 0..%s (a yearly rate)", rateText(r.rate), rateText(maxInterestRate))
		}
	}
	switch {
	case lp.OptimalUtilization <= 0 || lp.OptimalUtilization >= rateOne:
		return fieldErr(path+".optimalUtilization", "%s is outside (0, 1)", rateText(lp.OptimalUtilization))
	case lp.MaxUtilization <= lp.OptimalUtilization:
		return fieldErr(path+".maxUtilization", "%s must exceed optimalUtilization %s",
			rateText(lp.MaxUtilization), rateText(lp.OptimalUtilization))
	case lp.MaxUtilization > rateOne:
		return fieldErr(path+".maxUtilization", "%s is above 1", rateText(lp.MaxUtilization))
	case lp.ThrottleThreshold <= 0 || lp.ThrottleThreshold > rateOne:
		return fieldErr(path+".throttleUtilizationThreshold", "%s is outside (0, 1]", rateText(lp.ThrottleThreshold))
	case lp.Fee < 0 || lp.Fee > rateOne:
		return fieldErr(path+".fee", "%s is outside 0..1", rateText(lp.Fee))
	}
	return checkMargin(path, lp.IMF, lp.MMF)
}

// lending reads the optional top-level lending list; c holds the assets
// already read.
func (r *reading) lending(c *Config, top *object) []LendingPool {
	if !top.has("lending") {
		return nil
	}
	var pools []LendingPool
	nodes, paths := top.list("lending")
	for i, n := range nodes {
		pools = append(pools, r.lendingPool(c, paths[i], n))
	}
	return pools
}

// lendingPool reads one entry of lending.
func (r *reading) lendingPool(c *Config, path string, n *yaml.Node) LendingPool {
	o := r.object(path, n)
	var lp LendingPool
	lp.Asset, _ = r.assetRef(c, o, "symbol")
	lp.BaseRate = o.rate("baseRate")
	lp.SlopeBelowOptimal = o.rate("slopeBelowOptimal")
	lp.OptimalUtilization = o.rate("optimalUtilization")
	lp.SlopeAboveOptimal = o.rate("slopeAboveOptimal")
	lp.MaxUtilization = o.rate("maxUtilization")
	lp.ThrottleThreshold = o.rate("throttleUtilizationThreshold")
	lp.Fee = o.rate("fee")
	lp.IMF = r.marginFunction(o.child("imfFunction"))
	lp.MMF = r.marginFunction(o.child("mmfFunction"))
	o.done()
	return lp
}

// fileLendingPool is one pool as written; keys in the curve's reading order.
type fileLendingPool struct {
	Symbol                       string       `yaml:"symbol"`
	BaseRate                     string       `yaml:"baseRate"`
	SlopeBelowOptimal            string       `yaml:"slopeBelowOptimal"`
	OptimalUtilization           string       `yaml:"optimalUtilization"`
	SlopeAboveOptimal            string       `yaml:"slopeAboveOptimal"`
	MaxUtilization               string       `yaml:"maxUtilization"`
	ThrottleUtilizationThreshold string       `yaml:"throttleUtilizationThreshold"`
	Fee                          string       `yaml:"fee"`
	IMFFunction                  fileFunction `yaml:"imfFunction,flow"`
	MMFFunction                  fileFunction `yaml:"mmfFunction,flow"`
}

// lendingFile converts the checked pools to their file form.
func (c *Config) lendingFile() []fileLendingPool {
	var out []fileLendingPool
	for _, lp := range c.Lending {
		out = append(out, fileLendingPool{
			Symbol:                       c.Assets[lp.Asset].Symbol,
			BaseRate:                     rateText(lp.BaseRate),
			SlopeBelowOptimal:            rateText(lp.SlopeBelowOptimal),
			OptimalUtilization:           rateText(lp.OptimalUtilization),
			SlopeAboveOptimal:            rateText(lp.SlopeAboveOptimal),
			MaxUtilization:               rateText(lp.MaxUtilization),
			ThrottleUtilizationThreshold: rateText(lp.ThrottleThreshold),
			Fee:                          rateText(lp.Fee),
			IMFFunction:                  functionFile(lp.IMF),
			MMFFunction:                  functionFile(lp.MMF),
		})
	}
	return out
}

// functionFile is a sqrt margin function as written.
func functionFile(f MarginFunction) fileFunction {
	return fileFunction{Type: "sqrt", Base: rateText(f.Base), Factor: rateText(f.Factor)}
}
