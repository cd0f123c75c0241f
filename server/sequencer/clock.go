package sequencer

import "github.com/waterfallrisk/waterfall/engine"

// wallMs reads the wall clock in ms.
func (q *Sequencer) wallMs() int64 { return q.opts.Now().UnixMilli() }

// clockTarget is the engine time a batch should run at: the wall clock, or
// in manual mode the clock start until time was first set (afterwards the
// manual clock is engine time itself). Never behind engine time.
func (q *Sequencer) clockTarget() int64 {
	to := q.manualStart
	if q.opts.Clock == ClockWall {
		to = q.wallMs()
	}
	return max(to, q.eng.Now())
}

// catchUp brings engine time to clockTarget before a mutating batch, in
// steps of at most engine.MaxTimeStep (a wall-clock server may have been
// down longer than that). Only a journal failure is returned.
func (q *Sequencer) catchUp(evs *[]engine.Event) error {
	to := q.clockTarget()
	for q.eng.Now() < to {
		step := to
		if now := q.eng.Now(); now != 0 && to-now > engine.MaxTimeStep {
			step = now + engine.MaxTimeStep
		}
		c := engine.Command{Kind: engine.CmdAdvanceTime, Amount: step}
		refused, fatal := q.applyJournal(&c, evs)
		if fatal != nil {
			return fatal
		}
		if refused != nil { // cannot happen: to ≥ now and steps are bounded
			q.opts.Logger.Error("clock advance refused", "to", step, "err", refused)
			return nil
		}
	}
	return nil
}

// timersDue reports whether the wall-clock ticker should advance time now:
// a timer is due and the engine is Live (see the package doc).
func (q *Sequencer) timersDue() bool {
	return q.eng.Now() != 0 && q.eng.NextTimer() <= q.wallMs() && q.eng.Live()
}
