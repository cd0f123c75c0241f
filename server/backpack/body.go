package backpack

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// Body is a signed request's JSON body parsed once, in one pass and without
// maps, for both of its readers: server/auth builds the signed text from its
// parameters, and the handler decodes the request from them (Order).
//
// The body is a JSON object, or an array of JSON objects (a batch); null
// stands for an empty object, and so does an empty body. An object's values
// are kept flat, in the order sent (duplicate keys included): a scalar as
// its text, a nested object or array as its raw JSON (the signature refuses
// it; no request field takes one). Keys and values are substrings of one
// copy of the body, so parsing allocates only that copy and, rarely, a
// string with escapes.
//
// A Body is reusable: Parse resets it and keeps its storage. The zero value
// is an empty Body.
type Body struct {
	// Array: the body is a JSON array (a batch).
	Array bool
	// Params are every object's parameters, object after object.
	Params []Param
	ends   []int // Params of object i end at ends[i]
	// padded: the body is surrounded by spaces JSON does not allow (what
	// bytes.TrimSpace trims beyond them): acceptable for the signature,
	// which is built from the trimmed body, not for decoding (Decode refuses
	// it).
	padded bool
}

// Kind is a JSON value's type.
type Kind uint8

// Kinds of a parameter's value.
const (
	KindString Kind = iota + 1 // Value is the string, unescaped
	KindNumber                 // Value is the number's literal as sent
	KindTrue                   // Value is "true"
	KindFalse                  // Value is "false"
	KindNull                   // Value is ""
	KindNested                 // Value is an object's or array's raw JSON
)

// Param is one key and value of an object in a Body.
type Param struct {
	Key, Value string
	Kind       Kind
}

// maxDepth bounds the nesting of a nested value (encoding/json's bound).
const maxDepth = 10000

// Objects is the number of objects in the body (a batch's length; 1 for an
// object, null or empty body).
func (b *Body) Objects() int { return len(b.ends) }

// Object returns the parameters of object i, in the order sent.
func (b *Body) Object(i int) []Param {
	start := 0
	if i > 0 {
		start = b.ends[i-1]
	}
	return b.Params[start:b.ends[i]]
}

// Reset empties b, keeping its storage (up to a bound) and dropping its
// references into the last body.
func (b *Body) Reset() {
	const keep = 1024
	clear(b.Params)
	b.Params, b.ends, b.Array, b.padded = b.Params[:0], b.ends[:0], false, false
	if cap(b.Params) > keep || cap(b.ends) > keep {
		b.Params, b.ends = nil, nil
	}
}

// Parse reads body into b (see Body). Syntax errors, a body that is neither
// an object, null nor an array of objects (or nulls), and trailing data are
// 400 INVALID_CLIENT_REQUEST. On error b's content is unspecified.
func (b *Body) Parse(body []byte) *Error {
	b.Reset()
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		b.ends = append(b.ends, 0)
		return nil
	}
	b.padded = len(trimmed) != len(bytes.Trim(body, " \t\r\n"))
	p := parser{s: string(trimmed)}
	switch p.s[0] {
	case '[':
		b.Array = true
		p.i++
		p.space()
		if p.peek() == ']' {
			p.i++
			break
		}
		for {
			p.space()
			switch p.peek() {
			case '{':
				if err := p.object(b); err != nil {
					return err
				}
			case 'n':
				if err := p.literal("null"); err != nil {
					return err
				}
				b.ends = append(b.ends, len(b.Params))
			default:
				return p.fail("a batch is an array of JSON objects")
			}
			p.space()
			if c := p.peek(); c == ',' {
				p.i++
				continue
			} else if c == ']' {
				p.i++
				break
			}
			return p.fail("expected , or ] in the array")
		}
	case '{':
		if err := p.object(b); err != nil {
			return err
		}
	case 'n':
		if err := p.literal("null"); err != nil {
			return err
		}
		b.ends = append(b.ends, 0)
	default:
		return p.fail("the body must be a JSON object or an array of objects")
	}
	p.space()
	if p.i != len(p.s) {
		return p.fail("trailing data after the JSON value")
	}
	return nil
}

// parser scans JSON text; i is the next byte.
type parser struct {
	s string
	i int
}

func (p *parser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

// space skips JSON whitespace.
func (p *parser) space() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *parser) fail(what string) *Error {
	if p.i >= len(p.s) {
		return BadRequest("malformed JSON body: %s (at the end)", what)
	}
	return BadRequest("malformed JSON body: %s (offset %d)", what, p.i)
}

func (p *parser) literal(word string) *Error {
	if len(p.s)-p.i < len(word) || p.s[p.i:p.i+len(word)] != word {
		return p.fail("invalid literal")
	}
	p.i += len(word)
	return nil
}

