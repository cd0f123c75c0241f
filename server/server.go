// Package server wires Waterfall's server together: the sequencer over the
// journal in a data directory, the operator API (/admin/v1/), Backpack's
// REST API (/api/), and the HTTP listener with its graceful shutdown.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/journal/record"
	"github.com/waterfallrisk/waterfall/server/auth"
	"github.com/waterfallrisk/waterfall/server/demo"
	"github.com/waterfallrisk/waterfall/server/sequencer"
)

// Defaults of Options.
const (
	DefaultAddr    = "127.0.0.1:8080"
	DefaultDataDir = "waterfall-data"
)

// Options configure the server. The zero value serves the built-in
// configuration from ./waterfall-data on DefaultAddr with the wall clock.
type Options struct {
	// ConfigPath is a configuration file for a new data directory ("": the
	// built-in one). On an existing data directory the journal's
	// configuration is used, and a file that differs from it is refused.
	ConfigPath string
	// DataDir holds the journal, its snapshots and admin.token.
	DataDir string
	// Addr is the listen address (host:port; port 0 picks a free one).
	Addr string
	// Clock is "wall" (default) or "manual".
	Clock string
	// AdminToken is the operator token ("": $WATERFALL_ADMIN_TOKEN, else
	// <data>/admin.token, generated on the first start).
	AdminToken string
	// RateLimit is the requests per second each API key may make, counted
	// across REST, history and WebSocket subscriptions together (0: 1,000,
	// DESIGN.md §4; negative: no limit). The operator API has none.
	RateLimit int
	// SnapshotEvery: journal records between snapshots (0: the sequencer's
	// default, 10,000).
	SnapshotEvery int
	// Out receives the start-up banner (nil: os.Stdout).
	Out io.Writer
	// Logger receives the logs (nil: slog.Default()).
	Logger *slog.Logger
	// Handlers are extra handlers mounted on the server's mux by pattern
	// (net/http.ServeMux syntax), after the built-in ones.
	Handlers map[string]http.Handler
	// Demo runs the demo's price feed and bots in process (server/demo;
	// mount_demo.go), tuned by DemoOptions (zero: the defaults).
	Demo        bool
	DemoOptions demo.Options
}

// Server is a running server.
type Server struct {
	opts    Options
	seq     *sequencer.Sequencer
	http    *http.Server
	ln      net.Listener
	token   string
	tokenAt string // where the token came from
	served  chan error
	insDone chan struct{}
	demo    *demo.Demo     // nil unless Options.Demo
	auth    *auth.Verifier // shared by every signed surface (routes.go)
}

// Run starts the server and serves until ctx ends (then shuts down
// gracefully: no new connections, requests in flight answered, the
// sequencer drained, synced and closed) or until the sequencer stops on a
// journal failure (its error is returned: the process must exit).
func Run(ctx context.Context, o Options) error {
	s, err := Start(o)
	if err != nil {
		return err
	}
	var runErr error
	select {
	case <-ctx.Done():
	case <-s.seq.Done():
		runErr = s.seq.Err()
	case runErr = <-s.served:
	}
	s.opts.Logger.Info("shutting down", "err", runErr)
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Shutdown(sctx); runErr == nil {
		runErr = err
	}
	st := s.seq.Stats()
	s.opts.Logger.Info("stopped", "sequence", st.Seq, "journalSequence", st.JournalSeq, "err", runErr)
	return runErr
}

// Start opens the data directory (recovering the journal), builds the
// handlers, starts listening and prints the banner. Stop it with Shutdown.
func Start(o Options) (*Server, error) {
	if o.DataDir == "" {
		o.DataDir = DefaultDataDir
	}
	if o.Addr == "" {
		o.Addr = DefaultAddr
	}
	if o.Out == nil {
		o.Out = os.Stdout
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	clock, err := sequencer.ParseClockMode(o.Clock)
	if err != nil {
		return nil, err
	}
	var cfg *config.Config
	if o.ConfigPath != "" {
		if cfg, err = config.LoadFile(o.ConfigPath); err != nil {
			return nil, err
		}
	}
	if o.DataDir, err = filepath.Abs(o.DataDir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(o.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("server: data directory: %w", err)
	}
	s := &Server{opts: o, served: make(chan error, 1), insDone: make(chan struct{})}
	if s.token, s.tokenAt, err = adminToken(o.AdminToken, o.DataDir); err != nil {
		return nil, err
	}
	s.seq, err = sequencer.Open(sequencer.Options{
		Store:  sequencer.Dir{Path: record.JournalPath(o.DataDir)},
		Config: cfg, Clock: clock, SnapshotEvery: o.SnapshotEvery, Logger: o.Logger,
	})
	if err != nil {
		if errors.Is(err, sequencer.ErrConfigMismatch) {
			err = fmt.Errorf("%w: %s was started with another configuration; drop --config to use the journal's", err, o.DataDir)
		}
		return nil, err
	}
	mux, err := s.routes()
	if err != nil {
		_ = s.seq.Close()
		return nil, err
	}
	s.ln, err = net.Listen("tcp", o.Addr)
	if err != nil {
		_ = s.seq.Close()
		return nil, fmt.Errorf("server: %w", err)
	}
	s.http = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(o.Logger.Handler(), slog.LevelWarn)}
	go func() {
		if err := s.http.Serve(s.ln); !errors.Is(err, http.ErrServerClosed) {
			s.served <- err
		}
	}()
	s.banner()
	if err := s.startDemo(); err != nil {
		_ = s.Shutdown(context.Background())
		return nil, err
	}
	return s, nil
}

// Addr returns the address the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Token returns the operator token.
func (s *Server) Token() string { return s.token }

// Sequencer returns the sequencer that owns the engine.
func (s *Server) Sequencer() *sequencer.Sequencer { return s.seq }

// Shutdown stops listening, waits for the requests in flight (until ctx
// ends), then drains, syncs and closes the sequencer.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stopDemo()
	err := s.http.Shutdown(ctx)
	if cerr := s.seq.Close(); cerr != nil {
		err = cerr
	}
	<-s.insDone
	return err
}

// banner prints where the server listens, where its data and token are, and
// how to reach it.
func (s *Server) banner() {
	url := "http://" + s.Addr()
	tokenCmd := "$(cat " + s.tokenAt + ")"
	if s.tokenAt[0] == '$' || s.tokenAt[0] == '-' {
		tokenCmd = "<the token given by " + s.tokenAt + ">"
		if s.tokenAt[0] == '$' {
			tokenCmd = "$" + TokenEnv
		}
	}
	st := s.seq.Stats()
	fmt.Fprintf(s.opts.Out, `Waterfall is serving on %[1]s
  data:            %[2]s (journal: %[3]s, at sequence %[4]d)
  clock:           %[5]s
  operator token:  %[6]s
  Backpack API:    %[1]s/api/v1/ (e.g. curl %[1]s/api/v1/markets)
  operator API:    curl -H "Authorization: Bearer %[7]s" %[1]s/admin/v1/state
`, url, s.opts.DataDir, record.JournalPath(s.opts.DataDir), st.Seq, s.seq.Clock(), s.tokenAt, tokenCmd)
}
