package risk

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"testing"

	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
	"pgregory.net/rapid"
)

// Built-in markets (DESIGN.md §5) as the solver sees them. BTC: a lot is
// 0.0001 BTC (1e4 sats), a tick 0.1 USDC (1e7 Price units), USDC has 6
// decimals, so notional = lots × price × 1e4·1e6/(1e8·1e8) = lots × price /
// 1e6, and one lot at one tick is 10 units (0.00001 USDC). ETH: lot 0.001 ETH,
// tick 0.01, lots × price / 1e5, 10 units. SOL: lot 0.01 SOL (9 decimals),
// tick 0.001, lots × price / 1e4, 10 units.
type lpMarket struct {
	num, den, tick int64
	lotsPerCoin    int64
	mmf            config.MarginFunction
}

var (
	lpBTC = lpMarket{1, 1_000_000, 10_000_000, 10_000, btcMMF}
	lpETH = lpMarket{1, 100_000, 1_000_000, 1_000, ethMMF}
	lpSOL = lpMarket{1, 10_000, 100_000, 100, solMMF}
)

// lpFlat is a flat maintenance fraction: a sqrt function with no size term.
func lpFlat(r int64) config.MarginFunction {
	return config.MarginFunction{Kind: config.MarginSqrt, Base: r}
}

// lpInputs builds the inputs of an isolated (otherMaint 0) or cross position
// of coins whole coins (negative: short) entered at entry whole USDC, with
// otherEquity = margin − cost, all in whole USDC.
func (m lpMarket) inputs(coins, entry, margin, otherMaint int64, mmf config.MarginFunction) PriceInputs {
	qty := coins * m.lotsPerCoin
	cost := usdc(coins * entry) // signed: a short's cost is negative
	return PriceInputs{
		Qty:         qty,
		OtherEquity: usdc(margin) - cost,
		OtherMaint:  usdc(otherMaint),
		NotionalNum: m.num, NotionalDen: m.den, TickSize: m.tick,
		Maintenance: SqrtRequirement(mmf, usdcDecimals),
	}
}

