package ledger

import (
	"bytes"
	"reflect"
	"slices"
	"testing"

	"github.com/waterfallrisk/waterfall/engine/internal/wire"
)

func snapshotOf(l *Ledger) []byte {
	w := &wire.Writer{}
	l.AppendSnapshot(w)
	return w.Bytes()
}

func readLedger(data []byte, assets int) (*Ledger, error) {
	r := wire.NewReader(data)
	l := ReadSnapshot(r, assets)
	if err := r.Done(); err != nil {
		return nil, err
	}
	return l, nil
}

func sampleLedger(t *testing.T) *Ledger {
	l := New(3)
	for range 5 {
		l.Open()
	}
	for _, err := range []error{
		l.Deposit(1, 0, 1000), l.Deposit(2, 2, 77), l.Withdraw(1, 0, 300),
		l.Transfer(1, 3, 0, 250), l.Transfer(2, 4, 2, -12),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return l
}

// TestSnapshotRoundTrip: the read ledger equals the written one, field for
// field, and writes the same bytes.
func TestSnapshotRoundTrip(t *testing.T) {
	for _, l := range []*Ledger{New(1), New(4), sampleLedger(t)} {
		data := snapshotOf(l)
		got, err := readLedger(data, l.Assets())
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.deposits, l.deposits) || !reflect.DeepEqual(got.withdrawals, l.withdrawals) ||
			!slices.Equal(got.bal, l.bal) || got.assets != l.assets || got.Accounts() != l.Accounts() {
			t.Fatalf("read %+v, wrote %+v", got, l)
		}
		if !bytes.Equal(snapshotOf(got), data) {
			t.Fatal("the read ledger writes different bytes")
		}
	}
}

// TestReadSnapshotRefuses: another asset count, a broken double entry, a
// count beyond the input and every truncation are refused.
func TestReadSnapshotRefuses(t *testing.T) {
	l := sampleLedger(t)
	data := snapshotOf(l)
	if _, err := readLedger(data, 2); err == nil {
		t.Error("read with another asset count")
	}
	if _, err := readLedger(make([]byte, 8), 0); err == nil {
		t.Error("read a ledger of no assets")
	}
	broken := slices.Clone(data)
	broken[len(broken)-8]++ // the last balance: Σ balances ≠ deposits − withdrawals
	if _, err := readLedger(broken, 3); err == nil {
		t.Error("read a ledger whose balances do not add up")
	}
	huge := slices.Clone(data)
	copy(huge[4:8], []byte{0xff, 0xff, 0xff, 0x7f})
	if _, err := readLedger(huge, 3); err == nil {
		t.Error("read an account count beyond the input")
	}
	for n := range len(data) {
		if _, err := readLedger(data[:n], 3); err == nil {
			t.Errorf("truncated to %d of %d bytes: accepted", n, len(data))
		}
	}
}

// TestSnapshotKnowsLedgerFields: a field added to Ledger must be written
// and read (and listed here).
func TestSnapshotKnowsLedgerFields(t *testing.T) {
	var have []string
	for f := range reflect.TypeFor[Ledger]().Fields() {
		have = append(have, f.Name)
	}
	if want := []string{"assets", "bal", "deposits", "withdrawals"}; !slices.Equal(slices.Sorted(slices.Values(have)), want) {
		t.Errorf("Ledger has fields %v, the snapshot knows %v", have, want)
	}
}
