package sequencer

import (
	"context"
	"fmt"
	"time"

	"github.com/waterfallrisk/waterfall/engine"
)

type reqKind uint8

const (
	reqSubmit reqKind = iota
	reqRead
	reqCreate
	reqClock
	reqSubscribe
	reqBatch // SubmitBatch (batch.go)
)

// request is one call waiting for the loop. The loop fills the results and
// closes done once the batch holding it is durable.
type request struct {
	kind    reqKind
	ctx     context.Context
	cmd     engine.Command
	fn      func(*engine.Engine)
	label   string
	key     [32]byte
	advance int64
	sub     *Subscription
	multi   *multi // reqBatch

	from, to int // the request's events in the batch's event slice
	events   []engine.Event
	account  engine.AccountID
	err      error
	done     chan struct{}
}

// errFatal marks errors that stop the sequencer.
type errFatal struct{ err error }

func (e *errFatal) Error() string { return e.err.Error() }
func (e *errFatal) Unwrap() error { return e.err }

func (q *Sequencer) loop() {
	var tick <-chan time.Time
	if q.opts.Clock == ClockWall {
		t := time.NewTicker(q.opts.Tick)
		defer t.Stop()
		tick = t.C
	}
	batch := make([]*request, 0, q.opts.MaxBatch)
	for {
		select {
		case r := <-q.reqs:
			batch = q.drain(append(batch[:0], r))
			if err := q.runBatch(batch, false); err != nil {
				q.stop(err)
				return
			}
		case <-tick:
			if q.timersDue() {
				if err := q.runBatch(nil, true); err != nil {
					q.stop(err)
					return
				}
			}
		case <-q.quit:
			if q.abandon.Load() {
				q.err = ErrClosed
				close(q.done)
				return
			}
			for {
				batch = q.drain(batch[:0])
				if len(batch) == 0 {
					break
				}
				if err := q.runBatch(batch, false); err != nil {
					q.stop(err)
					return
				}
			}
			q.stop(nil)
			return
		}
	}
}

// drain appends what is queued, up to MaxBatch requests.
func (q *Sequencer) drain(batch []*request) []*request {
	for len(batch) < q.opts.MaxBatch {
		select {
		case r := <-q.reqs:
			batch = append(batch, r)
		default:
			return batch
		}
	}
	return batch
}

// stop ends the loop: err nil is a clean shutdown (the journal is closed,
// which syncs it), otherwise the fatal error is logged and reported.
func (q *Sequencer) stop(err error) {
	if err == nil {
		if cerr := q.log.Close(); cerr != nil {
			err = fmt.Errorf("sequencer: close journal: %w", cerr)
		}
	} else {
		q.opts.Logger.Error("sequencer stopped: the journal failed and memory is ahead of disk; restart to recover from the journal", "err", err)
		_ = q.log.Close()
	}
	q.snapWG.Wait()
	if err == nil {
		err = ErrClosed
	}
	q.endSubscriptions(err)
	q.err = err
	close(q.done)
}