func TestLiquidationAndBankruptcyPrice(t *testing.T) {
	half := lpFlat(rate(5, 1000)) // 0.5%
	cases := []struct {
		name        string
		in          PriceInputs
		liq, bank   int64 // ticks
		liqExact    bool  // the equation holds exactly at liq
		liqOK, bkOK bool
	}{
		// formulas.md §3, isolated long, no fees, flat MMR on mark notional:
		// margin + size × (P − entry) = MMR × size × P
		//   ⇒ P = (entry·size − margin) / (size·(1 − MMR)).
		{"formulas.md §3: BTC long 1 @ 100,000, margin 10,000, MMF 0.5%: 90,000/0.995 = 90,452.261…, up to 90,452.3; bankrupt at 90,000",
			lpBTC.inputs(1, 100_000, 10_000, 0, half), 904_523, 900_000, false, true, true},
		{"formulas.md §3 mirrored: BTC short 1 @ 100,000, margin 10,000: 110,000/1.005 = 109,452.736…, down to 109,452.7; bankrupt at 110,000",
			lpBTC.inputs(-1, 100_000, 10_000, 0, half), 1_094_527, 1_100_000, false, true, true},
		{"seed 003, 100x long (IM 1%, MM 0.5%): 99,000/0.995 = 99,497.487…, up to 99,497.5 (≈0.5% below entry); bankrupt 1% below, 99,000",
			lpBTC.inputs(1, 100_000, 1_000, 0, half), 994_975, 990_000, false, true, true},
		{"seed 003, 100x short: 101,000/1.005 = 100,497.512…, down to 100,497.5; bankrupt 1% above, 101,000",
			lpBTC.inputs(-1, 100_000, 1_000, 0, half), 1_004_975, 1_010_000, false, true, true},
		{"exact on a tick: long 1 @ 110,000, margin 10,500: 99,500/0.995 = 100,000.0 exactly (equity 500 = 0.5% × 100,000)",
			lpBTC.inputs(1, 110_000, 10_500, 0, half), 1_000_000, 995_000, true, true, true},
		{"cross: long 1 @ 100,000 with 20,000 collateral and 1,000 maintenance elsewhere: (80,000 + 1,000)/0.995 = 81,407.035…, up",
			lpBTC.inputs(1, 100_000, 20_000, 1_000, half), 814_071, 800_000, false, true, true},
		{"DESIGN.md §5 BTC MMF, 1 BTC long, margin 10,000: √90,604 × 0.00001496 = 0.0045 < base 0.00666667: 90,000/0.99333333 = 90,604.027…, up",
			lpBTC.inputs(1, 100_000, 10_000, 0, btcMMF), 906_041, 900_000, false, true, true},
		{"DESIGN.md §5 BTC MMF, 100 BTC long @ 100,000, margin 1,000,000: x − 9e6 = 0.00001496·x^1.5 at x = 9,433,448.30 (MMF 4.59%): 94,334.483…, up",
			lpBTC.inputs(100, 100_000, 1_000_000, 0, btcMMF), 943_345, 900_000, false, true, true},
		{"DESIGN.md §5 ETH MMF, 1,000 ETH short @ 3,000, margin 300,000: 3.3e6 − x = 0.0000561·x^1.5 at x = 3,007,414.50 (MMF 9.73%): 3,007.4145…, down",
			lpETH.inputs(-1_000, 3_000, 300_000, 0, ethMMF), 300_741, 330_000, false, true, true},
		{"DESIGN.md §5 SOL MMF, 10,000 SOL long @ 150, margin 300,000: x − 1.2e6 = 0.0000765·x^1.5 at x = 1,315,412.97 (MMF 8.77%): 131.5412…, up",
			lpSOL.inputs(10_000, 150, 300_000, 0, solMMF), 131_542, 120_000, false, true, true},
		{"fully collateralized long (1x): equity covers maintenance at every price, never bankrupt",
			lpBTC.inputs(1, 100_000, 100_000, 0, half), 0, 0, false, false, false},
		{"long 1x with 1,000 maintenance elsewhere: 1,000/0.995 = 1,005.025…, up to 1,005.1; never bankrupt",
			lpBTC.inputs(1, 100_000, 100_000, 1_000, half), 10_051, 0, false, true, false},
		{"short whose margin is gone: liquidatable and bankrupt at every price",
			lpBTC.inputs(-1, 100_000, -100_000, 0, half), 0, 0, false, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			liq, ok, err := LiquidationPrice(tc.in)
			if err != nil || ok != tc.liqOK || liq != tc.liq {
				t.Fatalf("LiquidationPrice = %d, %v, %v; want %d, %v", liq, ok, err, tc.liq, tc.liqOK)
			}
			bank, ok, err := BankruptcyPrice(tc.in)
			if err != nil || ok != tc.bkOK || bank != tc.bank {
				t.Fatalf("BankruptcyPrice = %d, %v, %v; want %d, %v", bank, ok, err, tc.bank, tc.bkOK)
			}
			if !tc.liqOK {
				return
			}
			toDanger, toSafety := int64(-1), int64(1)
			if tc.in.Qty < 0 {
				toDanger, toSafety = 1, -1
			}
			if !lpLiquidatable(t, tc.in, liq+toDanger) {
				t.Errorf("not liquidatable one tick toward danger of %d", liq)
			}
			if got := lpLiquidatable(t, tc.in, liq); got != tc.liqExact {
				t.Errorf("liquidatable at %d = %v, want %v (exact: %v)", liq, got, tc.liqExact, tc.liqExact)
			}
			if lpLiquidatable(t, tc.in, liq+toSafety) {
				t.Errorf("liquidatable one tick toward safety of %d", liq)
			}
		})
	}
}

func lpLiquidatable(t *testing.T, in PriceInputs, ticks int64) bool {
	t.Helper()
	ok, err := LiquidatableAt(in, ticks)
	if err != nil {
		t.Fatalf("LiquidatableAt(%d): %v", ticks, err)
	}
	return ok
}

