package report

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Write writes r into dir, creating dir if it is missing: report.md (opens
// offline, charts linked by relative path), report.html (self-contained:
// charts inline as SVG data, no network access), and every figure as
// <name>.png and <name>.svg. Existing files of those names are replaced;
// other files in dir are left alone.
//
// The output is a function of r alone (no clock, no map order): the same
// Report gives byte-identical report.md, report.html and SVG files, and, with
// gonum's pure-Go rasterizer, identical PNG files too.
//
// An error names the file it concerns. A chart Name that is not a plain file
// stem, two charts of one name in one run, or a series whose T and V differ in
// length are errors; NaN and infinite points are skipped, not errors.
func Write(dir string, r *Report) error {
	if r == nil {
		return errors.New("report: nil Report")
	}
	figs, err := figures(r)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report: create %s: %w", dir, err)
	}
	svgs := make([][]byte, len(figs))
	for i := range figs {
		f := &figs[i]
		pngName := f.name + ".png"
		png, err := f.renderPNG()
		if err != nil {
			return fmt.Errorf("report: %s: %w", filepath.Join(dir, pngName), err)
		}
		if err := writeFile(dir, pngName, png); err != nil {
			return err
		}
		svgName := f.name + ".svg"
		svg, err := f.renderSVG()
		if err != nil {
			return fmt.Errorf("report: %s: %w", filepath.Join(dir, svgName), err)
		}
		if err := writeFile(dir, svgName, svg); err != nil {
			return err
		}
		svgs[i] = svg
	}
	t := table(r)
	if err := writeFile(dir, "report.md", markdown(r, t, figs)); err != nil {
		return err
	}
	return writeFile(dir, "report.html", htmlPage(r, t, figs, svgs))
}

func writeFile(dir, name string, b []byte) error {
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("report: write %s: %w", path, err)
	}
	return nil
}

// metricTable is the comparison table: one row per metric Key, in the order
// keys first appear (run by run), one column per run.
type metricTable struct {
	policies []string
	rows     []metricRow
}

type metricRow struct {
	key, label string
	values     []string // per run; missingValue where the run lacks the key
}

const missingValue = "—"

func table(r *Report) metricTable {
	t := metricTable{policies: make([]string, len(r.Runs))}
	rowOf := map[string]int{}
	for i, run := range r.Runs {
		t.policies[i] = run.Policy
		for _, m := range run.Metrics {
			j, ok := rowOf[m.Key]
			if !ok {
				j = len(t.rows)
				rowOf[m.Key] = j
				row := metricRow{key: m.Key, label: m.Label, values: make([]string, len(r.Runs))}
				for k := range row.values {
					row.values[k] = missingValue
				}
				t.rows = append(t.rows, row)
			}
			if t.rows[j].values[i] == missingValue {
				t.rows[j].values[i] = m.Value
			}
		}
	}
	return t
}

// duration renders simulated seconds: "7200 s (2h0m0s)".
func duration(sec int64) string {
	s := strconv.FormatInt(sec, 10) + " s"
	if sec >= 60 && sec <= 1e9 {
		s += " (" + (time.Duration(sec) * time.Second).String() + ")"
	}
	return s
}

func scenarioName(r *Report) string {
	if r.Scenario == "" {
		return "(unnamed scenario)"
	}
	return r.Scenario
}
