package run

import (
	"fmt"
	"strconv"

	"github.com/waterfallrisk/waterfall/engine/fixed"
	"github.com/waterfallrisk/waterfall/sim/report"
)

// reportRun is the run as sim/report takes it: the metric rows (the same
// keys, in the same order, for every policy) and the charts.
func (s *sim) reportRun() report.Run {
	return report.Run{Policy: s.policy.String(), Metrics: s.metrics(), Charts: s.reportCharts()}
}

// metrics are the comparison rows; docs/scenarios.md "Metrics" defines each.
func (s *sim) metrics() []report.Metric {
	c := &s.col
	usd := s.cfg.SettlementAsset
	money := func(v int64) string { return fixed.FormatDecimal(v, s.sc.SettleDecimals) }
	count := func(n int) string { return strconv.Itoa(n) }
	total := int64(0)
	for _, v := range c.stage {
		total += v
	}
	rows := []report.Metric{
		{Key: "traders_opened", Label: "Traders whose position opened", Value: count(s.opened)},
		{Key: "stop_losses_fired", Label: "Stop-loss orders executed", Value: count(c.stopsFired)},
		{Key: "accounts_liquidated", Label: "Accounts liquidated", Value: count(c.liquidatedCount)},
		{Key: "liquidated_notional", Label: "Liquidated notional, all stages (" + usd + ")", Value: money(total)},
	}
	keys := [stages]string{"book", "backstop", "insurance_fund", "adl"}
	labels := [stages]string{"on the book", "by backstop providers", "on an insurance fund payout", "by ADL"}
	for st := range stages {
		rows = append(rows,
			report.Metric{Key: "liquidated_" + keys[st], Label: "  closed " + labels[st] + " (" + usd + ")", Value: money(c.stage[st])},
			report.Metric{Key: "liquidated_" + keys[st] + "_pct", Label: "  closed " + labels[st] + " (% of all)", Value: percent(c.stage[st], total)})
	}
	rows = append(rows,
		report.Metric{Key: "backstop_taken", Label: "Taken over by backstop providers, payout or not (" + usd + ")", Value: money(c.backstopTaken)},
		report.Metric{Key: "bad_debt", Label: "Bad debt: deficits of liquidated accounts (" + usd + ")", Value: money(c.badDebt)},
		report.Metric{Key: "bad_debt_insurance_fund", Label: "  paid by the insurance fund (" + usd + ")", Value: money(c.insurancePaid)},
		report.Metric{Key: "bad_debt_adl", Label: "  loss ADL covered (" + usd + ")", Value: money(c.adlLoss)},
		report.Metric{Key: "insurance_fund_min", Label: "Insurance fund minimum (" + usd + ")", Value: money(c.fundMin)},
		report.Metric{Key: "insurance_fund_end", Label: "Insurance fund at the end (" + usd + ")", Value: money(c.fund)},
		report.Metric{Key: "adl_notional", Label: "ADL notional, counterparties, at mark (" + usd + ")", Value: money(c.adlNotional)},
		report.Metric{Key: "adl_remainder_notional", Label: "Bankrupt remainders ADL absorbed, at mark (" + usd + ")", Value: money(c.adlBankrupt)},
		report.Metric{Key: "over_deleveraging", Label: "Over-deleveraging (ADL ÷ remainders; ideal 1)", Value: ratio(c.adlNotional, c.adlBankrupt)},
		report.Metric{Key: "adl_accounts", Label: "Accounts ADL'd", Value: count(c.adlAccounts)},
		report.Metric{Key: "adl_accounts_low_leverage", Label: fmt.Sprintf("  of which traders opened at ≤ %gx", s.sc.Traders.LowLeverage), Value: count(c.adlLow)},
		report.Metric{Key: "adl_accounts_hedged", Label: "  of which hedged traders", Value: count(c.adlHedged)},
		report.Metric{Key: "adl_accounts_makers_backstops", Label: "  of which market makers, backstop providers or flow takers", Value: count(c.adlAgents)},
		report.Metric{Key: "liquidation_slippage_bps", Label: "Mean slippage of book liquidation fills vs mark (bps)", Value: mean(c.slipSum, c.slipW)},
		report.Metric{Key: "liquidation_impact_bps_mean", Label: "Price impact of liquidations, mean (bps)", Value: mean(c.impactSum, c.impactW)},
		report.Metric{Key: "liquidation_impact_bps_max", Label: "Price impact of liquidations, max (bps)", Value: strconv.FormatFloat(c.impactMax, 'f', 2, 64)},
		report.Metric{Key: "liquidated_would_survive", Label: "Liquidated traders who would have survived the wick", Value: count(s.survivors())},
	)
	return rows
}

// percent is v/total as a percentage with two decimals, rounded down.
func percent(v, total int64) string {
	if total == 0 {
		return "0.00%"
	}
	bp, err := fixed.MulDiv(v, 10_000, total, fixed.Floor)
	if err != nil {
		return "n/a"
	}
	return fmt.Sprintf("%d.%02d%%", bp/100, bp%100)
}

// ratio is a/b with four decimals; "n/a" when b is 0.
func ratio(a, b int64) string {
	if b == 0 {
		return "n/a"
	}
	r, err := fixed.MulDiv(a, 10_000, b, fixed.Floor)
	if err != nil {
		return "n/a"
	}
	return fmt.Sprintf("%d.%04d", r/10_000, r%10_000)
}

func mean(sum, w float64) string {
	if w == 0 {
		return "0.00"
	}
	return strconv.FormatFloat(sum/w, 'f', 2, 64)
}

// survivors counts the liquidated traders that would have survived the
// wick: held as opened to the end, with their collateral after the opening
// fee, their equity at the final mark would exceed the position's
// maintenance margin there (a hedged short's spot is left out: the hedge
// only adds to it).
func (s *sim) survivors() int {
	n := 0
	for i := range s.traders {
		tr := &s.traders[i]
		id := s.col.firstTrader + idOffset(i)
		if !tr.ok || int(id) >= len(s.col.liquidated) || !s.col.liquidated[id] {
			continue
		}
		m := &s.markets[tr.market]
		mark := s.e.Mark(m.id)
		entry := (m.open / m.cfg.TickSize) * m.cfg.TickSize
		pnl := float64(tr.qty) * (m.lotUnits(mark) - m.lotUnits(entry))
		notional := float64(abs(tr.qty)) * m.lotUnits(mark)
		if float64(tr.equity)+pnl > maintenance(m.cfg, notional, s.scale) {
			n++
		}
	}
	return n
}
