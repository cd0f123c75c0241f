package ws

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/server/auth"
	"github.com/waterfallrisk/waterfall/server/backpack"
)

// Error codes of {"id","error":{"code","message"}} answers. 4006 is
// Backpack's ("Invalid stream"); the others are Waterfall's.
const (
	CodeInvalidRequest  = 4000 // not JSON, unknown method, missing or malformed params
	CodeUnauthorized    = 4001 // a private stream without a valid signature: missing, malformed, expired, unknown key
	CodeInvalidStream   = 4006 // an unknown stream name or symbol
	CodeTooManyRequests = 4029 // the API key's rate limit
	CodeTooManyStreams  = 4030 // Options.MaxStreams reached on this connection
)

// Instruction is the Backpack instruction a private subscription is signed
// with: the signed text is instruction=subscribe&timestamp=<ms>&window=<ms>.
const Instruction = "subscribe"

// request is a client message: {"method":"SUBSCRIBE"|"UNSUBSCRIBE",
// "params":[stream...], "signature":[key, signature, timestamp, window],
// "id":any}. Other fields are ignored.
type request struct {
	Method    string          `json:"method"`
	Params    []string        `json:"params"`
	Signature []string        `json:"signature"`
	ID        json.RawMessage `json:"id"`
}

// wsError is an error to answer a client message with.
type wsError struct {
	code int
	msg  string
}

func (e *wsError) Error() string { return e.msg }

func errorf(code int, format string, args ...any) *wsError {
	return &wsError{code: code, msg: fmt.Sprintf(format, args...)}
}

// parseRequest decodes a client message.
func parseRequest(data []byte) (*request, *wsError) {
	var req request
	d := json.NewDecoder(bytes.NewReader(data))
	if err := d.Decode(&req); err != nil {
		return nil, errorf(CodeInvalidRequest, "Invalid request: the message is not a JSON request object (%v)", err)
	}
	if d.More() {
		return nil, errorf(CodeInvalidRequest, "Invalid request: one JSON object per message")
	}
	switch strings.ToUpper(req.Method) {
	case "SUBSCRIBE", "UNSUBSCRIBE":
		req.Method = strings.ToUpper(req.Method)
	default:
		return &req, errorf(CodeInvalidRequest, "Invalid request: unknown method %q (SUBSCRIBE or UNSUBSCRIBE)", req.Method)
	}
	if len(req.Params) == 0 {
		return &req, errorf(CodeInvalidRequest, "Invalid request: params must list at least one stream")
	}
	return &req, nil
}

// answer renders an error answer, echoing the request's id (null if none).
func answer(id json.RawMessage, e *wsError) []byte {
	if len(id) == 0 {
		id = json.RawMessage("null")
	}
	return marshal(errorMsg{ID: id, Error: errorBody{Code: e.code, Message: e.msg}})
}

// verify checks a private subscription's signature array [API key,
// signature, timestamp, window] with server/auth's rules (ED25519 over the
// subscribe instruction, the window against the wall clock, the key's rate
// limit) and returns the account the key is bound to.
func verify(v *auth.Verifier, sig []string) (engine.AccountID, *wsError) {
	if len(sig) != 4 && len(sig) != 3 {
		return 0, errorf(CodeUnauthorized, "Unauthorized: a private stream needs \"signature\": [key, signature, timestamp, window]")
	}
	r := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: "/"}, Header: http.Header{}}
	r.Header.Set(auth.HeaderKey, sig[0])
	r.Header.Set(auth.HeaderSignature, sig[1])
	r.Header.Set(auth.HeaderTimestamp, sig[2])
	if len(sig) == 4 {
		r.Header.Set(auth.HeaderWindow, sig[3])
	}
	acct, err := v.Verify(r, Instruction, nil)
	if err != nil {
		code := CodeUnauthorized
		if err.Code == backpack.CodeTooManyRequests {
			code = CodeTooManyRequests
		}
		return 0, errorf(code, "Unauthorized: %s", err.Message)
	}
	return acct, nil
}
