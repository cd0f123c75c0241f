package engine

import "fmt"

// Code is an error code. Where Backpack has one for the situation, it is
// Backpack's (ccxt's backpack client maps these to its exception classes).
type Code string

// Error codes.
const (
	CodeInvalidClientRequest Code = "INVALID_CLIENT_REQUEST"
	CodeInvalidOrder         Code = "INVALID_ORDER"
	CodeInvalidMarket        Code = "INVALID_MARKET"
	CodeInvalidAsset         Code = "INVALID_ASSET"
	CodeInvalidPrice         Code = "INVALID_PRICE"
	CodeInvalidQuantity      Code = "INVALID_QUANTITY"
	CodeInsufficientFunds    Code = "INSUFFICIENT_FUNDS"
	CodeInsufficientMargin   Code = "INSUFFICIENT_MARGIN"
	CodeMaxLeverageReached   Code = "MAX_LEVERAGE_REACHED"
	CodeAccountLiquidating   Code = "ACCOUNT_LIQUIDATING"
	CodePositionLimit        Code = "POSITION_LIMIT"
	CodeResourceNotFound     Code = "RESOURCE_NOT_FOUND"
	CodeInvalidPositionID    Code = "INVALID_POSITION_ID"
	CodeTradingPaused        Code = "TRADING_PAUSED"
	CodePreconditionFailed   Code = "PRECONDITION_FAILED"
	CodeServerError          Code = "SERVER_ERROR"
)

// Error is the error every refused command returns. A refused command changes
// nothing: no state, no sequence number, no events.
type Error struct {
	Code    Code
	Message string
}

func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }

func errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Is lets errors.Is match on the code alone: errors.Is(err, &Error{Code: c}).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && (t.Message == "" || t.Message == e.Message)
}
