package sequencer

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
)

// Errors with exact meanings.
var (
	// ErrClosed: the sequencer was shut down cleanly (Err after Close, and
	// every request sent after Close).
	ErrClosed = errors.New("sequencer: closed")
	// ErrConfigMismatch: Options.Config differs from the configuration the
	// journal was started with.
	ErrConfigMismatch = errors.New("sequencer: configuration differs from the journal's genesis record")
	// ErrCorrupt: the journal or a snapshot does not replay: a record that
	// does not decode, a command the engine refuses, a sequence gap.
	ErrCorrupt = errors.New("sequencer: journal does not replay")
	// ErrWallClock: AdvanceClock on a sequencer whose clock is the wall clock.
	ErrWallClock = errors.New("sequencer: the clock follows the wall clock; advancing it needs the manual clock")
	// ErrKeyBound: CreateAccount with an API key already bound to an account.
	ErrKeyBound = errors.New("sequencer: API key already bound to an account")
)

// Sequencer owns an engine and its journal. Its methods are safe for
// concurrent use.
type Sequencer struct {
	opts       Options
	store      Store
	log        Log
	eng        *engine.Engine
	cfg        *config.Config
	cfgYAML    []byte
	clockStart int64 // the genesis record's (0: begun with the wall clock)
	// manualStart is where the manual clock starts while engine time was
	// never set: clockStart, or this start's wall time for a journal begun
	// with the wall clock.
	manualStart int64
	keys        *keyTable

	reqs chan *request
	mu   sync.RWMutex // guards closed against sends (read) and Close (write)
	// closed: Close was called; no request may be sent.
	closed  bool
	quit    chan struct{}
	abandon atomic.Bool // tests: exit like a killed process
	done    chan struct{}
	err     error // set before done is closed

	stats  counters
	snapWG sync.WaitGroup

	// Owned by the loop.
	subs       []*Subscription
	journalSeq uint64 // last record appended
	lastSnap   uint64 // journal sequence of the last snapshot attempt
	snapping   atomic.Bool
	buf        []byte
	evPerReq   int // events per request in the last batch (runBatch's estimate)
	evLast     int // events of the last batch (caps the estimate)
}

// Open opens the journal in opts.Store, recovers the engine (latest snapshot,
// then replay of the later records) or, on an empty journal, writes the
// genesis record, and starts the loop. Recovery journals nothing else.
func Open(opts Options) (*Sequencer, error) {
	opts.fill()
	if opts.Store == nil {
		return nil, errors.New("sequencer: Options.Store is required")
	}
	q := &Sequencer{
		opts:  opts,
		store: opts.Store,
		keys:  newKeyTable(),
		reqs:  make(chan *request, opts.Queue),
		quit:  make(chan struct{}),
		done:  make(chan struct{}),
		buf:   make([]byte, 0, 256),
	}
	log, err := opts.Store.Open()
	if err != nil {
		return nil, fmt.Errorf("sequencer: open journal: %w", err)
	}
	q.log = log
	if log.LastSeq() == 0 {
		err = q.genesis()
	} else {
		err = q.recover()
	}
	if err != nil {
		_ = log.Close()
		return nil, err
	}
	q.manualStart = q.clockStart
	if q.manualStart == 0 && q.eng.Now() == 0 {
		q.manualStart = q.wallMs()
	}
	q.journalSeq = log.LastSeq()
	q.lastSnap = q.journalSeq
	q.keys.publish()
	q.stats.seq.Store(q.eng.Seq())
	q.stats.journalSeq.Store(q.journalSeq)
	go q.loop()
	return q, nil
}

// Submit applies one command on the engine goroutine. If the engine accepts
// it, the command is journaled and Submit returns its events (a slice the
// caller may keep but must not modify) once the batch holding it is durable.
// A refusal returns the engine's *engine.Error and journals nothing.
// CmdAdvanceTime is refused: time belongs to the sequencer (AdvanceClock).
// If ctx ends first, Submit returns ctx.Err() and the command may or may not
// have been applied.
func (q *Sequencer) Submit(ctx context.Context, c *engine.Command) ([]engine.Event, error) {
	r := &request{kind: reqSubmit, ctx: ctx, cmd: *c}
	if err := q.do(ctx, r); err != nil {
		return nil, err
	}
	return r.events, r.err
}

// Read runs fn on the goroutine that owns the engine, between commands, and
// returns once fn has run and every command applied before it is durable.
// fn must not keep e, change it, or block.
func (q *Sequencer) Read(ctx context.Context, fn func(e *engine.Engine)) error {
	r := &request{kind: reqRead, ctx: ctx, fn: fn}
	if err := q.do(ctx, r); err != nil {
		return err
	}
	return r.err
}

