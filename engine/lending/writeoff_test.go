package lending

import (
	"errors"
	"testing"
)

// A borrower of 300 out of 1,000 lent defaults: the lenders' claims fall by
// the debt (rounded up), the other borrower still owes the same, and the
// pool's identity holds.
//
//	drop = ⌈300 × 1e12 / 1000⌉ = 3e11: LendIndex 1e12 → 7e11
//	claims 1000 → ⌊1000 × 0.7⌋ = 700; cash 500 + other debt 200 = 700
func TestWriteOffByHand(t *testing.T) {
	p := NewPool()
	lent, err := p.Lend(1_000)
	if err != nil {
		t.Fatal(err)
	}
	a, err := p.Borrow(usdcParams, 300)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Borrow(usdcParams, 200); err != nil {
		t.Fatal(err)
	}
	debt, wiped, err := p.WriteOff(a)
	if err != nil {
		t.Fatal(err)
	}
	mustCheck(t, &p)
	if debt != 300 || wiped || p.LendIndex != 700_000_000_000 {
		t.Fatalf("wrote off %d (wiped %v) at lend index %d, want 300 at 7e11", debt, wiped, p.LendIndex)
	}
	if claim, _ := p.Claim(lent); claim != 700 {
		t.Fatalf("claim %d after the write-off, want 700", claim)
	}
	if owed, _ := p.BorrowedAmount(); owed != 200 {
		t.Fatalf("the other borrower owes %d, want 200", owed)
	}
}

// With rounding: 3 lend shares absorb 1 unit of debt: the index falls by
// ⌈1e12/3⌉ and the extra 2 sub-units go to Residue.
func TestWriteOffRoundsAgainstLenders(t *testing.T) {
	p := NewPool()
	if _, err := p.Lend(3); err != nil {
		t.Fatal(err)
	}
	b, err := p.Borrow(Params{Curve: usdc, Throttle: 2 * one}, 1)
	if err != nil {
		t.Fatal(err)
	}
	before := p.Residue
	if _, wiped, err := p.WriteOff(b); err != nil || wiped || p.LendIndex != IndexScale-333_333_333_334 {
		t.Fatalf("index %d, wiped %v, err %v", p.LendIndex, wiped, err)
	}
	mustCheck(t, &p)
	if p.Residue.Cmp(before.Add(sub(2))) != 0 {
		t.Fatalf("residue %v, want %v + 2", p.Residue, before)
	}
}

// At 100% utilization the only borrower defaults on everything the lenders
// are owed: their claims are wiped, the pool starts afresh (no lend share,
// index 1.0) and a new lender is not diluted by the old shares.
func TestWriteOffWipesTheLenders(t *testing.T) {
	p := NewPool()
	lent, _ := p.Lend(1_000)
	b, err := p.Borrow(usdcParams, 100)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.ForceRedeem(lent, 900); err != nil {
		t.Fatal(err)
	}
	debt, wiped, err := p.WriteOff(b)
	if err != nil || !wiped || debt != 100 {
		t.Fatalf("debt %d, wiped %v, err %v", debt, wiped, err)
	}
	mustCheck(t, &p)
	if p.Lent != 0 || p.Borrowed != 0 || p.LendIndex != IndexScale || p.Cash != 0 {
		t.Fatalf("pool after the wipe: %+v", p)
	}
	shares, err := p.Lend(500)
	if err != nil || shares != 500 {
		t.Fatalf("a new lend minted %d shares (%v), want 500", shares, err)
	}
	mustCheck(t, &p)
	if _, _, err := p.WriteOff(1); !errors.Is(err, ErrAmount) {
		t.Fatalf("write-off with no borrower: %v", err)
	}
}
