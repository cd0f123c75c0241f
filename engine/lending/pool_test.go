package lending

import (
	"errors"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// usdcParams is the default USDC pool: the usdc curve, fee 10%, throttle 95%.
var usdcParams = Params{Curve: usdc, Fee: 10 * percent, Throttle: 95 * percent}

// sub is n sub-units as an Int128.
func sub(n int64) fixed.Int128 { return fixed.From64(n) }

func mustCheck(t *testing.T, p *Pool) {
	t.Helper()
	if err := p.Check(); err != nil {
		t.Fatalf("%v: %+v", err, *p)
	}
}

// TestAccrueHourByHand: one lender of 1 USDC, one borrower of 0.8 USDC (80%:
// the optimum, 10% a year), one hour. Every number by hand:
//
//	ΔB = ⌈1e12 × 0.1 / 8760⌉                 = ⌈11415525.11⌉ = 11415526
//	charged  = 800000 × 11415526             = 9132420800000 sub-units (9.1324208 units)
//	lenders' part per borrow share ⌊ΔB × 0.9⌋ = ⌊10273973.4⌋ = 10273973
//	ΔL = ⌊800000 × 10273973 / 1000000⌋       = ⌊8219178.4⌋ = 8219178
//	credited = 1000000 × 8219178             = 8219178000000
//	fee      = charged − credited            = 913242800000 (≥ 10% of charged)
//	debt  = ⌈800000 × 1.000011415526⌉  = ⌈800009.1324208⌉ = 800010
//	claim = ⌊1000000 × 1.000008219178⌋ = ⌊1000008.219178⌋ = 1000008
func TestAccrueHourByHand(t *testing.T) {
	p := NewPool()
	lent, err := p.Lend(1_000_000)
	if err != nil || lent != 1_000_000 {
		t.Fatalf("Lend: %d, %v", lent, err)
	}
	borrowed, err := p.Borrow(usdcParams, 800_000)
	if err != nil || borrowed != 800_000 {
		t.Fatalf("Borrow: %d, %v", borrowed, err)
	}
	if rb, rl, err := p.Rates(usdcParams); err != nil || rb != 10*percent || rl != 72*percent/10 {
		t.Fatalf("Rates = %d, %d, %v; want 10%%, 7.2%%", rb, rl, err)
	}
	if u, err := p.Utilization(); err != nil || u != 80*percent {
		t.Fatalf("Utilization = %d, %v; want 80%%", u, err)
	}
	a, err := p.AccrueHour(usdcParams)
	if err != nil {
		t.Fatal(err)
	}
	wantA := Accrual{BorrowRate: 10 * percent, Charged: sub(9_132_420_800_000), Credited: sub(8_219_178_000_000)}
	if a != wantA {
		t.Errorf("Accrual = %+v, want %+v", a, wantA)
	}
	want := Pool{
		Cash: 200_000, Lent: 1_000_000, Borrowed: 800_000,
		LendIndex: 1_000_008_219_178, BorrowIndex: 1_000_011_415_526,
		FeeAccrued: sub(913_242_800_000),
	}
	if diff := cmp.Diff(want, p); diff != "" {
		t.Errorf("pool (-want +got):\n%s", diff)
	}
	mustCheck(t, &p)
	if d, _ := p.Debt(800_000); d != 800_010 {
		t.Errorf("debt %d, want 800010", d)
	}
	if c, _ := p.Claim(1_000_000); c != 1_000_008 {
		t.Errorf("claim %d, want 1000008", c)
	}
	// Closing both: the borrower repays 800010, the lender redeems 1000008;
	// the pool keeps 2 units: the 0.9132428 fee plus the 0.8675792 of
	// rounding (debt rounded up, claim down), exactly.
	if burnt, err := p.Repay(800_000, 800_010); err != nil || burnt != 800_000 {
		t.Fatalf("Repay all: %d, %v", burnt, err)
	}
	if burnt, err := p.Redeem(usdcParams, 1_000_000, 1_000_008); err != nil || burnt != 1_000_000 {
		t.Fatalf("Redeem all: %d, %v", burnt, err)
	}
	mustCheck(t, &p)
	if p.Cash != 2 || p.Lent != 0 || p.Borrowed != 0 || p.House() != fixed.Wide(2, IndexScale) {
		t.Errorf("after closing: %+v, want cash 2 = the house's share", p)
	}
	if p.FeeAccrued != sub(913_242_800_000) {
		t.Errorf("fee %v: closing positions does not change the fee", p.FeeAccrued)
	}
}

// TestConversions: the share conversions at indices 1.5 (borrow) and 1.05
// (lend), by hand.
func TestConversions(t *testing.T) {
	const bi, li = 1_500_000_000_000, 1_050_000_000_000
	cases := []struct {
		name string
		f    func(a, index int64) (int64, error)
		a    int64
		idx  int64
		want int64
	}{
		{"Debt of 7 shares: ⌈10.5⌉", Debt, 7, bi, 11},
		{"Debt at index 1: exact", Debt, 7, IndexScale, 7},
		{"Claim of 952380 shares: ⌊999999.0⌋", Claim, 952_380, li, 999_999},
		{"Claim of 10 shares: ⌊10.5⌋", Claim, 10, li, 10},
		{"LendShares of 1000000: ⌊952380.95⌋", LendShares, 1_000_000, li, 952_380},
		{"RedeemShares of 10: ⌈9.52⌉", RedeemShares, 10, li, 10},
		{"RedeemShares of a whole claim: all the shares", RedeemShares, 999_999, li, 952_380},
		{"BorrowShares of 10: ⌈6.67⌉", BorrowShares, 10, bi, 7},
		{"RepayShares of 11: ⌊7.33⌋ (the whole debt of 7 shares)", RepayShares, 11, bi, 7},
		{"RepayShares of 1: ⌊0.67⌋, less than one share", RepayShares, 1, bi, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.f(tc.a, tc.idx)
			if err != nil || got != tc.want {
				t.Errorf("got %d, %v; want %d", got, err, tc.want)
			}
		})
	}
	if _, err := Debt(math.MaxInt64, bi); !errors.Is(err, fixed.ErrOverflow) {
		t.Errorf("Debt overflow: %v", err)
	}
}

