package risk

import (
	"errors"
	"math"
	"math/big"
	"testing"

	"github.com/waterfallrisk/waterfall/engine/fixed"
	"pgregory.net/rapid"
)

// position is one line of an account: a signed net exposure notional and
// its margin fractions.
type position struct{ notional, imf, mmf int64 }

func newAccount(t *testing.T, netEquity, minIMF int64, positions ...position) Account {
	t.Helper()
	a := Account{MinIMF: minIMF}
	if err := a.AddEquity(netEquity); err != nil {
		t.Fatal(err)
	}
	for _, p := range positions {
		if err := a.AddPosition(p.notional, p.imf, p.mmf); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

// want is everything an Account reports.
type want struct {
	liquidatable, bankrupt, canIncrease, belowAutoClose bool
	mf                                                  int64
	mfOK                                                bool
	mmf, imf, mmr, imr, locked, available, acmf         int64
}

func report(a *Account) want {
	mf, ok := a.MarginFraction()
	return want{
		liquidatable: a.Liquidatable(), bankrupt: a.Bankrupt(), canIncrease: a.CanIncrease(),
		belowAutoClose: a.BelowAutoClose(acDivisor, acOffset),
		mf:             mf, mfOK: ok,
		mmf: a.MMF(), imf: a.IMF(), mmr: a.MMR(), imr: a.IMR(),
		locked: a.Locked(), available: a.Available(), acmf: a.ACMF(acDivisor, acOffset),
	}
}

// The auto-close parameters formulas.md §1 attributes to the model's
// ancestor: divisor 2, offset 0.06.
const (
	acDivisor = 2
	acOffset  = 60_000_000_000
)

// 1/75: BTC_USDC_PERP's platform maximum leverage (formulas.md §1), rounded up.
const minIMF75 = 13_333_333_334

// btc1M is 10 BTC at 100,000 USDC: 1,000,000 USDC, IMF 0.02494, MMF 0.01496
// (TestFraction's first two cases).
var btc1M = position{usdc(1_000_000), 24_940_000_000, 14_960_000_000}

func TestAccount(t *testing.T) {
	const maxI = math.MaxInt64
	cases := []struct {
		name string
		a    Account
		want want
	}{
		{
			// Initial 24,940, maintenance 14,960 USDC. MF = 20,000/1,000,000 = 0.02;
			// MMR = 14,960/20,000 = 0.748; IMR = 24,940/20,000 = 1.247;
			// available 20,000 − 24,940 = −4,940; ACMF = max(0.01496/2, 0.01496 − 0.06) = 0.00748.
			"formulas.md §1, BTC 1,000,000 USDC with 20,000 USDC equity: healthy, cannot add risk",
			newAccount(t, usdc(20_000), minIMF75, btc1M),
			want{mf: 20_000_000_000, mfOK: true, mmf: 14_960_000_000, imf: 24_940_000_000,
				mmr: 748_000_000_000, imr: 1_247_000_000_000, locked: usdc(24_940), available: usdc(-4_940), acmf: 7_480_000_000},
		},
		{
			// MMR = 14,960/14,960 = 100% exactly: liquidation starts at MMR ≥ 100%.
			// IMR = 24,940/14,960 = 1.667112299465240…, down.
			"formulas.md §1, MMR exactly 100% triggers",
			newAccount(t, usdc(14_960), minIMF75, btc1M),
			want{liquidatable: true, mf: 14_960_000_000, mfOK: true, mmf: 14_960_000_000, imf: 24_940_000_000,
				mmr: 1_000_000_000_000, imr: 1_667_112_299_465, locked: usdc(24_940), available: usdc(-9_980), acmf: 7_480_000_000},
		},
		{
			// MMR = 14,960/14,960.000001 = 0.99999999993315…, down; MF = 0.014960000001;
			// IMR = 24,940/14,960.000001 = 1.667112299353…, down.
			"one unit of equity above maintenance does not trigger",
			newAccount(t, usdc(14_960)+1, minIMF75, btc1M),
			want{mf: 14_960_000_001, mfOK: true, mmf: 14_960_000_000, imf: 24_940_000_000,
				mmr: 999_999_999_933, imr: 1_667_112_299_353, locked: usdc(24_940), available: usdc(-9_980) + 1, acmf: 7_480_000_000},
		},
		{
			// MF = 7,480/1,000,000 = 0.00748 = ACMF: not below it. MMR = 14,960/7,480 = 2;
			// IMR = 24,940/7,480 = 3.334224598930…, down.
			"DESIGN.md §5, MF equal to ACMF stays in stage 1",
			newAccount(t, usdc(7_480), minIMF75, btc1M),
			want{liquidatable: true, mf: 7_480_000_000, mfOK: true, mmf: 14_960_000_000, imf: 24_940_000_000,
				mmr: 2_000_000_000_000, imr: 3_334_224_598_930, locked: usdc(24_940), available: usdc(-17_460), acmf: 7_480_000_000},
		},
		{
			// MF = 0.007479999999 < ACMF 0.00748: the backstop stage.
			// MMR = 14,960/7,479.999999 = 2.000000000267…; IMR = 24,940/7,479.999999 = 3.334224599376…
			"DESIGN.md §5, MF one unit below ACMF goes to the backstop",
			newAccount(t, usdc(7_480)-1, minIMF75, btc1M),
			want{liquidatable: true, belowAutoClose: true, mf: 7_479_999_999, mfOK: true, mmf: 14_960_000_000, imf: 24_940_000_000,
				mmr: 2_000_000_000_267, imr: 3_334_224_599_376, locked: usdc(24_940), available: usdc(-17_460) - 1, acmf: 7_480_000_000},
		},
		{
			// Negative equity with a position: bankrupt and liquidatable; MF = −0.001.
			"negative equity with exposure",
			newAccount(t, usdc(-1_000), minIMF75, btc1M),
			want{liquidatable: true, bankrupt: true, belowAutoClose: true, mf: -1_000_000_000, mfOK: true,
				mmf: 14_960_000_000, imf: 24_940_000_000, mmr: maxI, imr: maxI, locked: usdc(24_940), available: usdc(-25_940), acmf: 7_480_000_000},
		},
		{
			"no exposure, positive equity: may open positions, nothing to liquidate",
			newAccount(t, usdc(10_000), minIMF75),
			want{canIncrease: true, imf: minIMF75, available: usdc(10_000)},
		},
		{
			"no exposure, zero equity: may not open positions",
			newAccount(t, 0, minIMF75),
			want{imf: minIMF75, imr: maxI},
		},
		{
			"no exposure, negative equity: bankrupt, not liquidatable",
			newAccount(t, -5, minIMF75),
			want{bankrupt: true, imf: minIMF75, imr: maxI, available: -5},
		},
		{
			// formulas.md §1: account IMF = max(1/maxLeverage, Σ notional·IMF / exposure).
			// A 20x user limit: max(0.05, 0.01333333) = 0.05; locked = 0.05 × 100,000 = 5,000 = equity:
			// IMR = 100%, so no new risk. MMR = 666.667/5,000 = 0.1333334; MMF = 666.667/100,000 = 0.00666667;
			// ACMF = max(0.00666667/2, 0.00666667 − 0.06) = 0.003333335.
			"formulas.md §1, the leverage floor binds: IMR exactly 100% refuses new risk",
			newAccount(t, usdc(5_000), rate(1, 20), position{usdc(100_000), 13_333_330_000, 6_666_670_000}),
			want{mf: 50_000_000_000, mfOK: true, mmf: 6_666_670_000, imf: 50_000_000_000,
				mmr: 133_333_400_000, imr: 1_000_000_000_000, locked: usdc(5_000), acmf: 3_333_335_000},
		},
		{
			// IMR = 5,000/5,000.000001 = 0.9999999998, down: one unit of equity frees one unit;
			// MMR = 666.667/5,000.000001 = 0.133333399973…, down; MF = 5,000.000001/100,000 = 0.05000000001.
			"the leverage floor, one unit above",
			newAccount(t, usdc(5_000)+1, rate(1, 20), position{usdc(100_000), 13_333_330_000, 6_666_670_000}),
			want{canIncrease: true, mf: 50_000_000_010, mfOK: true, mmf: 6_666_670_000, imf: 50_000_000_000,
				mmr: 133_333_399_973, imr: 999_999_999_800, locked: usdc(5_000), available: 1, acmf: 3_333_335_000},
		},
		{
			// BTC long 1,000,000 + ETH short 1,000,000 (IMF 0.0935, MMF 0.0561; TestFraction):
			// exposure Σ|n| = 2,000,000; initial 24,940 + 93,500 = 118,440; maintenance 14,960 + 56,100 = 71,060.
			// IMF 0.05922, MMF 0.03553, MF 0.05, MMR 0.7106, IMR 1.1844, ACMF max(0.017765, −0.02447).
			"formulas.md §1, two positions, shorts count by magnitude",
			newAccount(t, usdc(100_000), minIMF75, btc1M, position{usdc(-1_000_000), 93_500_000_000, 56_100_000_000}),
			want{mf: 50_000_000_000, mfOK: true, mmf: 35_530_000_000, imf: 59_220_000_000,
				mmr: 710_600_000_000, imr: 1_184_400_000_000, locked: usdc(118_440), available: usdc(-18_440), acmf: 17_765_000_000},
		},
		{
			// Exposure 3 units, maintenance 1, equity 2: MMF = 1/3 up, MF = 2/3 down, MMR = 1/2,
			// ACMF = max(1/6, 1/3 − 0.06) = 0.27333…, up to 0.273333333334; IMR = IMF/MF = 1/2.
			"rounding directions on thirds",
			Account{NetEquity: 2, Exposure: 3, Initial: 1, Maintenance: 1},
			want{canIncrease: true, mf: 666_666_666_666, mfOK: true, mmf: 333_333_333_334, imf: 333_333_333_334,
				mmr: 500_000_000_000, imr: 500_000_000_000, locked: 1, available: 1, acmf: 273_333_333_334},
		},
	}
	for _, c := range cases {
		if got := report(&c.a); got != c.want {
			t.Errorf("%s:\n got %+v\nwant %+v", c.name, got, c.want)
		}
	}
}

func TestAccountAddPosition(t *testing.T) {
	a := newAccount(t, 0, 0, position{usdc(100_000), 13_333_330_000, 6_666_670_000}, position{-7, rate(1, 2), rate(1, 3)})
	// 100,000 USDC × 0.01333333 = 1,333.333 USDC; 7 units × 0.5 = 3.5 → 4; × 1/3 = 2.33… → 3 (0.333333333333 × 7 = 2.333…).
	if a.Exposure != usdc(100_000)+7 || a.Initial != 1_333_333_000+4 || a.Maintenance != 666_667_000+3 {
		t.Fatalf("got %+v", a)
	}
	before := a
	if err := a.AddPosition(math.MinInt64, 0, 0); !errors.Is(err, fixed.ErrOverflow) || a != before {
		t.Fatalf("|MinInt64|: %v, %+v", err, a)
	}
	if err := a.AddPosition(math.MaxInt64, 0, 0); !errors.Is(err, fixed.ErrOverflow) || a != before {
		t.Fatalf("exposure overflow: %v, %+v", err, a)
	}
	if err := a.AddPosition(1, 0, math.MaxInt64); err != nil {
		t.Fatal(err) // 1 unit × 9.2e6 = 9,223,373 units: fits
	}
	if err := a.AddEquity(math.MaxInt64); err != nil {
		t.Fatal(err)
	}
	before = a
	if err := a.AddEquity(1); !errors.Is(err, fixed.ErrOverflow) || a != before {
		t.Fatalf("equity overflow: %v, %+v", err, a)
	}
}

// accountGen draws a consistent account: no requirements without exposure,
// values across the whole int64 range and at the decision boundaries.
func accountGen() *rapid.Generator[Account] {
	amount := rapid.OneOf(rapid.Int64(), rapid.Int64Range(-1000, 1000), rapid.Int64Range(-usdc(10_000_000), usdc(10_000_000)),
		rapid.SampledFrom([]int64{math.MinInt64, math.MaxInt64, 0, 1, -1}))
	nonNegative := rapid.OneOf(rapid.Int64Range(0, math.MaxInt64), rapid.Int64Range(0, 1000), rapid.Int64Range(0, usdc(10_000_000)),
		rapid.SampledFrom([]int64{0, 1, math.MaxInt64}))
	return rapid.Custom(func(t *rapid.T) Account {
		a := Account{
			Exposure: nonNegative.Draw(t, "exposure"),
			MinIMF:   rapid.OneOf(rapid.Int64Range(0, 2_000_000_000_000), rapid.Int64Range(0, math.MaxInt64)).Draw(t, "minIMF"),
		}
		if a.Exposure > 0 {
			a.Initial = nonNegative.Draw(t, "initial")
			a.Maintenance = nonNegative.Draw(t, "maintenance")
		}
		// Equity drawn freely, or on a boundary the decisions turn on.
		switch rapid.IntRange(0, 3).Draw(t, "equityKind") {
		case 0:
			a.NetEquity = amount.Draw(t, "netEquity")
		case 1:
			a.NetEquity = a.Maintenance + rapid.Int64Range(-2, 2).Draw(t, "δ")
		case 2:
			a.NetEquity = a.Initial + rapid.Int64Range(-2, 2).Draw(t, "δ")
		case 3:
			a.NetEquity = a.Maintenance/acDivisor + rapid.Int64Range(-2, 2).Draw(t, "δ")
		}
		return a
	})
}

// oracle computes what an Account must report from the formulas of
// formulas.md §1 in exact rationals: MF = E/X, account MMF = M/X, account
// IMF = max(MinIMF, I/X), MMR = MMF/MF, IMR = IMF/MF,
// ACMF = max(MMF/divisor, MMF − offset); a margin fraction ≤ 0 makes MMR and
// IMR infinite.
func oracle(a Account) want {
	var w want
	s := new(big.Rat).SetInt(rateScale)
	toRate := func(r *big.Rat) *big.Rat { return new(big.Rat).Mul(r, s) }
	w.bankrupt = a.NetEquity < 0
	imf := ratOf(a.MinIMF, 1_000_000_000_000)
	w.imf = a.MinIMF
	if a.Exposure == 0 {
		w.canIncrease = a.NetEquity > 0 // MF = +∞: IMR = 0
		if a.NetEquity <= 0 {
			w.imr = math.MaxInt64
		}
		w.available = a.NetEquity
		return w
	}
	mf := ratOf(a.NetEquity, a.Exposure)
	mmf := ratOf(a.Maintenance, a.Exposure)
	imf = maxRat(imf, ratOf(a.Initial, a.Exposure))
	w.mf, w.mfOK = saturate(floorRat(toRate(mf))), true
	w.mmf = saturate(ceilRat(toRate(mmf)))
	w.imf = saturate(ceilRat(toRate(imf)))
	locked := new(big.Rat).Mul(imf, new(big.Rat).SetInt64(a.Exposure))
	w.locked = saturate(ceilRat(locked))
	w.available = saturate(floorRat(new(big.Rat).Sub(new(big.Rat).SetInt64(a.NetEquity), locked)))
	acmf := maxRat(new(big.Rat).Quo(mmf, ratOf(acDivisor, 1)), new(big.Rat).Sub(mmf, ratOf(acOffset, 1_000_000_000_000)))
	w.acmf = saturate(ceilRat(toRate(acmf)))
	w.belowAutoClose = mf.Cmp(acmf) < 0
	if mf.Sign() <= 0 {
		w.liquidatable, w.mmr, w.imr = true, math.MaxInt64, math.MaxInt64
		return w
	}
	mmr := new(big.Rat).Quo(mmf, mf)
	imr := new(big.Rat).Quo(imf, mf)
	w.liquidatable = mmr.Cmp(big.NewRat(1, 1)) >= 0
	w.canIncrease = imr.Cmp(big.NewRat(1, 1)) < 0
	w.mmr = saturate(floorRat(toRate(mmr)))
	w.imr = saturate(floorRat(toRate(imr)))
	return w
}

// TestAccountMatchesRationalOracle: every decision and every display value
// agrees with exact rational arithmetic (display values saturate).
func TestAccountMatchesRationalOracle(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := accountGen().Draw(t, "account")
		got, want := report(&a), oracle(a)
		if a.MMF() == math.MaxInt64 {
			got.acmf, want.acmf = 0, 0 // ACMF is exact only while MMF does not saturate
		}
		if got != want {
			t.Fatalf("%+v\n got %+v\nwant %+v", a, got, want)
		}
	})
}