// TestLiquidatableAtIsTheAccountPredicate checks LiquidatableAt against the
// Account the engine would build at that mark: the position's value and
// notional at the mark (lots × price × Num/Den), Fractions, AddPosition.
func TestLiquidatableAtIsTheAccountPredicate(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := rapid.SampledFrom([]lpMarket{lpBTC, lpETH, lpSOL}).Draw(t, "market")
		qty := rapid.Int64Range(-1_000_000, 1_000_000).Filter(func(v int64) bool { return v != 0 }).Draw(t, "qty")
		oe := rapid.Int64Range(-usdc(100_000_000), usdc(100_000_000)).Draw(t, "otherEquity")
		om := rapid.Int64Range(0, usdc(1_000_000)).Draw(t, "otherMaint")
		ticks := rapid.Int64Range(1, 100_000_000).Draw(t, "ticks")
		in := PriceInputs{Qty: qty, OtherEquity: oe, OtherMaint: om, NotionalNum: m.num, NotionalDen: m.den,
			TickSize: m.tick, Maintenance: SqrtRequirement(m.mmf, usdcDecimals)}
		got, err := LiquidatableAt(in, ticks)
		if err != nil {
			t.Fatal(err)
		}
		price := ticks * m.tick
		value, err := fixed.Wide(qty, price).MulInt64(m.num)
		if err != nil {
			t.Fatal(err)
		}
		v, err := value.Div(m.den, fixed.Floor)
		if err != nil {
			t.Fatal(err)
		}
		notional := max(v, -v)
		_, mmf, err := Fractions(btcIMF, m.mmf, notional, usdcDecimals, 0)
		if err != nil {
			t.Fatal(err)
		}
		a := Account{NetEquity: oe, Maintenance: om}
		if err := a.AddEquity(v); err != nil {
			t.Fatal(err)
		}
		if err := a.AddPosition(v, btcIMF.Base, mmf); err != nil {
			t.Fatal(err)
		}
		if got != a.Liquidatable() {
			t.Fatalf("LiquidatableAt = %v, Account.Liquidatable = %v (%+v)", got, a.Liquidatable(), a)
		}
	})
}

// lpBudget bounds the notional the property tests reach, 10 million USDC,
// so the long's predicate stays monotone (MMF well below 2/3 for every
// built-in function, even where the gallop overshoots; see liqprice.go).
const lpBudget = 10_000_000_000_000

// lpDraw draws a position of up to 10,000 BTC (1e8 lots) with equity and
// other maintenance within lpBudget, and lpMaxTick, the highest tick at which
// its notional stays within lpBudget.
func lpDraw(t *rapid.T, flat bool) PriceInputs {
	m := rapid.SampledFrom([]lpMarket{lpBTC, lpETH, lpSOL}).Draw(t, "market")
	qty := rapid.Int64Range(1, 100_000_000).Draw(t, "lots")
	if rapid.Bool().Draw(t, "short") {
		qty = -qty
	}
	mmf := m.mmf
	if flat {
		mmf = lpFlat(rapid.Int64Range(0, rate(1, 2)).Draw(t, "mmf"))
	}
	return PriceInputs{
		Qty:         qty,
		OtherEquity: rapid.Int64Range(-lpBudget, lpBudget).Draw(t, "otherEquity"),
		OtherMaint:  rapid.Int64Range(0, lpBudget/10).Draw(t, "otherMaint"),
		NotionalNum: m.num, NotionalDen: m.den, TickSize: m.tick,
		Maintenance: SqrtRequirement(mmf, usdcDecimals),
	}
}

// lpMaxTick is the highest tick at which in's notional is within lpBudget.
func lpMaxTick(in PriceInputs) int64 {
	s, _, _ := newSolver(&in)
	return max(1, min(lpBudget/s.c, s.max))
}

// TestLiquidationPriceIsTheTriggerBoundary: at the result the trigger's
// predicate holds one tick toward danger, holds at the result only when the
// equation is exact, and fails one tick toward safety; without a result the
// predicate is the same at both ends of the range.
func TestLiquidationPriceIsTheTriggerBoundary(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		in := lpDraw(t, rapid.Bool().Draw(t, "flat"))
		s, _, err := newSolver(&in)
		if err != nil {
			t.Fatal(err)
		}
		liq, ok, err := LiquidationPrice(in)
		if err != nil {
			t.Fatal(err)
		}
		dir := int64(1)
		if in.Qty < 0 {
			dir = -1
		}
		if !ok {
			// No boundary in range: safe at every tick, or liquidatable at
			// every tick (for a long, up to the budget: the gallop would have
			// met a safe tick below it).
			g1, _ := s.marginCmp(1)
			if in.Qty < 0 {
				if gm, _ := s.marginCmp(s.max); gm <= 0 && g1 >= 0 {
					t.Fatalf("short safe at 1 (%d), liquidatable at %d, yet no price", g1, s.max)
				}
			} else if g1 <= 0 {
				if gt, _ := s.marginCmp(lpMaxTick(in)); gt > 0 {
					t.Fatalf("long liquidatable at 1 (%d), safe at %d, yet no price", g1, lpMaxTick(in))
				}
			}
			return
		}
		g, err := s.marginCmp(liq)
		if err != nil {
			t.Fatal(err)
		}
		if g < 0 {
			t.Fatalf("strictly liquidatable at the result %d", liq)
		}
		if d := liq - dir; d >= 1 && d <= s.max {
			if gd, _ := s.marginCmp(d); gd >= 0 && !(gd == 0 && g == 0) {
				t.Fatalf("not liquidatable one tick toward danger (%d: %d)", d, gd)
			}
		}
		if sf := liq + dir; sf >= 1 && sf <= s.max {
			if gs, _ := s.marginCmp(sf); gs <= 0 {
				t.Fatalf("liquidatable one tick toward safety (%d: %d)", sf, gs)
			}
		}
	})
}