// TestResidueByHand: conversions at indices 1.5 / 1.05 book their rounding
// into Residue, and closing everything leaves exactly that in cash.
func TestResidueByHand(t *testing.T) {
	p := Pool{LendIndex: 1_050_000_000_000, BorrowIndex: 1_500_000_000_000}
	mustCheck(t, &p)
	steps := []struct {
		name    string
		op      func() (int64, error)
		shares  int64
		residue int64 // sub-units, cumulative
		cash    int64
	}{
		// 1000000·1e12 − 952380·1.05e12 = 1e12: the lender's first unit.
		{"lend 1000000: 952380 shares, claim 999999", func() (int64, error) { return p.Lend(1_000_000) }, 952_380, 1_000_000_000_000, 1_000_000},
		// 7·1.5e12 − 10·1e12 = 0.5e12.
		{"borrow 10: 7 shares, debt 11", func() (int64, error) { return p.Borrow(usdcParams, 10) }, 7, 1_500_000_000_000, 999_990},
		// 11·1e12 − 7·1.5e12 = 0.5e12.
		{"repay the whole debt 11: 7 shares", func() (int64, error) { return p.Repay(7, 11) }, 7, 2_000_000_000_000, 1_000_001},
		// 952380·1.05e12 − 999999·1e12 = 0.
		{"redeem the whole claim 999999: 952380 shares", func() (int64, error) { return p.Redeem(usdcParams, 952_380, 999_999) }, 952_380, 2_000_000_000_000, 2},
	}
	for _, s := range steps {
		got, err := s.op()
		if err != nil || got != s.shares {
			t.Fatalf("%s: %d, %v; want %d shares", s.name, got, err, s.shares)
		}
		if p.Residue != sub(s.residue) || p.Cash != s.cash {
			t.Fatalf("%s: residue %v, cash %d; want %d, %d", s.name, p.Residue, p.Cash, s.residue, s.cash)
		}
		mustCheck(t, &p)
	}
	if p.Lent != 0 || p.Borrowed != 0 || p.Cash*IndexScale != s2i(p.House()) {
		t.Errorf("closed pool %+v: cash must equal the house's share", p)
	}
	if err := p.Collect(2); err != nil || p.Cash != 0 || p.House().Sign() != 0 {
		t.Errorf("Collect(2): %v, %+v", err, p)
	}
}

