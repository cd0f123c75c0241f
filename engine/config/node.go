package config

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// This file reads the YAML tree strictly. Numbers are taken from each
// scalar's literal text, never through float64; every mapping key must be one
// the reader asked for, given once; every error names the field's path.

// reading is the state of one Load: the first error (later ones are dropped,
// since they are usually its echoes) and the line of every field read, so that
// Validate's errors can be pointed at the file too.
type reading struct {
	lines map[string]int
	err   *FieldError
}

// fail records an error unless one is already recorded.
func (r *reading) fail(path string, line int, format string, args ...any) {
	if r.err == nil {
		r.err = &FieldError{Path: path, Line: line, Err: fmt.Errorf(format, args...)}
	}
}

// object is one YAML mapping being read. Reading a key marks it known; done
// refuses any key left unread.
type object struct {
	r      *reading
	path   string
	line   int
	keys   []*yaml.Node          // key nodes in document order
	values map[string]*yaml.Node // key → value
	known  []string              // keys asked for, in the order asked
}

// object opens the mapping n found at path. A node that is not a mapping, or a
// key given twice, is an error; the object is then read as if empty.
func (r *reading) object(path string, n *yaml.Node) *object {
	n = resolve(n)
	o := &object{r: r, path: path, line: lineOf(n), values: map[string]*yaml.Node{}}
	if n == nil || n.Kind != yaml.MappingNode {
		r.fail(path, o.line, "want a mapping of fields, got %s", describe(n))
		return o
	}
	first := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if prev, dup := first[k.Value]; dup {
			r.fail(o.sub(k.Value), k.Line, "given twice (first at line %d)", prev)
			continue
		}
		first[k.Value] = k.Line
		o.keys = append(o.keys, k)
		o.values[k.Value] = v
	}
	return o
}

// sub is the path of key inside o.
func (o *object) sub(key string) string {
	if o.path == "" {
		return key
	}
	return o.path + "." + key
}

// get returns key's value, or nil when the key is absent or null (null and
// absent mean the same everywhere). It marks key as known.
func (o *object) get(key string) *yaml.Node {
	o.know(key)
	v := resolve(o.values[key])
	if v == nil {
		return nil
	}
	o.r.lines[o.sub(key)] = v.Line
	if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
		return nil
	}
	return v
}

// need is get for a required key.
func (o *object) need(key string) *yaml.Node {
	v := o.get(key)
	if v == nil {
		o.r.fail(o.sub(key), o.line, "required")
	}
	return v
}

// has reports whether key is given (and not null), marking it known.
func (o *object) has(key string) bool { return o.get(key) != nil }

// forbid refuses key if it is given; why says why it does not belong here.
func (o *object) forbid(key, why string) {
	if v := o.get(key); v != nil {
		o.r.fail(o.sub(key), v.Line, "not allowed: %s", why)
	}
}

// know records key as one this mapping may hold.
func (o *object) know(key string) {
	if !o.isKnown(key) {
		o.known = append(o.known, key)
	}
}

// done refuses the first key that was never asked for, in document order.
func (o *object) done() {
	for _, k := range o.keys {
		if !o.isKnown(k.Value) {
			o.r.fail(o.sub(k.Value), k.Line, "unknown field (known here: %s)", strings.Join(o.known, ", "))
			return
		}
	}
}

func (o *object) isKnown(key string) bool {
	for _, k := range o.known {
		if k == key {
			return true
		}
	}
	return false
}

// scalar returns the literal text of a required scalar.
func (o *object) scalar(key string) (string, int, bool) {
	v := o.need(key)
	if v == nil {
		return "", 0, false
	}
	if v.Kind != yaml.ScalarNode {
		o.r.fail(o.sub(key), v.Line, "want a single value, got %s", describe(v))
		return "", 0, false
	}
	return v.Value, v.Line, true
}

// str reads a required string.
func (o *object) str(key string) string {
	s, _, _ := o.scalar(key)
	return s
}

// int reads a required base-10 integer.
func (o *object) int(key string) int64 {
	s, line, ok := o.scalar(key)
	if !ok {
		return 0
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		o.r.fail(o.sub(key), line, "%q is not an integer", s)
	}
	return v
}

// uint reads a required base-10 unsigned integer.
func (o *object) uint(key string) uint64 {
	s, line, ok := o.scalar(key)
	if !ok {
		return 0
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		o.r.fail(o.sub(key), line, "%q is not a non-negative integer", s)
	}
	return v
}

// decimal reads a required exact decimal as a count of 10^-decimals. finer is
// the reason given when the text is more precise than that.
func (o *object) decimal(key string, decimals int, finer string) int64 {
	s, line, ok := o.scalar(key)
	if !ok {
		return 0
	}
	v, err := fixed.ParseDecimal(s, decimals)
	switch {
	case err == nil:
		return v
	case fractionDigits(s) > decimals:
		o.r.fail(o.sub(key), line, "%s is %s", s, finer)
	default:
		o.r.fail(o.sub(key), line, "%s", strings.TrimPrefix(err.Error(), "fixed: "))
	}
	return 0
}

// rate reads a required fraction as a fixed.Rate.
func (o *object) rate(key string) int64 {
	return o.decimal(key, fixed.RateDecimals, "more precise than 1e-12")
}

// child opens the required mapping under key.
func (o *object) child(key string) *object {
	return o.r.object(o.sub(key), o.need(key))
}

// list returns the items of the required sequence under key and their paths.
func (o *object) list(key string) ([]*yaml.Node, []string) {
	v := o.need(key)
	if v == nil {
		return nil, nil
	}
	if v.Kind != yaml.SequenceNode {
		o.r.fail(o.sub(key), v.Line, "want a list, got %s", describe(v))
		return nil, nil
	}
	paths := make([]string, len(v.Content))
	for i := range v.Content {
		paths[i] = fmt.Sprintf("%s[%d]", o.sub(key), i)
	}
	return v.Content, paths
}

// resolve follows an alias (*anchor) to the node it names.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func lineOf(n *yaml.Node) int {
	if n == nil {
		return 0
	}
	return n.Line
}

// describe names what a node is, for errors.
func describe(n *yaml.Node) string {
	switch {
	case n == nil, n.Tag == "!!null":
		return "nothing"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	default:
		return fmt.Sprintf("%q", n.Value)
	}
}

// fractionDigits counts the significant digits after the decimal point of a
// plain decimal ("0.0100" → 2); exponent forms count as 0 (their errors come
// from fixed.ParseDecimal instead).
func fractionDigits(s string) int {
	if strings.ContainsAny(s, "eE") {
		return 0
	}
	_, frac, found := strings.Cut(s, ".")
	if !found {
		return 0
	}
	return len(strings.TrimRight(frac, "0"))
}
