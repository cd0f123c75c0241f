package history

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/server/backpack"
	"github.com/waterfallrisk/waterfall/server/readmodel"
)

// Borrow-lend histories: every movement of the account's lending positions
// (GET /wapi/v1/history/borrowLend) and the positions they made (GET
// /wapi/v1/history/borrowLend/positions).

// BorrowLendMovement is one item of GET /wapi/v1/history/borrowLend:
// quantity moved (positive), positionQuantity the position after (claim −
// debt, signed), source and eventType from the engine's source
// (backpack.BorrowLendMoveOf, applied when the read model stored the row).
type BorrowLendMovement struct {
	EventType         string  `json:"eventType"`
	PositionID        string  `json:"positionId"`
	PositionQuantity  string  `json:"positionQuantity"`
	Quantity          string  `json:"quantity"`
	Source            string  `json:"source"`
	Symbol            string  `json:"symbol"`
	Timestamp         string  `json:"timestamp"`
	SpotMarginOrderID *string `json:"spotMarginOrderId"`
}

func (h *Handler) borrowLendMovement(m *readmodel.BorrowLendMove) BorrowLendMovement {
	return BorrowLendMovement{EventType: readmodel.EventTypeName(m.EventType),
		PositionID: backpack.BorrowLendPositionID(m.Account, m.Asset), PositionQuantity: h.cat.Amount(m.Asset, m.Net),
		Quantity: h.cat.Amount(m.Asset, m.Amount), Source: readmodel.SourceName(m.BpSource),
		Symbol: h.cat.AssetSymbol(m.Asset), Timestamp: backpack.Timestamp(m.Time)}
}

// GET /wapi/v1/history/borrowLend?type&sources&positionId&symbol&from&to…:
// the account's borrow-lend movements. type is an eventType (Borrow,
// BorrowRepay, Lend, LendRedeem); sources a comma-separated list of
// Backpack sources.
func (h *Handler) borrowLend(r *http.Request, acct engine.AccountID) (any, *backpack.Error) {
	q := r.URL.Query()
	f := readmodel.BorrowLendFilter{Account: acct}
	var err *backpack.Error
	if f.Page, err = page(q, MaxLimit, true); err != nil {
		return nil, err
	}
	none := false
	if f.Assets, none, err = h.lendingAssets(q, acct); err != nil {
		return nil, err
	}
	if t := q.Get("type"); t != "" {
		code, ok := readmodel.ParseEventType(t)
		if !ok {
			return nil, backpack.BadRequest("type must be one of Borrow, BorrowRepay, Lend, LendRedeem, not %q", t)
		}
		f.EventTypes = []int64{code}
	}
	if s := q.Get("sources"); s != "" {
		for name := range strings.SplitSeq(s, ",") {
			code, ok := readmodel.ParseSource(name)
			if !ok {
				return nil, backpack.BadRequest("sources must name %s, not %q",
					strings.Join(backpack.BorrowLendSourceNames, ", "), name)
			}
			f.Sources = append(f.Sources, code)
		}
	}
	if none {
		return []BorrowLendMovement{}, nil
	}
	ms, qerr := h.m.BorrowLendMoves(r.Context(), f)
	return rendered(ms, qerr, h.borrowLendMovement)
}

// lendingAssets resolves the optional symbol (an asset) and positionId
// filters into the assets they select (nil: every one); none reports that
// they select nothing.
func (h *Handler) lendingAssets(q url.Values, acct engine.AccountID) (assets []config.AssetID, none bool, err *backpack.Error) {
	if s := q.Get("symbol"); s != "" {
		a, err := h.cat.Asset(s)
		if err != nil {
			return nil, false, err
		}
		assets = []config.AssetID{a}
	}
	id := q.Get("positionId")
	if id == "" {
		return assets, false, nil
	}
	for a := range h.cat.Config().Assets {
		asset := config.AssetID(a) //nolint:gosec // a < len(Assets) < 2^16
		if backpack.BorrowLendPositionID(acct, asset) == id && (assets == nil || assets[0] == asset) {
			return []config.AssetID{asset}, false, nil
		}
	}
	return nil, true, nil
}

