package readmodel

import (
	"testing"
	"time"
)

func TestIntervalAlignment(t *testing.T) {
	at := func(s string) int64 {
		v, err := time.Parse(time.DateTime, s)
		if err != nil {
			t.Fatal(err)
		}
		return v.UnixMilli()
	}
	for _, c := range []struct{ iv, t, start, next string }{
		{"1m", "2025-07-19 13:09:59", "2025-07-19 13:09:00", "2025-07-19 13:10:00"},
		{"3m", "2025-07-19 13:11:00", "2025-07-19 13:09:00", "2025-07-19 13:12:00"},
		{"4h", "2025-07-19 13:11:00", "2025-07-19 12:00:00", "2025-07-19 16:00:00"},
		{"1d", "2025-07-19 13:11:00", "2025-07-19 00:00:00", "2025-07-20 00:00:00"},
		{"1w", "2025-07-19 13:11:00", "2025-07-14 00:00:00", "2025-07-21 00:00:00"}, // a Monday
		{"1w", "2025-07-14 00:00:00", "2025-07-14 00:00:00", "2025-07-21 00:00:00"},
		{"1month", "2025-12-31 23:59:59", "2025-12-01 00:00:00", "2026-01-01 00:00:00"},
		{"1month", "2024-02-29 10:00:00", "2024-02-01 00:00:00", "2024-03-01 00:00:00"},
	} {
		iv, ok := ParseInterval(c.iv)
		if !ok {
			t.Fatalf("no interval %s", c.iv)
		}
		if got := iv.Start(at(c.t)); got != at(c.start) {
			t.Errorf("%s Start(%s) = %s, want %s", c.iv, c.t, time.UnixMilli(got).UTC().Format(time.DateTime), c.start)
		}
		if got := iv.Next(at(c.start)); got != at(c.next) {
			t.Errorf("%s Next(%s) = %s, want %s", c.iv, c.start, time.UnixMilli(got).UTC().Format(time.DateTime), c.next)
		}
	}
	if _, ok := ParseInterval("2m"); ok {
		t.Fatal("2m is not an interval")
	}
	if len(Intervals) != 15 {
		t.Fatalf("%d intervals, Backpack lists 15", len(Intervals))
	}
}
