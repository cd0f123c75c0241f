package demo

import (
	"math"
	"testing"

	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
	"github.com/waterfallrisk/waterfall/engine/risk"
)

func testWalks() []walk {
	return []walk{
		{asset: 1, symbol: "BTC", price: 100_000, vol: vols["BTC"]},
		{asset: 2, symbol: "ETH", price: 3_000, vol: vols["ETH"]},
		{asset: 3, symbol: "SOL", price: 150, vol: vols["SOL"]},
	}
}

func TestRegimeSchedule(t *testing.T) {
	for _, c := range []struct {
		step int
		want regime
	}{
		{0, calm}, {44, calm}, {45, trend}, {104, trend}, {105, burst}, {119, burst},
		{120, recovery}, {149, recovery}, {150, calm}, {150 + 105, burst},
	} {
		if got := regimeAt(c.step); got != c.want {
			t.Errorf("step %d: %v, want %v", c.step, got, c.want)
		}
	}
}

// The path depends only on the seeds; each trend carries its asset about
// 2.4% its way, each burst opens with a jump of at least 1.5% that way (less
// the noise), and over many cycles prices stay near their anchors.
func TestFeedPath(t *testing.T) {
	f, g, h := newFeed(1, 0, testWalks()), newFeed(1, 0, testWalks()), newFeed(2, 0, testWalks())
	differ := false
	maxDev := 0.0
	for step := range 100 * cycleSteps {
		before := f.walks[1].price
		pos := step % cycleSteps
		f.next()
		g.next()
		h.next()
		if f.walks[1].price != g.walks[1].price {
			t.Fatalf("step %d: one seed, two paths", step)
		}
		differ = differ || f.walks[1].price != h.walks[1].price
		w := &f.walks[1]
		if pos == calmSteps+trendSteps { // the jump
			if move := math.Log(w.price/before) * w.dir; move < jumpMin-6*w.vol*burstVolFactor {
				t.Fatalf("step %d: jump of %.4f the trend's way", step, move)
			}
		}
		for _, w := range f.walks {
			maxDev = max(maxDev, math.Abs(math.Log(w.price/w.anchor)))
		}
	}
	if !differ {
		t.Fatal("seeds 1 and 2 gave one path")
	}
	t.Logf("max deviation %.3f", maxDev)
	if maxDev > 0.25 {
		t.Fatalf("a price strayed %.0f%% from its anchor", 100*maxDev)
	}
}

// A trend moves its asset its way by about trendSteps × trendDrift.
func TestTrendMoves(t *testing.T) {
	f := newFeed(3, 0, testWalks())
	total, n := 0.0, 0
	for range 40 {
		for f.step%cycleSteps != calmSteps {
			f.next()
		}
		start := make([]float64, len(f.walks))
		for i := range f.walks {
			start[i] = f.walks[i].price
		}
		for range trendSteps {
			f.next()
		}
		for i, w := range f.walks {
			total += math.Log(w.price/start[i]) * w.dir
			n++
		}
	}
	if mean := total / float64(n); math.Abs(mean-trendSteps*trendDrift) > 0.006 {
		t.Fatalf("a trend moved %.4f on average, want about %.4f", mean, trendSteps*trendDrift)
	}
}

// notionalFor solves n × IMF(n) = use × equity on the built-in margin
// functions, under a leverage limit too, and is 0 on spot.
func TestNotionalFor(t *testing.T) {
	cfg := config.Default()
	for i := range cfg.Markets {
		m := newMkt(cfg, config.MarketID(i))
		for _, lev := range []int64{0, 10, 25} {
			n := m.notionalFor(1000, 0.8, userBase(lev))
			if !m.perp {
				if n != 0 {
					t.Fatalf("%s: %v on spot", m.symbol, n)
				}
				continue
			}
			units := int64(n * 1e6)
			imf, _, err := risk.MarketFractions(m.cfg, units, units, 6, userBase(lev))
			if err != nil {
				t.Fatal(err)
			}
			used := n * float64(imf) / fixed.RateScale
			if used > 800.001 || used < 799 {
				t.Fatalf("%s at leverage limit %d: notional %.2f uses %.4f of 800", m.symbol, lev, n, used)
			}
			if lev > 0 && n > 800*float64(lev)+1 {
				t.Fatalf("%s: notional %.2f beyond the leverage limit %d", m.symbol, n, lev)
			}
		}
	}
}

func TestLotsAndTicks(t *testing.T) {
	cfg := config.Default()
	id, _ := cfg.MarketBySymbol("ETH_USDC_PERP")
	m := newMkt(cfg, id)
	if got := m.lots(3000, 3000); got != 1000 { // 1 ETH = 1000 lots of 0.001
		t.Fatalf("lots %d", got)
	}
	if got := m.lots(2.9, 3000); got != 0 { // below the minimum quantity
		t.Fatalf("lots %d", got)
	}
	if b, a := m.ticksBelow(3000.005), m.ticksAbove(3000.005); b != 300000 || a != 300001 { // default.yaml: tickSize 0.01
		t.Fatalf("ticks %d %d", b, a)
	}
	if p := m.price(300001); math.Abs(p-3000.01) > 1e-9 {
		t.Fatalf("price %v", p)
	}
}
