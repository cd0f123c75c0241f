package report

import (
	"bytes"
	"encoding/xml"
	"errors"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// synthetic is a two-policy crash: the price falls 40% and recovers half,
// the insurance fund drains faster under the second policy, liquidations
// climb by stage. n is the number of ticks (1 per second).
func synthetic(n int) *Report {
	ts := make([]float64, n)
	index := make([]float64, n)
	for i := range ts {
		ts[i] = float64(i)
		x := float64(i) / float64(n)
		index[i] = 60000 * (1 - 0.4*math.Sin(math.Pi*x))
	}
	mark := make([]float64, n) // lags the index
	for i := range mark {
		mark[i] = index[max(0, i-120)]
	}
	last := func(wick float64) []float64 { // noisy, with a one-minute wick at 40%
		v := make([]float64, n)
		for i := range v {
			v[i] = index[i] * (1 + 0.003*math.Sin(float64(i)/7))
			if i >= 4*n/10 && i < 4*n/10+60 {
				v[i] *= 1 - wick
			}
		}
		return v
	}
	ramp := func(scale float64) []float64 {
		v := make([]float64, n)
		for i := range v {
			x := float64(i) / float64(n)
			v[i] = scale * x * x
		}
		return v
	}
	fund := func(drain float64) []float64 {
		v := make([]float64, n)
		for i := range v {
			x := float64(i) / float64(n)
			v[i] = 5e6 - drain*math.Sin(math.Pi*x/2)
		}
		return v
	}
	run := func(policy string, k float64) Run {
		return Run{
			Policy: policy,
			Metrics: []Metric{
				{Key: "bad_debt", Label: "Bad debt", Value: strings.Repeat("1", 1+int(k*10)) + ".00"},
				{Key: "insurance_fund_min", Label: "Insurance fund minimum", Value: "4100000.00"},
				{Key: "over_deleveraging", Label: "Over-deleveraging (ADL ÷ absorbed)", Value: "1.25"},
			},
			Charts: []Chart{
				{Name: "prices", Title: "Index, mark and last price", YLabel: "USD", Series: []Series{
					{Label: "index", T: ts, V: index},
					{Label: "mark", T: ts, V: mark},
					{Label: "last", T: ts, V: last(0.05 + 0.2*k)},
				}},
				{Name: "insurance_fund", Title: "Insurance fund balance", YLabel: "USD", Series: []Series{
					{Label: "balance", T: ts, V: fund(3e6 * (1 + k))},
				}},
				{Name: "liquidated_by_stage", Title: "Liquidated notional by stage", YLabel: "USD", Series: []Series{
					{Label: "book", T: ts, V: ramp(4e7)},
					{Label: "backstop", T: ts, V: ramp(1e7 * (1 + k))},
					{Label: "insurance fund", T: ts, V: ramp(2e6)},
					{Label: "ADL", T: ts, V: ramp(5e5 * k)},
				}},
			},
		}
	}
	return &Report{
		Scenario:    "synthetic_crash",
		Description: "A synthetic crash for tests: −40% and half back.",
		Seed:        7,
		Traders:     1000,
		DurationSec: int64(n),
		Runs:        []Run{run("fast_waterfall", 0), run("no_backstop", 1)},
	}
}

var chartNames = []string{"prices", "insurance_fund", "liquidated_by_stage"}

func TestWriteTwoRuns(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out", "nested") // Write creates it
	r := synthetic(3600)
	if err := Write(dir, r); err != nil {
		t.Fatal(err)
	}
	figs, err := figures(r)
	if err != nil {
		t.Fatal(err)
	}
	if len(figs) != len(chartNames) {
		t.Fatalf("%d figures, want %d", len(figs), len(chartNames))
	}
	for i, f := range figs {
		if f.name != chartNames[i] {
			t.Errorf("figure %d is %q, want %q", i, f.name, chartNames[i])
		}
		img, err := png.Decode(bytes.NewReader(readFile(t, dir, f.name+".png")))
		if err != nil {
			t.Fatalf("%s.png: %v", f.name, err)
		}
		w, h := f.pngSize()
		if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
			t.Errorf("%s.png is %dx%d, want %dx%d", f.name, b.Dx(), b.Dy(), w, h)
		}
		checkXML(t, f.name+".svg", readFile(t, dir, f.name+".svg"))
	}
	// Overlaid when one series per run, small multiples (one panel per policy) otherwise.
	if got := len(figs[1].panels); got != 1 {
		t.Errorf("insurance_fund: %d panels, want 1 (overlaid)", got)
	}
	if got := figs[1].legend[1].label; got != "no_backstop: balance" {
		t.Errorf("insurance_fund legend: %q, want %q", got, "no_backstop: balance")
	}
	if got := len(figs[2].panels); got != 2 {
		t.Errorf("liquidated_by_stage: %d panels, want 2", got)
	}
	if got := len(figs[2].legend); got != 4 {
		t.Errorf("liquidated_by_stage: %d legend entries, want 4 (one per stage)", got)
	}

	md := string(readFile(t, dir, "report.md"))
	for _, want := range []string{
		"# Crash simulation: synthetic_crash",
		"A synthetic crash for tests",
		"| Seed | 7 |", "| Traders | 1000 |", "3600 s (1h0m0s)",
		"| Metric | Key | fast_waterfall | no_backstop |",
		"| Bad debt | `bad_debt` | 1.00 | 11111111111.00 |",
		"| Insurance fund minimum | `insurance_fund_min` |",
		"| Over-deleveraging (ADL ÷ absorbed) | `over_deleveraging` |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report.md lacks %q", want)
		}
	}
	for _, name := range chartNames {
		for _, link := range []string{"](" + name + ".png)", "](" + name + ".svg)"} {
			if !strings.Contains(md, link) {
				t.Errorf("report.md lacks the link %q", link)
			}
		}
	}

	page := readFile(t, dir, "report.html")
	checkXMLish(t, page)
	if got := bytes.Count(page, []byte(`src="data:image/svg+xml;base64,`)); got != len(chartNames) {
		t.Errorf("report.html embeds %d charts, want %d", got, len(chartNames))
	}
	for _, bad := range []string{"http://", "https://"} {
		// The only URLs allowed are the XML namespaces inside the base64 SVGs.
		if bytes.Contains(page, []byte(bad)) {
			t.Errorf("report.html refers to %q: it must open offline", bad)
		}
	}
}

