package run

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/waterfallrisk/waterfall/sim/scenario"
)

func TestIndexPathSegmentsAndJumps(t *testing.T) {
	m := &scenario.Market{Price: scenario.Amount{Units: 100 * 1e8}, Path: scenario.Path{Segments: []scenario.Segment{
		{Duration: scenario.Duration(10 * time.Second), Change: -0.5},
		{Duration: scenario.Duration(10 * time.Second), Change: 0, Jumps: []scenario.Jump{{At: scenario.Duration(5 * time.Second), Size: 1}}},
	}}}
	p := indexPath(m, 25, 1000, rand.New(rand.NewPCG(1, 2)))
	if len(p) != 26 || p[0] != 100e8 {
		t.Fatalf("len %d, start %d", len(p), p[0])
	}
	if math.Abs(float64(p[10])-50e8) > 1 {
		t.Errorf("after the -50%% segment: %d, want 50e8", p[10])
	}
	if p[15] != p[10] || math.Abs(float64(p[16])-100e8) > 2 {
		t.Errorf("the +100%% jump at 5s into the second segment: p[15]=%d p[16]=%d", p[15], p[16])
	}
	if p[25] != p[20] {
		t.Errorf("after the last segment the price holds: %d vs %d", p[25], p[20])
	}
}

func TestIndexPathRandomWalkIsSeeded(t *testing.T) {
	m := &scenario.Market{Price: scenario.Amount{Units: 100 * 1e8}, Path: scenario.Path{Segments: []scenario.Segment{
		{Duration: scenario.Duration(time.Hour), Volatility: 0.01},
	}}}
	a := indexPath(m, 3600, 1000, rand.New(rand.NewPCG(7, streamPaths)))
	b := indexPath(m, 3600, 1000, rand.New(rand.NewPCG(7, streamPaths)))
	c := indexPath(m, 3600, 1000, rand.New(rand.NewPCG(8, streamPaths)))
	same, moved := true, false
	for i := range a {
		same = same && a[i] == b[i]
		moved = moved || a[i] != c[i]
	}
	if !same || !moved {
		t.Errorf("same seed same path: %v; another seed another path: %v", same, moved)
	}
}

func TestIndexPathCSVInterpolates(t *testing.T) {
	m := &scenario.Market{Path: scenario.Path{Points: []scenario.Point{{Sec: 0, Price: 100}, {Sec: 10, Price: 80}}}}
	p := indexPath(m, 12, 1000, nil)
	if p[0] != 100e8 || p[5] != 90e8 || p[10] != 80e8 || p[12] != 80e8 {
		t.Errorf("csv path %v, want 100 → 90 at 5s → 80 from 10s", p)
	}
}
