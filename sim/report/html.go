package report

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html"
	"strings"
)

const css = `body{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em}h2{margin-top:1.6em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left}
th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums}code{font-size:.9em;color:#555}
figure{margin:1.5em 0}figure img{max-width:100%;height:auto;border:1px solid #eee}figcaption{color:#555;font-size:.9em}
`

// htmlPage renders report.html: the content of report.md in one file that
// needs nothing else, the figures inline as SVG data URIs (an <img> keeps each
// SVG's styles and ids to itself).
func htmlPage(r *Report, t metricTable, figs []figure, svgs [][]byte) []byte {
	e := html.EscapeString
	var b bytes.Buffer
	name := scenarioName(r)
	fmt.Fprintf(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
	fmt.Fprintf(&b, "<title>Crash simulation: %s</title>\n<style>\n%s</style>\n</head>\n<body>\n", e(name), css)
	fmt.Fprintf(&b, "<h1>Crash simulation: %s</h1>\n", e(name))
	if d := strings.TrimSpace(r.Description); d != "" {
		fmt.Fprintf(&b, "<p>%s</p>\n", e(d))
	}
	b.WriteString("<table>\n")
	fmt.Fprintf(&b, "<tr><th>Seed</th><td>%d</td></tr>\n", r.Seed)
	fmt.Fprintf(&b, "<tr><th>Traders</th><td>%d</td></tr>\n", r.Traders)
	fmt.Fprintf(&b, "<tr><th>Duration (simulated)</th><td>%s</td></tr>\n", e(duration(r.DurationSec)))
	fmt.Fprintf(&b, "<tr><th>Policies</th><td>%s</td></tr>\n", e(strings.Join(t.policies, ", ")))
	b.WriteString("</table>\n<h2>Metrics</h2>\n")
	if len(t.rows) == 0 {
		b.WriteString("<p>No metrics.</p>\n")
	} else {
		b.WriteString("<table>\n<tr><th>Metric</th><th>Key</th>")
		for _, p := range t.policies {
			fmt.Fprintf(&b, "<th>%s</th>", e(p))
		}
		b.WriteString("</tr>\n")
		for _, row := range t.rows {
			fmt.Fprintf(&b, "<tr><td>%s</td><td><code>%s</code></td>", e(row.label), e(row.key))
			for _, v := range row.values {
				fmt.Fprintf(&b, "<td class=\"num\">%s</td>", e(v))
			}
			b.WriteString("</tr>\n")
		}
		b.WriteString("</table>\n")
	}
	b.WriteString("<h2>Charts</h2>\n")
	if len(figs) == 0 {
		b.WriteString("<p>No charts.</p>\n")
	}
	for i, f := range figs {
		fmt.Fprintf(&b, "<h3>%s</h3>\n<figure>\n", e(f.title))
		fmt.Fprintf(&b, "<img alt=\"%s\" src=\"data:image/svg+xml;base64,%s\">\n", e(f.title), base64.StdEncoding.EncodeToString(svgs[i]))
		caption := ""
		if len(f.panels) > 1 {
			caption = "One panel per policy, same axes in every panel. "
		}
		fmt.Fprintf(&b, "<figcaption>%sFiles: <a href=\"%s.png\">%s.png</a>, <a href=\"%s.svg\">%s.svg</a></figcaption>\n</figure>\n",
			caption, f.name, f.name, f.name, f.name)
	}
	b.WriteString("</body>\n</html>\n")
	return b.Bytes()
}
