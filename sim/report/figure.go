package report

import (
	"fmt"
	"math"
	"regexp"
	"strings"

	"gonum.org/v1/plot/plotter"
)

// figure is everything drawn in one chart file: the charts of one Name from
// every run that has it.
type figure struct {
	name, title, yLabel string
	xLabel              string
	panels              []panel // one when overlaid; one per run when small multiples
	legend              []entry // shared by all panels, in drawing order
}

// panel is one set of axes.
type panel struct {
	title string // the policy's name in small multiples, empty when overlaid
	lines []line
}

// line is one drawn series.
type line struct {
	entry int // index into figure.legend: its label, colour and width
	pts   plotter.XYs
}

// entry is one legend row and the style of the lines it names.
type entry struct {
	label  string
	empty  bool // no drawable point in any panel
	colour int  // index into palette
	width  int  // index into lineWidths
	dash   int  // index into dashes
}

// plainEntry styles the i-th entry of a figure: its own colour, solid until
// the palette is used up, dashed after that.
func plainEntry(label string, i int) entry {
	return entry{label: label, colour: i, width: i, dash: i / len(palette)}
}

// groupStyles restyles legend entries whose labels read "<group> <kind>" and
// form a full grid (every group has every kind, as in "BTC_USDC_PERP index",
// "BTC_USDC_PERP mark", … for several markets): colour by group, width and
// dash by kind, so a market's three prices share a colour. Anything else is
// left as plainEntry styled it.
func groupStyles(legend []entry) {
	groups, kinds := map[string]int{}, map[string]int{}
	type gk struct{ g, k int }
	cells := make([]gk, len(legend))
	for i, e := range legend {
		cut := strings.LastIndexByte(e.label, ' ')
		if cut <= 0 {
			return
		}
		g, k := e.label[:cut], e.label[cut+1:]
		if _, ok := groups[g]; !ok {
			groups[g] = len(groups)
		}
		if _, ok := kinds[k]; !ok {
			kinds[k] = len(kinds)
		}
		cells[i] = gk{groups[g], kinds[k]}
	}
	if len(groups) < 2 || len(kinds) < 2 || len(groups) > len(palette) || len(groups)*len(kinds) != len(legend) {
		return
	}
	kindDash := []int{0, 1, 0, 2, 3}
	for i, c := range cells {
		legend[i].colour = c.g
		legend[i].width = c.k
		legend[i].dash = kindDash[c.k%len(kindDash)]
	}
}

// validName is a chart Name usable as a file stem on every system.
var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)

// figures groups the charts of r by Name, in the order the names first
// appear (run by run, chart by chart), and decides each one's layout: a name
// whose chart has at most one series in every run is overlaid, one line per
// policy; a name with several series in some run becomes small multiples, one
// panel per run, with every series label keeping one colour in all panels.
func figures(r *Report) ([]figure, error) {
	type member struct {
		policy string
		chart  *Chart
	}
	var order []string
	byName := map[string][]member{}
	for i := range r.Runs {
		run := &r.Runs[i]
		seen := map[string]bool{}
		for j := range run.Charts {
			c := &run.Charts[j]
			if !validName.MatchString(c.Name) {
				return nil, fmt.Errorf("run %q: chart name %q is not a plain file stem (letters, digits, _ and -)", run.Policy, c.Name)
			}
			if seen[c.Name] {
				return nil, fmt.Errorf("run %q: two charts named %q", run.Policy, c.Name)
			}
			seen[c.Name] = true
			if _, ok := byName[c.Name]; !ok {
				order = append(order, c.Name)
			}
			byName[c.Name] = append(byName[c.Name], member{run.Policy, c})
		}
	}

	maxT := float64(r.DurationSec)
	for _, name := range order {
		for _, m := range byName[name] {
			for _, s := range m.chart.Series {
				for _, t := range s.T {
					if finite(t) {
						maxT = math.Max(maxT, t)
					}
				}
			}
		}
	}
	unit := timeUnitFor(maxT)

	figs := make([]figure, 0, len(order))
	for _, name := range order {
		members := byName[name]
		first := members[0].chart
		f := figure{name: name, title: first.Title, yLabel: first.YLabel, xLabel: unit.name}
		if f.title == "" {
			f.title = name
		}
		multiples := false
		for _, m := range members {
			if len(m.chart.Series) > 1 {
				multiples = true
			}
		}
		if !multiples {
			p := panel{}
			for i, m := range members {
				for _, s := range m.chart.Series {
					label := m.policy
					if s.Label != "" {
						label += ": " + s.Label
					}
					f.legend = append(f.legend, plainEntry(label, i))
					l, err := drawnLine(s, unit, len(f.legend)-1)
					if err != nil {
						return nil, fmt.Errorf("chart %q, run %q: %w", name, m.policy, err)
					}
					p.lines = append(p.lines, l)
				}
			}
			f.panels = []panel{p}
		} else {
			index := map[string]int{}
			for _, m := range members {
				p := panel{title: m.policy}
				for _, s := range m.chart.Series {
					e, ok := index[s.Label]
					if !ok {
						e = len(f.legend)
						index[s.Label] = e
						f.legend = append(f.legend, plainEntry(s.Label, e))
					}
					l, err := drawnLine(s, unit, e)
					if err != nil {
						return nil, fmt.Errorf("chart %q, run %q: %w", name, m.policy, err)
					}
					p.lines = append(p.lines, l)
				}
				f.panels = append(f.panels, p)
			}
			groupStyles(f.legend)
		}
		for e := range f.legend {
			f.legend[e].empty = true
		}
		for _, p := range f.panels {
			for _, l := range p.lines {
				if len(l.pts) > 0 {
					f.legend[l.entry].empty = false
				}
			}
		}
		figs = append(figs, f)
	}
	return figs, nil
}

func drawnLine(s Series, unit timeUnit, e int) (line, error) {
	xys, err := points(s, unit.seconds)
	if err != nil {
		return line{}, err
	}
	return line{entry: e, pts: xys}, nil
}
