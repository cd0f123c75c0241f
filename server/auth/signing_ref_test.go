package auth

// The map-based signed-text reconstruction this package used before the
// one-pass builder (kept verbatim, renamed): the reference FuzzSigningTexts
// checks the builder against.

import (
	"bytes"
	"encoding/json"
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
// objects, each signed as `instruction=<name>&<its params>&`. An empty body
// has no parameters. Values: a string as is, a number as its JSON literal, a
// boolean as true/false, null as the empty string; a nested object or array
// is refused (no Backpack endpoint takes one). A body that is not such JSON
// is refused with 400 INVALID_CLIENT_REQUEST.
func refSigningTexts(method, rawQuery string, body []byte, instruction string, timestamp, window int64) ([]string, *backpack.Error) {
	var encoded, plain [][]refParam
	switch {
	case method == http.MethodGet || method == http.MethodHead:
		enc, pl, err := refQueryParams(rawQuery)
		if err != nil {
			return nil, err
		}
		encoded, plain = [][]refParam{enc}, [][]refParam{pl}
	default:
		var err *backpack.Error
		if encoded, plain, err = refBodyParams(body); err != nil {
			return nil, err
		}
	}
	tail := "timestamp=" + strconv.FormatInt(timestamp, 10) + "&window=" + strconv.FormatInt(window, 10)
	batch := len(bytes.TrimSpace(body)) > 0 && bytes.TrimSpace(body)[0] == '['
	a := refSigningText(instruction, encoded, tail, batch)
	b := refSigningText(instruction, plain, tail, batch)
	if a == b {
		return []string{a}, nil
	}
	return []string{a, b}, nil
}

// signingText builds the text for already encoded parameter groups: one
// group for an ordinary request, one per order for a batch.
func refSigningText(instruction string, groups [][]refParam, tail string, batch bool) string {
	var sb strings.Builder
	if batch {
		// ccxt's generateBatchPayload: each order as "instruction=…&k=v…&",
		// then the timestamp and window after the last.
		for _, g := range groups {
			sb.WriteString("instruction=")
			sb.WriteString(instruction)
			sb.WriteByte('&')
			refWriteParams(&sb, g)
			sb.WriteByte('&')
		}
		sb.WriteString(tail)
		return sb.String()
	}
	sb.WriteString("instruction=")
	sb.WriteString(instruction)
	sb.WriteByte('&')
	for _, g := range groups {
		if len(g) > 0 {
			refWriteParams(&sb, g)
			sb.WriteByte('&')
		}
	}
	sb.WriteString(tail)
	return sb.String()
}

func refWriteParams(sb *strings.Builder, g []refParam) {
	for i, p := range g {
		if i > 0 {
			sb.WriteByte('&')
		}
		sb.WriteString(p.key)
		sb.WriteByte('=')
		sb.WriteString(p.value)
	}
}

// param is one key=value pair of the signed text, already in its final form.
type refParam struct{ sortKey, key, value string }

func refSortParams(ps []refParam) {
	slices.SortStableFunc(ps, func(a, b refParam) int { return strings.Compare(a.sortKey, b.sortKey) })
}

// queryParams splits a raw query into its pairs, sorted by key: as sent
// (ccxt encodes the URL and the signed text alike) and decoded.
func refQueryParams(raw string) (encoded, plain []refParam, err *backpack.Error) {
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
		encoded = append(encoded, refParam{sortKey: dk, key: k, value: v})
		plain = append(plain, refParam{sortKey: dk, key: dk, value: dv})
	}
	refSortParams(encoded)
	refSortParams(plain)
	return encoded, plain, nil
}

// bodyParams reads a JSON object (one group) or array of objects (one group
// each) into sorted parameters, encoded and plain.
func refBodyParams(body []byte) (encoded, plain [][]refParam, err *backpack.Error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, nil, nil
	}
	var objects []map[string]json.RawMessage
	if body[0] == '[' {
		if e := json.Unmarshal(body, &objects); e != nil {
			return nil, nil, refMalformed(e)
		}
	} else {
		var o map[string]json.RawMessage
		if e := json.Unmarshal(body, &o); e != nil {
			return nil, nil, refMalformed(e)
		}
		objects = append(objects, o)
	}
	for _, o := range objects {
		var enc, pl []refParam
		for k, raw := range o {
			v, e := refScalar(raw)
			if e != nil {
				return nil, nil, e
			}
			enc = append(enc, refParam{sortKey: k, key: refRFC3986(k), value: refRFC3986(v)})
			pl = append(pl, refParam{sortKey: k, key: k, value: v})
		}
		refSortParams(enc)
		refSortParams(pl)
		encoded, plain = append(encoded, enc), append(plain, pl)
	}
	return encoded, plain, nil
}

// scalar renders a JSON value as JavaScript's String() does for what
// JSON.parse gives (ccxt's urlencode): numbers keep their literal, which is
// what JSON.stringify wrote.
func refScalar(raw json.RawMessage) (string, *backpack.Error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", refMalformed(nil)
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", refMalformed(err)
		}
		return s, nil
	case 'n':
		return "", nil
	case 't', 'f':
		return string(raw), nil
	case '{', '[':
		return "", backpack.Errorf(http.StatusBadRequest, backpack.CodeInvalidClientRequest, "nested objects and arrays are not accepted in a signed request")
	}
	return string(raw), nil
}

func refMalformed(err error) *backpack.Error {
	msg := "malformed JSON body"
	if err != nil {
		msg += ": " + err.Error()
	}
	return backpack.Errorf(http.StatusBadRequest, backpack.CodeInvalidClientRequest, "%s", msg)
}

// rfc3986 is ccxt's encoding: JavaScript's encodeURIComponent with !'()*
// escaped too, so only A–Z a–z 0–9 - _ . ~ stay as they are.
func refRFC3986(s string) string {
	const hex = "0123456789ABCDEF"
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			sb.WriteByte(c)
			continue
		}
		sb.WriteByte('%')
		sb.WriteByte(hex[c>>4])
		sb.WriteByte(hex[c&15])
	}
	return sb.String()
}
