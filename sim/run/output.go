package run

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/waterfallrisk/waterfall/sim/report"
)

// Write puts a result into dir (created if missing): metrics.json, then
// the report and its charts (report.Write).
func Write(dir string, res *Result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	path := filepath.Join(dir, "metrics.json")
	if err := os.WriteFile(path, MetricsJSON(res), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return report.Write(dir, &res.Report)
}

// MetricsJSON renders the result's metrics as JSON: the scenario, seed,
// trader count and duration, then per run the policy, the engine commands
// accepted, the final state hash and every metric (key: value, in display
// order; values as the report shows them). No wall-clock field: the same
// scenario and seed give the same bytes.
func MetricsJSON(res *Result) []byte {
	var b bytes.Buffer
	str := func(s string) string { j, _ := json.Marshal(s); return string(j) }
	r := &res.Report
	fmt.Fprintf(&b, "{\n  \"scenario\": %s,\n  \"seed\": %d,\n  \"traders\": %d,\n  \"durationSec\": %d,\n  \"runs\": [",
		str(r.Scenario), r.Seed, r.Traders, r.DurationSec)
	for i, run := range r.Runs {
		if i > 0 {
			b.WriteString(",")
		}
		rr := res.Runs[i]
		fmt.Fprintf(&b, "\n    {\n      \"policy\": %s,\n      \"commands\": %d,\n      \"stateHash\": %s,\n      \"metrics\": {",
			str(run.Policy), rr.Commands, str(hex.EncodeToString(rr.StateHash[:])))
		for j, m := range run.Metrics {
			if j > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, "\n        %s: %s", str(m.Key), str(m.Value))
		}
		b.WriteString("\n      }\n    }")
	}
	b.WriteString("\n  ]\n}\n")
	return b.Bytes()
}
