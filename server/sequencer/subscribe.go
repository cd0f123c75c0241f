package sequencer

import (
	"errors"
	"sync"

	"github.com/waterfallrisk/waterfall/engine"
)

// Batch is what one durable batch published: every event of its accepted
// commands (clock advances included), in engine sequence order. Events is
// shared by every subscriber and caller: read it, never modify it.
type Batch struct {
	Events     []engine.Event
	Seq        uint64 // engine sequence after the batch
	JournalSeq uint64 // journal record sequence after the batch
	Time       int64  // engine time after the batch, ms
}

// SubscribeOptions choose how a subscriber is fed.
type SubscribeOptions struct {
	// Lossless: the sequencer waits for the subscriber to take each batch
	// (a read model). It may slow the sequencer, never skip a batch.
	// Otherwise (a WebSocket client) a subscriber whose buffer is full when
	// a batch is published is dropped: its channel is closed and Err
	// returns ErrDropped.
	Lossless bool
	// Buffer is the channel's capacity (default 256).
	Buffer int
}

// ErrDropped: a lossy subscriber fell behind and was dropped.
var ErrDropped = errors.New("sequencer: subscriber fell behind and was dropped")

// Subscription receives the batches published after it was registered.
type Subscription struct {
	// C delivers batches; it is closed when the subscription ends (Close,
	// dropped, or the sequencer stopped).
	C <-chan Batch
	// From is the engine sequence when the subscription started: C carries
	// every event with a larger sequence, and none with a smaller or equal.
	From uint64

	ch       chan Batch
	lossless bool
	quit     chan struct{}
	once     sync.Once

	mu  sync.Mutex
	err error
}

// Close ends the subscription; C is closed soon after (at the next batch or
// when the sequencer stops). Safe to call more than once.
func (s *Subscription) Close() { s.once.Do(func() { close(s.quit) }) }

// Err reports why C was closed: nil after Close, ErrDropped, or the
// sequencer's error (ErrClosed after a clean shutdown).
func (s *Subscription) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

func (s *Subscription) end(err error) {
	s.mu.Lock()
	s.err = err
	s.mu.Unlock()
	close(s.ch)
}

// publish hands b to every subscriber (loop only) and forgets those that
// ended.
func (q *Sequencer) publish(b Batch) {
	kept := q.subs[:0]
	for _, s := range q.subs {
		if q.deliver(s, b) {
			kept = append(kept, s)
		}
	}
	clear(q.subs[len(kept):])
	q.subs = kept
}

func (q *Sequencer) deliver(s *Subscription, b Batch) bool {
	select {
	case <-s.quit:
		s.end(nil)
		return false
	default:
	}
	if s.lossless {
		select {
		case s.ch <- b:
			return true
		case <-s.quit:
			s.end(nil)
			return false
		}
	}
	select {
	case s.ch <- b:
		return true
	default:
		s.end(ErrDropped)
		q.stats.dropped.Add(1)
		return false
	}
}

// endSubscriptions closes every subscription with err (loop only, at exit).
func (q *Sequencer) endSubscriptions(err error) {
	for _, s := range q.subs {
		s.end(err)
	}
	q.subs = nil
}
