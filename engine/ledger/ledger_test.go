package ledger

import (
	"math"
	"testing"
)

func TestTransfersConserveValue(t *testing.T) {
	l := New(2)
	a, b := l.Open(), l.Open()
	if err := l.Deposit(a, 0, 100); err != nil {
		t.Fatal(err)
	}
	if err := l.Transfer(a, b, 0, 150); err != nil { // a may go negative: the caller decides
		t.Fatal(err)
	}
	if got := l.Balance(a, 0); got != -50 {
		t.Fatalf("a = %d, want -50", got)
	}
	if err := l.Withdraw(b, 0, 150); err != nil {
		t.Fatal(err)
	}
	if err := l.Check(); err != nil {
		t.Fatal(err)
	}
}

func TestOverflowChangesNothing(t *testing.T) {
	l := New(1)
	a, b := l.Open(), l.Open()
	if err := l.Deposit(b, 0, math.MaxInt64); err != nil {
		t.Fatal(err)
	}
	if err := l.Deposit(a, 0, 1); err == nil {
		t.Fatal("deposit total overflow accepted")
	}
	if err := l.Transfer(a, b, 0, 1); err == nil {
		t.Fatal("overflowing transfer accepted")
	}
	if l.Balance(a, 0) != 0 || l.Balance(b, 0) != math.MaxInt64 {
		t.Fatal("a refused operation changed balances")
	}
	if err := l.Check(); err != nil {
		t.Fatal(err)
	}
}

func TestCheckCatchesAnUnbalancedEntry(t *testing.T) {
	l := New(1)
	a := l.Open()
	l.bal[a] = 7 // value from nowhere
	if l.Check() == nil {
		t.Fatal("Check missed value created without a deposit")
	}
}

func TestRefusesNonPositiveDeposits(t *testing.T) {
	l := New(1)
	a := l.Open()
	for _, v := range []int64{0, -1} {
		if l.Deposit(a, 0, v) == nil || l.Withdraw(a, 0, v) == nil {
			t.Fatalf("amount %d accepted", v)
		}
	}
}
