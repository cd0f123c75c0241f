package backpack

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/big"
	"strconv"

	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// Decimal is a number in a request: a JSON string ("0.001") or a JSON number
// (0.001), kept as the text it was sent as, so that nothing is rounded before
// fixed.ParseDecimal reads it exactly. Null or absent leaves it unset.
type Decimal struct {
	Text string
	Set  bool
}

// Dec returns a set Decimal holding s.
func Dec(s string) Decimal { return Decimal{Text: s, Set: true} }

// UnmarshalJSON accepts a string or a number; anything else is an error.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0:
		return errors.New("empty value")
	case string(b) == "null":
		*d = Decimal{}
		return nil
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*d = Decimal{Text: s, Set: true}
		return nil
	case b[0] == '-' || ('0' <= b[0] && b[0] <= '9'):
		*d = Decimal{Text: string(b), Set: true}
		return nil
	}
	return errors.New("a number must be a decimal string or a JSON number")
}

// parse reads d exactly with the given decimals: a value that needs more
// decimals, does not fit, is negative, or is not a number is a 400
// INVALID_CLIENT_REQUEST naming field. Unset is 0.
func (d Decimal) parse(field string, decimals int) (int64, *Error) {
	v, err := d.parseSigned(field, decimals)
	if err == nil && v < 0 {
		return 0, BadRequest("%s must not be negative", field)
	}
	return v, err
}

// parseSigned is parse allowing a negative value.
func (d Decimal) parseSigned(field string, decimals int) (int64, *Error) {
	if !d.Set {
		return 0, nil
	}
	v, err := fixed.ParseDecimal(d.Text, decimals)
	if err != nil {
		return 0, BadRequest("%s: %q is not a decimal number with at most %d decimals in range", field, d.Text, decimals)
	}
	return v, nil
}

// Uint32 is an unsigned 32-bit integer in a request (Backpack's clientId): a
// JSON number or a string of digits. Null or absent leaves it unset.
type Uint32 struct {
	Value uint32
	Set   bool
}

// UnmarshalJSON accepts a whole number 0..2^32−1, bare or quoted.
func (u *Uint32) UnmarshalJSON(b []byte) error {
	v, set, err := unmarshalUint(b, 32, "must be a whole number from 0 to 4294967295")
	if err == nil {
		*u = Uint32{Value: uint32(v), Set: set}
	}
	return err
}

// Uint64 is an unsigned 64-bit id in a request (an orderId): a JSON number or
// a string of digits. Null or absent leaves it unset.
type Uint64 struct {
	Value uint64
	Set   bool
}

// UnmarshalJSON accepts a whole number 0..2^64−1, bare or quoted.
func (u *Uint64) UnmarshalJSON(b []byte) error {
	v, set, err := unmarshalUint(b, 64, "must be a whole number (an id)")
	if err == nil {
		*u = Uint64{Value: v, Set: set}
	}
	return err
}

// unmarshalUint reads a JSON whole number of at most bits bits, bare or
// quoted; set is false for null. A value out of range or not a number is
// the error bad; a malformed JSON string, the decoder's error.
func unmarshalUint(b []byte, bits int, bad string) (v uint64, set bool, err error) {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return 0, false, nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return 0, false, err
		}
		b = []byte(s)
	}
	if v, err = strconv.ParseUint(string(b), 10, bits); err != nil {
		return 0, false, errors.New(bad)
	}
	return v, true, nil
}

// ParseUint64 reads an id from a query parameter ("" is unset).
func ParseUint64(field, s string) (Uint64, *Error) {
	v, set, err := parseUintParam(field, s, 64, "a whole number")
	return Uint64{Value: v, Set: set}, err
}

// ParseUint32 reads a client id from a query parameter ("" is unset).
func ParseUint32(field, s string) (Uint32, *Error) {
	v, set, err := parseUintParam(field, s, 32, "a whole number from 0 to 4294967295")
	return Uint32{Value: uint32(v), Set: set}, err
}

// parseUintParam reads a whole number of at most bits bits from a query
// parameter ("" is unset); anything else is a 400 saying field must be what.
func parseUintParam(field, s string, bits int, what string) (v uint64, set bool, err *Error) {
	if s == "" {
		return 0, false, nil
	}
	v, perr := strconv.ParseUint(s, 10, bits)
	if perr != nil {
		return 0, false, BadRequest("%s must be %s", field, what)
	}
	return v, true, nil
}

// formatScaled renders v·m·10^-decimals exactly, trailing zeros removed, even
// when v·m does not fit an int64.
func formatScaled(v, m int64, decimals int) string {
	if p, err := fixed.Mul(v, m); err == nil {
		return fixed.FormatDecimal(p, decimals)
	}
	x := new(big.Int).Mul(big.NewInt(v), big.NewInt(m))
	r := new(big.Rat).SetFrac(x, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(decimals)), nil))
	s := r.FloatString(decimals)
	for len(s) > 0 && s[len(s)-1] == '0' {
		s = s[:len(s)-1]
	}
	if len(s) > 0 && s[len(s)-1] == '.' {
		s = s[:len(s)-1]
	}
	return s
}
