package server

import (
	"net/http"

	"github.com/waterfallrisk/waterfall/server/admin"
	"github.com/waterfallrisk/waterfall/server/api"
	"github.com/waterfallrisk/waterfall/server/auth"
	"github.com/waterfallrisk/waterfall/server/backpack"
)

// routes builds the server's mux. Mount points:
//
//	/admin/v1/   operator API (server/admin), Bearer token
//	/api/        Backpack REST API (server/api)
//	history      trades, klines, tickers, fundingRates, insuranceFund and
//	             /wapi/v1/history/* (server/history, mount_history.go)
//	/            Backpack WebSocket (server/ws)
//	/metrics     Prometheus metrics (server/metrics, mount_metrics.go)
//
// followed by Options.Handlers. Each part takes the sequencer through its
// own small interface; a part that needs events subscribes with
// s.seq.Subscribe (lossless for read models, lossy for WebSocket clients).
func (s *Server) routes() (*http.ServeMux, error) {
	mux := http.NewServeMux()
	// One verifier for every signed surface: a key's rate limit and the
	// replay cache span REST, history and WebSocket subscriptions.
	s.auth = auth.New(s.seq.AccountByKey, auth.Options{RateLimit: s.opts.RateLimit})

	// History endpoints and the read model behind them (mount_history.go),
	// which also answers the operator API's insurance history.
	ins, err := s.mountHistory(mux)
	if err != nil {
		return nil, err
	}

	adm, err := admin.New(admin.Options{Token: s.token, Sequencer: s.seq, Config: s.seq.Config(), History: ins})
	if err != nil {
		return nil, err
	}
	mux.Handle(admin.Prefix, adm)

	rest, err := api.New(s.seq, s.seq.Config(), api.Options{Auth: s.auth, Lending: ins})
	if err != nil {
		return nil, err
	}
	mux.Handle("/api/", rest)

	// Backpack's other /wapi/ endpoints (deposits, withdrawals, PnL, RFQ…)
	// are not served: the same answer as an unserved /api/ path.
	mux.HandleFunc("/wapi/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, backpack.Errorf(http.StatusNotFound, backpack.CodeNotImplemented, "%s is not served", r.URL.Path))
	})

	// The WebSocket owns "/"; any other unmatched request gets a JSON 404.
	if err := s.mountWS(mux); err != nil {
		return nil, err
	}

	s.mountMetrics(mux)

	for pattern, h := range s.opts.Handlers {
		mux.Handle(pattern, h)
	}
	return mux, nil
}
