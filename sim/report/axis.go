package report

import (
	"math"
	"strconv"

	"gonum.org/v1/plot"
)

// timeUnit is the unit of a figure's time axis, chosen from the longest time
// it shows so that tick labels stay short: seconds up to 3 minutes, minutes up
// to 3 hours, hours beyond.
type timeUnit struct {
	seconds float64 // seconds per unit
	name    string  // axis label
}

func timeUnitFor(maxSeconds float64) timeUnit {
	switch {
	case maxSeconds > 3*3600:
		return timeUnit{3600, "time (h)"}
	case maxSeconds > 180:
		return timeUnit{60, "time (min)"}
	default:
		return timeUnit{1, "time (s)"}
	}
}

// compactTicks is gonum's default ticker with large labels shortened:
// 1,500,000 is shown as "1.5M" rather than "1500000" or "1.5e+06", and
// 25,000 as "25k".
type compactTicks struct{}

func (compactTicks) Ticks(min, max float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(min, max)
	var top float64
	for _, t := range ticks {
		if t.Label != "" {
			top = math.Max(top, math.Abs(t.Value))
		}
	}
	scale, suffix := 1.0, ""
	switch {
	case top >= 1e9:
		scale, suffix = 1e9, "B"
	case top >= 1e6:
		scale, suffix = 1e6, "M"
	case top >= 1e4:
		scale, suffix = 1e3, "k"
	}
	if suffix == "" {
		return ticks
	}
	out := make([]plot.Tick, len(ticks))
	seen := map[string]bool{}
	for i, t := range ticks {
		out[i] = t
		switch {
		case t.Label == "":
			continue
		case t.Value == 0:
			out[i].Label = "0"
		default:
			out[i].Label = strconv.FormatFloat(t.Value/scale, 'g', 6, 64) + suffix
		}
		if seen[out[i].Label] {
			return ticks // shortening merged two labels: keep gonum's
		}
		seen[out[i].Label] = true
	}
	return out
}
