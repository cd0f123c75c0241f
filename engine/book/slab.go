package book

import "math"

// node is a resting order plus its links in its level's FIFO. Nodes live in
// Book.nodes and are addressed by int32 handles; handle 0 is reserved so the
// zero value of a link means "none".
type node struct {
	Order
	prev, next int32 // neighbours in the level, older and newer; 0 = none
	level      int32 // handle of the level the order rests in
}

// level is one price's FIFO of resting orders, oldest at head.
type level struct {
	price      int64
	qty        int64 // Σ Qty of the level's orders
	count      int32 // number of orders
	head, tail int32 // node handles; 0 = none
}

// maxHandle bounds both slabs: handles are int32.
const maxHandle = math.MaxInt32

// full reports whether the node slab can take no more orders.
func (b *Book) full() bool {
	return b.freeNode == 0 && len(b.nodes) > maxHandle
}

// allocNode returns the handle of an unused node, reusing freed ones first.
// A free node's next field links the free list.
func (b *Book) allocNode() int32 {
	if h := b.freeNode; h != 0 {
		b.freeNode = b.nodes[h].next
		return h
	}
	b.nodes = append(b.nodes, node{})
	return int32(len(b.nodes) - 1)
}

// releaseNode returns h to the free list.
func (b *Book) releaseNode(h int32) {
	b.nodes[h] = node{next: b.freeNode}
	b.freeNode = h
}

// allocLevel returns the handle of an empty level at price, reusing freed
// ones first. A free level's head field links the free list.
func (b *Book) allocLevel(price int64) int32 {
	h := b.freeLevel
	if h != 0 {
		b.freeLevel = b.levels[h].head
	} else {
		b.levels = append(b.levels, level{})
		h = int32(len(b.levels) - 1)
	}
	b.levels[h] = level{price: price}
	return h
}

// releaseLevel returns h to the free list.
func (b *Book) releaseLevel(h int32) {
	b.levels[h] = level{head: b.freeLevel}
	b.freeLevel = h
}

// pushBack links node h at the back of level lh and counts its quantity.
func (b *Book) pushBack(lh, h int32) {
	lv := &b.levels[lh]
	nd := &b.nodes[h]
	nd.level, nd.prev, nd.next = lh, lv.tail, 0
	if lv.tail != 0 {
		b.nodes[lv.tail].next = h
	} else {
		lv.head = h
	}
	lv.tail = h
	lv.qty += nd.Qty
	lv.count++
}

// unlink removes node h from its level's FIFO and quantity, and reports
// whether the level is now empty. The node itself is left as it was.
func (b *Book) unlink(h int32) (empty bool) {
	nd := &b.nodes[h]
	lv := &b.levels[nd.level]
	if nd.prev != 0 {
		b.nodes[nd.prev].next = nd.next
	} else {
		lv.head = nd.next
	}
	if nd.next != 0 {
		b.nodes[nd.next].prev = nd.prev
	} else {
		lv.tail = nd.prev
	}
	lv.qty -= nd.Qty
	lv.count--
	return lv.count == 0
}
