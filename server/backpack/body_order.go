package backpack

import (
	"strconv"
	"strings"
)

// Order decodes object i of a parsed body into r, exactly as Decode would
// decode that object into an OrderRequest: keys match the JSON names
// exactly or else case-insensitively (encoding/json's rule), a later key
// overrides an earlier one, null leaves a string or boolean as it was and
// unsets a number, and an unknown key, a value of the wrong type, or a body
// Decode would refuse is a 400 INVALID_CLIENT_REQUEST. r is zeroed first.
func (b *Body) Order(i int, r *OrderRequest) *Error {
	*r = OrderRequest{}
	if b.padded {
		return BadRequest("malformed request body: characters outside the JSON value")
	}
	for _, p := range b.Object(i) {
		f := r.field(p.Key)
		if f == nil {
			for _, name := range orderFields {
				if strings.EqualFold(p.Key, name) {
					f = r.field(name)
					break
				}
			}
		}
		if f == nil {
			return BadRequest("malformed request body: json: unknown field %q", p.Key)
		}
		if err := setField(f, &p); err != nil {
			return err
		}
	}
	return nil
}

// orderFields are OrderRequest's JSON names (its field method's cases).
var orderFields = [...]string{
	"symbol", "side", "orderType", "price", "quantity", "quoteQuantity", "timeInForce", "postOnly",
	"reduceOnly", "clientId", "selfTradePrevention", "triggerPrice", "triggerQuantity", "triggerBy",
	"positionSide", "marginMode", "autoLend", "autoLendRedeem", "autoBorrow", "autoBorrowRepay",
	"takeProfitTriggerPrice", "takeProfitLimitPrice", "takeProfitTriggerBy", "stopLossTriggerPrice",
	"stopLossLimitPrice", "stopLossTriggerBy",
}

// field returns a pointer to the field with JSON name key (*string, *bool,
// *Decimal or *Uint32), nil for none.
func (r *OrderRequest) field(key string) any {
	switch key {
	case "symbol":
		return &r.Symbol
	case "side":
		return &r.Side
	case "orderType":
		return &r.OrderType
	case "price":
		return &r.Price
	case "quantity":
		return &r.Quantity
	case "quoteQuantity":
		return &r.QuoteQuantity
	case "timeInForce":
		return &r.TimeInForce
	case "postOnly":
		return &r.PostOnly
	case "reduceOnly":
		return &r.ReduceOnly
	case "clientId":
		return &r.ClientID
	case "selfTradePrevention":
		return &r.SelfTradePrevention
	case "triggerPrice":
		return &r.TriggerPrice
	case "triggerQuantity":
		return &r.TriggerQuantity
	case "triggerBy":
		return &r.TriggerBy
	case "positionSide":
		return &r.PositionSide
	case "marginMode":
		return &r.MarginMode
	case "autoLend":
		return &r.AutoLend
	case "autoLendRedeem":
		return &r.AutoLendRedeem
	case "autoBorrow":
		return &r.AutoBorrow
	case "autoBorrowRepay":
		return &r.AutoBorrowRepay
	case "takeProfitTriggerPrice":
		return &r.TakeProfitTriggerPrice
	case "takeProfitLimitPrice":
		return &r.TakeProfitLimitPrice
	case "takeProfitTriggerBy":
		return &r.TakeProfitTriggerBy
	case "stopLossTriggerPrice":
		return &r.StopLossTriggerPrice
	case "stopLossLimitPrice":
		return &r.StopLossLimitPrice
	case "stopLossTriggerBy":
		return &r.StopLossTriggerBy
	}
	return nil
}

// setField stores p's value into f as encoding/json would (for Decimal
// and Uint32, as their UnmarshalJSON methods do).
func setField(f any, p *Param) *Error {
	switch f := f.(type) {
	case *string:
		switch p.Kind {
		case KindString:
			*f = p.Value
			return nil
		case KindNull:
			return nil
		}
	case *bool:
		switch p.Kind {
		case KindTrue, KindFalse:
			*f = p.Kind == KindTrue
			return nil
		case KindNull:
			return nil
		}
	case *Decimal:
		switch p.Kind {
		case KindString, KindNumber:
			*f = Decimal{Text: p.Value, Set: true}
			return nil
		case KindNull:
			*f = Decimal{}
			return nil
		}
		return BadRequest("malformed request body: %s: a number must be a decimal string or a JSON number", p.Key)
	case *Uint32:
		switch p.Kind {
		case KindString, KindNumber:
			v, err := strconv.ParseUint(p.Value, 10, 32)
			if err != nil {
				return BadRequest("malformed request body: %s must be a whole number from 0 to 4294967295", p.Key)
			}
			*f = Uint32{Value: uint32(v), Set: true}
			return nil
		case KindNull:
			*f = Uint32{}
			return nil
		}
		return BadRequest("malformed request body: %s must be a whole number from 0 to 4294967295", p.Key)
	}
	return BadRequest("malformed request body: %s has the wrong type (%s)", p.Key, kindNames[p.Kind])
}

var kindNames = [...]string{
	KindString: "a string", KindNumber: "a number", KindTrue: "a boolean", KindFalse: "a boolean",
	KindNull: "null", KindNested: "an object or array",
}
