package run

import (
	"encoding/json"
	"testing"

	"github.com/waterfallrisk/waterfall/sim/report"
)

func TestFormats(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{percent(1, 3), "33.33%"},
		{percent(2, 3), "66.66%"},
		{percent(0, 0), "0.00%"},
		{percent(5, 5), "100.00%"},
		{ratio(3, 2), "1.5000"},
		{ratio(1, 0), "n/a"},
		{mean(30, 4), "7.50"},
		{mean(1, 0), "0.00"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestMetricsJSONShape(t *testing.T) {
	res := &Result{
		Report: report.Report{Scenario: `a "quoted" name`, Seed: 9, Traders: 3, DurationSec: 60, Runs: []report.Run{
			{Policy: "backpack", Metrics: []report.Metric{{Key: "b", Value: "1"}, {Key: "a", Value: "2.5%"}}},
		}},
		Runs: []RunResult{{Commands: 12}},
	}
	var got struct {
		Scenario string
		Seed     uint64
		Runs     []struct {
			Policy    string
			Commands  uint64
			StateHash string
			Metrics   map[string]string
		}
	}
	out := MetricsJSON(res)
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if got.Scenario != `a "quoted" name` || got.Seed != 9 || len(got.Runs) != 1 || got.Runs[0].Commands != 12 ||
		got.Runs[0].Metrics["a"] != "2.5%" || len(got.Runs[0].StateHash) != 64 {
		t.Errorf("decoded %+v from\n%s", got, out)
	}
}
