// Package auth verifies Backpack-signed requests (DESIGN.md §4, formulas.md
// §1): the ED25519 signature over the instruction, the sorted parameters, the
// timestamp and the window; the window against the wall clock; replays of
// mutating requests; and a per-key rate limit.
//
// A signed request carries four headers: X-API-Key (the base64 ED25519
// public key), X-Signature (the base64 signature), X-Timestamp (ms since the
// epoch) and X-Window (ms, default 5000, at most 60000). The signed text is
//
//	instruction=<name>&<params sorted by key, k=v joined by &>&timestamp=<ms>&window=<ms>
//
// where the parameters are the query string's (GET) or the JSON body's
// (other methods), and a batch body (a JSON array of orders) signs each order
// as its own `instruction=<name>&<params>&` run before the timestamp (see
// SigningTexts). Values are encoded as ccxt encodes them (RFC 3986 percent
// encoding); a text signed over the unencoded values is accepted too, as
// Backpack's own examples sign it.
package auth

import (
	"crypto/ed25519"
	"encoding/base64"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/server/backpack"
)

// Window bounds, ms (Backpack's).
const (
	DefaultWindow = 5000
	MaxWindow     = 60000
)

// DefaultRateLimit is the requests per second a key may make (DESIGN.md §4).
const DefaultRateLimit = 1000

// Headers of a signed request.
const (
	HeaderKey       = "X-API-Key"
	HeaderSignature = "X-Signature"
	HeaderTimestamp = "X-Timestamp"
	HeaderWindow    = "X-Window"
)

// Lookup returns the account an API public key (32 bytes) is bound to.
type Lookup func(apiKey []byte) (engine.AccountID, bool)

// Options configures a Verifier. The zero value is usable.
type Options struct {
	// Now is the wall clock the window is checked against; nil: time.Now.
	Now func() time.Time
	// RateLimit is the requests per second each key may make, with a burst
	// of as many; 0 means DefaultRateLimit, a negative value no limit.
	RateLimit int
}

// Verifier authenticates signed requests. It is safe for concurrent use.
type Verifier struct {
	lookup Lookup
	now    func() time.Time

	mu      sync.Mutex
	replays replayCache
	limits  rateLimiter
}

// New returns a Verifier that resolves keys with lookup.
func New(lookup Lookup, o Options) *Verifier {
	v := &Verifier{lookup: lookup, now: o.Now}
	if v.now == nil {
		v.now = time.Now
	}
	rate := o.RateLimit
	if rate == 0 {
		rate = DefaultRateLimit
	}
	v.limits = newRateLimiter(rate)
	v.replays = newReplayCache()
	return v
}

// Verify authenticates a request whose body has already been read (nil or
// empty for a GET): instruction is the endpoint's Backpack instruction name.
// It returns the account the key is bound to, or an *backpack.Error to send back.
// The checks, in order: headers present and well formed; key known; rate
// limit; timestamp within the window of the wall clock (either side); the
// body parsed (a GET's query instead); signature; and for a mutating request
// (any method but GET and HEAD) that the same (key, signature) was not
// accepted before within its window. Only a request that passes every check
// is recorded against replays.
func (v *Verifier) Verify(r *http.Request, instruction string, body []byte) (engine.AccountID, *backpack.Error) {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return v.verify(r, instruction, nil, nil)
	}
	b := bodies.Get().(*backpack.Body)
	defer func() {
		b.Reset()
		bodies.Put(b)
	}()
	return v.verify(r, instruction, body, b)
}

// VerifyBody is Verify for a request (not a GET or HEAD) whose JSON body the
// caller decodes too: the body is parsed once, into b, and on success b
// holds it for the caller (backpack.Body.Order). The checks and their order
// are Verify's.
func (v *Verifier) VerifyBody(r *http.Request, instruction string, body []byte, b *backpack.Body) (engine.AccountID, *backpack.Error) {
	return v.verify(r, instruction, body, b)
}

// bodies and signers are scratch space reused across requests.
var (
	bodies  = sync.Pool{New: func() any { return new(backpack.Body) }}
	signers = sync.Pool{New: func() any { return new(texts) }}
)

