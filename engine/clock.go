package engine

// advanceTime moves engine time to `to` (ms), running every timer due at or
// before it in time order: basis and premium samples, then funding, market
// by market, then lending interest at each engine-hour boundary. The first
// advance only sets the clock and aligns the timers: funding settles on whole
// intervals of engine time, interest on whole engine hours.
func (e *Engine) advanceTime(to int64) *Error {
	switch {
	case to < e.now:
		return errorf(CodeInvalidClientRequest, "engine time cannot go back from %d to %d", e.now, to)
	case e.now != 0 && to-e.now > MaxTimeStep:
		return errorf(CodeInvalidClientRequest, "one time step may not exceed 7 days")
	case to == e.now:
		return nil
	}
	if e.now == 0 {
		e.now = to
		e.startTimers()
		return nil
	}
	for {
		t := e.nextTimer()
		if t > to {
			break
		}
		e.now = t
		e.runTimers(t)
	}
	e.now = to
	return nil
}

func (e *Engine) startTimers() {
	for i := range e.markets {
		m := &e.markets[i]
		f := &m.cfg.Funding
		if f.SampleMs <= 0 || f.IntervalMs <= 0 {
			continue
		}
		m.nextSample = e.now + f.SampleMs
		m.nextFund = (e.now/f.IntervalMs + 1) * f.IntervalMs
	}
	if len(e.pools) > 0 {
		e.nextAccrual = (e.now/msPerHour + 1) * msPerHour // interest: on engine-hour boundaries
	}
	tick := e.cfg.Liquidation.TickMs
	e.nextSweep = e.now + sweepEvery*tick
	if e.nextLiqTick != 0 {
		e.nextLiqTick = e.now + tick
	}
}

// nextTimer returns the earliest time a timer is due (MaxInt64: none).
func (e *Engine) nextTimer() int64 {
	next := int64(1<<63 - 1)
	for i := range e.markets {
		m := &e.markets[i]
		if m.nextSample > 0 {
			next = min(next, m.nextSample)
		}
		if m.nextFund > 0 {
			next = min(next, m.nextFund)
		}
	}
	if e.nextAccrual > 0 {
		next = min(next, e.nextAccrual)
	}
	if e.nextLiqTick > 0 {
		next = min(next, e.nextLiqTick)
	}
	if e.nextSweep > 0 {
		next = min(next, e.nextSweep)
	}
	return next
}

// runTimers runs what is due at t: for each market, the sample, then
// funding; then the lending pools' hourly interest; then the liquidation tick; then the full liquidation sweep.
func (e *Engine) runTimers(t int64) {
	for i := range e.markets {
		m := &e.markets[i]
		if m.nextSample == t {
			if m.perp() {
				e.sampleBasis(m)
				e.samplePremium(m)
				e.checkTriggers(m)
			}
			m.nextSample += m.cfg.Funding.SampleMs
		}
		if m.nextFund == t {
			if m.perp() && !m.closed {
				e.settleFunding(m)
			}
			m.nextFund += m.cfg.Funding.IntervalMs
		}
	}
	if e.nextAccrual == t {
		e.accrueInterest()
		e.scanBorrowers(0, true) // debts grew
		e.nextAccrual += msPerHour
	}
	if e.nextLiqTick == t {
		e.liquidationTick()
	}
	if e.nextSweep == t {
		e.sweep()
		e.nextSweep += sweepEvery * e.cfg.Liquidation.TickMs
	}
}
