package auth

import "container/heap"

// replayCache remembers the (key, signature) of every accepted mutating
// request until its window closes (timestamp + window, ms): after that the
// window check refuses the request anyway, so the entry is evicted. Its
// size is bounded by what the rate limit lets through in a window (at most
// 2 × MaxWindow of requests per key). Not safe for concurrent use: the
// Verifier's mutex guards it.
type replayCache struct {
	seen    map[string]int64 // → expiry, ms
	expires expiryHeap
}

func newReplayCache() replayCache {
	return replayCache{seen: make(map[string]int64)}
}

// add records id until expiry and reports whether it was new; entries
// expired at now are evicted first.
func (c *replayCache) add(id string, expiry, now int64) bool {
	for len(c.expires) > 0 && c.expires[0].at < now {
		e := heap.Pop(&c.expires).(expiryEntry)
		if c.seen[e.id] == e.at {
			delete(c.seen, e.id)
		}
	}
	if _, dup := c.seen[id]; dup {
		return false
	}
	c.seen[id] = expiry
	heap.Push(&c.expires, expiryEntry{id: id, at: expiry})
	return true
}

// len returns the number of remembered requests.
func (c *replayCache) len() int { return len(c.seen) }

type expiryEntry struct {
	id string
	at int64
}

// expiryHeap is a min-heap of entries by expiry.
type expiryHeap []expiryEntry

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].at < h[j].at }
func (h expiryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)        { *h = append(*h, x.(expiryEntry)) }
func (h *expiryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}
