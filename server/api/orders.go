package api

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"sync"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/server/backpack"
	"github.com/waterfallrisk/waterfall/server/sequencer"
)

// Orders: execute (one or a batch), query (one or all open), cancel (one or
// all). Requests are converted and checked in full before anything is
// submitted, so a 4xx from here never reaches the engine.

// bodyFunc serves a signed request whose JSON body was parsed once, for
// the signature and for the handler: acct is the account its key is bound
// to.
type bodyFunc func(w http.ResponseWriter, r *http.Request, acct engine.AccountID, body *backpack.Body)

// bodies are parsed bodies reused across requests.
var bodies = sync.Pool{New: func() any { return new(backpack.Body) }}

// privateBody is private for endpoints that take a JSON body: body read
// (size-limited), parsed and the signature verified (auth.VerifyBody, with
// Verify's checks in Verify's order), then fn with the parsed body.
func (h *Handler) privateBody(instruction string, fn bodyFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		raw, err := h.readSized(w, r)
		if err != nil {
			writeError(w, err)
			return
		}
		body := bodies.Get().(*backpack.Body)
		defer func() {
			body.Reset()
			bodies.Put(body)
		}()
		acct, err := h.auth.VerifyBody(r, instruction, raw, body)
		if err != nil {
			writeError(w, err)
			return
		}
		fn(w, r, acct, body)
	}
}

// readSized is readBody for a body of a declared length within the limit:
// read into one buffer of that length (io.ReadAll grows its buffer, and a
// batch's body is a few kB).
func (h *Handler) readSized(w http.ResponseWriter, r *http.Request) ([]byte, *backpack.Error) {
	if r.Body == nil || r.ContentLength <= 0 || r.ContentLength > h.maxBody {
		return h.readBody(w, r)
	}
	b := make([]byte, r.ContentLength)
	if _, err := io.ReadFull(r.Body, b); err != nil {
		return nil, backpack.BadRequest("reading the request body: %v", err)
	}
	return b, nil
}

// executeOrder is POST /api/v1/order: the order as the command left it (an
// order that finds no liquidity is accepted and ends Expired).
func (h *Handler) executeOrder(w http.ResponseWriter, r *http.Request, acct engine.AccountID, body *backpack.Body) {
	var req backpack.OrderRequest
	if body.Array {
		writeError(w, backpack.BadRequest("malformed request body: an order is a JSON object, not an array"))
		return
	}
	if err := body.Order(0, &req); err != nil {
		writeError(w, err)
		return
	}
	cmd, err := h.cat.Command(&req, acct)
	if err != nil {
		writeError(w, err)
		return
	}
	o, err := h.place(r, &cmd)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, o)
}

// place submits an order command and renders the order from its events.
func (h *Handler) place(r *http.Request, cmd *engine.Command) (backpack.Order, *backpack.Error) {
	events, err := h.submit(r.Context(), cmd)
	if err != nil {
		return backpack.Order{}, err
	}
	ev := placedOrder(events, cmd.Account)
	if ev == nil {
		return backpack.Order{}, backpack.Errorf(http.StatusInternalServerError, backpack.CodeServerError,
			"the order was accepted but reported no order update")
	}
	o := h.cat.OrderFromEvent(ev, cmd.STP)
	if cmd.MarginMode == engine.Isolated {
		o.MarginMode = ptr(backpack.MarginModeName(true))
	}
	return o, nil
}

// placedOrder returns the last update, among a place-order command's events,
// of the order it placed: the first order update of the account names it.
func placedOrder(events []engine.Event, acct engine.AccountID) *engine.Event {
	var id uint64
	var last *engine.Event
	for i := range events {
		ev := &events[i]
		if ev.Kind != engine.EvOrder || ev.Account != acct {
			continue
		}
		if id == 0 {
			id = ev.OrderID
		}
		if ev.OrderID == id {
			last = ev
		}
	}
	return last
}