func s2i(x fixed.Int128) int64 {
	v, err := x.Int64()
	if err != nil {
		panic(err)
	}
	return v
}

// TestLimits: the throttle, the maximum utilization, and every refusal;
// each refusal leaves the pool unchanged.
func TestLimits(t *testing.T) {
	fresh := func(lend, borrow int64) Pool {
		p := NewPool()
		if _, err := p.Lend(lend); err != nil {
			t.Fatal(err)
		}
		if borrow > 0 {
			if _, err := p.ForceBorrow(borrow); err != nil {
				t.Fatal(err)
			}
		}
		return p
	}
	grown := Pool{LendIndex: 1_500_000_000_000, BorrowIndex: 1_500_000_000_000}
	cases := []struct {
		name string
		p    Pool
		op   func(p *Pool) (int64, error)
		want error
	}{
		{"borrowing to 95.1% > max 95%", fresh(1000, 0), func(p *Pool) (int64, error) { return p.Borrow(usdcParams, 951) }, ErrMaxUtilization},
		{"borrowing to exactly 95% is allowed", fresh(1000, 0), func(p *Pool) (int64, error) { return p.Borrow(usdcParams, 950) }, nil},
		{"at 95% the pool is throttled: no borrow", fresh(1000, 950), func(p *Pool) (int64, error) { return p.Borrow(usdcParams, 1) }, ErrThrottled},
		{"at 95% the pool is throttled: no redemption", fresh(1000, 950), func(p *Pool) (int64, error) { return p.Redeem(usdcParams, 1000, 1) }, ErrThrottled},
		{"throttled: a liquidation still redeems", fresh(1000, 950), func(p *Pool) (int64, error) { return p.ForceRedeem(1000, 50) }, nil},
		{"throttled: a liquidation is limited by cash", fresh(1000, 950), func(p *Pool) (int64, error) { return p.ForceRedeem(1000, 51) }, ErrInsufficientCash},
		{"throttled: repaying is allowed", fresh(1000, 950), func(p *Pool) (int64, error) { return p.Repay(950, 100) }, nil},
		{"throttled: lending is allowed", fresh(1000, 950), func(p *Pool) (int64, error) { return p.Lend(100) }, nil},
		{"at 94.9% not throttled", fresh(1000, 949), func(p *Pool) (int64, error) { return p.Borrow(usdcParams, 1) }, nil},
		{"redeeming to 500/526 = 95.06% > max", fresh(1000, 500), func(p *Pool) (int64, error) { return p.Redeem(usdcParams, 1000, 474) }, ErrMaxUtilization},
		{"redeeming to 500/527 = 94.88% is allowed", fresh(1000, 500), func(p *Pool) (int64, error) { return p.Redeem(usdcParams, 1000, 473) }, nil},
		{"redeeming more than the claim", fresh(1000, 0), func(p *Pool) (int64, error) { return p.Redeem(usdcParams, 10, 11) }, ErrExceedsPosition},
		{"redeeming shares the pool does not have", fresh(1000, 0), func(p *Pool) (int64, error) { return p.Redeem(usdcParams, 1001, 1) }, ErrAmount},
		{"redeeming nothing", fresh(1000, 0), func(p *Pool) (int64, error) { return p.Redeem(usdcParams, 1000, 0) }, ErrAmount},
		{"borrowing more than the cash", fresh(1000, 0), func(p *Pool) (int64, error) { return p.ForceBorrow(1001) }, ErrInsufficientCash},
		{"borrowing a negative amount", fresh(1000, 0), func(p *Pool) (int64, error) { return p.Borrow(usdcParams, -1) }, ErrAmount},
		{"repaying more than the debt", fresh(1000, 10), func(p *Pool) (int64, error) { return p.Repay(10, 11) }, ErrExceedsPosition},
		{"repaying shares the pool does not have", fresh(1000, 10), func(p *Pool) (int64, error) { return p.Repay(11, 1) }, ErrAmount},
		{"lending nothing", fresh(1000, 0), func(p *Pool) (int64, error) { return p.Lend(0) }, ErrAmount},
		{"lending less than a share (index 1.5)", grown, func(p *Pool) (int64, error) { return p.Lend(1) }, ErrDust},
		{"lending more than an int64 of cash", fresh(1000, 0), func(p *Pool) (int64, error) { return p.Lend(math.MaxInt64) }, fixed.ErrOverflow},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.p
			before := p
			_, err := tc.op(&p)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if err != nil && p != before {
				t.Errorf("a refusal changed the pool: %+v → %+v", before, p)
			}
			mustCheck(t, &p)
		})
	}
	// A partial repay worth less than one share burns none: refused.
	p := Pool{LendIndex: 1_500_000_000_000, BorrowIndex: 1_500_000_000_000}
	if _, err := p.Lend(300); err != nil {
		t.Fatal(err)
	}
	held, err := p.ForceBorrow(30) // 20 shares, debt 30
	if err != nil || held != 20 {
		t.Fatal(held, err)
	}
	if _, err := p.Repay(held, 1); !errors.Is(err, ErrDust) {
		t.Errorf("repay 1 at index 1.5: %v, want ErrDust", err)
	}
	full, empty := fresh(1000, 950), NewPool()
	if th, err := full.Throttled(usdcParams); !th || err != nil {
		t.Errorf("Throttled at 95%%: %v, %v", th, err)
	}
	if th, _ := empty.Throttled(usdcParams); th {
		t.Error("an empty pool is throttled")
	}
}

