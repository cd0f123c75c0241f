package ws

import (
	"sync"
)

// registry maps topics to the connections subscribed to them. The feed
// goroutine reads it for every message (read lock); connections change it
// when they subscribe, unsubscribe or go away (write lock).
type registry struct {
	mu     sync.RWMutex
	topics map[topic]*subscribers
	// counts by kind and market, so the feed can skip rendering what nobody
	// reads without building a topic per account.
	byKind map[kind]int
}

// subscribers of one topic; name is the stream name its envelopes carry.
type subscribers struct {
	name  string
	conns map[*conn]struct{}
}

func newRegistry() *registry {
	return &registry{topics: map[topic]*subscribers{}, byKind: map[kind]int{}}
}

// add subscribes c to t (named name); false if it already was.
func (r *registry) add(t topic, name string, c *conn) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.topics[t]
	if s == nil {
		s = &subscribers{name: name, conns: map[*conn]struct{}{}}
		r.topics[t] = s
	}
	if _, ok := s.conns[c]; ok {
		return false
	}
	s.conns[c] = struct{}{}
	r.byKind[t.kind]++
	return true
}

// remove unsubscribes c from t; false if it was not subscribed.
func (r *registry) remove(t topic, c *conn) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.topics[t]
	if s == nil {
		return false
	}
	if _, ok := s.conns[c]; !ok {
		return false
	}
	delete(s.conns, c)
	r.byKind[t.kind]--
	if len(s.conns) == 0 {
		delete(r.topics, t)
	}
	return true
}

// has reports whether anyone is subscribed to t.
func (r *registry) has(t topic) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.topics[t] != nil
}

// anyOf reports whether anyone is subscribed to a stream of kind k.
func (r *registry) anyOf(k kind) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.byKind[k] > 0
}

// publish sends data, wrapped in each topic's envelope, to every subscriber
// of the topics given (a topic with none is skipped). It never blocks: a
// connection whose queue is full is dropped (conn.send).
func (r *registry) publish(data []byte, ts ...topic) int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	n := 0
	for _, t := range ts {
		s := r.topics[t]
		if s == nil {
			continue
		}
		msg := envelope(s.name, data)
		for c := range s.conns {
			if c.send(msg) {
				n++
			}
		}
	}
	return n
}

// size returns the number of (topic, connection) subscriptions.
func (r *registry) size() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	n := 0
	for _, v := range r.byKind {
		n += v
	}
	return n
}
