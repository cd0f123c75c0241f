package report

import (
	"fmt"
	"math"

	"gonum.org/v1/plot/plotter"
)

// maxDrawnPoints is the most points one line is drawn with. Longer series are
// downsampled by downsample; the numbers in the Report are not touched.
const maxDrawnPoints = 2000

// points turns a series into drawable points: pairs whose time or value is NaN
// or infinite are skipped, times are divided by unit (seconds per axis unit),
// and a series longer than maxDrawnPoints is downsampled. T and V of different
// lengths are an error: the contract in model.go says they match.
func points(s Series, unit float64) (plotter.XYs, error) {
	if len(s.T) != len(s.V) {
		return nil, fmt.Errorf("series %q: %d times but %d values", s.Label, len(s.T), len(s.V))
	}
	xys := make(plotter.XYs, 0, len(s.T))
	for i, t := range s.T {
		v := s.V[i]
		if !finite(t) || !finite(v) {
			continue
		}
		xys = append(xys, plotter.XY{X: t / unit, Y: v})
	}
	return downsample(xys, maxDrawnPoints), nil
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// downsample returns at most limit points of xys (limit >= 4), chosen without any
// randomness: the first and last points are kept, and the points between are
// cut into (limit-2)/2 buckets of consecutive points, each kept as its lowest
// and its highest point in their original order. A wick — one extreme tick —
// therefore survives downsampling, which an average or a stride would lose.
// xys is returned as is when it is short enough.
func downsample(xys plotter.XYs, limit int) plotter.XYs {
	if len(xys) <= limit {
		return xys
	}
	inner := xys[1 : len(xys)-1]
	buckets := (limit - 2) / 2
	out := make(plotter.XYs, 0, limit)
	out = append(out, xys[0])
	for b := range buckets {
		lo := b * len(inner) / buckets
		hi := (b + 1) * len(inner) / buckets
		if lo == hi {
			continue
		}
		iMin, iMax := lo, lo
		for i := lo + 1; i < hi; i++ {
			if inner[i].Y < inner[iMin].Y {
				iMin = i
			}
			if inner[i].Y > inner[iMax].Y {
				iMax = i
			}
		}
		switch {
		case iMin == iMax:
			out = append(out, inner[iMin])
		case iMin < iMax:
			out = append(out, inner[iMin], inner[iMax])
		default:
			out = append(out, inner[iMax], inner[iMin])
		}
	}
	return append(out, xys[len(xys)-1])
}