// executeOrders is POST /api/v1/orders: a JSON array of orders, each signed
// in the one signature. Every order is checked before any is submitted; a
// bad one refuses the whole batch with a 4xx. Then all are submitted in
// order as one sequencer batch (SubmitBatch: one journal batch, one fsync;
// a Sequencer without it gets one Submit each), and the answer lists, in
// request order, each order or the engine's {"code","message"} refusal of
// it.
func (h *Handler) executeOrders(w http.ResponseWriter, r *http.Request, acct engine.AccountID, body *backpack.Body) {
	if !body.Array {
		writeError(w, backpack.BadRequest("the body must be a JSON array of orders"))
		return
	}
	// Every order is decoded before any is converted (a malformed one is
	// reported first, as decoding the whole array does), then the length
	// is checked; decoding from the parsed body again costs little.
	var req backpack.OrderRequest
	n := body.Objects()
	for i := range n {
		if err := body.Order(i, &req); err != nil {
			writeError(w, err)
			return
		}
	}
	if n == 0 || n > h.maxBatch {
		writeError(w, backpack.BadRequest("a batch holds 1 to %d orders, not %d", h.maxBatch, n))
		return
	}
	cmds := make([]engine.Command, n)
	for i := range cmds {
		_ = body.Order(i, &req)
		c, err := h.cat.Command(&req, acct)
		if err != nil {
			err.Message = "order " + strconv.Itoa(i) + ": " + err.Message
			writeError(w, err)
			return
		}
		cmds[i] = c
	}
	out := make([]any, len(cmds))
	batcher, ok := h.seq.(interface {
		SubmitBatch(ctx context.Context, cmds []engine.Command) ([]sequencer.Result, error)
	})
	if !ok { // a Sequencer without batches: one Submit each
		for i := range cmds {
			o, err := h.place(r, &cmds[i])
			if err != nil {
				out[i] = err
				continue
			}
			out[i] = o
		}
		writeJSON(w, http.StatusOK, out)
		return
	}
	// One journal batch and one fsync for the signed batch; rendered as
	// place renders a single order.
	res, serr := batcher.SubmitBatch(r.Context(), cmds)
	if serr != nil {
		writeError(w, backpack.FromEngine(serr))
		return
	}
	for i := range res {
		if res[i].Err != nil {
			out[i] = backpack.FromEngine(res[i].Err)
			continue
		}
		ev := placedOrder(res[i].Events, cmds[i].Account)
		if ev == nil {
			out[i] = backpack.Errorf(http.StatusInternalServerError, backpack.CodeServerError,
				"the order was accepted but reported no order update")
			continue
		}
		o := h.cat.OrderFromEvent(ev, cmds[i].STP)
		if cmds[i].MarginMode == engine.Isolated {
			o.MarginMode = ptr(backpack.MarginModeName(true))
		}
		out[i] = o
	}
	writeJSON(w, http.StatusOK, out)
}

// orderQuery names one order in a query string (GET /api/v1/order).
func (h *Handler) orderQuery(r *http.Request) (config.MarketID, backpack.CancelRequest, *backpack.Error) {
	q := r.URL.Query()
	var req backpack.CancelRequest
	m, err := h.cat.Market(q.Get("symbol"))
	if err != nil {
		return 0, req, err
	}
	if req.OrderID, err = backpack.ParseUint64("orderId", q.Get("orderId")); err != nil {
		return 0, req, err
	}
	if req.ClientID, err = backpack.ParseUint32("clientId", q.Get("clientId")); err != nil {
		return 0, req, err
	}
	return m, req, req.Validate()
}

// openOrder finds an open order of acct, or answers 404.
func (h *Handler) openOrder(r *http.Request, acct engine.AccountID, m config.MarketID, req *backpack.CancelRequest) (engine.OrderView, *backpack.Error) {
	var v engine.OrderView
	var ok bool
	if err := h.read(r.Context(), func(e *engine.Engine) {
		v, ok = e.OpenOrder(acct, m, req.OrderID.Value, req.ClientID.Value)
	}); err != nil {
		return v, err
	}
	if !ok {
		return v, backpack.Errorf(http.StatusNotFound, backpack.CodeResourceNotFound, "order is not open")
	}
	return v, nil
}

