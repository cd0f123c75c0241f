package readmodel

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/server/sequencer"
)

// Sequencer is what the read model needs of the goroutine that owns the
// engine (server/sequencer implements it).
type Sequencer interface {
	Subscribe(ctx context.Context, o sequencer.SubscribeOptions) (*sequencer.Subscription, error)
	Read(ctx context.Context, fn func(e *engine.Engine)) error
	Stats() sequencer.Stats
	Config() *config.Config
	Done() <-chan struct{}
}

// Options configure Start.
type Options struct {
	// Path is the database file (<data>/readmodel.db). Required.
	Path string
	// Sequencer is followed. Required.
	Sequencer Sequencer
	// Journal is the sequencer's journal, replayed when the database is
	// behind. Required.
	Journal Journal
	// Logger receives the model's logs (nil: slog.Default()).
	Logger *slog.Logger
	// Buffer is the subscription's capacity in batches (0: 4096).
	Buffer int
	// CatchUpGap: a replay first runs unsubscribed, up to what is durable
	// when it starts; then, when it is behind a new subscription's start by
	// at most this many commands, it finishes while subscribed (the
	// sequencer waits if the buffer fills), else it runs unsubscribed
	// again (0: 10,000).
	CatchUpGap uint64
}

// ErrBehind is returned by Sync when the model could not catch up with the
// sequencer in time: it is replaying the journal, or recovering from a
// database failure.
var ErrBehind = errors.New("readmodel: the read model is behind the engine (replaying the journal)")

// ErrStopped is returned by Sync once the model has stopped.
var ErrStopped = errors.New("readmodel: stopped")

// Model is a database that follows a sequencer: it catches up from the
// journal, then applies every batch of a lossless subscription. The DB's
// query methods serve what it has applied; Sync first waits for what the
// sequencer has answered.
type Model struct {
	*DB
	o     Options
	log   *slog.Logger
	syncs chan syncReq
	live  atomic.Pointer[chan struct{}] // closed while following live
	first *sequencer.Subscription       // Start's, for follow's first round
	stop  chan struct{}
	once  sync.Once
	done  chan struct{}
	errMu sync.Mutex
	err   error
}

// Start opens the database and starts following the sequencer in a
// goroutine; it returns at once (an up-to-date database is live within one
// subscription; a behind one replays the journal first). Stop it with Close,
// or by closing the sequencer.
func Start(o Options) (*Model, error) {
	if o.Path == "" || o.Sequencer == nil || o.Journal == nil {
		return nil, errors.New("readmodel: Path, Sequencer and Journal are required")
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Buffer <= 0 {
		o.Buffer = 4096
	}
	if o.CatchUpGap == 0 {
		o.CatchUpGap = 10_000
	}
	var first engine.AccountID
	if err := o.Sequencer.Read(context.Background(), func(e *engine.Engine) { first = e.FirstUser() }); err != nil {
		return nil, fmt.Errorf("readmodel: %w", err)
	}
	db, err := Open(o.Path, o.Sequencer.Config(), first)
	if err != nil {
		return nil, err
	}
	m := &Model{DB: db, o: o, log: o.Logger, syncs: make(chan syncReq), stop: make(chan struct{}), done: make(chan struct{})}
	notLive := make(chan struct{})
	m.live.Store(&notLive)
	if db.Recreated != "" {
		m.log.Info("read model database created", "path", o.Path, "why", db.Recreated)
	}
	// Subscribe now, before the caller lets anything else submit: an
	// up-to-date database then starts live at once, with no replay.
	if m.first, err = o.Sequencer.Subscribe(context.Background(), sequencer.SubscribeOptions{Lossless: true, Buffer: o.Buffer}); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("readmodel: subscribe: %w", err)
	}
	go m.run()
	return m, nil
}

// Done is closed when the model has stopped and closed its database.
func (m *Model) Done() <-chan struct{} { return m.done }

// Err returns the last failure the model recovers from (nil while it
// follows the sequencer).
func (m *Model) Err() error {
	m.errMu.Lock()
	defer m.errMu.Unlock()
	return m.err
}

func (m *Model) setErr(err error) {
	m.errMu.Lock()
	m.err = err
	m.errMu.Unlock()
}

// Close stops the model and closes its database.
func (m *Model) Close() error {
	m.once.Do(func() { close(m.stop) })
	<-m.done
	return nil
}

// run follows the sequencer until it stops or Close; a failure (a replay
// or a database error) is logged and retried with a growing pause, from the
// journal.
func (m *Model) run() {
	defer close(m.done)
	defer func() { _ = m.DB.Close() }()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-m.stop:
		case <-m.o.Sequencer.Done():
		case <-m.done:
		}
		cancel()
	}()
	pause := time.Second
	for {
		err := m.follow(ctx)
		if err == nil || ctx.Err() != nil {
			return
		}
		m.setErr(err)
		m.log.Error("read model failed; it will catch up from the journal", "err", err, "retryIn", pause)
		select {
		case <-time.After(pause):
		case <-ctx.Done():
			return
		}
		pause = min(2*pause, 30*time.Second)
	}
}