// TestLiquidatableIsMonotone: a long is liquidatable below its price and not
// above; a short the reverse (liqprice.go's argument), for any two ticks.
func TestLiquidatableIsMonotone(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		in := lpDraw(t, rapid.Bool().Draw(t, "flat"))
		top := lpMaxTick(in)
		a := rapid.Int64Range(1, top).Draw(t, "a")
		b := rapid.Int64Range(a, top).Draw(t, "b")
		la, err := LiquidatableAt(in, a)
		if err != nil {
			t.Fatal(err)
		}
		lb, err := LiquidatableAt(in, b)
		if err != nil {
			t.Fatal(err)
		}
		if in.Qty > 0 && lb && !la {
			t.Fatalf("long liquidatable at %d but not at %d below it", b, a)
		}
		if in.Qty < 0 && la && !lb {
			t.Fatalf("short liquidatable at %d but not at %d above it", a, b)
		}
	})
}

// TestLiquidationPriceFlatOracle: with a flat fraction r the trigger is
// OE + q·u·T − OM ≥ ⌈c·T·r⌉ (integers), i.e. T ≥ (OM − OE)/(c·(1 − r)) for a
// long and T ≤ (OE − OM)/(c·(1 + r)) for a short: the result is that bound
// rounded up (long) or down (short), computed here in math/big.
func TestLiquidationPriceFlatOracle(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		in := lpDraw(t, true)
		r := rapid.Int64Range(0, rate(1, 2)).Draw(t, "r")
		in.Maintenance = SqrtRequirement(lpFlat(r), usdcDecimals)
		s, _, err := newSolver(&in)
		if err != nil {
			t.Fatal(err)
		}
		liq, ok, err := LiquidationPrice(in)
		if err != nil {
			t.Fatal(err)
		}
		// g(T) = ⌊slack(T)⌋ with slack the exact margin surplus; the
		// predicate is g ≤ 0, i.e. slack < 1, and the result the first tick
		// with slack ≥ 0.
		scale := big.NewInt(fixed.RateScale)
		c := big.NewInt(s.c)
		oeMinusOM := new(big.Int).Sub(bi(in.OtherEquity), bi(in.OtherMaint))
		var want *big.Int
		var wantOK bool
		if in.Qty > 0 {
			// slack·1e12 = (OE − OM)·1e12 + c·T·(1e12 − r)
			den := mul(c, bi(fixed.RateScale-r))
			want = ceilRat(new(big.Rat).SetFrac(mul(new(big.Int).Neg(oeMinusOM), scale), den))
			slack1 := new(big.Int).Add(mul(oeMinusOM, scale), den)
			wantOK = slack1.Cmp(scale) < 0 && want.Cmp(bi(s.max)) <= 0
		} else {
			// slack·1e12 = (OE − OM)·1e12 − c·T·(1e12 + r)
			den := mul(c, bi(fixed.RateScale+r))
			want = floorRat(new(big.Rat).SetFrac(mul(oeMinusOM, scale), den))
			slackMax := new(big.Int).Sub(mul(oeMinusOM, scale), mul(den, bi(s.max)))
			wantOK = slackMax.Cmp(scale) < 0 && want.Cmp(bi(1)) >= 0 && want.Cmp(bi(s.max)) <= 0
		}
		if ok != wantOK || (ok && want.Cmp(bi(liq)) != 0) {
			t.Fatalf("LiquidationPrice = %d, %v; oracle %s, %v", liq, ok, want, wantOK)
		}
	})
}

