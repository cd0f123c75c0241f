package report

import (
	"bytes"
	"fmt"
	"strings"
)

// markdown renders report.md: the scenario, the comparison table, then every
// figure as its PNG (relative path) with a link to its SVG.
func markdown(r *Report, t metricTable, figs []figure) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Crash simulation: %s\n\n", mdText(scenarioName(r)))
	if d := strings.TrimSpace(r.Description); d != "" {
		fmt.Fprintf(&b, "%s\n\n", d)
	}
	b.WriteString("| | |\n|---|---|\n")
	fmt.Fprintf(&b, "| Seed | %d |\n", r.Seed)
	fmt.Fprintf(&b, "| Traders | %d |\n", r.Traders)
	fmt.Fprintf(&b, "| Duration (simulated) | %s |\n", duration(r.DurationSec))
	fmt.Fprintf(&b, "| Policies | %s |\n\n", mdCell(strings.Join(t.policies, ", ")))

	b.WriteString("## Metrics\n\n")
	if len(t.rows) == 0 {
		b.WriteString("No metrics.\n\n")
	} else {
		b.WriteString("| Metric | Key |")
		for _, p := range t.policies {
			fmt.Fprintf(&b, " %s |", mdCell(p))
		}
		b.WriteString("\n|---|---|")
		for range t.policies {
			b.WriteString("---:|")
		}
		b.WriteString("\n")
		for _, row := range t.rows {
			fmt.Fprintf(&b, "| %s | `%s` |", mdCell(row.label), strings.ReplaceAll(mdCell(row.key), "`", "'"))
			for _, v := range row.values {
				fmt.Fprintf(&b, " %s |", mdCell(v))
			}
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}

	b.WriteString("## Charts\n\n")
	if len(figs) == 0 {
		b.WriteString("No charts.\n")
	}
	for _, f := range figs {
		fmt.Fprintf(&b, "### %s\n\n", mdText(f.title))
		if len(f.panels) > 1 {
			b.WriteString("One panel per policy, same axes in every panel.\n\n")
		}
		fmt.Fprintf(&b, "![%s](%s.png)\n\n", mdText(f.title), f.name)
		fmt.Fprintf(&b, "Vector: [%s.svg](%s.svg)\n\n", f.name, f.name)
	}
	return b.Bytes()
}

// mdText keeps a one-line text on one line and out of Markdown syntax that
// would break a heading or an image's alt text.
func mdText(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.NewReplacer("[", `\[`, "]", `\]`, "<", "&lt;").Replace(s)
}

// mdCell is mdText for a table cell: a "|" would end the cell.
func mdCell(s string) string {
	return strings.ReplaceAll(mdText(s), "|", `\|`)
}