// TestAccrueEdges: no lender, fee 0 and 1, several hours at once, and an
// index at the end of its range.
func TestAccrueEdges(t *testing.T) {
	// The house's share lent out, every lender gone: the interest is all the
	// house's.
	noLender := Pool{Borrowed: 10, LendIndex: IndexScale, BorrowIndex: IndexScale, Residue: fixed.Wide(10, IndexScale)}
	mustCheck(t, &noLender)
	a, err := noLender.AccrueHour(usdcParams)
	if err != nil || a.Credited.Sign() != 0 || noLender.LendIndex != IndexScale || noLender.FeeAccrued != a.Charged {
		t.Errorf("no lender: %+v, %v; pool %+v", a, err, noLender)
	}
	if a.BorrowRate != 110*percent {
		t.Errorf("no lender: utilization counts as 1, rate %d, want 110%%", a.BorrowRate)
	}
	mustCheck(t, &noLender)

	base := NewPool()
	if _, err := base.Lend(1_000_000_000); err != nil {
		t.Fatal(err)
	}
	if _, err := base.Borrow(usdcParams, 500_000_000); err != nil {
		t.Fatal(err)
	}
	for _, fee := range []int64{0, one} {
		p := base
		par := usdcParams
		par.Fee = fee
		a, err := p.AccrueHour(par)
		if err != nil {
			t.Fatal(err)
		}
		gap := a.Charged.Sub(a.Credited)
		switch fee {
		case 0: // lenders get all but the last rounding: less than one sub-unit per borrow share
			if gap.Sign() < 0 || gap.Cmp(fixed.From64(p.Lent)) >= 0 {
				t.Errorf("fee 0: charged − credited = %v", gap)
			}
		case one:
			if a.Credited.Sign() != 0 || p.LendIndex != IndexScale {
				t.Errorf("fee 1: lenders credited %v", a.Credited)
			}
		}
		mustCheck(t, &p)
	}

	// Accrue(n) is n AccrueHour steps; Accrue(0) changes nothing.
	stepwise, whole := base, base
	for range 48 {
		if _, err := stepwise.AccrueHour(usdcParams); err != nil {
			t.Fatal(err)
		}
	}
	if err := whole.Accrue(usdcParams, 48); err != nil || whole != stepwise {
		t.Errorf("Accrue(48) ≠ 48 × AccrueHour: %v\n%+v\n%+v", err, whole, stepwise)
	}
	zero := base
	if err := zero.Accrue(usdcParams, 0); err != nil || zero != base {
		t.Errorf("Accrue(0) changed the pool")
	}
	if err := zero.Accrue(usdcParams, -1); !errors.Is(err, ErrAmount) {
		t.Errorf("Accrue(-1): %v", err)
	}

	// An index about to leave the int64 range: refused, pool unchanged.
	end := Pool{BorrowIndex: math.MaxInt64 - 1, LendIndex: IndexScale}
	before := end
	if _, err := end.AccrueHour(Params{Curve: Curve{Base: one, Optimal: one / 2, MaxUtilization: one}, Throttle: one}); !errors.Is(err, fixed.ErrOverflow) || end != before {
		t.Errorf("index overflow: %v, %+v", err, end)
	}
	if err := end.Accrue(usdcParams, 10); err != nil {
		// base 0, nothing borrowed: the rate is 0 and the index stays
		t.Errorf("a zero rate at the end of the range: %v", err)
	}
}

