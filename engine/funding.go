package engine

import (
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
)

const msPerHour = 3_600_000

// fundingRate computes the rate of the interval that just ended
// (DESIGN.md §5):
//
//	rate = clamp((P̄ + clamp(I − P̄, −c, +c)) × h / period, lower, upper)
//
// with P̄ the mean premium sample, I the interest per period, h the interval
// in hours. Divisions truncate toward zero, so rounding never enlarges a
// payment in either direction.
func fundingRate(premiumSum, premiumN int64, f *config.Funding) int64 {
	var mean int64
	if premiumN > 0 {
		mean = truncDiv(premiumSum, premiumN)
	}
	v := mean + fixed.Clamp(f.Interest-mean, -f.PremiumClamp, f.PremiumClamp)
	scaled, err := fixed.MulDiv(v, f.IntervalMs, f.PeriodHours*msPerHour, truncRounding(v))
	if err != nil {
		return 0
	}
	return fixed.Clamp(scaled, f.Lower, f.Upper)
}

func truncDiv(a, b int64) int64 {
	v, _ := fixed.Div(a, b, truncRounding(a))
	return v
}

// truncRounding rounds toward zero for a value of v's sign.
func truncRounding(v int64) fixed.Rounding {
	if v < 0 {
		return fixed.Ceil
	}
	return fixed.Floor
}

// settleFunding closes the funding interval: computes the rate, then moves
// rate × |qty| × mark from each paying position to the funding account and
// from it to each receiving position. Longs pay when the rate is positive.
// Payments round up and receipts round down, so the funding account keeps
// the (non-negative) residue, visibly, and the payments are exactly
// zero-sum with it. Every amount is computed before any moves: if one
// position is too large to value at the mark, no payment of the interval is
// made in that market, rather than some.
func (e *Engine) settleFunding(m *market) {
	rate := fundingRate(m.premiumSum, m.premiumN, &m.cfg.Funding)
	m.fundRate, m.premiumSum, m.premiumN = rate, 0, 0
	ev := e.emit(EvFundingRate)
	ev.Market, ev.Value = m.id, rate
	if rate == 0 || m.mark == 0 || !e.fundingAmounts(m, rate) {
		return
	}
	for pass := range 2 { // payers first, so the funding account never dips
		for k, h := range m.holders {
			p := &e.accounts[h.account].positions[h.slot]
			if pays := (p.qty > 0) == (rate > 0); pays == (pass == 0) {
				e.payFunding(m, h.account, p, e.payments[k], pays)
			}
		}
	}
	e.scanMarket(m) // payers' equity fell
}

// fundingAmounts fills e.payments with each holder's payment (payers rounded
// up, receivers down); false if any cannot be computed.
func (e *Engine) fundingAmounts(m *market, rate int64) bool {
	e.payments = e.payments[:0]
	for _, h := range m.holders {
		p := &e.accounts[h.account].positions[h.slot]
		r := fixed.Floor
		if (p.qty > 0) == (rate > 0) {
			r = fixed.Ceil
		}
		notional, err := m.valueAt(abs(p.qty), m.mark, r)
		if err != nil {
			return false
		}
		amount, err := fixed.MulDiv(notional, abs(rate), fixed.RateScale, r)
		if err != nil || amount > MaxAmount {
			return false
		}
		e.payments = append(e.payments, amount)
	}
	return true
}

func (e *Engine) payFunding(m *market, acct AccountID, p *position, amount int64, pays bool) {
	if amount == 0 {
		return
	}
	if pays {
		_ = e.transfer(acct, AccountFunding, e.settle, amount, SourceFundingPayment, m.id)
		p.funding += amount
		if p.isolated { // an isolated position pays from its own margin
			p.margin -= amount
			e.liqTouch(acct)
		}
		e.ensureLocksCovered(acct)
		return
	}
	_ = e.transfer(AccountFunding, acct, e.settle, amount, SourceFundingPayment, m.id)
	p.funding -= amount
	if p.isolated {
		p.margin += amount
		e.liqTouch(acct)
	}
}