// TestBankruptcyClosedFormMatchesBisection: the closed form and the
// bisection LiquidationPrice runs, with no maintenance, agree everywhere,
// including at the edges of the range.
func TestBankruptcyClosedFormMatchesBisection(t *testing.T) {
	check := func(t interface{ Fatalf(string, ...any) }, in PriceInputs) {
		s, has, err := newSolver(&in)
		closed, ok, cerr := BankruptcyPrice(in)
		if err != nil || !has {
			if cerr == nil && ok {
				t.Fatalf("closed form answered %d for invalid inputs (%v)", closed, err)
			}
			return
		}
		var search int64
		var sok bool
		var serr error
		if s.long {
			search, sok, serr = s.solveLong(false)
		} else {
			search, sok, serr = s.solveShort(false)
		}
		if cerr != nil || serr != nil || closed != search || ok != sok {
			t.Fatalf("%+v: closed form %d, %v, %v; bisection %d, %v, %v", in, closed, ok, cerr, search, sok, serr)
		}
		if ok {
			dir := int64(1)
			if in.Qty < 0 {
				dir = -1
			}
			if s.equity(closed) < 0 {
				t.Fatalf("negative equity %d at the bankruptcy price %d", s.equity(closed), closed)
			}
			if d := closed - dir; d >= 1 && d <= s.max && s.equity(d) >= 0 && s.equity(closed) > 0 {
				t.Fatalf("equity %d ≥ 0 one tick toward danger of %d", s.equity(d), closed)
			}
		}
	}
	rapid.Check(t, func(t *rapid.T) {
		in := lpDraw(t, true)
		if rapid.Bool().Draw(t, "wide") {
			in.OtherEquity = rapid.Int64().Draw(t, "anyEquity")
			in.Qty = rapid.Int64Range(-1<<40, 1<<40).Draw(t, "anyQty")
		}
		check(t, in)
	})
	// Edges: equity at the int64 bounds, one lot, tick value 1.
	for _, oe := range []int64{math.MinInt64, math.MinInt64 + 1, -1, 0, 1, math.MaxInt64 - 1, math.MaxInt64} {
		for _, q := range []int64{-3, -1, 1, 3} {
			check(t, PriceInputs{Qty: q, OtherEquity: oe, NotionalNum: 1, NotionalDen: 1, TickSize: 1})
		}
	}
}

// TestBankruptcyBeyondLiquidation: the bankruptcy price lies on the danger
// side of the liquidation price: at or below it for a long, at or above it
// for a short.
func TestBankruptcyBeyondLiquidation(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		in := lpDraw(t, rapid.Bool().Draw(t, "flat"))
		liq, lok, err := LiquidationPrice(in)
		if err != nil {
			t.Fatal(err)
		}
		bank, bok, err := BankruptcyPrice(in)
		if err != nil {
			t.Fatal(err)
		}
		if !lok || !bok {
			return
		}
		if in.Qty > 0 && bank > liq {
			t.Fatalf("long: bankruptcy %d above liquidation %d", bank, liq)
		}
		if in.Qty < 0 && bank < liq {
			t.Fatalf("short: bankruptcy %d below liquidation %d", bank, liq)
		}
	})
}

