package auth

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/waterfallrisk/waterfall/server/backpack"
)

// SigningTexts returns the texts a signed request may have been signed over,
// the ccxt form first (values RFC 3986 encoded, as ccxt's sign() builds it)
// and, when it differs, the same text with unencoded values.
//
// The parameters come from the query string for GET and HEAD, and from the
// body for every other method: a JSON object, or for a batch a JSON array of
// objects, each signed as `instruction=<name>&<its params>&` (ccxt's
// generateBatchPayload). An empty body has no parameters. Each object's
// parameters are sorted by key (byte order; stable), a repeated key keeps
// its last value (as JSON.parse does). Values: a string as is, a number as
// its JSON literal, a boolean as true/false, null as the empty string; a
// nested object or array is refused (no Backpack endpoint takes one). A body
// that is not such JSON is refused with 400 INVALID_CLIENT_REQUEST.
func SigningTexts(method, rawQuery string, body []byte, instruction string, timestamp, window int64) ([]string, *backpack.Error) {
	if method == http.MethodGet || method == http.MethodHead {
		encoded, plain, err := queryParams(rawQuery)
		if err != nil {
			return nil, err
		}
		tail := "timestamp=" + strconv.FormatInt(timestamp, 10) + "&window=" + strconv.FormatInt(window, 10)
		a := queryText(instruction, encoded, tail)
		b := queryText(instruction, plain, tail)
		if a == b {
			return []string{a}, nil
		}
		return []string{a, b}, nil
	}
	var b backpack.Body
	if err := b.Parse(body); err != nil {
		return nil, err
	}
	var t texts
	if err := t.build(&b, instruction, timestamp, window); err != nil {
		return nil, err
	}
	if t.plain == nil {
		return []string{string(t.encoded)}, nil
	}
	return []string{string(t.encoded), string(t.plain)}, nil
}

// texts holds the signed texts of a body, built into reusable buffers:
// encoded (ccxt's form) and plain, nil when it equals encoded (nothing in
// the parameters needs percent-encoding).
type texts struct {
	encoded, plain []byte
	order          []int // scratch: one object's parameters, sorted
}

// build writes the texts of a parsed body: for an object (or null or empty
// body) `instruction=<name>&<k=v&…>&timestamp=…&window=…` (the params and
// their '&' only when there are some); for a batch each object as
// `instruction=<name>&<k=v&…>&`, then the timestamp and window (an empty
// batch is the timestamp and window alone).
func (t *texts) build(b *backpack.Body, instruction string, timestamp, window int64) *backpack.Error {
	t.encoded, t.plain = t.encoded[:0], nil
	escaped := false
	for i := range b.Objects() {
		params := b.Object(i)
		if err := t.sort(params); err != nil {
			return err
		}
		if !b.Array && len(t.order) == 0 {
			continue
		}
		t.encoded = appendPrefix(t.encoded, instruction)
		for j, k := range t.order {
			if j > 0 {
				t.encoded = append(t.encoded, '&')
			}
			var e1, e2 bool
			t.encoded, e1 = appendRFC3986(t.encoded, params[k].Key)
			t.encoded = append(t.encoded, '=')
			t.encoded, e2 = appendRFC3986(t.encoded, params[k].Value)
			escaped = escaped || e1 || e2
		}
		t.encoded = append(t.encoded, '&')
	}
	if !b.Array && len(t.encoded) == 0 {
		t.encoded = appendPrefix(t.encoded, instruction)
	}
	t.encoded = appendTail(t.encoded, timestamp, window)
	if escaped {
		t.buildPlain(b, instruction, timestamp, window)
	}
	return nil
}

// buildPlain writes the text with unencoded keys and values (build has
// checked the body).
func (t *texts) buildPlain(b *backpack.Body, instruction string, timestamp, window int64) {
	t.plain = make([]byte, 0, len(t.encoded))
	for i := range b.Objects() {
		params := b.Object(i)
		_ = t.sort(params)
		if !b.Array && len(t.order) == 0 {
			continue
		}
		t.plain = appendPrefix(t.plain, instruction)
		for j, k := range t.order {
			if j > 0 {
				t.plain = append(t.plain, '&')
			}
			t.plain = append(t.plain, params[k].Key...)
			t.plain = append(t.plain, '=')
			t.plain = append(t.plain, params[k].Value...)
		}
		t.plain = append(t.plain, '&')
	}
	if !b.Array && len(t.plain) == 0 {
		t.plain = appendPrefix(t.plain, instruction)
	}
	t.plain = appendTail(t.plain, timestamp, window)
}

