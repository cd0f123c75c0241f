package book

// idTable maps order IDs to node handles: open addressing with linear probing
// and backward-shift deletion, so it holds no tombstones and a lookup never
// scans more than the cluster its key hashes into.
//
// The capacity is a power of two and doubles only when an insert would take
// the load factor above 1/2; removals never shrink it. A slot is empty when
// its handle is 0, which is never a valid node handle, so every uint64 ID
// (0 included) is a valid key.
type idTable struct {
	slots []idSlot
	shift uint8 // 64 - log2(len(slots)), for Fibonacci hashing
	n     int   // occupied slots
}

type idSlot struct {
	id uint64
	h  int32 // node handle; 0 = empty slot
}

// fibonacci is 2^64 / φ, odd: multiplying by it spreads consecutive IDs
// (the common case, IDs are monotonic) across the whole table.
const fibonacci = 0x9E3779B97F4A7C15

const minIDTableSize = 16

// init sizes the table for about hint keys without growing.
func (t *idTable) init(hint int) {
	size := minIDTableSize
	for size < 2*hint {
		size <<= 1
	}
	t.resize(size)
}

func (t *idTable) resize(size int) {
	t.slots = make([]idSlot, size)
	t.shift = uint8(64 - log2(size))
	t.n = 0
}

func log2(pow2 int) int {
	k := 0
	for 1<<k < pow2 {
		k++
	}
	return k
}

func (t *idTable) home(id uint64) uint64 { return (id * fibonacci) >> t.shift }

func (t *idTable) mask() uint64 { return uint64(len(t.slots) - 1) }

// get returns the handle stored for id, or 0.
func (t *idTable) get(id uint64) int32 {
	mask := t.mask()
	for i := t.home(id); ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.h == 0 || s.id == id {
			return s.h
		}
	}
}

// insert stores id → h (h ≠ 0) and reports true, or reports false and
// changes nothing if id is already present.
func (t *idTable) insert(id uint64, h int32) bool {
	if 2*(t.n+1) > len(t.slots) {
		t.grow()
	}
	mask := t.mask()
	for i := t.home(id); ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.h == 0 {
			*s = idSlot{id: id, h: h}
			t.n++
			return true
		}
		if s.id == id {
			return false
		}
	}
}

// take removes id and returns the handle it had, or 0 if it was absent.
func (t *idTable) take(id uint64) int32 {
	mask := t.mask()
	i := t.home(id)
	for {
		s := &t.slots[i]
		if s.h == 0 {
			return 0
		}
		if s.id == id {
			break
		}
		i = (i + 1) & mask
	}
	h := t.slots[i].h
	// Backward shift: pull each later member of the cluster into the hole
	// when the hole lies between that member's home slot and its slot.
	for j := (i + 1) & mask; ; j = (j + 1) & mask {
		s := t.slots[j]
		if s.h == 0 {
			break
		}
		if (j-i)&mask <= (j-t.home(s.id))&mask {
			t.slots[i] = s
			i = j
		}
	}
	t.slots[i] = idSlot{}
	t.n--
	return h
}

// grow doubles the capacity and reinserts every key.
func (t *idTable) grow() {
	old := t.slots
	t.resize(2 * len(old))
	for _, s := range old {
		if s.h != 0 {
			t.insert(s.id, s.h)
		}
	}
}
