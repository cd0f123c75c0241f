package book

import (
	"math/rand/v2"
	"testing"
)

func TestIDTableGrowsOnlyPastHalfLoad(t *testing.T) {
	var tab idTable
	tab.init(0)
	if got := len(tab.slots); got != minIDTableSize {
		t.Fatalf("initial size %d, want %d", got, minIDTableSize)
	}
	for i := range 8 {
		tab.insert(uint64(i), int32(i+1))
	}
	if got := len(tab.slots); got != 16 {
		t.Fatalf("8 keys in 16 slots: size %d, want 16 (load 1/2 allowed)", got)
	}
	tab.insert(100, 9)
	if got := len(tab.slots); got != 32 {
		t.Fatalf("9 keys: size %d, want 32", got)
	}
	for i := range 8 {
		if h := tab.get(uint64(i)); h != int32(i+1) {
			t.Fatalf("after growth get(%d) = %d, want %d", i, h, i+1)
		}
	}
	if err := checkIDTable(&tab); err != nil {
		t.Fatal(err)
	}
}

func TestIDTableInitHint(t *testing.T) {
	var tab idTable
	tab.init(1000)
	size := len(tab.slots)
	for i := range 1000 {
		tab.insert(uint64(i)*7+3, int32(i+1))
	}
	if len(tab.slots) != size {
		t.Fatalf("init(1000) sized %d, grew to %d with 1000 keys", size, len(tab.slots))
	}
}

func TestIDTableRefusesDuplicate(t *testing.T) {
	var tab idTable
	tab.init(4)
	if !tab.insert(0, 1) {
		t.Fatal("insert of id 0 refused")
	}
	if tab.insert(0, 2) {
		t.Fatal("duplicate insert accepted")
	}
	if h := tab.get(0); h != 1 {
		t.Fatalf("get(0) = %d after refused duplicate, want 1", h)
	}
	if h := tab.take(0); h != 1 || tab.n != 0 || tab.get(0) != 0 {
		t.Fatalf("take(0) = %d, n = %d, get = %d", h, tab.n, tab.get(0))
	}
	if h := tab.take(0); h != 0 {
		t.Fatalf("second take(0) = %d, want 0", h)
	}
}

// TestIDTableBackwardShift builds one long cluster of keys that share a home
// slot, with a foreign key wrapped into it, and deletes from its middle: every
// remaining key must stay reachable.
func TestIDTableBackwardShift(t *testing.T) {
	var tab idTable
	tab.init(8) // 16 slots
	want := tab.home(1)
	var same []uint64
	for id := uint64(1); len(same) < 5; id++ {
		if tab.home(id) == want {
			same = append(same, id)
		}
	}
	var next uint64 // a key whose home is the slot after want
	for id := uint64(1); ; id++ {
		if tab.home(id) == (want+1)&tab.mask() {
			next = id
			break
		}
	}
	ids := append([]uint64{same[0], next}, same[1:]...)
	for i, id := range ids {
		tab.insert(id, int32(i+1))
	}
	for _, del := range []uint64{same[0], same[2], next, same[4]} {
		if tab.take(del) == 0 {
			t.Fatalf("take(%d) found nothing", del)
		}
		if err := checkIDTable(&tab); err != nil {
			t.Fatalf("after take(%d): %v", del, err)
		}
		for i, id := range ids {
			if id == del {
				ids[i] = 0 // 0 never appears among the keys above
			}
		}
		for i, id := range ids {
			if id != 0 && tab.get(id) != int32(i+1) {
				t.Fatalf("after take(%d): get(%d) = %d, want %d", del, id, tab.get(id), i+1)
			}
		}
	}
}

// TestIDTableChurn compares the table with a Go map over a long random mix
// of inserts and deletes, with monotonic IDs as the engine assigns them and
// with random ones.
func TestIDTableChurn(t *testing.T) {
	for _, monotonic := range []bool{true, false} {
		rng := rand.New(rand.NewPCG(1, 2))
		var tab idTable
		tab.init(0)
		ref := make(map[uint64]int32)
		var live []uint64
		next := uint64(0)
		maxSize := 0
		for step := range 200_000 {
			// Grow to ~3,000 live keys, then churn around that size.
			if len(live) == 0 || (len(live) < 3000 && rng.IntN(3) > 0) || rng.IntN(2) == 0 {
				id := next
				if monotonic {
					next++
				} else {
					id = rng.Uint64()
				}
				h := int32(step%1000 + 1)
				_, dup := ref[id]
				if tab.insert(id, h) == dup {
					t.Fatalf("step %d: insert(%d) = %v with duplicate = %v", step, id, !dup, dup)
				}
				if !dup {
					ref[id] = h
					live = append(live, id)
				}
			} else {
				i := rng.IntN(len(live))
				id := live[i]
				live[i] = live[len(live)-1]
				live = live[:len(live)-1]
				if h := tab.take(id); h != ref[id] {
					t.Fatalf("step %d: take(%d) = %d, want %d", step, id, h, ref[id])
				}
				delete(ref, id)
			}
			if tab.n != len(ref) {
				t.Fatalf("step %d: n = %d, want %d", step, tab.n, len(ref))
			}
			if step%10_000 == 0 {
				if err := checkIDTable(&tab); err != nil {
					t.Fatalf("step %d: %v", step, err)
				}
			}
			maxSize = max(maxSize, len(tab.slots))
		}
		if err := checkIDTable(&tab); err != nil {
			t.Fatal(err)
		}
		for id, h := range ref {
			if got := tab.get(id); got != h {
				t.Fatalf("get(%d) = %d, want %d", id, got, h)
			}
		}
		for range 1000 {
			if id := rng.Uint64(); ref[id] == 0 && tab.get(id) != 0 {
				t.Fatalf("get(%d) of absent id = %d", id, tab.get(id))
			}
		}
		// Churn around a steady size must not keep growing the table.
		if maxSize > 8192 {
			t.Fatalf("table grew to %d slots for ≤ ~3,000 live keys", maxSize)
		}
	}
}
