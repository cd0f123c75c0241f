package servertest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// Key is the ED25519 key of a 32-byte seed of the byte seed: the same
// account key in every run.
func Key(seed byte) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize))
}

// NewKey is a new random ED25519 key.
func NewKey(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return priv
}

// APIKey is key's public key as Backpack's X-API-Key carries it (base64).
func APIKey(key ed25519.PrivateKey) string {
	return base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey))
}

// Signed is a request as ccxt's backpack sign() builds it (backpack.js,
// ccxt 4.5.84): the target (the path, with the query of a GET), the JSON
// body of any other method, and the headers: X-Timestamp, X-Window,
// X-API-Key, X-Signature, X-Broker-Id and, with a body, Content-Type.
type Signed struct {
	Method string
	Target string
	Body   []byte
	Header http.Header
}

// Sign signs a request to path with key under instruction. params is a
// map[string]any (an object: the query of a GET, the body of any other
// method) or a []map[string]any (a batch: generateBatchPayload, each order
// signed under the instruction, the timestamp after the last); values are
// strings, bools, integers or nil (URLEncode). ts (ms) and window are the
// signed X-Timestamp and X-Window. Other params panic.
func Sign(key ed25519.PrivateKey, instruction, method, path string, params any, ts, window int64) Signed {
	tail := "timestamp=" + strconv.FormatInt(ts, 10) + "&window=" + strconv.FormatInt(window, 10)
	s := Signed{Method: method, Target: path, Header: http.Header{}}
	var payload string
	switch p := params.(type) {
	case []map[string]any:
		for i, o := range p {
			payload += "instruction=" + instruction + "&" + URLEncode(o) + "&"
			if i == len(p)-1 {
				payload += tail
			}
		}
		s.Body, _ = json.Marshal(p)
	case map[string]any:
		q := URLEncode(p)
		if q != "" {
			payload = "instruction=" + instruction + "&" + q + "&" + tail
		} else {
			payload = "instruction=" + instruction + "&" + tail
		}
		switch {
		case method != http.MethodGet:
			s.Body, _ = json.Marshal(p) // keys sorted, as keysort then JSON.stringify
		case q != "":
			s.Target += "?" + q
		}
	default:
		panic(fmt.Sprintf("servertest.Sign: params %T", params))
	}
	s.Header.Set("X-Timestamp", strconv.FormatInt(ts, 10))
	s.Header.Set("X-Window", strconv.FormatInt(window, 10))
	s.Header.Set("X-API-Key", APIKey(key))
	s.Header.Set("X-Signature", base64.StdEncoding.EncodeToString(ed25519.Sign(key, []byte(payload))))
	s.Header.Set("X-Broker-Id", "1400")
	if method != http.MethodGet {
		s.Header.Set("Content-Type", "application/json")
	}
	return s
}

// Request is s as an incoming request, for a handler's ServeHTTP.
func (s Signed) Request() *http.Request {
	r := httptest.NewRequest(s.Method, s.Target, bytes.NewReader(s.Body))
	r.Header = s.Header.Clone()
	return r
}

// ClientRequest is s as a request to the server at base ("http://host:port").
func (s Signed) ClientRequest(ctx context.Context, base string) (*http.Request, error) {
	r, err := http.NewRequestWithContext(ctx, s.Method, base+s.Target, bytes.NewReader(s.Body))
	if err != nil {
		return nil, err
	}
	r.Header = s.Header.Clone()
	return r, nil
}

// URLEncode is ccxt's urlencode(keysort(params)): keys sorted, key=value
// joined by &, both RFC 3986 encoded; values as JavaScript's String() shows
// them (nil as ""). Another value type panics.
func URLEncode(p map[string]any) string {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		var v string
		switch x := p[k].(type) {
		case nil:
		case string:
			v = x
		case bool:
			v = strconv.FormatBool(x)
		case int:
			v = strconv.Itoa(x)
		case int64:
			v = strconv.FormatInt(x, 10)
		case uint32:
			v = strconv.FormatUint(uint64(x), 10)
		default:
			panic(fmt.Sprintf("servertest.URLEncode: param %s: unsupported %T", k, x))
		}
		parts = append(parts, encodeComponent(k)+"="+encodeComponent(v))
	}
	return strings.Join(parts, "&")
}

// encodeComponent is encodeURIComponent with !'()* escaped too (ccxt's
// rfc3986).
func encodeComponent(s string) string {
	var sb strings.Builder
	for _, c := range []byte(s) {
		if strings.IndexByte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~", c) >= 0 {
			sb.WriteByte(c)
		} else {
			fmt.Fprintf(&sb, "%%%02X", c)
		}
	}
	return sb.String()
}
