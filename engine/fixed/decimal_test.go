package fixed

import (
	"fmt"
	"math"
	"math/big"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

type parseCase struct {
	s        string
	decimals int
	want     int64
	ok       bool
}

var parseCases = []parseCase{
	// Plain values and signs.
	{"1.5", 1, 15, true},
	{"-1.5", 1, -15, true},
	{"+1.5", 1, 15, true},
	{"0", 0, 0, true},
	{"-0", 0, 0, true},
	{"-0.000", 3, 0, true},
	{"100000", 8, 10_000_000_000_000, true},  // BTC index 100000 as a Price
	{"0.01333333", 12, 13_333_330_000, true}, // BTC_USDC_PERP base IMF as a Rate
	{"0.00002494", 12, 24_940_000, true},     // its IMF factor
	{".5", 1, 5, true},
	{"5.", 0, 5, true},
	{"007", 0, 7, true},

	// Too many decimals is refused; trailing zeros beyond them are fine.
	{"1.55", 1, 0, false},
	{"0.0000001", 6, 0, false},
	{"1.500", 1, 15, true},
	{"1.000000000000000000000000", 6, 1_000_000, true}, // 25 digits, all but one trailing zeros
	{"0.1", 0, 0, false},

	// Exponents.
	{"1e3", 0, 1000, true},
	{"1.5E2", 0, 150, true},
	{"12e+1", 0, 120, true},
	{"15e-1", 1, 15, true},
	{"15e-2", 1, 0, false},
	{"100e-2", 0, 1, true},
	{"0e-300", 0, 0, true},
	{"1e18", 0, 1_000_000_000_000_000_000, true},
	{"1e19", 0, 0, false},
	{"1e-18", 18, 1, true},

	// Digits past the decimal library's 19 decimals are refused, not rounded
	// (these were rounded to 0, 1 and 100 before decimal.go's exactScale).
	{"0.00000000000000000001", 18, 0, false},
	{"1e-20", 18, 0, false},
	{"1e-330", 18, 0, false},
	{"0.00000000000000000095", 18, 0, false},
	{"0.00000000000000009995", 18, 0, false},

	// More significant digits than an int64 can carry: refused, not rounded.
	{"1234567890123456789012345", 0, 0, false},
	{"0.1234567890123456789012345", 18, 0, false},
	{"1.000000000000000000000001", 18, 0, false},
	{"1234567890123.456789012345", 12, 0, false},
	{"0000000000000000000000001", 0, 1, true}, // 25 characters, one significant digit

	// The int64 range, at several scales.
	{"9223372036854775807", 0, math.MaxInt64, true},
	{"9223372036854775808", 0, 0, false},
	{"-9223372036854775808", 0, math.MinInt64, true},
	{"-9223372036854775809", 0, 0, false},
	{"9223372036854.775807", 6, math.MaxInt64, true},
	{"9223372036854.775808", 6, 0, false},
	{"-9223372036854.775808", 6, math.MinInt64, true},
	{"10000000000000", 6, 0, false},
	{"9.223372036854775807", 18, math.MaxInt64, true},
	{"10", 18, 0, false},

	// Decimals outside 0..18.
	{"1", -1, 0, false},
	{"1", 19, 0, false},

	// Garbage.
	{"", 0, 0, false},
	{" ", 0, 0, false},
	{" 1", 0, 0, false},
	{"1 ", 0, 0, false},
	{"abc", 0, 0, false},
	{"1.2.3", 1, 0, false},
	{"--1", 0, 0, false},
	{"+-1", 0, 0, false},
	{"1e", 0, 0, false},
	{"e5", 0, 0, false},
	{"1e5e5", 0, 0, false},
	{"0x10", 0, 0, false},
	{"1_000", 0, 0, false},
	{"1,5", 1, 0, false},
	{".", 0, 0, false},
	{"-", 0, 0, false},
	{"NaN", 0, 0, false},
	{"Inf", 0, 0, false},
	{"1e999", 0, 0, false},
	{strings.Repeat("1", 400), 0, 0, false},
}

func TestParseDecimal(t *testing.T) {
	for _, c := range parseCases {
		got, err := ParseDecimal(c.s, c.decimals)
		if c.ok && (err != nil || got != c.want) {
			t.Errorf("ParseDecimal(%q, %d) = %d, %v; want %d", c.s, c.decimals, got, err, c.want)
		}
		if !c.ok && err == nil {
			t.Errorf("ParseDecimal(%q, %d) = %d; want an error", c.s, c.decimals, got)
		}
	}
}

func TestFormat(t *testing.T) {
	cases := []struct {
		v           int64
		decimals    int
		canonical   string
		fixedPoints string
	}{
		{0, 0, "0", "0"},
		{0, 4, "0", "0.0000"},
		{15, 1, "1.5", "1.5"},
		{-15, 1, "-1.5", "-1.5"},
		{100, 4, "0.01", "0.0100"},
		{1_500, 0, "1500", "1500"},
		{-1, 6, "-0.000001", "-0.000001"},
		{1, 18, "0.000000000000000001", "0.000000000000000001"},
		{13_333_330_000, 12, "0.01333333", "0.013333330000"},
		{math.MaxInt64, 0, "9223372036854775807", "9223372036854775807"},
		{math.MaxInt64, 6, "9223372036854.775807", "9223372036854.775807"},
		{math.MinInt64, 18, "-9.223372036854775808", "-9.223372036854775808"},
		{math.MinInt64, 1, "-922337203685477580.8", "-922337203685477580.8"},
	}
	for _, c := range cases {
		if got := FormatDecimal(c.v, c.decimals); got != c.canonical {
			t.Errorf("FormatDecimal(%d, %d) = %q, want %q", c.v, c.decimals, got, c.canonical)
		}
		if got := FormatFixed(c.v, c.decimals); got != c.fixedPoints {
			t.Errorf("FormatFixed(%d, %d) = %q, want %q", c.v, c.decimals, got, c.fixedPoints)
		}
	}
}

// TestFormatParseRoundTrip: every int64 at every scale survives both formats.
func TestFormatParseRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		v, d := anyInt64().Draw(t, "v"), rapid.IntRange(0, 18).Draw(t, "decimals")
		for _, s := range []string{FormatDecimal(v, d), FormatFixed(v, d)} {
			if got, err := ParseDecimal(s, d); err != nil || got != v {
				t.Fatalf("ParseDecimal(%q, %d) = %d, %v; want %d", s, d, got, err, v)
			}
		}
	})
}

