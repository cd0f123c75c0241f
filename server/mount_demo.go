package server

import (
	"context"

	"github.com/waterfallrisk/waterfall/server/demo"
)

// startDemo starts the demo (Options.Demo) on the server's sequencer, with
// its state files in the data directory, after the banner, which it
// extends with a line on what runs and where to look. Shutdown stops it
// (stopDemo) before the sequencer closes.
func (s *Server) startDemo() error {
	if !s.opts.Demo {
		return nil
	}
	o := s.opts.DemoOptions
	o.Dir, o.Out = s.opts.DataDir, s.opts.Out
	if o.Logger == nil {
		o.Logger = s.opts.Logger
	}
	d, err := demo.Start(context.Background(), s.seq, o)
	if err != nil {
		return err
	}
	s.demo = d
	return nil
}

// stopDemo stops the demo, if it runs, before the sequencer closes.
func (s *Server) stopDemo() {
	if s.demo != nil {
		s.demo.Stop()
	}
}
