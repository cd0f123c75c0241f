package server

import (
	"net/http"
	"path/filepath"

	"github.com/waterfallrisk/waterfall/journal/record"
	"github.com/waterfallrisk/waterfall/server/history"
	"github.com/waterfallrisk/waterfall/server/readmodel"
	"github.com/waterfallrisk/waterfall/server/sequencer"
)

// mountHistory starts the read model (server/readmodel: <data>/readmodel.db,
// caught up from the journal in the background, then following the
// sequencer) and mounts the history endpoints (server/history) on their
// paths: trades, klines, tickers, funding rates, the insurance fund, and the
// signed /wapi/v1/history/ ones. The model is the operator API's insurance
// history. It stops with the sequencer; s.insDone is closed once it has
// closed its database (Shutdown waits for it).
func (s *Server) mountHistory(mux *http.ServeMux) (*readmodel.Model, error) {
	m, err := readmodel.Start(readmodel.Options{
		Path:      filepath.Join(s.opts.DataDir, readmodel.FileName),
		Sequencer: s.seq,
		Journal:   sequencer.Dir{Path: record.JournalPath(s.opts.DataDir)},
		Logger:    s.opts.Logger,
	})
	if err != nil {
		close(s.insDone)
		return nil, err
	}
	go func() {
		<-m.Done()
		close(s.insDone)
	}()
	h, err := history.New(history.Options{Model: m, Config: s.seq.Config(), Lookup: s.seq.AccountByKey,
		EngineClock: s.seq.Clock() == sequencer.ClockManual, Auth: s.auth})
	if err != nil {
		return nil, err
	}
	for _, p := range history.Paths {
		mux.Handle(p, h)
	}
	return m, nil
}
