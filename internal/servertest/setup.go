package servertest

import (
	"context"
	"crypto/ed25519"
	"testing"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// Engine is what Setup drives: a *sequencer.Sequencer, or a test's stand-in
// for one.
type Engine interface {
	Submit(ctx context.Context, c *engine.Command) ([]engine.Event, error)
	CreateAccount(ctx context.Context, label string, apiKey []byte) (engine.AccountID, error)
}

// Setup submits the commands a test prepares its engine with. Every one
// must be accepted: a refusal, an unknown symbol or a number that does not
// parse fails the test. Decimal arguments are strings, as a client sends
// them ("100000.5").
type Setup struct {
	T      testing.TB
	Engine Engine
	Cfg    *config.Config
}

// Submit applies c and returns its events.
func (s Setup) Submit(c engine.Command) []engine.Event {
	s.T.Helper()
	evs, err := s.Engine.Submit(context.Background(), &c)
	if err != nil {
		s.T.Fatalf("setup command %v: %v", c.Kind, err)
	}
	return evs
}

// Advance moves the engine's manual clock by ms, as the sequencer's
// AdvanceClock does; an Engine without AdvanceClock fails the test.
func (s Setup) Advance(ms int64) []engine.Event {
	s.T.Helper()
	c, ok := s.Engine.(interface {
		AdvanceClock(ctx context.Context, ms int64) ([]engine.Event, error)
	})
	if !ok {
		s.T.Fatalf("%T has no manual clock to advance", s.Engine)
	}
	evs, err := c.AdvanceClock(context.Background(), ms)
	if err != nil {
		s.T.Fatal(err)
	}
	return evs
}

// Asset is the asset named sym.
func (s Setup) Asset(sym string) config.AssetID {
	s.T.Helper()
	return lookup(s, "asset", sym, s.Cfg.AssetBySymbol)
}

// Market is the market named sym.
func (s Setup) Market(sym string) config.MarketID {
	s.T.Helper()
	return lookup(s, "market", sym, s.Cfg.MarketBySymbol)
}

func lookup[ID any](s Setup, what, sym string, find func(string) (ID, bool)) ID {
	s.T.Helper()
	id, ok := find(sym)
	if !ok {
		s.T.Fatalf("no %s %s", what, sym)
	}
	return id
}

// Ticks is a price of market m in its ticks.
func (s Setup) Ticks(m config.MarketID, price string) int64 {
	s.T.Helper()
	return s.parse(price, fixed.PriceDecimals) / s.Cfg.Markets[m].TickSize
}

// Lots is a quantity of market m's base asset in its lots.
func (s Setup) Lots(m config.MarketID, qty string) int64 {
	s.T.Helper()
	mk := &s.Cfg.Markets[m]
	return s.parse(qty, s.Cfg.Assets[mk.Base].Decimals) / mk.StepSize
}

func (s Setup) parse(v string, decimals int) int64 {
	s.T.Helper()
	x, err := fixed.ParseDecimal(v, decimals)
	if err != nil {
		s.T.Fatal(err)
	}
	return x
}

// Index sets the index price of asset sym.
func (s Setup) Index(sym, price string) []engine.Event {
	s.T.Helper()
	return s.Submit(engine.Command{Kind: engine.CmdSetIndexPrice, Asset: s.Asset(sym),
		Amount: s.parse(price, fixed.PriceDecimals)})
}

// Deposit credits account a with amount of asset sym.
func (s Setup) Deposit(a engine.AccountID, sym, amount string) {
	s.T.Helper()
	as := s.Asset(sym)
	s.Submit(engine.Command{Kind: engine.CmdDeposit, Account: a, Asset: as, Amount: s.parse(amount, s.Cfg.Assets[as].Decimals)})
}

// Account creates an account whose API key is key's public key and, unless
// usdc is "", deposits that much USDC into it.
func (s Setup) Account(key ed25519.PrivateKey, usdc string) engine.AccountID {
	s.T.Helper()
	id, err := s.Engine.CreateAccount(context.Background(), "", key.Public().(ed25519.PublicKey))
	if err != nil {
		s.T.Fatal(err)
	}
	if usdc != "" {
		s.Deposit(id, "USDC", usdc)
	}
	return id
}

// Order places a GTC limit order of account a in market sym; price ""
// places a market order.
func (s Setup) Order(a engine.AccountID, sym string, side engine.Side, price, qty string) []engine.Event {
	s.T.Helper()
	m := s.Market(sym)
	c := engine.Command{Kind: engine.CmdPlaceOrder, Account: a, Market: m, Side: side, Type: engine.Market,
		Quantity: s.Lots(m, qty)}
	if price != "" {
		c.Type, c.Price = engine.Limit, s.Ticks(m, price)
	}
	return s.Submit(c)
}

// Backstop registers account a as a backstop liquidity provider of market
// sym with capacity USDC.
func (s Setup) Backstop(a engine.AccountID, sym, capacity string) {
	s.T.Helper()
	s.Submit(engine.Command{Kind: engine.CmdRegisterBackstop, Account: a, Market: s.Market(sym),
		Amount: s.parse(capacity, 6)})
}
