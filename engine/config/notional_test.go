package config

import (
	"testing"

	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// TestDefaultNotional: each default market's ratio, with a worked example
// computed by hand in the case name (lots × price → micro-USDC).
func TestDefaultNotional(t *testing.T) {
	cases := []struct {
		name     string
		market   string
		num, den int64
		lots     int64
		price    int64 // fixed.Price
		want     int64 // USDC smallest units
	}{
		{"BTC_USDC_PERP: step 0.0001 BTC = 1e4 sats; 1e4·1e6/(1e8·1e8) = 1/1e6; 1 lot at 100000 = 10 USDC",
			"BTC_USDC_PERP", 1, 1_000_000, 1, 100_000 * fixed.PriceScale, 10_000_000},
		{"ETH_USDC_PERP: step 0.001 ETH = 1e5 units; 1e5·1e6/(1e8·1e8) = 1/1e5; 3 lots (0.003 ETH) at 4000.01 = 12.00003 USDC",
			"ETH_USDC_PERP", 1, 100_000, 3, 400_001_000_000, 12_000_030},
		{"SOL_USDC_PERP: step 0.01 SOL = 1e7 lamports; 1e7·1e6/(1e8·1e9) = 1/1e4; 150 lots (1.5 SOL) at 123.456 = 185.184 USDC",
			"SOL_USDC_PERP", 1, 10_000, 150, 12_345_600_000, 185_184_000},
		{"BTC_USDC: as its perp, 1/1e6; 25 lots (0.0025 BTC) at 64000.5 = 160.00125 USDC",
			"BTC_USDC", 1, 1_000_000, 25, 6_400_050_000_000, 160_001_250},
		{"ETH_USDC: as its perp, 1/1e5; 1000 lots (1 ETH) at 2500 = 2500 USDC",
			"ETH_USDC", 1, 100_000, 1000, 2500 * fixed.PriceScale, 2_500_000_000},
		{"SOL_USDC: as its perp, 1/1e4; 1 lot (0.01 SOL) at one tick (0.001) = 0.00001 USDC",
			"SOL_USDC", 1, 10_000, 1, 100_000, 10},
	}
	c := Default()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			id, ok := c.MarketBySymbol(tc.market)
			if !ok {
				t.Fatalf("no market %s", tc.market)
			}
			m := c.Markets[id]
			if m.NotionalNum != tc.num || m.NotionalDen != tc.den {
				t.Errorf("ratio %d/%d, want %d/%d", m.NotionalNum, m.NotionalDen, tc.num, tc.den)
			}
			if got := notional(t, m, tc.lots, tc.price); got != tc.want {
				t.Errorf("%d lots at %d: notional %d, want %d", tc.lots, tc.price, got, tc.want)
			}
		})
	}
}

// notional is lots × price × num / den, required to be exact here.
func notional(t *testing.T, m Market, lots, price int64) int64 {
	t.Helper()
	lp, err := fixed.Mul(lots, price)
	if err != nil {
		t.Fatal(err)
	}
	lo, err1 := fixed.MulDiv(lp, m.NotionalNum, m.NotionalDen, fixed.Floor)
	hi, err2 := fixed.MulDiv(lp, m.NotionalNum, m.NotionalDen, fixed.Ceil)
	if err1 != nil || err2 != nil || lo != hi {
		t.Fatalf("notional of %d lots at %d is not exact: [%d, %d] %v %v", lots, price, lo, hi, err1, err2)
	}
	return lo
}

// TestNotionalRatio: the ratio for decimals the defaults do not cover.
func TestNotionalRatio(t *testing.T) {
	cases := []struct {
		name              string
		step              int64
		baseDec, quoteDec int
		num, den          int64
		ok                bool
	}{
		{"whole-token step, 0 decimals: 1·1e6/1e8", 1, 0, 6, 1, 100, true},
		{"quote with more decimals than price and base: 1·1e18/(1e8·1e2)", 1, 2, 18, 100_000_000, 1, true},
		{"a step that does not reduce to 1: 3·1e2/(1e8·1e9)", 3, 9, 2, 3, 1_000_000_000_000_000, true},
		{"a step with factors of 2 and 5: 25e4·1e6/(1e8·1e8) = 1/4e4", 250_000, 8, 6, 1, 40_000, true},
		{"18-decimal base, 1-unit step: den 1e20 overflows", 1, 18, 6, 0, 0, false},
		{"18-decimal base, step 5: den 2e19 overflows", 5, 18, 6, 0, 0, false},
		{"18-decimal base, step 1e4: den 1e16 fits", 10_000, 18, 6, 1, 10_000_000_000_000_000, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			num, den, ok := notionalRatio(tc.step, tc.baseDec, tc.quoteDec)
			if num != tc.num || den != tc.den || ok != tc.ok {
				t.Errorf("got %d/%d ok=%v, want %d/%d ok=%v", num, den, ok, tc.num, tc.den, tc.ok)
			}
		})
	}
}
