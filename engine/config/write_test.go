package config

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// roundTrip writes c and loads it back.
func roundTrip(t *testing.T, c *Config) *Config {
	t.Helper()
	out, err := c.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Load(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("Load(Marshal(c)): %v\n%s", err, out)
	}
	return back
}

func TestRoundTrip(t *testing.T) {
	edge := Default()
	edge.Seed = 1<<64 - 1
	edge.Assets[3].Haircut = Haircut{Kind: HaircutInverseSqrt, Weight: 0, Base: 1, Penalty: 0}
	edge.Markets[btcPerp].MakerFee = 0
	edge.Markets[btcPerp].MaxQty = 1_000_000
	edge.Markets[btcPerp].OpenInterestLimit = 40_000_000
	edge.Markets[btcPerp].Funding.Interest = -1
	edge.Markets[btcPerp].Funding.Upper = 0
	edge.Markets[btcPerp].Funding.Lower = 0
	edge.Markets[btcPerp].Funding.PremiumClamp = 0
	edge.Markets[btcSpot].Bands.MeanPremiumTolerance = 0
	edge.Markets[btcSpot].MaxQty = 7

	fromTest, err := Load(strings.NewReader(testYAML))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		c    *Config
	}{
		{"Default", Default()},
		{"zero, negative and extreme values", edge},
		{"bare numbers, aliases, limits (testYAML)", fromTest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.c, roundTrip(t, tc.c)); diff != "" {
				t.Errorf("Load(Marshal(c)) differs from c (-c +loaded):\n%s", diff)
			}
		})
	}
}

// TestMarshalDefaultIsDefaultYAML: the writer's form is default.yaml's, so
// what the journal records reads like the documented file.
func TestMarshalDefaultIsDefaultYAML(t *testing.T) {
	var want strings.Builder
	for _, line := range strings.SplitAfter(string(defaultYAML), "\n") {
		if s := strings.TrimSpace(line); s != "" && !strings.HasPrefix(s, "#") {
			want.WriteString(line)
		}
	}
	got, err := Default().Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want.String(), string(got)); diff != "" {
		t.Errorf("Marshal(Default()) is not default.yaml without comments (-default.yaml +Marshal):\n%s", diff)
	}
}

func TestMarshalIsDeterministic(t *testing.T) {
	a, err := Default().Marshal()
	if err != nil {
		t.Fatal(err)
	}
	b, err := roundTrip(t, Default()).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("Marshal(Load(Marshal(c))) != Marshal(c)")
	}
}

func TestWriteYAMLRefusesInvalid(t *testing.T) {
	c := Default()
	c.Markets[btcPerp].TickSize = 0
	var out bytes.Buffer
	err := c.WriteYAML(&out)
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Path != "markets[0].tickSize" {
		t.Errorf("got %v, want a FieldError at markets[0].tickSize", err)
	}
	if out.Len() != 0 {
		t.Errorf("wrote %d bytes of an invalid Config", out.Len())
	}
}
