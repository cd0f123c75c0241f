package scenario

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// Dist is a distribution the population draws from: a fixed value, uniform
// between bounds, lognormal by median and σ (clamped to [Min, Max] when
// given), or a weighted choice among values. In YAML a plain number is a
// fixed value; otherwise a mapping:
//
//	{dist: uniform, min: 2, max: 10}
//	{dist: lognormal, median: 10, sigma: 0.6, min: 1, max: 50}
//	{dist: choice, values: [5, 10, 20], weights: [3, 2, 1]}
type Dist struct {
	Kind    string    `yaml:"dist"` // fixed, uniform, lognormal, choice
	Value   float64   `yaml:"value"`
	Min     float64   `yaml:"min"`
	Max     float64   `yaml:"max"`
	Median  float64   `yaml:"median"`
	Sigma   float64   `yaml:"sigma"`
	Values  []float64 `yaml:"values"`
	Weights []float64 `yaml:"weights"`
}

// Fixed returns the distribution that always draws v.
func Fixed(v float64) Dist { return Dist{Kind: "fixed", Value: v} }

// UnmarshalYAML accepts a plain number (a fixed value) or a mapping.
func (d *Dist) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		v, err := strconv.ParseFloat(n.Value, 64)
		if err != nil {
			return fmt.Errorf("line %d: %q is neither a number nor a distribution mapping", n.Line, n.Value)
		}
		*d = Fixed(v)
		return nil
	}
	type plain Dist
	var p plain
	if err := n.Decode(&p); err != nil {
		return err
	}
	*d = Dist(p)
	if d.Kind == "" {
		d.Kind = "fixed"
	}
	return nil
}

// check reports what is wrong with the distribution, for path; positive
// requires every value it can draw to be > 0.
func (d *Dist) check(path string) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...))
	}
	finite := func(vs ...float64) bool {
		for _, v := range vs {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return false
			}
		}
		return true
	}
	if !finite(d.Value, d.Min, d.Max, d.Median, d.Sigma) || !finite(d.Values...) || !finite(d.Weights...) {
		return bad("values must be finite numbers")
	}
	switch d.Kind {
	case "fixed":
		if d.Value <= 0 {
			return bad("value %v must be > 0", d.Value)
		}
	case "uniform":
		if d.Min <= 0 || d.Max < d.Min {
			return bad("uniform needs 0 < min ≤ max (got min %v, max %v)", d.Min, d.Max)
		}
	case "lognormal":
		if d.Median <= 0 || d.Sigma < 0 {
			return bad("lognormal needs median > 0 and sigma ≥ 0 (got median %v, sigma %v)", d.Median, d.Sigma)
		}
		if d.Min < 0 || (d.Max != 0 && d.Max < d.Min) {
			return bad("lognormal clamp needs 0 ≤ min ≤ max (got min %v, max %v)", d.Min, d.Max)
		}
	case "choice":
		if len(d.Values) == 0 {
			return bad("choice needs values")
		}
		if len(d.Weights) != 0 && len(d.Weights) != len(d.Values) {
			return bad("choice has %d values but %d weights", len(d.Values), len(d.Weights))
		}
		total := 0.0
		for _, w := range d.Weights {
			if w < 0 {
				return bad("choice weights must be ≥ 0")
			}
			total += w
		}
		if len(d.Weights) > 0 && total <= 0 {
			return bad("choice weights sum to 0")
		}
		for _, v := range d.Values {
			if v <= 0 {
				return bad("choice value %v must be > 0", v)
			}
		}
	default:
		return bad("unknown dist %q (fixed, uniform, lognormal, choice)", d.Kind)
	}
	return nil
}

// Sample draws one value with r.
func (d *Dist) Sample(r *rand.Rand) float64 {
	switch d.Kind {
	case "uniform":
		return d.Min + (d.Max-d.Min)*r.Float64()
	case "lognormal":
		v := d.Median * math.Exp(d.Sigma*r.NormFloat64())
		if d.Min > 0 {
			v = max(v, d.Min)
		}
		if d.Max > 0 {
			v = min(v, d.Max)
		}
		return v
	case "choice":
		if len(d.Weights) == 0 {
			return d.Values[r.IntN(len(d.Values))]
		}
		total := 0.0
		for _, w := range d.Weights {
			total += w
		}
		x := r.Float64() * total
		for i, w := range d.Weights {
			if x < w {
				return d.Values[i]
			}
			x -= w
		}
		return d.Values[len(d.Values)-1]
	}
	return d.Value
}