func TestWriteDeterministic(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	if err := Write(a, synthetic(5000)); err != nil {
		t.Fatal(err)
	}
	if err := Write(b, synthetic(5000)); err != nil {
		t.Fatal(err)
	}
	files := []string{"report.md", "report.html"}
	for _, n := range chartNames {
		files = append(files, n+".svg", n+".png")
	}
	for _, f := range files {
		if !bytes.Equal(readFile(t, a, f), readFile(t, b, f)) {
			t.Errorf("%s differs between two writes of the same Report", f)
		}
	}
}

func TestWriteSingleRunEmptyAndNaN(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	r := &Report{
		Scenario: "edge",
		Runs: []Run{{
			Policy: "only",
			Charts: []Chart{
				{Name: "empty", Title: "No series"},
				{Name: "empty_series", Series: []Series{{Label: "nothing"}}},
				{Name: "all_nan", Series: []Series{{Label: "x", T: []float64{0, 1, 2}, V: []float64{nan, inf, -inf}}}},
				{Name: "some_nan", Series: []Series{{Label: "x", T: []float64{0, nan, 2, 3}, V: []float64{1, 2, nan, 4}}}},
				{Name: "one_point", Series: []Series{{Label: "x", T: []float64{5}, V: []float64{5}}}},
				{Name: "multi", Series: []Series{{Label: "a"}, {Label: "b", T: []float64{0, 1}, V: []float64{1, 1}}}},
			},
		}},
	}
	dir := t.TempDir()
	if err := Write(dir, r); err != nil {
		t.Fatal(err)
	}
	for _, c := range r.Runs[0].Charts {
		if _, err := png.Decode(bytes.NewReader(readFile(t, dir, c.Name+".png"))); err != nil {
			t.Errorf("%s.png: %v", c.Name, err)
		}
		checkXML(t, c.Name+".svg", readFile(t, dir, c.Name+".svg"))
	}
	md := string(readFile(t, dir, "report.md"))
	if !strings.Contains(md, "No metrics.") {
		t.Errorf("report.md with no metrics does not say so:\n%s", md)
	}
	figs, err := figures(r)
	if err != nil {
		t.Fatal(err)
	}
	if !figs[2].legend[0].empty {
		t.Error("all_nan: legend entry not marked as having no data")
	}
	if got := len(figs[3].panels[0].lines[0].pts); got != 2 {
		t.Errorf("some_nan: %d points drawn, want 2 (NaN pairs skipped)", got)
	}

	// No runs at all still gives a report.
	if err := Write(t.TempDir(), &Report{}); err != nil {
		t.Errorf("empty Report: %v", err)
	}
}