func TestPriceInputErrors(t *testing.T) {
	good := lpBTC.inputs(1, 100_000, 10_000, 0, btcMMF)
	boom := errors.New("boom")
	cases := []struct {
		name string
		edit func(*PriceInputs)
		want error
	}{
		{"zero tick", func(in *PriceInputs) { in.TickSize = 0 }, ErrPriceInputs},
		{"zero denominator", func(in *PriceInputs) { in.NotionalDen = 0 }, ErrPriceInputs},
		{"negative other maintenance", func(in *PriceInputs) { in.OtherMaint = -1 }, ErrPriceInputs},
		{"a lot at a tick is 0.1 unit", func(in *PriceInputs) { in.NotionalDen = 100_000_000 }, ErrTickValue},
		{"one tick of the position overflows", func(in *PriceInputs) { in.Qty = math.MaxInt64 / 5 }, fixed.ErrOverflow},
		{"the requirement function fails", func(in *PriceInputs) {
			in.Maintenance = func(int64) (int64, error) { return 0, boom }
		}, boom},
		{"the requirement function is negative", func(in *PriceInputs) {
			in.Maintenance = func(int64) (int64, error) { return -1, nil }
		}, ErrNegativeRequirement},
		{"unknown margin kind", func(in *PriceInputs) {
			in.Maintenance = SqrtRequirement(config.MarginFunction{Kind: 99}, usdcDecimals)
		}, ErrUnknownKind},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := good
			tc.edit(&in)
			if _, _, err := LiquidationPrice(in); !errors.Is(err, tc.want) {
				t.Fatalf("LiquidationPrice error %v, want %v", err, tc.want)
			}
		})
	}
	// Overflow inside the requirement counts as liquidatable, as the engine
	// counts an account it cannot evaluate: a long whose requirement
	// overflows everywhere has no safe price.
	in := good
	in.Maintenance = func(int64) (int64, error) { return 0, fmt.Errorf("wrapped: %w", fixed.ErrOverflow) }
	if _, ok, err := LiquidationPrice(in); ok || err != nil {
		t.Fatalf("overflowing requirement: ok %v, err %v; want no price, no error", ok, err)
	}
	if _, ok, err := LiquidationPrice(PriceInputs{NotionalNum: 1, NotionalDen: 1, TickSize: 1}); ok || err != nil {
		t.Fatalf("flat position: ok %v, err %v", ok, err)
	}
}

// TestLiquidationPriceAtTheEdges: tick value 1 and equity at the int64
// bounds never wrap and never loop.
func TestLiquidationPriceAtTheEdges(t *testing.T) {
	flat := SqrtRequirement(lpFlat(rate(1, 100)), usdcDecimals)
	for _, oe := range []int64{math.MinInt64, -1, 0, 1, math.MaxInt64} {
		for _, om := range []int64{0, 1, math.MaxInt64} {
			for _, q := range []int64{-2, -1, 1, 2, math.MaxInt64, math.MinInt64 + 1} {
				in := PriceInputs{Qty: q, OtherEquity: oe, OtherMaint: om, NotionalNum: 1, NotionalDen: 1, TickSize: 1, Maintenance: flat}
				liq, ok, err := LiquidationPrice(in)
				if err != nil {
					if !errors.Is(err, fixed.ErrOverflow) {
						t.Errorf("%+v: %v", in, err)
					}
					continue
				}
				if !ok {
					continue
				}
				s, _, _ := newSolver(&in)
				if g, _ := s.marginCmp(liq); g < 0 {
					t.Errorf("%+v: strictly liquidatable at the result %d", in, liq)
				}
			}
		}
	}
}

// The solver runs per position for the API's estLiquidationPrice and
// estBankruptcyPrice: it must not allocate.

var lpSinkTicks int64

func BenchmarkLiquidationPrice(b *testing.B) {
	cases := []struct {
		name string
		in   PriceInputs
	}{
		{"BTC/long-100x-flat", lpBTC.inputs(1, 100_000, 1_000, 0, lpFlat(rate(5, 1000)))},
		{"BTC/long-10x-sqrt", lpBTC.inputs(100, 100_000, 1_000_000, 0, btcMMF)},
		{"ETH/short-sqrt", lpETH.inputs(-1_000, 3_000, 300_000, 0, ethMMF)},
		{"BTC/cross-3x-sqrt", lpBTC.inputs(10, 100_000, 350_000, 20_000, btcMMF)},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				t, _, err := LiquidationPrice(tc.in)
				if err != nil {
					b.Fatal(err)
				}
				lpSinkTicks += t
			}
		})
	}
}

// BenchmarkLiquidationPriceFreshClosure builds the requirement closure on
// every call, as a caller without a per-market cache would.
func BenchmarkLiquidationPriceFreshClosure(b *testing.B) {
	base := lpBTC.inputs(100, 100_000, 1_000_000, 0, btcMMF)
	b.ReportAllocs()
	for b.Loop() {
		in := base
		in.Maintenance = SqrtRequirement(btcMMF, usdcDecimals)
		t, _, err := LiquidationPrice(in)
		if err != nil {
			b.Fatal(err)
		}
		lpSinkTicks += t
	}
}

