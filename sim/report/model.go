// Package report turns the crash simulator's runs into what a risk team
// reads: a Markdown report that opens offline and the charts it embeds, as
// PNG and SVG (gonum.org/v1/plot). It knows nothing of the engine: the
// simulator hands it numbers already measured.
//
// Write lays the charts out as follows. Charts of one Name across runs make
// one figure, <name>.png and <name>.svg. If every run's chart of that name has
// at most one series, the runs are overlaid in one set of axes, one line per
// policy, labelled "policy: series label". If some run's chart has several
// series (the prices: index, mark, last; liquidated notional by stage: book,
// backstop, insurance fund, ADL), the figure is small multiples: one panel per
// policy, side by side (up to three a row, 2×2 for four), every panel with the
// same axis ranges so they compare at a glance, and each series label in the
// same colour in every panel; labels that read "<group> <kind>" for every
// group and kind ("BTC_USDC_PERP index", "BTC_USDC_PERP mark", … for several
// markets) take their colour from the group and their width and dashes from
// the kind, so one market's prices share a colour. Past seven colours, lines
// are dashed. In both layouts the legend sits under the panels, outside the
// data; earlier lines are drawn wider than later ones, so two lines that
// coincide (two policies that agree, mark on index) both stay visible. Time is shown in seconds, minutes or hours after the scenario's
// length; colours are Okabe and Ito's colour-blind-safe set. Points whose
// time or value is NaN or infinite are skipped; a series of more than 2,000
// drawable points is drawn from each bucket's lowest and highest point, so a
// one-tick wick survives. The numbers in the tables are the Report's own
// strings, never recomputed.
//
// This file is the contract between the simulator (sim/run) and the report
// writer; change it in both at once.
package report

// Report is one scenario run under one or more liquidation policies.
type Report struct {
	Scenario    string // the scenario's name (file stem)
	Description string // the scenario's own description, one paragraph
	Seed        uint64
	Traders     int // trader population size
	DurationSec int64
	Runs        []Run // one per policy, in the order they ran
}

// Run is what one policy did.
type Run struct {
	Policy  string
	Metrics []Metric // in display order; the same keys in every run
	Charts  []Chart
}

// Metric is one row of the comparison table. Value is already formatted
// (exact decimal, percentage or count); Key is the metrics.json key.
type Metric struct {
	Key, Label, Value string
}

// Chart is one figure of one run. Charts with the same Name across runs are
// drawn side by side (or overlaid, one line per policy) by the writer.
type Chart struct {
	Name   string // file stem: "prices", "insurance_fund", "liquidated_by_stage", "open_interest", "adl_events", "book_depth", "bad_debt"
	Title  string
	YLabel string
	Series []Series
}

// Series is one line: values over simulated time.
type Series struct {
	Label string
	T     []float64 // seconds since the scenario started, increasing
	V     []float64 // same length as T
}
