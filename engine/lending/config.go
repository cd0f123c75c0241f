package lending

import "github.com/waterfallrisk/waterfall/engine/config"

// ParamsOf returns the parameters of a configured pool (config.LendingPool,
// checked by config.Validate). The pool's IMF and MMF functions stay in the
// configuration: they price a borrow's margin (engine/risk), not its
// interest.
func ParamsOf(lp config.LendingPool) Params {
	return Params{
		Curve: Curve{
			Base:           lp.BaseRate,
			SlopeBelow:     lp.SlopeBelowOptimal,
			Optimal:        lp.OptimalUtilization,
			SlopeAbove:     lp.SlopeAboveOptimal,
			MaxUtilization: lp.MaxUtilization,
		},
		Fee:      lp.Fee,
		Throttle: lp.ThrottleThreshold,
	}
}