// BenchmarkLiquidationPriceBrackets: a whole-position table, the closure and
// the breaks built per call on the stack, as the engine would.
func BenchmarkLiquidationPriceBrackets(b *testing.B) {
	_, whole := lpBrackets(b)
	base := lpMarketInputs(whole, 1_000, 100, 3_000, 30_000, 0, false)
	b.ReportAllocs()
	for b.Loop() {
		var buf [config.MaxBrackets]int64
		in := base
		in.Maintenance = MarketRequirement(whole, usdcDecimals)
		in.Breaks = MarketBreaks(whole, buf[:0])
		t, _, err := LiquidationPrice(in)
		if err != nil {
			b.Fatal(err)
		}
		lpSinkTicks += t
	}
}

func BenchmarkBankruptcyPrice(b *testing.B) {
	in := lpBTC.inputs(100, 100_000, 1_000_000, 0, btcMMF)
	b.ReportAllocs()
	for b.Loop() {
		t, _, err := BankruptcyPrice(in)
		if err != nil {
			b.Fatal(err)
		}
		lpSinkTicks += t
	}
}

// lpBrackets loads config/testdata/brackets.yaml: BTC_USDC_PERP with
// formulas.md §2's table under the deduction model, ETH_USDC_PERP the same
// tiers under the whole-position model (caps 150,000 / 900,000 / 3,000,000 /
// 6,000,000 USDC at 0.4% / 0.5% / 1% / 1.5% / 2%).
func lpBrackets(t testing.TB) (deduction, whole *config.Market) {
	t.Helper()
	c, err := config.LoadFile("../config/testdata/brackets.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return &c.Markets[0], &c.Markets[1]
}

// lpMarketInputs is inputs for a configured market: MarketRequirement and,
// when breaks is set, MarketBreaks.
func lpMarketInputs(m *config.Market, lotsPerCoin, coins, entry, margin, otherMaint int64, breaks bool) PriceInputs {
	in := PriceInputs{
		Qty:         coins * lotsPerCoin,
		OtherEquity: usdc(margin) - usdc(coins*entry),
		OtherMaint:  usdc(otherMaint),
		NotionalNum: m.NotionalNum, NotionalDen: m.NotionalDen, TickSize: m.TickSize,
		Maintenance: MarketRequirement(m, usdcDecimals),
	}
	if breaks {
		in.Breaks = MarketBreaks(m, nil)
	}
	return in
}

func TestLiquidationPriceBrackets(t *testing.T) {
	deduction, whole := lpBrackets(t)
	cases := []struct {
		name string
		in   PriceInputs
		want int64
		ok   bool
	}{
		// formulas.md §3, one venue's form with brackets, isolated long:
		// LP = (pos·ep − WB − cum) / (pos·(1 − mmr)), re-solved in the
		// bracket it lands in.
		{"formulas.md §3 deduction: BTC long 5 @ 100,000, WB 50,000, tier 2 (0.5%, cum 150): 449,850/4.975 = 90,422.110…, up",
			lpMarketInputs(deduction, 10_000, 5, 100_000, 50_000, 0, false), 904_222, true},
		{"the same with breaks: the deduction table is continuous, the answer is the same",
			lpMarketInputs(deduction, 10_000, 5, 100_000, 50_000, 0, true), 904_222, true},
		{"formulas.md §3 cross (TMM1 2,000, UPNL1 5,000, WB 60,000): (2,000 + 435,000 − 150)/4.975 = 87,809.045…, up",
			lpMarketInputs(deduction, 10_000, 5, 100_000, 65_000, 2_000, true), 878_091, true},
		{"deduction short 5 @ 100,000, WB 50,000: (550,000 + 150)/(5 × 1.005) = 109,482.587…, down",
			lpMarketInputs(deduction, 10_000, -5, 100_000, 50_000, 0, true), 1_094_825, true},
		{"deduction long in tier 3 (1%, cum 4,650): 50 BTC @ 40,000 (2,000,000), WB 400,000: (1,600,000 − 4,650)/(50 × 0.99) = 32,229.292…, up",
			lpMarketInputs(deduction, 10_000, 50, 40_000, 400_000, 0, true), 322_293, true},
		// Whole-position model: ETH long 50 @ 3,000 with 700.000 margin
		// (equity −149,300 + 50·P). Tier 1 (n ≤ 150,000, 0.4%): liquidatable
		// up to n = 149,300/0.996 = 149,899.60, P = 2,997.99. Tier 2 (0.5%),
		// from P > 3,000: liquidatable again up to n = 149,300/0.995 =
		// 150,050.25, P = 3,001.005. A mark falling from above meets
		// 3,001.005 first: up to 3,001.01.
		{"whole model, a safe window below a cap: the first price a falling mark meets, 3,001.005…, up",
			lpMarketInputs(whole, 1_000, 50, 3_000, 700, 0, true), 300_101, true},
		{"whole model, well inside tier 2: ETH long 100 @ 3,000, WB 30,000: 270,000/(100 × 0.995) = 2,713.567…, up",
			lpMarketInputs(whole, 1_000, 100, 3_000, 30_000, 0, true), 271_357, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok, err := LiquidationPrice(tc.in)
			if err != nil || ok != tc.ok || got != tc.want {
				t.Fatalf("LiquidationPrice = %d, %v, %v; want %d, %v", got, ok, err, tc.want, tc.ok)
			}
		})
	}
}