// follow catches up and then applies live batches. It returns nil when the
// subscription ends because the sequencer stopped or Close was called.
func (m *Model) follow(ctx context.Context) error {
	var rep *replayer
	for {
		sub, err := m.first, error(nil)
		if m.first != nil {
			m.first = nil
		} else {
			sub, err = m.o.Sequencer.Subscribe(ctx, sequencer.SubscribeOptions{Lossless: true, Buffer: m.o.Buffer})
		}
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, sequencer.ErrClosed) {
				return nil
			}
			return fmt.Errorf("readmodel: subscribe: %w", err)
		}
		have, from := m.Seq(), sub.From
		switch {
		case have > from:
			// Ahead of the journal: built from another journal.
			sub.Close()
			m.log.Warn("read model database is ahead of the journal; rebuilding it", "dbSeq", have, "journalSeq", from)
			if err := m.DB.reset(ctx); err != nil {
				return err
			}
			rep = nil
			continue
		case have < from && (rep == nil || from-rep.seq() > m.o.CatchUpGap):
			// A long replay: unsubscribed, up to what is durable now.
			sub.Close()
			if rep == nil {
				rep = newReplayer(m.o.Journal)
				m.log.Info("read model catching up from the journal", "dbSeq", have, "engineSeq", from)
			}
			t0 := time.Now()
			if err := rep.advance(ctx, m.DB, m.o.Sequencer.Stats().Seq); err != nil {
				return err
			}
			m.log.Info("read model replayed the journal", "seq", m.Seq(), "took", time.Since(t0))
			continue
		case have < from:
			// The last stretch, subscribed: stop exactly at From.
			if err := rep.advance(ctx, m.DB, from); err != nil {
				sub.Close()
				return err
			}
		}
		return m.follow1(sub)
	}
}

// maxJoin bounds the live batches applied in one transaction.
const maxJoin = 64

// syncReq asks the follower to answer once every batch published before a
// barrier on the engine goroutine is applied; now is the engine time at the
// barrier.
type syncReq struct {
	now  int64
	done chan struct{}
}

// follow1 applies the subscription's batches and answers Sync requests.
// Batches are applied with their own context: once subscribed, every batch
// the sequencer published before it stopped is applied.
func (m *Model) follow1(sub *sequencer.Subscription) error {
	defer sub.Close()
	m.setErr(nil)
	live := m.live.Load()
	close(*live)
	defer func() {
		notLive := make(chan struct{})
		m.live.Store(&notLive)
	}()
	type waiter struct {
		left int
		req  syncReq
	}
	var waiters []waiter // left unanswered if this returns: Sync times out
	bg := context.Background()
	var joined []engine.Event
	for {
		select {
		case b, ok := <-sub.C:
			if !ok {
				return m.closing(sub)
			}
			// Batches already waiting are applied with this one, in one
			// transaction.
			n, evs := 1, b.Events
			for ; n < maxJoin && len(sub.C) > 0; n++ {
				if n == 1 {
					joined = append(joined[:0], b.Events...)
				}
				b = <-sub.C // only this goroutine receives: it is there
				joined = append(joined, b.Events...)
				evs = joined
			}
			if err := m.Apply(bg, evs, b.Seq, b.Time); err != nil {
				return err
			}
			kept := waiters[:0]
			for _, w := range waiters {
				if w.left -= n; w.left > 0 {
					kept = append(kept, w)
				} else {
					close(w.req.done)
				}
			}
			waiters = kept
		case req := <-m.syncs:
			// Every batch published before the caller's barrier is
			// applied or waiting in the channel: wait for those.
			if n := len(sub.C); n > 0 {
				waiters = append(waiters, waiter{left: n, req: req})
			} else {
				close(req.done)
			}
		case <-m.stop:
			return nil
		}
	}
}

// closing handles the end of the subscription: after the sequencer's clean
// shutdown every batch it published has been applied, so its final
// sequence is recorded (the commands after the last batch published
// nothing).
func (m *Model) closing(sub *sequencer.Subscription) error {
	if !errors.Is(sub.Err(), sequencer.ErrClosed) {
		return nil
	}
	if final := m.o.Sequencer.Stats().Seq; final > m.Seq() {
		return m.Apply(context.Background(), nil, final, m.Time())
	}
	return nil
}

// Sync waits until every event of every command the sequencer answered
// before the call is applied, and returns the engine time at that point.
// It returns ErrBehind if ctx ends while the model is catching up, ctx's
// error if it ends otherwise, and ErrStopped once the model stopped.
func (m *Model) Sync(ctx context.Context) (now int64, err error) {
	// A barrier on the engine goroutine: when Read returns, every batch
	// that answered a command before this call has been handed to the
	// subscription (its publication precedes the next batch).
	req := syncReq{done: make(chan struct{})}
	if err := m.o.Sequencer.Read(ctx, func(e *engine.Engine) { req.now = e.Now() }); err != nil {
		return 0, err
	}
	now = req.now
	select {
	case <-*m.live.Load():
	case <-ctx.Done():
		return now, ErrBehind
	case <-m.done:
		return now, ErrStopped
	}
	select {
	case m.syncs <- req:
	case <-ctx.Done():
		return now, ErrBehind
	case <-m.done:
		return now, ErrStopped
	}
	select {
	case <-req.done:
		return now, nil
	case <-ctx.Done():
		return now, ctx.Err()
	case <-m.done:
		return now, ErrStopped
	}
}

// Live reports whether the model follows the sequencer live (false while
// it catches up).
func (m *Model) Live() bool {
	select {
	case <-*m.live.Load():
		return true
	default:
		return false
	}
}

// InsuranceHistory implements server/admin's InsuranceHistory: every
// balance movement of the insurance fund, oldest first, after a Sync
// (bounded to 5 s: a model still catching up answers ErrBehind).
func (m *Model) InsuranceHistory(ctx context.Context) ([]engine.Event, error) {
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := m.Sync(sctx); err != nil {
		return nil, err
	}
	return m.InsuranceEvents(ctx)
}
