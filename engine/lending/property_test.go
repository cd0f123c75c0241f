package lending

import (
	"errors"
	"math/big"
	"testing"

	"pgregory.net/rapid"

	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// model is a pool with its accounts simulated beside it, as the engine will
// hold them: each account's lend and borrow shares, and every amount that
// crossed the pool's edge.
type model struct {
	p       Pool
	par     Params
	lend    []int64 // lend shares per account
	debt    []int64 // borrow shares per account
	lentIn  int64   // Σ lent
	redeem  int64   // Σ redeemed
	borrow  int64   // Σ borrowed
	repaid  int64   // Σ repaid
	collect int64   // Σ collected by the house
	// fee mirrors FeeAccrued: Σ (charged − credited), less what Collect took from it.
	fee *big.Int
	// wrote: this step wrote a debt off (the lend index may fall).
	wrote bool
}

func bigOf(x fixed.Int128) *big.Int {
	v := big.NewInt(x.Hi)
	v.Lsh(v, 64)
	return v.Add(v, new(big.Int).SetUint64(x.Lo))
}

// TestPoolConservation (rapid): random lends, redemptions, borrows, repays,
// hourly accruals and collections over several accounts, under random curves
// and starting indices. After every step:
//   - the pool's exact identity holds (Check), and its share totals are the
//     accounts' sums;
//   - indices never decrease; FeeAccrued is exactly Σ(charged − credited)
//     less what Collect took;
//   - pool cash = Σ lent − Σ redeemed − Σ borrowed + Σ repaid − Σ collected;
//   - per account, in smallest units: cash + Σ debts (Ceil) − Σ claims
//     (Floor) equals the house's share (FeeAccrued + Residue)/1e12 plus less
//     than one unit per open position, never less (exactly, with none open);
//   - each hour raises the borrow index by ⌈index × rate/8760⌉ and credits
//     lenders (1 − fee) of the interest charged, less rounding below one
//     sub-unit per share;
//   - a refused operation changes nothing.
//
// At the end every borrower repays and every lender redeems in full; the pool
// is then left holding exactly the house's share: Cash × 1e12 = FeeAccrued +
// Residue, so what borrowers paid in interest equals what lenders received
// plus the house's share, to the smallest unit.
func TestPoolConservation(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		opt := rapid.Int64Range(1, one-2).Draw(t, "optimal")
		par := Params{
			Curve: Curve{
				Base:           rapid.Int64Range(0, one).Draw(t, "base"),
				SlopeBelow:     rapid.Int64Range(0, 2*one).Draw(t, "slopeBelow"),
				Optimal:        opt,
				SlopeAbove:     rapid.Int64Range(0, 2*one).Draw(t, "slopeAbove"),
				MaxUtilization: rapid.Int64Range(opt+1, one).Draw(t, "max"),
			},
			Fee:      rapid.Int64Range(0, one).Draw(t, "fee"),
			Throttle: rapid.Int64Range(1, one).Draw(t, "throttle"),
		}
		n := rapid.IntRange(1, 6).Draw(t, "accounts")
		m := &model{
			p:    Pool{LendIndex: rapid.Int64Range(IndexScale, 3*IndexScale).Draw(t, "lendIndex"), BorrowIndex: rapid.Int64Range(IndexScale, 3*IndexScale).Draw(t, "borrowIndex")},
			par:  par,
			lend: make([]int64, n),
			debt: make([]int64, n),
			fee:  new(big.Int),
		}
		amount := func(label string) int64 {
			if rapid.Bool().Draw(t, label+"Small") {
				return rapid.Int64Range(1, 1_000).Draw(t, label)
			}
			return rapid.Int64Range(1, 100_000_000_000).Draw(t, label)
		}
		steps := rapid.IntRange(1, 80).Draw(t, "steps")
		for range steps {
			i := rapid.IntRange(0, n-1).Draw(t, "account")
			before := m.p
			var err error
			m.wrote = false
			switch op := rapid.IntRange(0, 9).Draw(t, "op"); op {
			case 0, 1: // lend
				a := amount("lend")
				var s int64
				if s, err = m.p.Lend(a); err == nil {
					m.lend[i] += s
					m.lentIn += a
				}
			case 2: // redeem part or all of a claim
				if m.lend[i] == 0 {
					continue
				}
				claim, _ := m.p.Claim(m.lend[i])
				if claim == 0 { // worthless after a write-off
					err = m.p.Forfeit(m.lend[i])
					if err == nil {
						m.lend[i] = 0
					}
					break
				}
				a := rapid.Int64Range(1, claim).Draw(t, "redeem")
				if rapid.Bool().Draw(t, "redeemAll") {
					a = claim
				}
				var s int64
				force := rapid.IntRange(0, 4).Draw(t, "forceRedeem") == 0
				if force {
					s, err = m.p.ForceRedeem(m.lend[i], a)
				} else {
					s, err = m.p.Redeem(par, m.lend[i], a)
				}
				if err == nil {
					if a == claim && s != m.lend[i] {
						t.Fatalf("redeeming the whole claim %d burnt %d of %d shares", claim, s, m.lend[i])
					}
					m.lend[i] -= s
					m.redeem += a
				}
			case 3, 4: // borrow
				a := amount("borrow")
				var s int64
				if rapid.IntRange(0, 4).Draw(t, "forceBorrow") == 0 {
					s, err = m.p.ForceBorrow(a)
				} else {
					s, err = m.p.Borrow(par, a)
				}
				if err == nil {
					m.debt[i] += s
					m.borrow += a
				}
			case 5: // repay part or all of a debt
				if m.debt[i] == 0 {
					continue
				}
				d, _ := m.p.Debt(m.debt[i])
				a := rapid.Int64Range(1, d).Draw(t, "repay")
				if rapid.Bool().Draw(t, "repayAll") {
					a = d
				}
				var s int64
				if s, err = m.p.Repay(m.debt[i], a); err == nil {
					if a == d && s != m.debt[i] {
						t.Fatalf("repaying the whole debt %d burnt %d of %d shares", d, s, m.debt[i])
					}
					m.debt[i] -= s
					m.repaid += a
				}
			case 6, 7: // hours pass
				hours := rapid.Int64Range(1, 24*10).Draw(t, "hours")
				for range hours {
					m.accrue(t)
				}
			case 9: // the borrower defaults: its debt is written off
				if m.debt[i] == 0 {
					continue
				}
				var wiped bool
				if _, wiped, err = m.p.WriteOff(m.debt[i]); err == nil {
					m.debt[i], m.wrote = 0, true
					if wiped {
						clear(m.lend)
						m.fee = bigOf(m.p.FeeAccrued)
					}
				}
			case 8: // the house collects
				h, _ := m.p.HouseAmount()
				if h == 0 {
					continue
				}
				a := rapid.Int64Range(1, h).Draw(t, "collect")
				if err = m.p.Collect(a); err == nil {
					m.collect += a
					take := big.NewInt(a)
					take.Mul(take, big.NewInt(IndexScale))
					if take.Cmp(m.fee) > 0 {
						m.fee.SetInt64(0)
					} else {
						m.fee.Sub(m.fee, take)
					}
				}
			}
			if err != nil {
				if !refusal(err) {
					t.Fatalf("unexpected error: %v", err)
				}
				if m.p != before {
					t.Fatalf("a refusal (%v) changed the pool", err)
				}
			}
			m.check(t, before)
		}
		m.closeAll(t)
	})
}

