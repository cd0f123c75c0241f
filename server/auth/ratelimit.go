package auth

import "time"

// rateLimiter is a token bucket per API key, kept as its theoretical arrival
// time (GCRA, the same bucket in one integer): each request costs one
// emission interval (1 s / rate); a key may run ahead of the wall clock by at
// most a burst of rate requests. A key that has been idle has a full bucket.
// Keys are only ever known ones (Verify looks the key up first), so the map
// is bounded by the number of accounts. Not safe for concurrent use: the
// Verifier's mutex guards it.
type rateLimiter struct {
	interval int64 // ns per request; 0: no limit
	burst    int64 // ns a key may run ahead: rate × interval
	tat      map[string]int64
}

func newRateLimiter(perSecond int) rateLimiter {
	if perSecond <= 0 {
		return rateLimiter{}
	}
	iv := int64(time.Second) / int64(perSecond)
	return rateLimiter{interval: iv, burst: iv * int64(perSecond), tat: make(map[string]int64)}
}

// allow reports whether key may make a request at now (ns) and, if so,
// spends one token.
func (l *rateLimiter) allow(key string, now int64) bool {
	if l.interval == 0 {
		return true
	}
	t := max(l.tat[key], now)
	if t+l.interval-now > l.burst {
		return false
	}
	l.tat[key] = t + l.interval
	return true
}