// sort sets t.order to the indexes of the parameters to sign, sorted by key
// (stable): of a repeated key only the last. A nested value is refused.
func (t *texts) sort(params []backpack.Param) *backpack.Error {
	t.order = t.order[:0]
	for i := range params {
		// Insertion sort: objects have a handful of keys.
		j := len(t.order)
		t.order = append(t.order, i)
		for j > 0 && params[t.order[j-1]].Key > params[i].Key {
			t.order[j] = t.order[j-1]
			j--
		}
		t.order[j] = i
	}
	n := 0
	for j, k := range t.order {
		if j+1 < len(t.order) && params[t.order[j+1]].Key == params[k].Key {
			continue // a later value of the same key replaces it
		}
		if params[k].Kind == backpack.KindNested {
			return backpack.BadRequest("nested objects and arrays are not accepted in a signed request")
		}
		t.order[n] = k
		n++
	}
	t.order = t.order[:n]
	return nil
}

func appendPrefix(dst []byte, instruction string) []byte {
	dst = append(dst, "instruction="...)
	dst = append(dst, instruction...)
	return append(dst, '&')
}

func appendTail(dst []byte, timestamp, window int64) []byte {
	dst = append(dst, "timestamp="...)
	dst = strconv.AppendInt(dst, timestamp, 10)
	dst = append(dst, "&window="...)
	return strconv.AppendInt(dst, window, 10)
}

// appendRFC3986 appends s in ccxt's encoding: JavaScript's
// encodeURIComponent with !'()* escaped too, so only A–Z a–z 0–9 - _ . ~
// stay as they are. escaped reports whether anything was escaped.
func appendRFC3986(dst []byte, s string) (out []byte, escaped bool) {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved[c] {
			dst = append(dst, c)
			continue
		}
		dst = append(dst, '%', hex[c>>4], hex[c&15])
		escaped = true
	}
	return dst, escaped
}

// unreserved marks the bytes RFC 3986 leaves unencoded.
var unreserved = func() (t [256]bool) {
	for c := range 256 {
		t[c] = 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~'
	}
	return t
}()

// rfc3986 is appendRFC3986 to a string.
func rfc3986(s string) string {
	b, _ := appendRFC3986(make([]byte, 0, len(s)), s)
	return string(b)
}

// param is one key=value pair of a query's signed text, in its final form.
type param struct{ sortKey, key, value string }

// queryText builds the signed text of a query's sorted pairs.
func queryText(instruction string, ps []param, tail string) string {
	var sb strings.Builder
	sb.WriteString("instruction=")
	sb.WriteString(instruction)
	sb.WriteByte('&')
	for i, p := range ps {
		if i > 0 {
			sb.WriteByte('&')
		}
		sb.WriteString(p.key)
		sb.WriteByte('=')
		sb.WriteString(p.value)
	}
	if len(ps) > 0 {
		sb.WriteByte('&')
	}
	sb.WriteString(tail)
	return sb.String()
}

// queryParams splits a raw query into its pairs, sorted by key: as sent
// (ccxt encodes the URL and the signed text alike) and decoded.
func queryParams(raw string) (encoded, plain []param, err *backpack.Error) {
	for piece := range strings.SplitSeq(raw, "&") {
		if piece == "" {
			continue
		}
		k, v, _ := strings.Cut(piece, "=")
		dk, err1 := url.QueryUnescape(k)
		dv, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return nil, nil, backpack.Errorf(http.StatusBadRequest, backpack.CodeInvalidClientRequest, "malformed query string")
		}
		encoded = append(encoded, param{sortKey: dk, key: k, value: v})
		plain = append(plain, param{sortKey: dk, key: dk, value: dv})
	}
	sortParams(encoded)
	sortParams(plain)
	return encoded, plain, nil
}

func sortParams(ps []param) {
	slices.SortStableFunc(ps, func(a, b param) int { return strings.Compare(a.sortKey, b.sortKey) })
}
