package report

import (
	"math"
	"slices"
	"testing"

	"gonum.org/v1/plot/plotter"
)

func TestDownsampleKeepsEndsAndExtremes(t *testing.T) {
	const n = 100_003
	xys := make(plotter.XYs, n)
	for i := range xys {
		xys[i] = plotter.XY{X: float64(i), Y: math.Sin(float64(i) / 500)}
	}
	xys[31_337].Y = -50 // a one-tick wick down
	xys[77_777].Y = 40  // and up
	got := downsample(xys, maxDrawnPoints)
	if len(got) > maxDrawnPoints {
		t.Fatalf("%d points, want at most %d", len(got), maxDrawnPoints)
	}
	if got[0] != xys[0] || got[len(got)-1] != xys[n-1] {
		t.Errorf("ends not kept: %v … %v", got[0], got[len(got)-1])
	}
	if !slices.Contains(got, xys[31_337]) || !slices.Contains(got, xys[77_777]) {
		t.Error("a one-tick wick was lost")
	}
	for i := 1; i < len(got); i++ {
		if got[i].X <= got[i-1].X {
			t.Fatalf("times not increasing at %d: %v then %v", i, got[i-1].X, got[i].X)
		}
	}
	if again := downsample(xys, maxDrawnPoints); !slices.Equal(got, again) {
		t.Error("two downsamplings of one series differ")
	}
	short := xys[:maxDrawnPoints]
	if got := downsample(short, maxDrawnPoints); len(got) != len(short) {
		t.Errorf("a series of %d points was downsampled to %d", len(short), len(got))
	}
}

func TestPointsSkipsNonFinite(t *testing.T) {
	s := Series{
		T: []float64{0, 60, math.NaN(), 180, 240, math.Inf(1)},
		V: []float64{1, math.Inf(-1), 3, math.NaN(), 5, 6},
	}
	got, err := points(s, 60)
	if err != nil {
		t.Fatal(err)
	}
	want := plotter.XYs{{X: 0, Y: 1}, {X: 4, Y: 5}}
	if !slices.Equal(got, want) {
		t.Errorf("points = %v, want %v", got, want)
	}
	if _, err := points(Series{T: []float64{1}}, 1); err == nil {
		t.Error("T and V of different lengths: no error")
	}
}

func TestCompactTicks(t *testing.T) {
	for _, c := range []struct {
		min, max float64
		want     []string
	}{
		{0, 5e6, []string{"0", "2.5M", "5M"}},
		{0, 40_000, []string{"0", "20k", "40k"}},
		{35_000, 61_000, []string{"40k", "50k", "60k"}},
		{0, 100, []string{"0", "50", "100"}},
	} {
		var got []string
		for _, tk := range (compactTicks{}).Ticks(c.min, c.max) {
			if tk.Label != "" {
				got = append(got, tk.Label)
			}
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("ticks on [%g, %g]: %q, want %q", c.min, c.max, got, c.want)
		}
	}
}

func TestTimeUnit(t *testing.T) {
	for _, c := range []struct {
		sec  float64
		want string
	}{{60, "time (s)"}, {7200, "time (min)"}, {86400, "time (h)"}} {
		if got := timeUnitFor(c.sec).name; got != c.want {
			t.Errorf("timeUnitFor(%g) = %q, want %q", c.sec, got, c.want)
		}
	}
}

func TestGroupStyles(t *testing.T) {
	var legend []entry
	for i, l := range []string{"BTC index", "BTC mark", "BTC last", "ETH index", "ETH mark", "ETH last"} {
		legend = append(legend, plainEntry(l, i))
	}
	groupStyles(legend)
	for i, e := range legend {
		if want := i / 3; e.colour != want {
			t.Errorf("%s: colour %d, want %d (one per market)", e.label, e.colour, want)
		}
		if want := i % 3; e.width != want {
			t.Errorf("%s: width %d, want %d (one per kind)", e.label, e.width, want)
		}
	}
	if legend[1].dash == legend[0].dash {
		t.Error("index and mark drawn with the same dashes")
	}

	// Not a full grid: left alone.
	odd := []entry{plainEntry("BTC index", 0), plainEntry("BTC mark", 1), plainEntry("ETH index", 2)}
	groupStyles(odd)
	for i, e := range odd {
		if e != plainEntry(e.label, i) {
			t.Errorf("%s restyled: %+v", e.label, e)
		}
	}
}