// CreateAccount journals a create-account command together with the binding
// of an ED25519 public key (32 bytes) to the new account, and returns the
// account id once both are durable. A key already bound is refused with
// ErrKeyBound. label is for the operator's log only: it is not journaled.
func (q *Sequencer) CreateAccount(ctx context.Context, label string, apiKey []byte) (engine.AccountID, error) {
	if len(apiKey) != 32 {
		return 0, &engine.Error{Code: engine.CodeInvalidClientRequest, Message: fmt.Sprintf("an API key is a 32-byte ED25519 public key, not %d bytes", len(apiKey))}
	}
	r := &request{kind: reqCreate, ctx: ctx, label: label, key: [32]byte(apiKey)}
	if err := q.do(ctx, r); err != nil {
		return 0, err
	}
	return r.account, r.err
}

// AccountByKey returns the account an API public key is bound to; only
// durable bindings are visible. Safe from any goroutine.
func (q *Sequencer) AccountByKey(apiKey []byte) (engine.AccountID, bool) {
	return q.keys.lookup(apiKey)
}

// AdvanceClock moves engine time forward by ms (1..engine.MaxTimeStep),
// running every timer due on the way, and returns the events once durable.
// Only the manual clock advances this way (ErrWallClock otherwise).
func (q *Sequencer) AdvanceClock(ctx context.Context, ms int64) ([]engine.Event, error) {
	if q.opts.Clock != ClockManual {
		return nil, ErrWallClock
	}
	if ms <= 0 || ms > engine.MaxTimeStep {
		return nil, &engine.Error{Code: engine.CodeInvalidClientRequest, Message: fmt.Sprintf("advanceMs must be within 1..%d (7 days), not %d", engine.MaxTimeStep, ms)}
	}
	r := &request{kind: reqClock, ctx: ctx, advance: ms}
	if err := q.do(ctx, r); err != nil {
		return nil, err
	}
	return r.events, r.err
}

// Subscribe registers a subscriber between two batches: it receives every
// batch published after Subscription.From. The subscriber must read C until
// it is closed, or call Close: a lossless subscriber that stops reading
// stops the sequencer with it.
func (q *Sequencer) Subscribe(ctx context.Context, o SubscribeOptions) (*Subscription, error) {
	if o.Buffer <= 0 {
		o.Buffer = 256
	}
	ch := make(chan Batch, o.Buffer)
	s := &Subscription{C: ch, ch: ch, lossless: o.Lossless, quit: make(chan struct{})}
	r := &request{kind: reqSubscribe, ctx: ctx, sub: s}
	err := q.do(ctx, r)
	if err == nil {
		err = r.err
	}
	if err != nil {
		s.Close() // in case the loop registered it after ctx ended
		return nil, err
	}
	return s, nil
}

// Config returns the configuration the engine runs (the genesis record's).
func (q *Sequencer) Config() *config.Config { return q.cfg }

// Clock returns the clock mode.
func (q *Sequencer) Clock() ClockMode { return q.opts.Clock }

// ClockStart returns where the manual clock starts: the wall time (ms) of
// the journal's first start, recorded in its genesis record (for a journal
// begun with the wall clock and never advanced: the wall time of this
// start). Once engine time is set, the manual clock continues from it.
func (q *Sequencer) ClockStart() int64 { return q.manualStart }

// Done is closed when the sequencer has stopped: after Close, or after a
// fatal journal error.
func (q *Sequencer) Done() <-chan struct{} { return q.done }

// Err returns nil while the sequencer runs, ErrClosed after a clean Close,
// and the fatal error that stopped it otherwise.
func (q *Sequencer) Err() error {
	select {
	case <-q.done:
		return q.err
	default:
		return nil
	}
}

// Close stops accepting requests, runs every request already queued, syncs
// and closes the journal, waits for a snapshot being written, and ends the
// subscriptions. It returns the error that stopped the sequencer, if any
// other than a clean close.
func (q *Sequencer) Close() error {
	q.mu.Lock()
	first := !q.closed
	q.closed = true
	q.mu.Unlock()
	if first {
		close(q.quit)
	}
	<-q.done
	if errors.Is(q.err, ErrClosed) {
		return nil
	}
	return q.err
}

// do sends r to the loop and waits for its answer.
func (q *Sequencer) do(ctx context.Context, r *request) error {
	r.done = make(chan struct{})
	q.mu.RLock()
	if q.closed {
		q.mu.RUnlock()
		return ErrClosed
	}
	select {
	case q.reqs <- r:
	case <-ctx.Done():
		q.mu.RUnlock()
		return ctx.Err()
	case <-q.done:
		q.mu.RUnlock()
		return q.err
	}
	q.mu.RUnlock()
	select {
	case <-r.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-q.done:
		select {
		case <-r.done:
			return nil
		default:
			return q.err
		}
	}
}
