package config

import (
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Units of the raw numbers below: fixed.Rate is 1e-12, fixed.Price 1e-8,
// durations are milliseconds.
const (
	one     = 1_000_000_000_000 // 1 as a fixed.Rate
	percent = 10_000_000_000    // 0.01
	bps     = 100_000_000       // 0.0001
	second  = 1_000
	minute  = 60 * second
	hour    = 60 * minute
)

func TestDefaultAssets(t *testing.T) {
	c := Default()
	want := []Asset{
		{"USDC", 6, Haircut{Kind: HaircutIdentity, Weight: one}},
		{"BTC", 8, Haircut{Kind: HaircutInverseSqrt, Weight: 900_000_000_000, Base: 1_100_000_000_000, Penalty: 222_000_000}},
		{"ETH", 8, Haircut{Kind: HaircutInverseSqrt, Weight: 900_000_000_000, Base: 1_100_000_000_000, Penalty: 222_000_000}},
		{"SOL", 9, Haircut{Kind: HaircutInverseSqrt, Weight: 850_000_000_000, Base: 1_100_000_000_000, Penalty: 294_000_000}},
	}
	if diff := cmp.Diff(want, c.Assets); diff != "" {
		t.Errorf("DESIGN.md §5 assets: USDC 6 decimals weight 1; BTC, ETH 8 and SOL 9 decimals, weights 0.9/0.9/0.85 (-want +got):\n%s", diff)
	}
	if c.SettlementAsset != "USDC" {
		t.Errorf("DESIGN.md §5: settlement asset %q, want USDC", c.SettlementAsset)
	}
	if c.Seed != 1 || Default().Seed != c.Seed {
		t.Errorf("DESIGN.md §5: the seed is fixed by default; got %d", c.Seed)
	}
}

// TestDefaultMarkets checks DESIGN.md §5's table row by row.
func TestDefaultMarkets(t *testing.T) {
	cases := []struct {
		name     string
		symbol   string
		kind     MarketKind
		base     AssetID
		tick     int64 // fixed.Price
		step     int64 // base smallest units
		imf, mmf MarginFunction
		num, den int64
	}{
		{"DESIGN.md §5 BTC_USDC_PERP: tick 0.1, step = min 0.0001, IMF {0.01333333, 0.00002494}, MMF {0.00666667, 0.00001496}",
			"BTC_USDC_PERP", Perp, 1, 10_000_000, 10_000,
			MarginFunction{MarginSqrt, 13_333_330_000, 24_940_000}, MarginFunction{MarginSqrt, 6_666_670_000, 14_960_000}, 1, 1_000_000},
		{"DESIGN.md §5 ETH_USDC_PERP: tick 0.01, step = min 0.001, IMF {0.02, 0.0000935}, MMF {0.0125, 0.0000561}",
			"ETH_USDC_PERP", Perp, 2, 1_000_000, 100_000,
			MarginFunction{MarginSqrt, 20_000_000_000, 93_500_000}, MarginFunction{MarginSqrt, 12_500_000_000, 56_100_000}, 1, 100_000},
		{"DESIGN.md §5 SOL_USDC_PERP: tick 0.001, step = min 0.01, IMF {0.02, 0.0001275}, MMF {0.0125, 0.0000765}",
			"SOL_USDC_PERP", Perp, 3, 100_000, 10_000_000,
			MarginFunction{MarginSqrt, 20_000_000_000, 127_500_000}, MarginFunction{MarginSqrt, 12_500_000_000, 76_500_000}, 1, 10_000},
		{"DESIGN.md §5 BTC_USDC spot: tick and step as the perp, no IMF/MMF",
			"BTC_USDC", Spot, 1, 10_000_000, 10_000, MarginFunction{}, MarginFunction{}, 1, 1_000_000},
		{"DESIGN.md §5 ETH_USDC spot: tick and step as the perp, no IMF/MMF",
			"ETH_USDC", Spot, 2, 1_000_000, 100_000, MarginFunction{}, MarginFunction{}, 1, 100_000},
		{"DESIGN.md §5 SOL_USDC spot: tick and step as the perp, no IMF/MMF",
			"SOL_USDC", Spot, 3, 100_000, 10_000_000, MarginFunction{}, MarginFunction{}, 1, 10_000},
	}
	c := Default()
	if len(c.Markets) != len(cases) {
		t.Fatalf("DESIGN.md §5: %d markets, want %d", len(c.Markets), len(cases))
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := Market{
				Symbol: tc.symbol, Kind: tc.kind, Base: tc.base, Quote: 0,
				TickSize: tc.tick, StepSize: tc.step, MinQty: 1, // step = min qty: one lot
				MakerFee: 2 * bps, TakerFee: 5 * bps,
				IMF: tc.imf, MMF: tc.mmf,
				Bands:       defaultBands,
				Mark:        Mark{BasisWindowMs: 1 * minute, Band: 5 * percent},
				NotionalNum: tc.num, NotionalDen: tc.den,
			}
			if tc.kind == Perp {
				want.Funding = defaultFunding
			}
			if diff := cmp.Diff(want, c.Markets[i]); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// DESIGN.md §5, "all markets": limit band 0.75/1.25, impact 0.97/1.03,
// mean-mark band 0.9/1.1 over 5 minutes (formulas.md §1), mean-premium
// tolerance 1%.
var defaultBands = PriceBands{
	LimitMin: 750_000_000_000, LimitMax: 1_250_000_000_000,
	ImpactMin: 970_000_000_000, ImpactMax: 1_030_000_000_000,
	MeanMarkMin: 900_000_000_000, MeanMarkMax: 1_100_000_000_000,
	MeanMarkWindowMs:     5 * minute,
	MeanPremiumTolerance: 1 * percent,
}

// DESIGN.md §5: funding every hour, bounds ±100 bps, I = 0.01% per 8 h,
// premium clamp ±0.05%; premium sampled every second (formulas.md §1).
var defaultFunding = Funding{
	IntervalMs: 1 * hour, SampleMs: 1 * second,
	Lower: -100 * bps, Upper: 100 * bps,
	Interest: 1 * bps, PremiumClamp: 5 * bps, PeriodHours: 8,
}

func TestDefaultIsFresh(t *testing.T) {
	a := Default()
	a.Markets[0].TakerFee = 0
	a.Assets[0].Symbol = "X"
	a.Lending[0].Fee = 0
	if b := Default(); b.Markets[0].TakerFee != 5*bps || b.Assets[0].Symbol != "USDC" || b.Lending[0].Fee != 10*percent {
		t.Error("Default shares state between calls")
	}
	// Default copies only the Assets, Markets and Lending slices: their
	// elements must hold no references for that to be a deep copy.
	for _, typ := range []reflect.Type{reflect.TypeFor[Asset](), reflect.TypeFor[Market](), reflect.TypeFor[LendingPool]()} {
		if path, ok := holdsReference(typ); ok {
			t.Errorf("%s holds a reference at %s: Default must deep-copy it", typ.Name(), path)
		}
	}
}

// holdsReference reports whether values of typ share memory when copied.
func holdsReference(typ reflect.Type) (string, bool) {
	switch typ.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface, reflect.Func, reflect.Chan, reflect.UnsafePointer:
		return typ.String(), true
	case reflect.Array:
		return holdsReference(typ.Elem())
	case reflect.Struct:
		for i := range typ.NumField() {
			if path, ok := holdsReference(typ.Field(i).Type); ok {
				return typ.Field(i).Name + "." + path, true
			}
		}
	}
	return "", false
}