// TestRatiosAgreeWithDecisions: the floored display ratios cross 100% exactly
// where the decisions change.
func TestRatiosAgreeWithDecisions(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := accountGen().Draw(t, "account")
		if (a.MMR() >= 1_000_000_000_000) != a.Liquidatable() {
			t.Fatalf("MMR %d vs Liquidatable %v for %+v", a.MMR(), a.Liquidatable(), a)
		}
		if (a.IMR() < 1_000_000_000_000) != a.CanIncrease() {
			t.Fatalf("IMR %d vs CanIncrease %v for %+v", a.IMR(), a.CanIncrease(), a)
		}
	})
}

// TestAccountFromPositions builds accounts the way the engine does, from
// positions priced by Fraction, and checks the decisions against the oracle.
func TestAccountFromPositions(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := Account{MinIMF: minIMF75}
		n := rapid.IntRange(0, 5).Draw(t, "positions")
		for range n {
			notional := rapid.Int64Range(-usdc(50_000_000), usdc(50_000_000)).Draw(t, "notional")
			size := max(notional, -notional)
			imf, err := Fraction(btcIMF, size, usdcDecimals, 0)
			if err != nil {
				t.Fatal(err)
			}
			mmf, err := Fraction(btcMMF, size, usdcDecimals, 0)
			if err != nil {
				t.Fatal(err)
			}
			if err := a.AddPosition(notional, imf, mmf); err != nil {
				t.Fatal(err)
			}
		}
		a.NetEquity = rapid.Int64Range(-usdc(1_000_000), usdc(10_000_000)).Draw(t, "netEquity")
		if got, want := report(&a), oracle(a); got != want {
			t.Fatalf("%+v\n got %+v\nwant %+v", a, got, want)
		}
		if a.Maintenance > a.Initial {
			t.Fatalf("maintenance %d above initial %d", a.Maintenance, a.Initial)
		}
	})
}