// refusal reports whether err is one the pool may answer a valid request with
// (an overflow: shares minted far below index 1.0, after a write-off).
func refusal(err error) bool {
	for _, e := range []error{ErrThrottled, ErrMaxUtilization, ErrInsufficientCash, ErrDust, fixed.ErrOverflow} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// accrue runs one hour and checks it against its definition.
func (m *model) accrue(t *rapid.T) {
	before := m.p
	borrowed, lent, err := before.amounts()
	if err != nil {
		t.Fatal(err)
	}
	rb, err := BorrowRate(m.par.Curve, borrowed, lent)
	if err != nil {
		t.Fatal(err)
	}
	a, err := m.p.AccrueHour(m.par)
	if err != nil {
		t.Fatalf("AccrueHour: %v", err)
	}
	if a.BorrowRate != rb {
		t.Fatalf("rate %d, want %d", a.BorrowRate, rb)
	}
	// BorrowIndex' = ⌈BorrowIndex × (1 + rb/8760)⌉: 0 ≤ BI'·8760e12 − BI·(8760e12 + rb) < 8760e12.
	year := big.NewInt(HoursPerYear * one)
	lhs := new(big.Int).Mul(big.NewInt(m.p.BorrowIndex), year)
	rhs := new(big.Int).Mul(big.NewInt(before.BorrowIndex), new(big.Int).Add(year, big.NewInt(rb)))
	gap := new(big.Int).Sub(lhs, rhs)
	if gap.Sign() < 0 || gap.Cmp(year) >= 0 {
		t.Fatalf("borrow index %d → %d at %d a year: not rounded up by less than one unit", before.BorrowIndex, m.p.BorrowIndex, rb)
	}
	// Credited ≤ (1 − fee) × Charged, by less than Borrowed + Lent sub-units.
	charged, credited := bigOf(a.Charged), bigOf(a.Credited)
	share := new(big.Int).Mul(charged, big.NewInt(one-m.par.Fee))
	cred := new(big.Int).Mul(credited, big.NewInt(one))
	if cred.Cmp(share) > 0 {
		t.Fatalf("lenders credited %v > (1 − fee) × %v", credited, charged)
	}
	if m.p.Lent > 0 {
		slack := new(big.Int).Mul(big.NewInt(before.Borrowed+before.Lent), big.NewInt(one))
		if new(big.Int).Sub(share, cred).Cmp(slack) >= 0 {
			t.Fatalf("lenders credited %v, far below (1 − fee) × %v", credited, charged)
		}
	}
	m.fee.Add(m.fee, new(big.Int).Sub(charged, credited))
}

// check verifies the invariants after a step.
func (m *model) check(t *rapid.T, before Pool) {
	p := &m.p
	if err := p.Check(); err != nil {
		t.Fatal(err)
	}
	var lentShares, debtShares int64
	open := int64(0)
	claims, debts := int64(0), int64(0)
	for i := range m.lend {
		lentShares += m.lend[i]
		debtShares += m.debt[i]
		c, err := p.Claim(m.lend[i])
		if err != nil {
			t.Fatal(err)
		}
		d, err := p.Debt(m.debt[i])
		if err != nil {
			t.Fatal(err)
		}
		claims += c
		debts += d
		if m.lend[i] > 0 {
			open++
		}
		if m.debt[i] > 0 {
			open++
		}
	}
	if lentShares != p.Lent || debtShares != p.Borrowed {
		t.Fatalf("shares: accounts %d/%d, pool %d/%d", lentShares, debtShares, p.Lent, p.Borrowed)
	}
	if (p.LendIndex < before.LendIndex && !m.wrote) || p.BorrowIndex < before.BorrowIndex {
		t.Fatalf("an index decreased: %+v → %+v", before, *p)
	}
	if p.Cash != m.lentIn-m.redeem-m.borrow+m.repaid-m.collect {
		t.Fatalf("cash %d ≠ lent %d − redeemed %d − borrowed %d + repaid %d − collected %d",
			p.Cash, m.lentIn, m.redeem, m.borrow, m.repaid, m.collect)
	}
	if bigOf(p.FeeAccrued).Cmp(m.fee) != 0 {
		t.Fatalf("FeeAccrued %v, want Σ(charged − credited) %v", bigOf(p.FeeAccrued), m.fee)
	}
	// 0 ≤ (cash + Σ debts − Σ claims)·1e12 − house < open·1e12.
	units := new(big.Int).Mul(big.NewInt(p.Cash+debts-claims), big.NewInt(IndexScale))
	gap := units.Sub(units, bigOf(p.House()))
	if gap.Sign() < 0 || (open == 0 && gap.Sign() != 0) || (open > 0 && gap.Cmp(big.NewInt(open*IndexScale)) >= 0) {
		t.Fatalf("cash %d + debts %d − claims %d vs house %v: gap %v sub-units over %d open positions",
			p.Cash, debts, claims, bigOf(p.House()), gap, open)
	}
}

// closeAll repays every debt and redeems every claim, then checks the pool
// holds exactly the house's share.
func (m *model) closeAll(t *rapid.T) {
	for i := range m.debt {
		if m.debt[i] == 0 {
			continue
		}
		d, _ := m.p.Debt(m.debt[i])
		before := m.p
		if s, err := m.p.Repay(m.debt[i], d); err != nil || s != m.debt[i] {
			t.Fatalf("closing debt %d: burnt %d of %d, %v", d, s, m.debt[i], err)
		}
		m.debt[i] = 0
		m.repaid += d
		m.check(t, before)
	}
	for i := range m.lend {
		if m.lend[i] == 0 {
			continue
		}
		c, _ := m.p.Claim(m.lend[i])
		before := m.p
		if c == 0 { // worth less than a unit after a write-off
			if err := m.p.Forfeit(m.lend[i]); err != nil {
				t.Fatalf("forfeiting %d worthless shares: %v", m.lend[i], err)
			}
			m.lend[i] = 0
			m.check(t, before)
			continue
		}
		if s, err := m.p.Redeem(m.par, m.lend[i], c); err != nil || s != m.lend[i] {
			t.Fatalf("closing claim %d: burnt %d of %d, %v", c, s, m.lend[i], err)
		}
		m.lend[i] = 0
		m.redeem += c
		m.check(t, before)
	}
	if m.p.Lent != 0 || m.p.Borrowed != 0 {
		t.Fatalf("closed pool still has shares: %+v", m.p)
	}
	house := bigOf(m.p.House())
	if house.Cmp(new(big.Int).Mul(big.NewInt(m.p.Cash), big.NewInt(IndexScale))) != 0 {
		t.Fatalf("closed pool: cash %d ≠ house %v / 1e12", m.p.Cash, house)
	}
	// Interest: borrowers paid repaid − borrowed, lenders received redeemed −
	// lent, the house holds cash + collected; exactly.
	paid := m.repaid - m.borrow
	received := m.redeem - m.lentIn
	if paid != received+m.p.Cash+m.collect {
		t.Fatalf("interest paid %d ≠ received %d + house %d + collected %d", paid, received, m.p.Cash, m.collect)
	}
}