func TestWriteErrors(t *testing.T) {
	if err := Write(t.TempDir(), nil); err == nil {
		t.Error("nil Report: no error")
	}
	bad := func(c Chart) *Report { return &Report{Runs: []Run{{Policy: "p", Charts: []Chart{c}}}} }
	for name, r := range map[string]*Report{
		"path in name": bad(Chart{Name: "../escape"}),
		"empty name":   bad(Chart{Name: ""}),
		"T and V lengths": bad(Chart{Name: "x", Series: []Series{
			{Label: "s", T: []float64{0, 1}, V: []float64{1}},
		}}),
		"duplicate name": {Runs: []Run{{Policy: "p", Charts: []Chart{{Name: "x"}, {Name: "x"}}}}},
	} {
		if err := Write(t.TempDir(), r); err == nil {
			t.Errorf("%s: no error", name)
		}
	}

	// A file where the directory should be: the error names the path.
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	err := Write(filepath.Join(file, "out"), synthetic(10))
	if err == nil || !strings.Contains(err.Error(), file) {
		t.Errorf("Write under a file: %v, want an error naming %s", err, file)
	}
	// A directory where a chart file should be: the error names that file.
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "prices.svg"), 0o755); err != nil {
		t.Fatal(err)
	}
	err = Write(dir, synthetic(10))
	if err == nil || !strings.Contains(err.Error(), "prices.svg") {
		t.Errorf("Write over a directory named prices.svg: %v, want an error naming it", err)
	}
}

func readFile(t *testing.T, dir, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkXML fails unless b is well-formed XML with an <svg> root.
func checkXML(t *testing.T, name string, b []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	root := ""
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Errorf("%s: not XML: %v", name, err)
			return
		}
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Local
		}
	}
	if root != "svg" {
		t.Errorf("%s: root element %q, want svg", name, root)
	}
}

// checkXMLish fails unless the HTML page is well-formed once its doctype is
// dropped (it is written as XHTML-compatible HTML).
func checkXMLish(t *testing.T, page []byte) {
	t.Helper()
	body := bytes.TrimPrefix(page, []byte("<!DOCTYPE html>\n"))
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = false
	d.AutoClose = []string{"meta", "img"}
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Errorf("report.html: malformed: %v", err)
			return
		}
	}
}

func TestTableKeysInFirstAppearanceOrder(t *testing.T) {
	r := &Report{Runs: []Run{
		{Policy: "a", Metrics: []Metric{{Key: "x", Label: "X", Value: "1"}, {Key: "y", Label: "Y", Value: "2"}}},
		{Policy: "b", Metrics: []Metric{{Key: "z", Label: "Z", Value: "3"}, {Key: "x", Label: "X", Value: "4|5"}}},
	}}
	tb := table(r)
	var keys []string
	for _, row := range tb.rows {
		keys = append(keys, row.key+"="+strings.Join(row.values, ","))
	}
	want := "x=1,4|5 y=2," + missingValue + " z=" + missingValue + ",3"
	if got := strings.Join(keys, " "); got != want {
		t.Errorf("rows %q, want %q", got, want)
	}
	md := string(markdown(r, tb, nil))
	if !strings.Contains(md, `| X | `+"`x`"+` | 1 | 4\|5 |`) {
		t.Errorf("a | in a value is not escaped in report.md:\n%s", md)
	}
}