// TestLiquidationPriceBracketsIsTheTopBoundary: under either bracket model,
// with breaks, a long is liquidatable one tick below the result and at no
// tick above it: A+1 and the bottom tick of every segment above are safe,
// and g only grows inside a segment. A short likewise in reverse, breaks or
// not; and a deduction table gives the same answer with or without breaks.
func TestLiquidationPriceBracketsIsTheTopBoundary(t *testing.T) {
	deduction, whole := lpBrackets(t)
	rapid.Check(t, func(t *rapid.T) {
		m, lotsPerCoin := deduction, int64(10_000)
		if rapid.Bool().Draw(t, "whole") {
			m, lotsPerCoin = whole, 1_000
		}
		in := PriceInputs{
			Qty:         rapid.Int64Range(1, 1_000*lotsPerCoin).Draw(t, "lots"),
			OtherEquity: rapid.Int64Range(-usdc(20_000_000), usdc(5_000_000)).Draw(t, "otherEquity"),
			OtherMaint:  rapid.Int64Range(0, usdc(100_000)).Draw(t, "otherMaint"),
			NotionalNum: m.NotionalNum, NotionalDen: m.NotionalDen, TickSize: m.TickSize,
			Maintenance: MarketRequirement(m, usdcDecimals),
			Breaks:      MarketBreaks(m, nil),
		}
		if rapid.Bool().Draw(t, "short") {
			in.Qty = -in.Qty
		}
		s, _, err := newSolver(&in)
		if err != nil {
			t.Fatal(err)
		}
		got, ok, err := LiquidationPrice(in)
		if err != nil {
			t.Fatal(err)
		}
		if m == deduction {
			plain := in
			plain.Breaks = nil
			if g2, ok2, err := LiquidationPrice(plain); err != nil || g2 != got || ok2 != ok {
				t.Fatalf("deduction: %d, %v with breaks, %d, %v, %v without", got, ok, g2, ok2, err)
			}
		}
		if !ok {
			return
		}
		liq := func(tick int64) bool {
			g, err := s.marginCmp(tick)
			if err != nil {
				t.Fatal(err)
			}
			return g <= 0
		}
		if in.Qty < 0 {
			if got+1 <= s.max && !liq(got+1) || got > 1 && liq(got-1) {
				t.Fatalf("short: not the boundary at %d", got)
			}
			return
		}
		if got > 1 && !liq(got-1) {
			t.Fatalf("long: safe one tick below %d", got)
		}
		if got < s.max && liq(got+1) {
			t.Fatalf("long: liquidatable one tick above %d", got)
		}
		for _, b := range in.Breaks {
			if first := b/s.c + 1; first > got && first <= s.max && liq(first) {
				t.Fatalf("long: liquidatable at %d, above the result %d", first, got)
			}
		}
	})
}

func TestBreaksMustAscend(t *testing.T) {
	in := lpBTC.inputs(1, 100_000, 10_000, 0, btcMMF)
	for _, breaks := range [][]int64{{5, 5}, {7, 3}, {-1}} {
		in.Breaks = breaks
		if _, _, err := LiquidationPrice(in); !errors.Is(err, ErrPriceInputs) {
			t.Errorf("breaks %v: %v, want ErrPriceInputs", breaks, err)
		}
	}
}
