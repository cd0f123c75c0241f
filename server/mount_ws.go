package server

import (
	"net/http"

	"github.com/waterfallrisk/waterfall/server/metrics"
	"github.com/waterfallrisk/waterfall/server/ws"
)

// mountWS mounts Backpack's WebSocket (server/ws) on "/": it upgrades
// handshakes on the root path and answers every other unmatched request
// with the JSON 404. Connections are counted in metrics.WSClients. The hub
// stops with the sequencer: when Shutdown closes it, the hub's subscription
// ends and every client gets a going-away close.
func (s *Server) mountWS(mux *http.ServeMux) error {
	hub, err := ws.New(s.seq, s.seq.Config(), ws.Options{Logger: s.opts.Logger, Clients: metrics.WSClients, Auth: s.auth})
	if err != nil {
		return err
	}
	mux.Handle("/", hub)
	return nil
}
