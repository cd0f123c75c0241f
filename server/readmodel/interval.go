package readmodel

import "time"

// Interval is a kline interval as Backpack names it. Intervals are aligned
// in UTC: minutes, hours and days on the epoch, 3d on the epoch too, weeks
// on Mondays, months on the first of the month.
type Interval struct {
	Name   string
	ms     int64 // length; 0 for a calendar month
	offset int64 // alignment shift from the epoch (weeks: to a Monday)
}

const dayMs = 24 * hourMs

// Intervals lists Backpack's kline intervals, shortest first.
var Intervals = []Interval{
	{Name: "1m", ms: minuteMs}, {Name: "3m", ms: 3 * minuteMs}, {Name: "5m", ms: 5 * minuteMs},
	{Name: "15m", ms: 15 * minuteMs}, {Name: "30m", ms: 30 * minuteMs},
	{Name: "1h", ms: hourMs}, {Name: "2h", ms: 2 * hourMs}, {Name: "4h", ms: 4 * hourMs},
	{Name: "6h", ms: 6 * hourMs}, {Name: "8h", ms: 8 * hourMs}, {Name: "12h", ms: 12 * hourMs},
	{Name: "1d", ms: dayMs}, {Name: "3d", ms: 3 * dayMs},
	{Name: "1w", ms: 7 * dayMs, offset: 4 * dayMs}, // 1970-01-05 was a Monday
	{Name: "1month"},
}

// ParseInterval finds an interval by name.
func ParseInterval(name string) (Interval, bool) {
	for _, iv := range Intervals {
		if iv.Name == name {
			return iv, true
		}
	}
	return Interval{}, false
}

// Start returns the start (ms) of the interval that holds t.
func (iv Interval) Start(t int64) int64 {
	if iv.ms == 0 {
		u := time.UnixMilli(t).UTC()
		return time.Date(u.Year(), u.Month(), 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	}
	d := t - iv.offset
	q := d / iv.ms
	if d%iv.ms < 0 {
		q--
	}
	return q*iv.ms + iv.offset
}

// Next returns the start of the interval after the one starting at start.
func (iv Interval) Next(start int64) int64 {
	if iv.ms == 0 {
		return time.UnixMilli(start).UTC().AddDate(0, 1, 0).UnixMilli()
	}
	return start + iv.ms
}

// bucket is the interval's length, a month counted as 28 days (only
// compared with an hour).
func (iv Interval) bucket() int64 {
	if iv.ms == 0 {
		return 28 * dayMs
	}
	return iv.ms
}