func TestAccountAddRequirements(t *testing.T) {
	// formulas.md §2's table at 1,000,000 (deduction: IM 20,000, MM 5,350) and a
	// short of 500,000 (IM 5,000, MM 2,350): exposure counts magnitudes.
	a := Account{NetEquity: usdc(30_000)}
	if err := a.AddRequirements(usdc(1_000_000), usdc(20_000), usdc(5_350)); err != nil {
		t.Fatal(err)
	}
	if err := a.AddRequirements(usdc(-500_000), usdc(5_000), usdc(2_350)); err != nil {
		t.Fatal(err)
	}
	want := Account{NetEquity: usdc(30_000), Exposure: usdc(1_500_000), Initial: usdc(25_000), Maintenance: usdc(7_700)}
	if a != want {
		t.Fatalf("got %+v, want %+v", a, want)
	}
	if !a.CanIncrease() || a.Liquidatable() {
		t.Errorf("equity 30,000 over initial 25,000 and maintenance 7,700: may add risk, not liquidatable")
	}
	before := a
	for _, c := range []struct {
		name                string
		notional, im, maint int64
	}{
		{"|MinInt64|", math.MinInt64, 0, 0},
		{"exposure overflow", math.MaxInt64, 0, 0},
		{"initial overflow", 1, math.MaxInt64, 0},
		{"maintenance overflow", 1, 0, math.MaxInt64},
	} {
		if err := a.AddRequirements(c.notional, c.im, c.maint); !errors.Is(err, fixed.ErrOverflow) || a != before {
			t.Errorf("%s: %v, %+v", c.name, err, a)
		}
	}
}