// object reads a top-level or batch object (at '{') into b's parameters.
func (p *parser) object(b *Body) *Error {
	p.i++
	p.space()
	if p.peek() == '}' {
		p.i++
		b.ends = append(b.ends, len(b.Params))
		return nil
	}
	for {
		p.space()
		if p.peek() != '"' {
			return p.fail("expected a string key")
		}
		key, err := p.str()
		if err != nil {
			return err
		}
		p.space()
		if p.peek() != ':' {
			return p.fail("expected : after a key")
		}
		p.i++
		p.space()
		val, kind, err := p.value(0)
		if err != nil {
			return err
		}
		b.Params = append(b.Params, Param{Key: key, Value: val, Kind: kind})
		p.space()
		switch p.peek() {
		case ',':
			p.i++
			continue
		case '}':
			p.i++
			b.ends = append(b.ends, len(b.Params))
			return nil
		}
		return p.fail("expected , or } in an object")
	}
}

// value reads any JSON value; a nested object or array is checked and
// returned raw.
func (p *parser) value(depth int) (string, Kind, *Error) {
	switch c := p.peek(); {
	case c == '"':
		s, err := p.str()
		return s, KindString, err
	case c == 't':
		return "true", KindTrue, p.literal("true")
	case c == 'f':
		return "false", KindFalse, p.literal("false")
	case c == 'n':
		return "", KindNull, p.literal("null")
	case c == '-' || '0' <= c && c <= '9':
		s, err := p.number()
		return s, KindNumber, err
	case c == '{' || c == '[':
		start := p.i
		if err := p.nested(depth + 1); err != nil {
			return "", 0, err
		}
		return p.s[start:p.i], KindNested, nil
	}
	return "", 0, p.fail("invalid value")
}

// nested checks an object or array (at its opening bracket).
func (p *parser) nested(depth int) *Error {
	if depth > maxDepth {
		return p.fail("nested too deep")
	}
	closing := byte(']')
	if p.s[p.i] == '{' {
		closing = '}'
	}
	p.i++
	p.space()
	if p.peek() == closing {
		p.i++
		return nil
	}
	for {
		p.space()
		if closing == '}' {
			if p.peek() != '"' {
				return p.fail("expected a string key")
			}
			if _, err := p.str(); err != nil {
				return err
			}
			p.space()
			if p.peek() != ':' {
				return p.fail("expected : after a key")
			}
			p.i++
			p.space()
		}
		if _, _, err := p.value(depth); err != nil {
			return err
		}
		p.space()
		switch p.peek() {
		case ',':
			p.i++
			continue
		case closing:
			p.i++
			return nil
		}
		return p.fail("expected , or a closing bracket")
	}
}

// str reads a string (at its opening quote) and returns it unescaped as
// encoding/json does (invalid UTF-8 becomes U+FFFD). A string without
// escapes, in valid UTF-8, is a substring of the body.
func (p *parser) str() (string, *Error) {
	p.i++
	start := p.i
	escaped, wide := false, false
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			raw := p.s[start:p.i]
			p.i++
			if !escaped && (!wide || utf8.ValidString(raw)) {
				return raw, nil
			}
			var out string
			if err := json.Unmarshal([]byte(p.s[start-1:p.i]), &out); err != nil {
				return "", BadRequest("malformed JSON body: %v", err)
			}
			return out, nil
		case c == '\\':
			escaped = true
			p.i++
			switch p.peek() {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p.i++
			case 'u':
				p.i++
				for range 4 {
					if !isHex(p.peek()) {
						return "", p.fail("invalid \\u escape")
					}
					p.i++
				}
			default:
				return "", p.fail("invalid escape in a string")
			}
		case c < 0x20:
			return "", p.fail("control character in a string")
		default:
			wide = wide || c >= utf8.RuneSelf
			p.i++
		}
	}
	return "", p.fail("unterminated string")
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// number reads a JSON number and returns its literal.
func (p *parser) number() (string, *Error) {
	start := p.i
	if p.peek() == '-' {
		p.i++
	}
	switch c := p.peek(); {
	case c == '0':
		p.i++
	case '1' <= c && c <= '9':
		p.digits()
	default:
		return "", p.fail("invalid number")
	}
	if p.peek() == '.' {
		p.i++
		if p.digits() == 0 {
			return "", p.fail("invalid number")
		}
	}
	if c := p.peek(); c == 'e' || c == 'E' {
		p.i++
		if c := p.peek(); c == '+' || c == '-' {
			p.i++
		}
		if p.digits() == 0 {
			return "", p.fail("invalid number")
		}
	}
	return p.s[start:p.i], nil
}

func (p *parser) digits() int {
	n := 0
	for p.i < len(p.s) && '0' <= p.s[p.i] && p.s[p.i] <= '9' {
		p.i++
		n++
	}
	return n
}