// verify checks a request; b is nil for a GET or HEAD (the query is
// signed), else the body is parsed into it.
func (v *Verifier) verify(r *http.Request, instruction string, body []byte, b *backpack.Body) (engine.AccountID, *backpack.Error) {
	h, err := readHeaders(r)
	if err != nil {
		return 0, err
	}
	acct, ok := v.lookup(h.key)
	if !ok {
		return 0, unauthorized("unknown API key")
	}
	wall := v.now()
	now := wall.UnixMilli()
	v.mu.Lock()
	allowed := v.limits.allow(string(h.key), wall.UnixNano())
	v.mu.Unlock()
	if !allowed {
		return 0, backpack.Errorf(http.StatusTooManyRequests, backpack.CodeTooManyRequests, "rate limit exceeded for this API key")
	}
	switch {
	case now > h.timestamp+h.window:
		return 0, unauthorized("request has expired")
	case h.timestamp > now+h.window:
		return 0, unauthorized("request timestamp is in the future")
	}
	if b == nil {
		texts, perr := SigningTexts(r.Method, r.URL.RawQuery, nil, instruction, h.timestamp, h.window)
		if perr != nil {
			return 0, perr
		}
		if !verifyAny(h.key, h.signature, texts) {
			return 0, badSignature()
		}
		return acct, nil
	}
	if perr := b.Parse(body); perr != nil {
		return 0, perr
	}
	t := signers.Get().(*texts)
	defer func() {
		if cap(t.encoded) > 64<<10 {
			*t = texts{}
		}
		signers.Put(t)
	}()
	if perr := t.build(b, instruction, h.timestamp, h.window); perr != nil {
		return 0, perr
	}
	// One ED25519 check, two only when the parameters need percent-encoding
	// and the encoded (ccxt's) text fails.
	if !ed25519.Verify(h.key, t.encoded, h.signature) && (t.plain == nil || !ed25519.Verify(h.key, t.plain, h.signature)) {
		return 0, badSignature()
	}
	v.mu.Lock()
	fresh := v.replays.add(string(h.key)+string(h.signature), h.timestamp+h.window, now)
	v.mu.Unlock()
	if !fresh {
		return 0, unauthorized("request was already accepted (replay)")
	}
	return acct, nil
}

func badSignature() *backpack.Error {
	return backpack.Errorf(http.StatusUnauthorized, backpack.CodeInvalidSignature, "signature does not match the request")
}

func verifyAny(key, sig []byte, texts []string) bool {
	for _, t := range texts {
		if ed25519.Verify(key, []byte(t), sig) {
			return true
		}
	}
	return false
}

type headers struct {
	key, signature    []byte
	timestamp, window int64
}

func readHeaders(r *http.Request) (headers, *backpack.Error) {
	var h headers
	k, s, ts := r.Header.Get(HeaderKey), r.Header.Get(HeaderSignature), r.Header.Get(HeaderTimestamp)
	if k == "" || s == "" || ts == "" {
		return h, unauthorized("a signed request needs the X-API-Key, X-Signature and X-Timestamp headers")
	}
	var err error
	if h.key, err = base64.StdEncoding.DecodeString(k); err != nil || len(h.key) != ed25519.PublicKeySize {
		return h, unauthorized("X-API-Key is not a base64 ED25519 public key")
	}
	if h.signature, err = base64.StdEncoding.DecodeString(s); err != nil || len(h.signature) != ed25519.SignatureSize {
		return h, backpack.Errorf(http.StatusUnauthorized, backpack.CodeInvalidSignature, "X-Signature is not a base64 ED25519 signature")
	}
	if h.timestamp, err = strconv.ParseInt(ts, 10, 64); err != nil || h.timestamp <= 0 {
		return h, badRequest("X-Timestamp must be a positive integer (ms)")
	}
	h.window = DefaultWindow
	if w := r.Header.Get(HeaderWindow); w != "" {
		if h.window, err = strconv.ParseInt(w, 10, 64); err != nil || h.window <= 0 || h.window > MaxWindow {
			return h, badRequest("X-Window must be an integer from 1 to 60000 (ms)")
		}
	}
	return h, nil
}

func unauthorized(msg string) *backpack.Error {
	return backpack.Errorf(http.StatusUnauthorized, backpack.CodeUnauthorized, "%s", msg)
}

func badRequest(msg string) *backpack.Error {
	return backpack.Errorf(http.StatusBadRequest, backpack.CodeInvalidClientRequest, "%s", msg)
}