// runBatch runs one batch: clock, requests, one Sync, answers, publication,
// snapshot. reqs may be empty for a ticker batch (tick true). A non-nil
// result is fatal: every request of the batch has been answered with it.
func (q *Sequencer) runBatch(reqs []*request, tick bool) error {
	startSeq := q.eng.Seq()
	// Sized from the last batch's events per request, at most its events:
	// growing the events of thousands of commands by doubling copied them
	// several times over.
	evs := make([]engine.Event, 0, min(len(reqs)*q.evPerReq, q.evLast)*5/4+8)
	fail := func(err error) error {
		for _, r := range reqs {
			r.events, r.err = nil, err
			close(r.done)
		}
		return err
	}
	mutating := tick
	for _, r := range reqs {
		switch {
		case r.ctx.Err() != nil:
			r.err = r.ctx.Err()
		case r.kind == reqSubscribe:
			r.sub.From = startSeq
			q.subs = append(q.subs, r.sub)
		case r.kind != reqRead:
			mutating = true
		}
	}
	if mutating {
		if err := q.catchUp(&evs); err != nil {
			return fail(err)
		}
	}
	for _, r := range reqs {
		if r.err != nil || r.kind == reqSubscribe {
			continue
		}
		r.from = len(evs)
		var fatal error
		switch r.kind {
		case reqSubmit:
			if r.cmd.Kind == engine.CmdAdvanceTime {
				r.err = errTimeIsOurs()
				q.counted(r.cmd.Kind, false)
				break
			}
			r.err, fatal = q.applyJournal(&r.cmd, &evs)
		case reqRead:
			r.err = runRead(r.fn, q.eng)
		case reqCreate:
			r.account, r.err, fatal = q.createAccount(r, &evs)
		case reqClock:
			c := engine.Command{Kind: engine.CmdAdvanceTime, Amount: q.eng.Now() + r.advance}
			r.err, fatal = q.applyJournal(&c, &evs)
		case reqBatch:
			fatal = q.applyMulti(r, &evs)
		}
		if fatal != nil {
			return fail(fatal)
		}
		r.to = len(evs)
	}
	if last := q.log.LastSeq(); last != q.journalSeq {
		t0 := time.Now()
		if err := q.log.Sync(); err != nil {
			return fail(&errFatal{fmt.Errorf("sequencer: journal sync: %w", err)})
		}
		q.stats.synced(time.Since(t0), last-q.journalSeq)
		q.journalSeq = last
	}
	// Durable: answer, then publish.
	q.keys.publish()
	q.stats.batch(len(reqs))
	q.stats.seq.Store(q.eng.Seq())
	q.stats.journalSeq.Store(q.journalSeq)
	for _, r := range reqs {
		if r.err == nil && r.to > r.from {
			r.events = evs[r.from:r.to:r.to]
		}
		if r.err == nil && r.multi != nil {
			r.finishMulti(evs)
		}
		close(r.done)
	}
	if len(reqs) > 0 {
		q.evPerReq, q.evLast = (len(evs)+len(reqs)-1)/len(reqs), len(evs)
	}
	if len(evs) > 0 {
		q.publish(Batch{Events: evs, Seq: q.eng.Seq(), JournalSeq: q.journalSeq, Time: q.eng.Now()})
	}
	q.stats.subscribers.Store(int64(len(q.subs)))
	q.maybeSnapshot()
	return nil
}

// applyJournal applies c and, if the engine accepts it, journals it and
// appends its events to evs. refused is the engine's refusal; fatal a
// journal failure after the engine changed.
func (q *Sequencer) applyJournal(c *engine.Command, evs *[]engine.Event) (refused, fatal error) {
	if err := engine.CheckEncodable(c); err != nil {
		q.counted(c.Kind, false)
		return &engine.Error{Code: engine.CodeInvalidClientRequest, Message: err.Error()}, nil
	}
	out, err := q.eng.Apply(c)
	if err != nil {
		q.counted(c.Kind, false)
		return err, nil
	}
	q.buf = appendCommandRecord(q.buf[:0], c)
	if _, err := q.log.Append(q.buf); err != nil {
		return nil, &errFatal{fmt.Errorf("sequencer: journal append: %w", err)}
	}
	q.counted(c.Kind, true)
	*evs = append(*evs, out...)
	return nil, nil
}

func (q *Sequencer) createAccount(r *request, evs *[]engine.Event) (engine.AccountID, error, error) {
	if id, ok := q.keys.pending[r.key]; ok {
		return 0, fmt.Errorf("%w (account %d)", ErrKeyBound, id), nil
	}
	c := engine.Command{Kind: engine.CmdCreateAccount}
	if refused, fatal := q.applyJournal(&c, evs); refused != nil || fatal != nil {
		return 0, refused, fatal
	}
	id := engine.AccountID(q.eng.Accounts() - 1) //nolint:gosec // accounts < 2^32
	q.buf = appendKeyBinding(q.buf[:0], id, &r.key)
	if _, err := q.log.Append(q.buf); err != nil {
		return 0, nil, &errFatal{fmt.Errorf("sequencer: journal append: %w", err)}
	}
	q.keys.bind(id, r.key)
	q.opts.Logger.Info("account created", "account", id, "label", r.label)
	return id, nil, nil
}

// runRead runs a Read's fn, turning a panic into an error: fn only reads, so
// the engine is intact.
func runRead(fn func(*engine.Engine), e *engine.Engine) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("sequencer: read panicked: %v", p)
		}
	}()
	fn(e)
	return nil
}
