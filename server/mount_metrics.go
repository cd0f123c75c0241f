package server

import (
	"context"
	"net/http"

	"github.com/waterfallrisk/waterfall/server/metrics"
)

// mountMetrics serves Prometheus metrics at /metrics (package
// server/metrics): it installs them as the sequencer's observer and feeds
// the event metrics from a lossy subscription until the sequencer stops. A
// failure is logged and leaves the server without /metrics: metrics never
// stop the engine.
func (s *Server) mountMetrics(mux *http.ServeMux) {
	m, err := metrics.New(s.seq, s.opts.Logger)
	if err != nil {
		s.opts.Logger.Error("metrics disabled", "err", err)
		return
	}
	s.seq.SetObserver(m)
	go func() {
		if err := m.Run(context.Background()); err != nil {
			s.opts.Logger.Error("metrics stopped following engine events", "err", err)
		}
	}()
	mux.Handle("/metrics", m.Handler())
}