// TestAutoCloseIsBelowMaintenance: formulas.md §1 says ACMF =
// max(MMF/divisor, MMF − offset) is "always below MMF". For every divisor ≥ 2
// and offset in (0, 1) (config.Liquidation's rules): the exact ACMF is below
// the exact MMF whenever maintenance is positive; the displayed ACMF is
// exactly the ceiling of the true value, never above the displayed MMF and
// below it once MMF ≥ 2 Rate units; BelowAutoClose agrees with exact
// rationals and implies Liquidatable.
func TestAutoCloseIsBelowMaintenance(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := accountGen().Draw(t, "account")
		divisor := rapid.OneOf(rapid.Int64Range(2, 10), rapid.Int64Range(2, math.MaxInt64)).Draw(t, "divisor")
		offset := rapid.OneOf(rapid.Int64Range(1, 999_999_999_999), rapid.SampledFrom([]int64{1, acOffset, 999_999_999_999})).Draw(t, "offset")
		if rapid.Bool().Draw(t, "nearAutoClose") && a.Exposure > 0 {
			a.NetEquity = a.Maintenance/divisor + rapid.Int64Range(-2, 2).Draw(t, "δ")
		}
		below := a.BelowAutoClose(divisor, offset)
		if below && !a.Liquidatable() {
			t.Fatalf("below ACMF but not liquidatable: %+v, divisor %d, offset %d", a, divisor, offset)
		}
		if a.Exposure == 0 {
			if below || a.ACMF(divisor, offset) != 0 {
				t.Fatalf("no exposure: below %v, ACMF %d", below, a.ACMF(divisor, offset))
			}
			return
		}
		mmf := ratOf(a.Maintenance, a.Exposure)
		acmf := maxRat(new(big.Rat).Quo(mmf, ratOf(divisor, 1)), new(big.Rat).Sub(mmf, ratOf(offset, 1_000_000_000_000)))
		if a.Maintenance > 0 && acmf.Cmp(mmf) >= 0 {
			t.Fatalf("exact ACMF %s not below MMF %s", acmf.FloatString(15), mmf.FloatString(15))
		}
		if want := ratOf(a.NetEquity, a.Exposure).Cmp(acmf) < 0; below != want {
			t.Fatalf("BelowAutoClose %v, exact MF < ACMF %v: %+v, divisor %d, offset %d", below, want, a, divisor, offset)
		}
		got, m := a.ACMF(divisor, offset), a.MMF()
		if m == math.MaxInt64 {
			return // ACMF is exact only while MMF does not saturate
		}
		if want := saturate(ceilRat(new(big.Rat).Mul(acmf, new(big.Rat).SetInt(rateScale)))); got != want {
			t.Fatalf("ACMF %d, exact ceiling %d: %+v, divisor %d, offset %d", got, want, a, divisor, offset)
		}
		if got > m || m >= 2 && got >= m {
			t.Fatalf("ACMF %d not below MMF %d", got, m)
		}
	})
}

