package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/server/backpack"
)

// writeJSON sends v as a JSON body with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, backpack.Errorf(http.StatusInternalServerError, backpack.CodeServerError, "encoding the response: %v", err))
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeError sends Backpack's {"code","message"} with the error's status.
func writeError(w http.ResponseWriter, e *backpack.Error) {
	b, _ := json.Marshal(e) // two strings: cannot fail
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(e.Status)
	_, _ = w.Write(b)
}

// writeText sends a plain-text body (ping, time: Backpack sends them bare).
func writeText(w http.ResponseWriter, s string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, s)
}

// readBody reads the whole body, at most maxBody bytes: a larger one is a
// 413 INVALID_CLIENT_REQUEST.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request) ([]byte, *backpack.Error) {
	if r.Body == nil {
		return nil, nil
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.maxBody))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, backpack.Errorf(http.StatusRequestEntityTooLarge, backpack.CodeInvalidClientRequest,
			"request body exceeds %d bytes", h.maxBody)
	case err != nil:
		return nil, backpack.BadRequest("reading the request body: %v", err)
	}
	return b, nil
}

// privateFunc serves a signed request once it is authenticated: acct is the
// account its key is bound to, body the request body.
type privateFunc func(w http.ResponseWriter, r *http.Request, acct engine.AccountID, body []byte)

// private wraps a signed endpoint: body read (size-limited), then the
// signature verified against instruction, then fn.
func (h *Handler) private(instruction string, fn privateFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := h.readBody(w, r)
		if err != nil {
			writeError(w, err)
			return
		}
		acct, err := h.auth.Verify(r, instruction, body)
		if err != nil {
			writeError(w, err)
			return
		}
		fn(w, r, acct, body)
	}
}

// read runs fn on the engine's goroutine.
func (h *Handler) read(ctx context.Context, fn func(e *engine.Engine)) *backpack.Error {
	if err := h.seq.Read(ctx, fn); err != nil {
		return backpack.Errorf(http.StatusServiceUnavailable, backpack.CodeServerError, "%v", err)
	}
	return nil
}

// submit applies one command; a refusal becomes the error to answer with.
func (h *Handler) submit(ctx context.Context, c *engine.Command) ([]engine.Event, *backpack.Error) {
	events, err := h.seq.Submit(ctx, c)
	if err != nil {
		return nil, backpack.FromEngine(err)
	}
	return events, nil
}
