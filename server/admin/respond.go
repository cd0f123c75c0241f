package admin

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/waterfallrisk/waterfall/engine/fixed"
	"github.com/waterfallrisk/waterfall/server/backpack"
	"github.com/waterfallrisk/waterfall/server/sequencer"
)

func writeJSON(w http.ResponseWriter, v any) *backpack.Error {
	b, err := json.Marshal(v)
	if err != nil {
		return backpack.Errorf(http.StatusInternalServerError, backpack.CodeServerError, "encoding the answer: %v", err)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(append(b, '\n'))
	return nil
}

func writeError(w http.ResponseWriter, e *backpack.Error) {
	b, _ := json.Marshal(e) // two strings: cannot fail
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(e.Status)
	_, _ = w.Write(append(b, '\n'))
}

// decode reads the body, at most maxBody bytes, as exactly one JSON object
// into v: unknown fields, trailing data and type mismatches are 400s.
func (h *Handler) decode(w http.ResponseWriter, r *http.Request, v any) *backpack.Error {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.maxBody))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return backpack.Errorf(http.StatusRequestEntityTooLarge, backpack.CodeInvalidClientRequest, "request body exceeds %d bytes", h.maxBody)
	case err != nil:
		return backpack.BadRequest("reading the request body: %v", err)
	case len(bytes.TrimSpace(b)) == 0:
		return backpack.BadRequest("the request body must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return backpack.BadRequest("malformed request body: %v", err)
	}
	if dec.More() {
		return backpack.BadRequest("malformed request body: data after the JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return backpack.BadRequest("malformed request body: data after the JSON object")
	}
	return nil
}

// fromSequencer turns a Submit/Read error into the answer: an engine refusal
// keeps its code (404 for RESOURCE_NOT_FOUND, else 400); the wall clock and a
// bound key are 400s; anything else (sequencer stopped, journal failure) 503.
func fromSequencer(err error) *backpack.Error {
	switch {
	case errors.Is(err, sequencer.ErrWallClock):
		return backpack.BadRequest("the clock follows the wall clock: start the server with --clock manual to advance it")
	case errors.Is(err, sequencer.ErrKeyBound):
		return backpack.Errorf(http.StatusConflict, backpack.CodeInvalidClientRequest, "%v", err)
	}
	return backpack.FromEngine(err)
}

// Integer is a JSON integer in a request (accountId, advanceMs): a bare
// whole number, no quotes, fraction or exponent. Null or absent is unset.
type Integer struct {
	Value int64
	Set   bool
}

// UnmarshalJSON accepts a whole number within int64.
func (n *Integer) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*n = Integer{}
		return nil
	}
	v, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return fmt.Errorf("%s is not a JSON integer", b)
	}
	*n = Integer{Value: v, Set: true}
	return nil
}

// required checks that a field was given.
func required(field string, set bool) *backpack.Error {
	if !set {
		return backpack.BadRequest("%s is required", field)
	}
	return nil
}

// amount reads a decimal with the given decimals: required, ≥ 0, and > 0
// unless zeroOK.
func amount(field string, d backpack.Decimal, decimals int, zeroOK bool) (int64, *backpack.Error) {
	if err := required(field, d.Set); err != nil {
		return 0, err
	}
	v, err := fixed.ParseDecimal(d.Text, decimals)
	switch {
	case err != nil:
		return 0, backpack.Errorf(http.StatusBadRequest, backpack.CodeInvalidQuantity,
			"%s: %q is not a decimal number with at most %d decimals in range", field, d.Text, decimals)
	case v < 0 || v == 0 && !zeroOK:
		return 0, backpack.Errorf(http.StatusBadRequest, backpack.CodeInvalidQuantity, "%s must be positive, not %s", field, d.Text)
	}
	return v, nil
}

func hexString(b []byte) string { return hex.EncodeToString(b) }
