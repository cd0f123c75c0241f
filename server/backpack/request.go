package backpack

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/waterfallrisk/waterfall/engine"
)

// Decode reads a JSON request body into v strictly: one value, no unknown
// fields, no trailing data. Any problem is a 400 INVALID_CLIENT_REQUEST.
func Decode(body []byte, v any) *Error {
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return BadRequest("malformed request body: %v", err)
	}
	if _, err := d.Token(); !errors.Is(err, io.EOF) {
		return BadRequest("malformed request body: trailing data after the JSON value")
	}
	return nil
}

// CancelRequest is the body of DELETE /api/v1/order (and the query of GET
// /api/v1/order): the market and the order id or client id.
type CancelRequest struct {
	Symbol   string `json:"symbol"`
	OrderID  Uint64 `json:"orderId"`
	ClientID Uint32 `json:"clientId"`
}

// Validate checks that an order is named.
func (r *CancelRequest) Validate() *Error {
	if !r.OrderID.Set && !r.ClientID.Set {
		return BadRequest("orderId or clientId is required")
	}
	if r.OrderID.Set && r.OrderID.Value == 0 {
		return Errorf(http.StatusNotFound, CodeResourceNotFound, "order 0 does not exist")
	}
	return nil
}

// CancelAllRequest is the body of DELETE /api/v1/orders. Without a symbol
// every market's orders are cancelled.
type CancelAllRequest struct {
	Symbol     string `json:"symbol"`
	MarketType string `json:"marketType"`
}

// AccountUpdate is the body of PATCH /api/v1/account. autoBorrowSettlements,
// autoLend and autoRepayBorrows set the account's lending flags (any
// subset: the others keep their value); autoRealizePnl is accepted only as
// true (PnL is always realized). positionMode and marginMode are
// extensions.
type AccountUpdate struct {
	LeverageLimit         Decimal `json:"leverageLimit"`
	PositionMode          string  `json:"positionMode"`
	MarginMode            string  `json:"marginMode"`
	AutoBorrowSettlements *bool   `json:"autoBorrowSettlements"`
	AutoLend              *bool   `json:"autoLend"`
	AutoRealizePnl        *bool   `json:"autoRealizePnl"`
	AutoRepayBorrows      *bool   `json:"autoRepayBorrows"`
}

// SetsLendingFlags reports whether the update names any lending flag.
func (r *AccountUpdate) SetsLendingFlags() bool {
	return r.AutoBorrowSettlements != nil || r.AutoLend != nil || r.AutoRepayBorrows != nil
}

// Commands converts the update into the engine commands that carry it out,
// in the order they must apply: position mode, margin mode, leverage limit,
// lending flags. flags are the account's lending flags now: the ones the
// update names replace theirs, the others are kept (CmdSetLendingFlags sets
// all three at once).
func (r *AccountUpdate) Commands(acct engine.AccountID, flags engine.LendingFlags) ([]engine.Command, *Error) {
	if r.AutoRealizePnl != nil && !*r.AutoRealizePnl {
		return nil, Errorf(http.StatusBadRequest, CodeNotImplemented, "PnL is always realized: autoRealizePnl must be true")
	}
	var out []engine.Command
	if r.PositionMode != "" {
		pm, err := ParsePositionMode(r.PositionMode)
		if err != nil {
			return nil, err
		}
		out = append(out, engine.Command{Kind: engine.CmdSetPositionMode, Account: acct, PositionMode: pm})
	}
	if r.MarginMode != "" {
		mm, err := ParseMarginMode(r.MarginMode)
		if err != nil {
			return nil, err
		}
		out = append(out, engine.Command{Kind: engine.CmdSetMarginMode, Account: acct, MarginMode: mm})
	}
	if r.LeverageLimit.Set {
		l, err := r.LeverageLimit.parse("leverageLimit", 0)
		if err != nil {
			return nil, err
		}
		out = append(out, engine.Command{Kind: engine.CmdSetLeverageLimit, Account: acct, Amount: l})
	}
	if r.SetsLendingFlags() {
		for _, f := range []struct {
			set  *bool
			flag engine.LendingFlags
		}{{r.AutoBorrowSettlements, engine.AutoBorrowSettlements}, {r.AutoRepayBorrows, engine.AutoRepayBorrows}, {r.AutoLend, engine.AutoLend}} {
			switch {
			case f.set == nil:
			case *f.set:
				flags |= f.flag
			default:
				flags &^= f.flag
			}
		}
		out = append(out, engine.Command{Kind: engine.CmdSetLendingFlags, Account: acct, Amount: int64(flags)})
	}
	return out, nil
}

// MarginRequest is the body of POST /api/v1/position/margin (an extension):
// quantity (settlement asset, signed) moves into an isolated position, or out
// of it when negative; positionSide names a hedge-mode side.
type MarginRequest struct {
	Symbol       string  `json:"symbol"`
	Quantity     Decimal `json:"quantity"`
	PositionSide string  `json:"positionSide"`
}

// MarginCommand converts the request into a CmdAdjustMargin for acct.
func (c *Catalog) MarginCommand(r *MarginRequest, acct engine.AccountID) (engine.Command, *Error) {
	cmd := engine.Command{Kind: engine.CmdAdjustMargin, Account: acct}
	var err *Error
	if cmd.Market, err = c.Market(r.Symbol); err != nil {
		return cmd, err
	}
	if cmd.PositionSide, err = ParsePositionSide(r.PositionSide); err != nil {
		return cmd, err
	}
	if !r.Quantity.Set {
		return cmd, BadRequest("quantity is required")
	}
	if cmd.Amount, err = c.ParseSettleSigned("quantity", r.Quantity); err != nil {
		return cmd, err
	}
	return cmd, nil
}