// queryOrder is GET /api/v1/order: one open order.
func (h *Handler) queryOrder(w http.ResponseWriter, r *http.Request, acct engine.AccountID, _ []byte) {
	m, req, err := h.orderQuery(r)
	if err != nil {
		writeError(w, err)
		return
	}
	v, err := h.openOrder(r, acct, m, &req)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, h.cat.OrderFromView(&v))
}

// cancelOrder is DELETE /api/v1/order: the order as cancelled.
func (h *Handler) cancelOrder(w http.ResponseWriter, r *http.Request, acct engine.AccountID, body []byte) {
	var req backpack.CancelRequest
	if err := backpack.Decode(body, &req); err != nil {
		writeError(w, err)
		return
	}
	m, err := h.cat.Market(req.Symbol)
	if err != nil {
		writeError(w, err)
		return
	}
	if err := req.Validate(); err != nil {
		writeError(w, err)
		return
	}
	v, err := h.openOrder(r, acct, m, &req)
	if err != nil {
		writeError(w, err)
		return
	}
	events, err := h.submit(r.Context(), &engine.Command{Kind: engine.CmdCancelOrder, Account: acct, Market: m, OrderID: v.ID})
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, h.finalOrder(&v, events))
}

// finalOrder renders an open order as a command's events left it.
func (h *Handler) finalOrder(v *engine.OrderView, events []engine.Event) backpack.Order {
	o := h.cat.OrderFromView(v)
	for i := range events {
		ev := &events[i]
		if ev.Kind == engine.EvOrder && ev.Account == v.Account && ev.OrderID == v.ID {
			o.Status = ev.Status.String()
			o.ExecutedQuantity = h.cat.Quantity(ev.Market, ev.Executed)
			o.ExecutedQuoteQuantity = h.cat.Quote(ev.Market, ev.ExecutedQt)
		}
	}
	return o
}

// queryOrders is GET /api/v1/orders: the open orders, of one market or all.
func (h *Handler) queryOrders(w http.ResponseWriter, r *http.Request, acct engine.AccountID, _ []byte) {
	m := engine.AllMarkets
	if s := r.URL.Query().Get("symbol"); s != "" {
		var err *backpack.Error
		if m, err = h.cat.Market(s); err != nil {
			writeError(w, err)
			return
		}
	}
	var views []engine.OrderView
	if err := h.read(r.Context(), func(e *engine.Engine) { views = e.OpenOrderList(acct, m) }); err != nil {
		writeError(w, err)
		return
	}
	out := make([]backpack.Order, len(views))
	for i := range views {
		out[i] = h.cat.OrderFromView(&views[i])
	}
	writeJSON(w, http.StatusOK, out)
}

// cancelOrders is DELETE /api/v1/orders: cancels the account's open orders
// in a market (every market without a symbol) and lists them as cancelled.
// Orders the liquidation engine placed are not the owner's to cancel.
func (h *Handler) cancelOrders(w http.ResponseWriter, r *http.Request, acct engine.AccountID, body []byte) {
	var req backpack.CancelAllRequest
	if err := backpack.Decode(body, &req); err != nil {
		writeError(w, err)
		return
	}
	m := engine.AllMarkets
	if req.Symbol != "" {
		var err *backpack.Error
		if m, err = h.cat.Market(req.Symbol); err != nil {
			writeError(w, err)
			return
		}
	}
	var views []engine.OrderView
	if err := h.read(r.Context(), func(e *engine.Engine) { views = e.OpenOrderList(acct, m) }); err != nil {
		writeError(w, err)
		return
	}
	events, err := h.submit(r.Context(), &engine.Command{Kind: engine.CmdCancelAll, Account: acct, Market: m})
	if err != nil {
		writeError(w, err)
		return
	}
	out := []backpack.Order{}
	for i := range events {
		ev := &events[i]
		if ev.Kind != engine.EvOrder || ev.Account != acct || ev.OrderEvent != engine.OrderCancelled {
			continue
		}
		o := h.cat.OrderFromEvent(ev, engine.RejectTaker)
		for j := range views {
			if views[j].ID == ev.OrderID {
				o = h.finalOrder(&views[j], events)
			}
		}
		out = append(out, o)
	}
	writeJSON(w, http.StatusOK, out)
}

func ptr[T any](v T) *T { return &v }