// BorrowLendPositionRow is one item of GET
// /wapi/v1/history/borrowLend/positions: a position from the movement that
// opened it (createdAt, source) to the one that closed it (net 0) or, still
// open, its last movement. quantity is the position after its last movement
// (0 once closed), side its side then (Lend for a claim, Borrow for a
// debt); cumulativeInterest the interest accrued up to that movement
// (signed: negative when paid), exactly. state (Open | Closed) is
// Waterfall's extension; Backpack's avgInterestRate is not served.
type BorrowLendPositionRow struct {
	PositionID         string `json:"positionId"`
	Quantity           string `json:"quantity"`
	Symbol             string `json:"symbol"`
	Source             string `json:"source"`
	CumulativeInterest string `json:"cumulativeInterest"`
	Side               string `json:"side"`
	CreatedAt          string `json:"createdAt"`
	State              string `json:"state"`
}

// lendingSpan is one position: a run of movements between flat states.
type lendingSpan struct {
	first, last readmodel.BorrowLendMove
	principal   int64 // Σ delta
	open        bool
	side        string
}

// GET /wapi/v1/history/borrowLend/positions?symbol&side&state&limit&offset&sortDirection:
// the account's lending positions, open and closed, by creation (newest
// first by default).
func (h *Handler) borrowLendPositions(r *http.Request, acct engine.AccountID) (any, *backpack.Error) {
	q := r.URL.Query()
	p, err := page(q, MaxLimit, false)
	if err != nil {
		return nil, err
	}
	assets, none, err := h.lendingAssets(q, acct)
	if err != nil {
		return nil, err
	}
	side, state := q.Get("side"), q.Get("state")
	if side != "" && side != backpack.SideBorrow && side != backpack.SideLend {
		return nil, backpack.BadRequest("side must be Borrow or Lend, not %q", side)
	}
	if state != "" && state != "Open" && state != "Closed" {
		return nil, backpack.BadRequest("state must be Open or Closed, not %q", state)
	}
	if none {
		return []BorrowLendPositionRow{}, nil
	}
	moves, qerr := h.m.BorrowLendMoves(r.Context(), readmodel.BorrowLendFilter{Account: acct, Assets: assets})
	if qerr != nil {
		return nil, dbError(qerr)
	}
	var spans []lendingSpan
	open := map[config.AssetID]int{} // asset → index in spans of its open position
	for _, m := range moves {
		i, ok := open[m.Asset]
		if !ok {
			spans = append(spans, lendingSpan{first: m})
			i = len(spans) - 1
			open[m.Asset] = i
		}
		s := &spans[i]
		s.last, s.principal, s.open = m, s.principal+m.Delta, m.Net != 0
		if m.Net < 0 {
			s.side = backpack.SideBorrow
		} else if m.Net > 0 {
			s.side = backpack.SideLend
		}
		if m.Net == 0 {
			delete(open, m.Asset)
		}
	}
	out := []BorrowLendPositionRow{}
	for i := range spans {
		s := &spans[i]
		row := h.lendingSpanRow(acct, s)
		if (side == "" || row.Side == side) && (state == "" || row.State == state) {
			out = append(out, row)
		}
	}
	if p.Desc {
		slices.Reverse(out)
	}
	lo := min(p.Offset, len(out))
	return out[lo:min(lo+p.Limit, len(out))], nil
}

func (h *Handler) lendingSpanRow(acct engine.AccountID, s *lendingSpan) BorrowLendPositionRow {
	side := s.side
	if side == "" { // opened and closed by one movement: the side it moved
		side = backpack.SideBorrow
		if s.first.Delta > 0 {
			side = backpack.SideLend
		}
	}
	state := "Closed"
	if s.open {
		state = "Open"
	}
	a := s.first.Asset
	return BorrowLendPositionRow{PositionID: backpack.BorrowLendPositionID(acct, a),
		Quantity: h.cat.Amount(a, s.last.Net), Symbol: h.cat.AssetSymbol(a),
		Source:             readmodel.SourceName(s.first.BpSource),
		CumulativeInterest: h.cat.Amount(a, s.last.Net-s.principal), Side: side,
		CreatedAt: backpack.Timestamp(s.first.Time), State: state}
}