// TestCheck: Check names broken pools.
func TestCheck(t *testing.T) {
	good := NewPool()
	if _, err := good.Lend(100); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		mutate func(p *Pool)
	}{
		{"cash out of step with the shares", func(p *Pool) { p.Cash++ }},
		{"an index below 1", func(p *Pool) { p.LendIndex = IndexScale - 1 }},
		{"negative shares", func(p *Pool) { p.Borrowed = -1 }},
		{"a negative residue", func(p *Pool) { p.Residue = fixed.From64(-1); p.FeeAccrued = fixed.From64(1) }},
		{"the zero value (indices 0)", func(p *Pool) { *p = Pool{} }},
	}
	for _, tc := range cases {
		p := good
		tc.mutate(&p)
		if err := p.Check(); !errors.Is(err, ErrBroken) {
			t.Errorf("%s: Check = %v, want ErrBroken", tc.name, err)
		}
	}
	if err := good.Check(); err != nil {
		t.Error(err)
	}
}

// TestCollect: the house's share leaves the pool from FeeAccrued first.
func TestCollect(t *testing.T) {
	// 5 units and 7 sub-units of house share, but only 5 units of cash.
	p := Pool{Cash: 5, LendIndex: IndexScale, BorrowIndex: IndexScale,
		FeeAccrued: fixed.Wide(3, IndexScale), Residue: fixed.Wide(2, IndexScale).Add(fixed.From64(7))}
	if err := p.Check(); err == nil {
		t.Fatal("a fraction of a unit in the house without cash behind it passed Check")
	}
	p.Residue = fixed.Wide(2, IndexScale)
	mustCheck(t, &p)
	if err := p.Collect(6); !errors.Is(err, ErrExceedsPosition) {
		t.Errorf("Collect(6) of 5: %v", err)
	}
	if err := p.Collect(4); err != nil || p.FeeAccrued.Sign() != 0 || p.Residue != fixed.Wide(1, IndexScale) || p.Cash != 1 {
		t.Errorf("Collect(4): %v, %+v", err, p)
	}
	mustCheck(t, &p)
	if err := p.Collect(0); !errors.Is(err, ErrAmount) {
		t.Errorf("Collect(0): %v", err)
	}
	lentOut := Pool{Borrowed: 10, LendIndex: IndexScale, BorrowIndex: IndexScale, Residue: fixed.Wide(10, IndexScale)}
	if err := lentOut.Collect(1); !errors.Is(err, ErrInsufficientCash) {
		t.Errorf("Collect with the house's share lent out: %v", err)
	}
}

// TestParamsOf: the configuration's pools convert field by field.
func TestParamsOf(t *testing.T) {
	c := config.Default()
	got := ParamsOf(c.Lending[0])
	if diff := cmp.Diff(usdcParams, got); diff != "" {
		t.Errorf("ParamsOf(default USDC pool) (-want +got):\n%s", diff)
	}
	for _, lp := range c.Lending {
		par := ParamsOf(lp)
		if _, err := par.Curve.Rate(one); err != nil {
			t.Errorf("%d: %v", lp.Asset, err)
		}
	}
}
