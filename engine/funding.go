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
// zero-sum with it.
func (e *Engine) settleFunding(m *market) {
	rate := fundingRate(m.premiumSum, m.premiumN, &m.cfg.Funding)
	m.fundRate, m.premiumSum, m.premiumN = rate, 0, 0
	ev := e.emit(EvFundingRate)
	ev.Market, ev.Value = m.id, rate
	if rate == 0 || m.mark == 0 {
		return
	}
	for pass := range 2 { // payers first, so the funding account never dips
		for _, h := range m.holders {
			p := &e.accounts[h.account].positions[h.slot]
			pays := (p.qty > 0) == (rate > 0)
			if pays != (pass == 0) {
				continue
			}
			e.payFunding(m, h.account, p, rate, pays)
		}
	}
}

func (e *Engine) payFunding(m *market, acct AccountID, p *position, rate int64, pays bool) {
	r := fixed.Floor
	if pays {
		r = fixed.Ceil
	}
	notional, err := m.valueAt(abs(p.qty), m.mark, r)
	if err != nil {
		return
	}
	amount, err := fixed.MulDiv(notional, abs(rate), fixed.RateScale, r)
	if err != nil || amount == 0 {
		return
	}
	if pays {
		_ = e.transfer(acct, AccountFunding, e.settle, amount, SourceFundingPayment, m.id)
		p.funding += amount
		return
	}
	_ = e.transfer(AccountFunding, acct, e.settle, amount, SourceFundingPayment, m.id)
	p.funding -= amount
}
