package backpack

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/waterfallrisk/waterfall/engine"
)

// Error codes the server itself answers with, beside the engine's
// (engine/errors.go). Every one is a code ccxt's backpack client knows.
const (
	CodeInvalidClientRequest = "INVALID_CLIENT_REQUEST"
	CodeInvalidMarket        = "INVALID_MARKET"
	CodeInvalidAsset         = "INVALID_ASSET"
	CodeInvalidOrder         = "INVALID_ORDER"
	CodeInvalidPrice         = "INVALID_PRICE"
	CodeInvalidQuantity      = "INVALID_QUANTITY"
	CodeInvalidSignature     = "INVALID_SIGNATURE"
	CodeUnauthorized         = "UNAUTHORIZED"
	CodeTooManyRequests      = "TOO_MANY_REQUESTS"
	CodeResourceNotFound     = "RESOURCE_NOT_FOUND"
	CodeNotImplemented       = "NOT_IMPLEMENTED"
	CodeServerError          = "SERVER_ERROR"
)

// Error is Backpack's error body, {"code","message"}, with the HTTP status
// it goes out with (not serialized).
type Error struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf returns an Error with a formatted message.
func Errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// BadRequest returns a 400 INVALID_CLIENT_REQUEST.
func BadRequest(format string, args ...any) *Error {
	return Errorf(http.StatusBadRequest, CodeInvalidClientRequest, format, args...)
}

// FromEngine turns what a Submit returned into the error to answer with: an
// engine refusal (*engine.Error) keeps its code, with 404 for
// RESOURCE_NOT_FOUND and 400 for every other refusal (a refusal is the
// request's fault: nothing was journaled); anything else (the sequencer
// stopped, the context ended, the journal failed) is a 503 SERVER_ERROR.
func FromEngine(err error) *Error {
	var ee *engine.Error
	if !errors.As(err, &ee) {
		return Errorf(http.StatusServiceUnavailable, CodeServerError, "%v", err)
	}
	status := http.StatusBadRequest
	if ee.Code == engine.CodeResourceNotFound {
		status = http.StatusNotFound
	}
	return &Error{Status: status, Code: string(ee.Code), Message: ee.Message}
}