// TestParseDecimalIsExact builds decimal strings from parts and checks them
// against math/big: an accepted string is exactly its value, and a refused
// one does not fit, needs more decimals, or carries more than 19 digits.
func TestParseDecimalIsExact(t *testing.T) {
	digits := rapid.StringMatching(`[0-9]{0,24}`)
	rapid.Check(t, func(t *rapid.T) {
		sign := rapid.SampledFrom([]string{"", "-", "+"}).Draw(t, "sign")
		whole, frac := digits.Draw(t, "whole"), digits.Draw(t, "frac")
		s := sign + whole
		if frac != "" || rapid.Bool().Draw(t, "point") {
			s += "." + frac
		}
		exp := 0
		if rapid.Bool().Draw(t, "hasExp") {
			exp = rapid.IntRange(-40, 40).Draw(t, "exp")
			s += fmt.Sprintf("e%+d", exp)
		}
		d := rapid.IntRange(0, 18).Draw(t, "decimals")
		got, err := ParseDecimal(s, d)
		want, valid := new(big.Rat).SetString(s)
		if whole+frac == "" {
			valid = false
		}
		if !valid {
			if err == nil {
				t.Fatalf("ParseDecimal(%q) = %d, want an error", s, got)
			}
			return
		}
		want.Mul(want, new(big.Rat).SetInt64(Pow10(d)))
		representable := want.IsInt() && want.Num().IsInt64()
		if err == nil {
			if !representable || want.Num().Int64() != got {
				t.Fatalf("ParseDecimal(%q, %d) = %d, want exactly %v", s, d, got, want)
			}
			return
		}
		// The documented refusals of a representable value: more than 19
		// significant digits, or more than 19 integer digits written out
		// (the decimal library's limit, which also refuses "0e20").
		significant := len(strings.TrimLeft(whole+frac, "0"))
		if representable && significant <= 19 && max(significant, 1)-len(frac)+exp <= 19 {
			t.Fatalf("ParseDecimal(%q, %d) refused %v: %v", s, d, want, err)
		}
	})
}

// FuzzParseDecimal: ParseDecimal never panics; whatever it accepts is exactly
// the string's value (when math/big reads the string too) and survives
// FormatDecimal and FormatFixed unchanged.
func FuzzParseDecimal(f *testing.F) {
	for _, c := range parseCases {
		f.Add(c.s, uint8(max(c.decimals, 0)))
	}
	f.Fuzz(func(t *testing.T, s string, decimals uint8) {
		d := int(decimals % 19)
		v, err := ParseDecimal(s, d)
		if err != nil {
			return
		}
		if r, ok := new(big.Rat).SetString(s); ok {
			r.Mul(r, new(big.Rat).SetInt64(Pow10(d)))
			if !r.IsInt() || r.Num().Cmp(big.NewInt(v)) != 0 {
				t.Fatalf("ParseDecimal(%q, %d) = %d, but the string is %v units", s, d, v, r)
			}
		}
		for _, out := range []string{FormatDecimal(v, d), FormatFixed(v, d)} {
			if back, err := ParseDecimal(out, d); err != nil || back != v {
				t.Fatalf("ParseDecimal(%q) = %d via %q → %d, %v", s, v, out, back, err)
			}
		}
	})
}
