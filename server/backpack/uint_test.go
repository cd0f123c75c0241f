package backpack

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestUintJSON: an id is a bare or quoted whole number in its range; null
// leaves it unset; anything else is refused with the message naming the
// range (a malformed string: the decoder's error).
func TestUintJSON(t *testing.T) {
	var u Uint64
	for in, want := range map[string]Uint64{`7`: {7, true}, `"18446744073709551615"`: {1<<64 - 1, true}, `null`: {}} {
		if err := json.Unmarshal([]byte(in), &u); err != nil || u != want {
			t.Errorf("orderId %s: %+v %v, want %+v", in, u, err, want)
		}
	}
	for in, msg := range map[string]string{`-1`: "(an id)", `18446744073709551616`: "(an id)", `"1.5"`: "(an id)", `"\x"`: "invalid"} {
		if err := json.Unmarshal([]byte(in), &u); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("orderId %s: %v, want an error saying %q", in, err, msg)
		}
	}
	var c Uint32
	if err := json.Unmarshal([]byte(`4294967296`), &c); err == nil || !strings.Contains(err.Error(), "0 to 4294967295") {
		t.Errorf("clientId 2^32: %v", err)
	}
	if err := json.Unmarshal([]byte(`null`), &c); err != nil || c != (Uint32{}) {
		t.Errorf("clientId null: %+v %v", c, err)
	}
}

// TestParseUintParams: query ids are whole numbers in range; "" is unset;
// anything else is a 400 naming the field.
func TestParseUintParams(t *testing.T) {
	if v, err := ParseUint64("orderId", "18446744073709551615"); err != nil || v != (Uint64{1<<64 - 1, true}) {
		t.Errorf("orderId max: %+v %v", v, err)
	}
	if v, err := ParseUint32("clientId", "4294967295"); err != nil || v != (Uint32{1<<32 - 1, true}) {
		t.Errorf("clientId max: %+v %v", v, err)
	}
	if v, err := ParseUint64("orderId", ""); err != nil || v.Set {
		t.Errorf("orderId empty: %+v %v", v, err)
	}
	if v, err := ParseUint32("clientId", ""); err != nil || v.Set {
		t.Errorf("clientId empty: %+v %v", v, err)
	}
	for _, c := range []struct {
		err  *Error
		want string
	}{
		{second(ParseUint64("orderId", "-1")), "orderId must be a whole number"},
		{second(ParseUint32("clientId", "4294967296")), "clientId must be a whole number from 0 to 4294967295"},
	} {
		if c.err == nil || c.err.Status != http.StatusBadRequest || c.err.Message != c.want {
			t.Errorf("%+v, want a 400 %q", c.err, c.want)
		}
	}
}

func second[T any](_ T, err *Error) *Error { return err }
