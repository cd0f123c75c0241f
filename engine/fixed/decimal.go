package fixed

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/govalues/decimal"
)

// Scales of the fixed-point kinds.
const (
	PriceDecimals = 8
	PriceScale    = 100_000_000 // Price: 1e-8 quote units per base unit
	RateDecimals  = 12
	RateScale     = 1_000_000_000_000 // Rate: 1e-12
)

// ParseDecimal turns a decimal string into an integer count of 10^-decimals.
// It is exact: a string with more significant decimals than allowed, or whose
// value does not fit an int64, is an error; nothing is rounded. Trailing zeros
// beyond the allowed decimals are fine ("1.500" with decimals 1 is 15).
func ParseDecimal(s string, decimals int) (int64, error) {
	if decimals < 0 || decimals > 18 {
		return 0, fmt.Errorf("fixed: %d decimals is outside 0..18", decimals)
	}
	if significantDigits(s) > decimal.MaxPrec {
		return 0, fmt.Errorf("fixed: %q has too many digits", s)
	}
	d, err := decimal.Parse(s)
	if err != nil {
		return 0, fmt.Errorf("fixed: %q is not a decimal number", s)
	}
	if d.MinScale() > decimals || exactScale(s) > decimals {
		return 0, fmt.Errorf("fixed: %q has more than %d decimals", s, decimals)
	}
	whole, frac, ok := d.Int64(decimals)
	if !ok {
		return 0, fmt.Errorf("fixed: %q is out of range", s)
	}
	v, err := Mul(whole, pow10[decimals])
	if err == nil {
		v, err = Add(v, frac)
	}
	if err != nil {
		return 0, fmt.Errorf("fixed: %q is out of range", s)
	}
	return v, nil
}

// significantDigits counts the digits of s that can carry value, so that a
// string longer than the decimal library keeps exactly is refused rather than
// rounded. Exponent digits are not counted.
func significantDigits(s string) int {
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimLeft(s, "+-")
	s = strings.TrimLeft(s, "0.")
	if strings.Contains(s, ".") {
		s = strings.TrimRight(s, "0")
	}
	n := 0
	for _, c := range s {
		if c >= '0' && c <= '9' {
			n++
		}
	}
	return n
}

// exactScale returns how many decimals the (already validated) string s needs
// to be held exactly: the position of its last nonzero digit after the point,
// less its exponent (0 for an integer). The decimal library rounds past its 19
// decimals, so "1e-20" would otherwise be read as 0.
func exactScale(s string) int {
	exp := 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.Atoi(s[i+1:])
		if err != nil {
			return 0 // unreachable: the library refused it already
		}
		s, exp = s[:i], e
	}
	frac := 0
	if i := strings.IndexByte(s, '.'); i >= 0 {
		frac = len(s) - i - 1
		s = s[:i] + s[i+1:]
	}
	digits := strings.TrimLeft(s, "+-")
	trimmed := strings.TrimRight(digits, "0")
	if strings.TrimLeft(trimmed, "0") == "" {
		return 0 // the value is zero
	}
	return max(0, frac-exp-(len(digits)-len(trimmed)))
}

// FormatDecimal renders v·10^-decimals with trailing zeros removed: the
// canonical string the API and reports show. decimals must be within 0..18.
func FormatDecimal(v int64, decimals int) string {
	d, err := decimal.New(v, decimals)
	if err != nil {
		// Only a value whose 19 digits cannot carry the scale reaches here.
		return fmt.Sprintf("%de-%d", v, decimals)
	}
	return d.Trim(0).String()
}

// FormatFixed renders v·10^-decimals with exactly decimals digits after the
// point ("0.0100"), as order books and quantities are shown.
func FormatFixed(v int64, decimals int) string {
	d, err := decimal.New(v, decimals)
	if err != nil {
		return fmt.Sprintf("%de-%d", v, decimals)
	}
	return d.Pad(decimals).String()
}

// Pow10 returns 10^n for n in 0..18.
func Pow10(n int) int64 { return pow10[n] }

var pow10 = [19]int64{
	1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000,
	1_000_000_000, 10_000_000_000, 100_000_000_000, 1_000_000_000_000,
	10_000_000_000_000, 100_000_000_000_000, 1_000_000_000_000_000,
	10_000_000_000_000_000, 100_000_000_000_000_000, 1_000_000_000_000_000_000,
}
