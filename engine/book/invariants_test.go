package book

import (
	"fmt"
	"testing"
)

// checkInvariants walks every internal structure of b and returns the first
// inconsistency it finds, or nil.
func checkInvariants(b *Book) error {
	live := 0
	seen := make(map[int32]bool)
	for s := Bid; s <= Ask; s++ {
		l := b.ladder(s)
		if len(l.keys) != len(l.levels) {
			return fmt.Errorf("%v: %d keys, %d levels", s, len(l.keys), len(l.levels))
		}
		for i, lh := range l.levels {
			lv := &b.levels[lh]
			if l.keys[i] != priorityKey(s, lv.price) {
				return fmt.Errorf("%v level %d: key %d, price %d", s, i, l.keys[i], lv.price)
			}
			if i > 0 && l.keys[i-1] >= l.keys[i] {
				return fmt.Errorf("%v: keys not strictly ascending at %d", s, i)
			}
			if lv.count == 0 || lv.head == 0 {
				return fmt.Errorf("%v level %d (price %d) is empty", s, i, lv.price)
			}
			var qty int64
			var count int32
			prev := int32(0)
			for h := lv.head; h != 0; h = b.nodes[h].next {
				nd := &b.nodes[h]
				if seen[h] {
					return fmt.Errorf("node %d linked twice", h)
				}
				seen[h] = true
				switch {
				case nd.prev != prev:
					return fmt.Errorf("order %d: prev %d, want %d", nd.ID, nd.prev, prev)
				case nd.level != lh:
					return fmt.Errorf("order %d: level %d, want %d", nd.ID, nd.level, lh)
				case nd.Side != s || nd.Price != lv.price:
					return fmt.Errorf("order %d: %v@%d in %v level @%d", nd.ID, nd.Side, nd.Price, s, lv.price)
				case nd.Qty <= 0:
					return fmt.Errorf("order %d: qty %d", nd.ID, nd.Qty)
				case b.ids.get(nd.ID) != h:
					return fmt.Errorf("order %d: id table has %d, want %d", nd.ID, b.ids.get(nd.ID), h)
				}
				qty += nd.Qty
				count++
				prev = h
			}
			if lv.tail != prev {
				return fmt.Errorf("%v level @%d: tail %d, want %d", s, lv.price, lv.tail, prev)
			}
			if lv.qty != qty || lv.count != count {
				return fmt.Errorf("%v level @%d: qty %d count %d, orders sum to %d in %d", s, lv.price, lv.qty, lv.count, qty, count)
			}
			live += int(count)
		}
	}
	if bid, ok := b.BestBid(); ok {
		if ask, ok := b.BestAsk(); ok && bid >= ask {
			return fmt.Errorf("crossed: bid %d ≥ ask %d", bid, ask)
		}
	}
	if err := checkIDTable(&b.ids); err != nil {
		return err
	}
	if b.ids.n != live {
		return fmt.Errorf("id table holds %d ids, book %d orders", b.ids.n, live)
	}
	free := 0
	for h := b.freeNode; h != 0; h = b.nodes[h].next {
		if seen[h] {
			return fmt.Errorf("node %d both free and live", h)
		}
		free++
	}
	if live+free != len(b.nodes)-1 {
		return fmt.Errorf("nodes: %d live + %d free ≠ %d", live, free, len(b.nodes)-1)
	}
	freeLevels := 0
	for h := b.freeLevel; h != 0; h = b.levels[h].head {
		freeLevels++
	}
	if n := len(b.sides[0].levels) + len(b.sides[1].levels); n+freeLevels != len(b.levels)-1 {
		return fmt.Errorf("levels: %d live + %d free ≠ %d", n, freeLevels, len(b.levels)-1)
	}
	return nil
}

// checkIDTable verifies the table's count, its load factor and that every
// key is reachable from its home slot without crossing an empty slot.
func checkIDTable(t *idTable) error {
	size := len(t.slots)
	if size < minIDTableSize || size&(size-1) != 0 {
		return fmt.Errorf("id table size %d", size)
	}
	if 2*t.n > size {
		return fmt.Errorf("id table load %d/%d", t.n, size)
	}
	n := 0
	mask := t.mask()
	for i, s := range t.slots {
		if s.h == 0 {
			continue
		}
		n++
		for j := t.home(s.id); j != uint64(i); j = (j + 1) & mask {
			if t.slots[j].h == 0 {
				return fmt.Errorf("id %d at slot %d unreachable: slot %d empty", s.id, i, j)
			}
		}
	}
	if n != t.n {
		return fmt.Errorf("id table counts %d, holds %d", t.n, n)
	}
	return nil
}

func mustInvariants(t testing.TB, b *Book) {
	t.Helper()
	if err := checkInvariants(b); err != nil {
		t.Fatal(err)
	}
}
