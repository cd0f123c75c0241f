package sequencer

import (
	"sync"

	"github.com/waterfallrisk/waterfall/engine"
)

// keyTable holds the API-key bindings. The loop owns pending (every binding
// journaled, durable or not) and order; published holds only durable ones
// and is what AccountByKey reads from any goroutine.
type keyTable struct {
	pending map[[32]byte]engine.AccountID
	order   []binding // every binding in journal order (for snapshots)
	fresh   []binding // journaled in the current batch, not yet published

	mu        sync.RWMutex
	published map[[32]byte]engine.AccountID
}

func newKeyTable() *keyTable {
	return &keyTable{pending: map[[32]byte]engine.AccountID{}, published: map[[32]byte]engine.AccountID{}}
}

// bind records a journaled binding (loop only).
func (k *keyTable) bind(id engine.AccountID, key [32]byte) {
	k.pending[key] = id
	k.order = append(k.order, binding{account: id, key: key})
	k.fresh = append(k.fresh, binding{account: id, key: key})
}

// publish makes the batch's bindings visible (loop only, after Sync).
func (k *keyTable) publish() {
	if len(k.fresh) == 0 {
		return
	}
	k.mu.Lock()
	for _, b := range k.fresh {
		k.published[b.key] = b.account
	}
	k.mu.Unlock()
	k.fresh = k.fresh[:0]
}

func (k *keyTable) lookup(key []byte) (engine.AccountID, bool) {
	if len(key) != 32 {
		return 0, false
	}
	k.mu.RLock()
	id, ok := k.published[[32]byte(key)]
	k.mu.RUnlock()
	return id, ok
}