// TestDueWithClosingFee: the ladder's trigger (seed 002, "margin ratio ≤
// MMR + closing fee rate") is maintenance + fee × position notional ≥ net
// equity, against exact rationals; a fee of 0 is Liquidatable, and
// Liquidatable implies it for every fee. A hand case: 100,000 of notional,
// 500 maintenance, 1% fee: due at equity 1,500, not at 1,501.
func TestDueWithClosingFee(t *testing.T) {
	hand := Account{NetEquity: 1_500, Exposure: 100_000, Maintenance: 500, Notional: 100_000}
	if !hand.DueWithClosingFee(10_000_000_000) {
		t.Fatal("equity 1,500 = 500 + 1% of 100,000: due")
	}
	if hand.NetEquity++; hand.DueWithClosingFee(10_000_000_000) {
		t.Fatal("equity 1,501: not due")
	}
	rapid.Check(t, func(t *rapid.T) {
		a := accountGen().Draw(t, "account")
		a.Notional = rapid.Int64Range(0, math.MaxInt64).Draw(t, "notional")
		fee := rapid.Int64Range(0, rateScale.Int64()).Draw(t, "fee")
		got := a.DueWithClosingFee(fee)
		if a.DueWithClosingFee(0) != a.Liquidatable() {
			t.Fatalf("fee 0 differs from Liquidatable: %+v", a)
		}
		if a.Liquidatable() && !got {
			t.Fatalf("liquidatable but not due at fee %d: %+v", fee, a)
		}
		need := new(big.Rat).Add(ratOf(a.Maintenance, 1), new(big.Rat).Mul(ratOf(a.Notional, 1), ratOf(fee, 1_000_000_000_000)))
		want := a.Exposure > 0 && need.Cmp(ratOf(a.NetEquity, 1)) >= 0
		if got != want {
			t.Fatalf("DueWithClosingFee(%d) = %v, exact %v: %+v", fee, got, want, a)
		}
	})
}
