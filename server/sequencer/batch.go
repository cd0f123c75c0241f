package sequencer

import (
	"context"

	"github.com/waterfallrisk/waterfall/engine"
)

// Result is one command's outcome in SubmitBatch: the events of an accepted
// command (a slice the caller may keep but must not modify), or Err, the
// engine's refusal (*engine.Error), which journaled nothing.
type Result struct {
	Events []engine.Event
	Err    error
}

// SubmitBatch applies cmds in order, one after the other with nothing in
// between, on the engine goroutine. The accepted ones are journaled in the
// same journal batch, so the call costs at most one fsync (shared with any
// other request of that batch); a refused one journals nothing and does not
// stop the ones after it. It returns one Result per command, in order, once
// the batch is durable. The error is not a refusal but a failure of the call
// (ctx ended: the commands may or may not have been applied; ErrClosed; a
// journal failure): then no Result is returned. CmdAdvanceTime is refused as
// Submit refuses it. cmds is not kept.
func (q *Sequencer) SubmitBatch(ctx context.Context, cmds []engine.Command) ([]Result, error) {
	if len(cmds) == 0 {
		return []Result{}, nil
	}
	r := &request{kind: reqBatch, ctx: ctx, multi: &multi{cmds: append([]engine.Command(nil), cmds...)}}
	if err := q.do(ctx, r); err != nil {
		return nil, err
	}
	if r.err != nil {
		return nil, r.err
	}
	return r.multi.results, nil
}

// multi is a SubmitBatch request's commands and, filled by the loop, their
// results; spans locate each command's events in the batch's event slice.
type multi struct {
	cmds    []engine.Command
	results []Result
	spans   [][2]int
}

// applyMulti applies a SubmitBatch request's commands (loop only). A
// non-nil result is a journal failure (fatal).
func (q *Sequencer) applyMulti(r *request, evs *[]engine.Event) error {
	m := r.multi
	m.results = make([]Result, len(m.cmds))
	m.spans = make([][2]int, len(m.cmds))
	for i := range m.cmds {
		from := len(*evs)
		c := &m.cmds[i]
		if c.Kind == engine.CmdAdvanceTime {
			m.results[i].Err = errTimeIsOurs()
			q.counted(c.Kind, false)
			continue
		}
		refused, fatal := q.applyJournal(c, evs)
		if fatal != nil {
			return fatal
		}
		m.results[i].Err = refused
		m.spans[i] = [2]int{from, len(*evs)}
	}
	return nil
}

// finishMulti hands each accepted command its events once the batch is
// durable (loop only).
func (r *request) finishMulti(evs []engine.Event) {
	m := r.multi
	for i, s := range m.spans {
		if m.results[i].Err == nil && s[1] > s[0] {
			m.results[i].Events = evs[s[0]:s[1]:s[1]]
		}
	}
}

// errTimeIsOurs is the refusal of a client's CmdAdvanceTime.
func errTimeIsOurs() error {
	return &engine.Error{Code: engine.CodeInvalidClientRequest, Message: "engine time is the sequencer's: use the operator clock"}
}
