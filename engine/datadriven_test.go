package engine_test

import (
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// knownBugs also runs testdata/known_bugs: scenarios of engine bugs not yet
// fixed, whose expected output is the correct behaviour, so they fail until
// the fix lands (then move the file to its subject's directory). Do not
// combine it with -rewrite: that would record the wrong behaviour.
var knownBugs = flag.Bool("known-bugs", false, "also run testdata/known_bugs (expected to fail)")

// TestScenarios runs the behaviour scenarios in testdata/**/*.txt (DESIGN.md
// §6), in the cockroachdb/datadriven format: a command line, `----`, and the
// events or the view it produces. Each file starts from a fresh engine on
// config.Default(); `go test ./engine -run TestScenarios -rewrite` regenerates
// the expected output, and the diff is reviewed like code.
//
// The harness speaks the engine's public surface only (this is package
// engine_test), converting names and decimal strings at the edge as an API
// would. After every command it checks the engine's invariants; a refused
// command must leave the state hash and the sequence unchanged. When a file
// ends, its command log is replayed into a fresh engine, which must produce
// the same events and the same state hash.
//
// Commands (arguments key=value; a leading # gives a raw id or enum value, or
// raw lots or ticks for qty= and price=, so a scenario can show what the
// engine does with values no decimal edge would let through):
//
//	config [file=PATH] [policy=NAME] [market=SYM [oi-limit=Q] [max-qty=Q] [min-qty=Q] [mark-band=F]
//	       [liquidation-capacity=USDC]]  (before the first command; file: a configuration,
//	                                   relative to engine/, instead of the default)
//	engine name=N [policy=NAME]        switch to (or start) another engine on the same config,
//	                                   a new one under another liquidation preset
//	account name=N                     create an account
//	deposit|withdraw account=N asset=A qty=Q
//	index asset=A price=P
//	advance ms=N | to=T [marks=last] [quiet]
//	                                   (marks=last: one line per market, its last mark;
//	                                   quiet: only the number of events)
//	order account=N market=M side=buy|sell type=limit|market [price=P] [qty=Q] [quote=Q]
//	      [tif=GTC|IOC|FOK] [post-only] [reduce-only] [stp=RejectTaker|RejectMaker|RejectBoth]
//	      [client=C] [position-side=Long|Short] [trigger=P [trigger-by=mark|last]]
//	move account=N market=M (order=ID | client=C) price=P [qty=Q]
//	cancel account=N market=M [order=ID] [client=C]
//	cancel-all account=N [market=M]
//	position-mode account=N mode=OneWay|Hedge
//	margin-mode account=N mode=Cross|Isolated
//	leverage account=N limit=L
//	lend|borrow account=N asset=A qty=Q
//	redeem|repay account=N asset=A [qty=Q]   (no qty: the whole claim or debt)
//	backstop account=N market=M capacity=USDC [min-equity=USDC]
//	                                   (register a backstop liquidity provider; capacity=0 withdraws)
//	liquidations                       (the accounts now liquidating: stage, as last
//	                                   reported by a liquidation event, and MMR)
//	book market=M | positions account=N | balances account=N | margin account=N | mark market=M
//	pools                              (every lending pool with a lender or a borrower: totals,
//	                                   indices, rates, utilization, throttle, house share)
//	lending account=N                  (the account's lending positions: claim, debt, shares)
//	hash | same-hash engines=(A,B)       (the state hash in hex | whether engines' hashes agree)
func TestScenarios(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		if filepath.Ext(path) != ".txt" {
			return // not a scenario (a README, say)
		}
		if strings.Contains(filepath.ToSlash(path), "/known_bugs/") && !*knownBugs {
			t.Skipf("%s shows an open engine bug; run with -known-bugs", path)
		}
		h := &harness{t: t, cfg: config.Default(), engines: map[string]*ddEngine{}}
		datadriven.RunTest(t, path, func(t *testing.T, td *datadriven.TestData) string {
			h.t = t
			return h.run(td)
		})
		h.replayAll(t)
	})
}

// harness is one scenario file's state.
type harness struct {
	t       *testing.T
	cfg     *config.Config
	engines map[string]*ddEngine
	order   []string // engine names in creation order
	cur     *ddEngine
}

// ddEngine is one engine with its account names and its command log.
type ddEngine struct {
	e     *engine.Engine
	cfg   *config.Config // the engine's configuration (a policy= may differ from the file's)
	names map[string]engine.AccountID
	ids   map[engine.AccountID]string
	log   []ddApplied
	// stages is each account's liquidation stage as its last liquidation
	// event reported it (the engine exports only whether it is liquidating).
	stages map[engine.AccountID]engine.LiquidationStage
}

// ddApplied is one command as applied, with what came of it, for the replay.
type ddApplied struct {
	cmd    engine.Command
	events []engine.Event
	err    string
}

func (h *harness) fatalf(td *datadriven.TestData, format string, args ...any) {
	h.t.Helper()
	h.t.Fatalf("%s: %s: %s", td.Pos, td.Cmd, fmt.Sprintf(format, args...))
}

func (h *harness) engine(td *datadriven.TestData) *ddEngine {
	if h.cur == nil {
		h.cur = h.newEngine(td, "main")
	}
	return h.cur
}

func (h *harness) newEngine(td *datadriven.TestData, name string) *ddEngine {
	return h.newEngineOn(td, name, h.cfg)
}

// newEngineOn starts engine name on cfg.
func (h *harness) newEngineOn(td *datadriven.TestData, name string, cfg *config.Config) *ddEngine {
	e, err := engine.New(cfg)
	if err != nil {
		h.fatalf(td, "engine.New: %v", err)
	}
	d := &ddEngine{e: e, cfg: cfg, names: map[string]engine.AccountID{}, ids: map[engine.AccountID]string{},
		stages: map[engine.AccountID]engine.LiquidationStage{}}
	h.engines[name] = d
	h.order = append(h.order, name)
	return d
}

// run executes one directive.
func (h *harness) run(td *datadriven.TestData) string {
	a := newArgs(h, td)
	switch td.Cmd {
	case "config":
		return h.configure(a)
	case "engine":
		a.allow("name", "policy")
		name := a.str("name")
		if d, ok := h.engines[name]; ok {
			if a.has("policy") {
				a.fail("engine %s exists: policy= only starts a new one", name)
			}
			h.cur = d
		} else {
			cfg := *h.cfg // its own copy: a policy= changes this engine alone
			if a.has("policy") {
				cfg.Liquidation.Policy = a.policy("policy")
			}
			h.cur = h.newEngineOn(td, name, &cfg)
		}
		return "engine " + name
	case "book", "positions", "balances", "margin", "mark", "hash", "same-hash", "liquidations", "pools", "lending":
		return h.view(a)
	}
	d := h.engine(td)
	c, ok := h.command(a, d)
	if !ok {
		h.fatalf(td, "unknown command")
	}
	return h.apply(td, a, d, c)
}

// apply runs a command, checks what must hold after it, and renders it.
func (h *harness) apply(td *datadriven.TestData, a *args, d *ddEngine, c engine.Command) string {
	e := d.e
	hashBefore, seqBefore := e.StateHash(), e.Seq()
	events, err := e.Apply(&c)
	if ierr := e.CheckInvariants(); ierr != nil {
		h.fatalf(td, "invariant violated: %v", ierr)
	}
	rec := ddApplied{cmd: c, events: append([]engine.Event(nil), events...)}
	if err != nil {
		rec.err = err.Error()
		d.log = append(d.log, rec)
		if e.StateHash() != hashBefore || e.Seq() != seqBefore {
			h.fatalf(td, "refused command (%v) changed the state", err)
		}
		var ee *engine.Error
		if !errors.As(err, &ee) {
			h.fatalf(td, "refusal is not an *engine.Error: %v", err)
		}
		return fmt.Sprintf("error %s: %s", ee.Code, ee.Message)
	}
	d.log = append(d.log, rec)
	for _, ev := range events {
		if ev.Kind == engine.EvLiquidation && !ev.Isolated {
			d.stages[ev.Account] = ev.Stage
		}
	}
	for id := e.FirstUser(); int(id) < e.Accounts(); id++ {
		if e.Liquidating(id) != (d.stages[id] != engine.StageNone) {
			h.fatalf(td, "account %d: liquidating=%v, but its last liquidation event says stage %v", id, e.Liquidating(id), d.stages[id])
		}
	}
	if e.Seq() != seqBefore+1 {
		h.fatalf(td, "accepted command moved the sequence from %d to %d", seqBefore, e.Seq())
	}
	for i := range events {
		if events[i].Seq != e.Seq() {
			h.fatalf(td, "event %d has sequence %d, the command %d", i, events[i].Seq, e.Seq())
		}
		if c.Kind != engine.CmdAdvanceTime && events[i].Time != e.Now() {
			h.fatalf(td, "event %d has time %d, the engine %d", i, events[i].Time, e.Now())
		}
	}
	if c.Kind == engine.CmdCreateAccount {
		for _, ev := range events {
			if ev.Kind == engine.EvAccountCreated {
				name := a.str("name")
				if _, dup := d.names[name]; dup || reservedName(name) {
					h.fatalf(td, "account name %q is taken", name)
				}
				d.names[name], d.ids[ev.Account] = ev.Account, name
			}
		}
	}
	r := renderer{e: e, names: d.ids}
	if c.Kind == engine.CmdAdvanceTime {
		if a.flag("quiet") {
			return fmt.Sprintf("%d events\nnow %d", len(events), e.Now())
		}
		return r.advance(events, a.opt("marks") == "last")
	}
	return r.events(events)
}

// command builds the engine command a directive names.
func (h *harness) command(a *args, d *ddEngine) (engine.Command, bool) {
	var c engine.Command
	switch a.td.Cmd {
	case "account":
		a.allow("name")
		a.str("name")
		c.Kind = engine.CmdCreateAccount
	case "deposit", "withdraw":
		a.allow("account", "asset", "qty")
		c.Kind = engine.CmdDeposit
		if a.td.Cmd == "withdraw" {
			c.Kind = engine.CmdWithdraw
		}
		c.Account = a.account(d, "account")
		c.Asset = a.asset("asset")
		c.Amount = a.amount("qty", c.Asset)
	case "lend", "redeem", "borrow", "repay":
		a.allow("account", "asset", "qty")
		c.Kind = map[string]engine.CommandKind{"lend": engine.CmdLend, "redeem": engine.CmdRedeem,
			"borrow": engine.CmdBorrow, "repay": engine.CmdRepay}[a.td.Cmd]
		c.Account = a.account(d, "account")
		c.Asset = a.asset("asset")
		if a.has("qty") {
			c.Amount = a.amount("qty", c.Asset)
		}
	case "lending-flags":
		a.allow("account", "autoBorrowSettlements", "autoRepayBorrows", "autoLend")
		c.Kind = engine.CmdSetLendingFlags
		c.Account = a.account(d, "account")
		for i, f := range []string{"autoBorrowSettlements", "autoRepayBorrows", "autoLend"} {
			if a.flag(f) {
				c.Amount |= 1 << i
			}
		}
	case "index":
		a.allow("asset", "price")
		c.Kind = engine.CmdSetIndexPrice
		c.Asset = a.asset("asset")
		c.Amount = a.decimal("price", fixed.PriceDecimals)
	case "advance":
		a.allow("ms", "to", "marks", "quiet")
		c.Kind = engine.CmdAdvanceTime
		switch {
		case a.has("ms") && !a.has("to"):
			c.Amount = d.e.Now() + a.int("ms")
		case a.has("to") && !a.has("ms"):
			c.Amount = a.int("to")
		default:
			a.fail("give ms= or to=")
		}
	case "order":
		a.allow("account", "market", "side", "type", "price", "qty", "quote", "tif", "post-only",
			"reduce-only", "stp", "client", "position-side", "trigger", "trigger-by")
		c.Kind = engine.CmdPlaceOrder
		c.Account = a.account(d, "account")
		c.Market = a.market("market")
		c.Side = a.side("side")
		c.Type = engine.OrderType(a.enum("type", 0, "limit", "market"))
		c.TimeInForce = engine.TimeInForce(a.enum("tif", 0, "GTC", "IOC", "FOK"))
		c.STP = engine.SelfTradePrevention(a.enum("stp", 0, "RejectTaker", "RejectMaker", "RejectBoth"))
		c.PositionSide = engine.PositionSide(a.enum("position-side", 0, "", "Long", "Short"))
		c.PostOnly, c.ReduceOnly = a.flag("post-only"), a.flag("reduce-only")
		c.Price = a.price("price", c.Market)
		c.Quantity = a.lots("qty", c.Market)
		c.QuoteQty = a.quote("quote", c.Market)
		c.ClientID = a.client("client")
		c.TriggerPrice = a.price("trigger", c.Market)
		c.TriggerBy = engine.TriggerBy(a.enum("trigger-by", 0, "mark", "last"))
	case "move":
		a.allow("account", "market", "order", "client", "price", "qty")
		c.Kind = engine.CmdMoveOrder
		c.Account = a.account(d, "account")
		c.Market = a.market("market")
		c.OrderID = a.orderID("order")
		c.ClientID = a.client("client")
		c.Price = a.price("price", c.Market)
		c.Quantity = a.lots("qty", c.Market)
	case "cancel":
		a.allow("account", "market", "order", "client")
		c.Kind = engine.CmdCancelOrder
		c.Account = a.account(d, "account")
		c.Market = a.market("market")
		c.OrderID = a.orderID("order")
		c.ClientID = a.client("client")
	case "cancel-all":
		a.allow("account", "market")
		c.Kind = engine.CmdCancelAll
		c.Account = a.account(d, "account")
		c.Market = engine.AllMarkets
		if a.has("market") {
			c.Market = a.market("market")
		}
	case "position-mode":
		a.allow("account", "mode")
		c.Kind = engine.CmdSetPositionMode
		c.Account = a.account(d, "account")
		c.PositionMode = engine.PositionMode(a.enum("mode", -1, "OneWay", "Hedge"))
	case "margin-mode":
		a.allow("account", "mode")
		c.Kind = engine.CmdSetMarginMode
		c.Account = a.account(d, "account")
		c.MarginMode = engine.MarginMode(a.enum("mode", -1, "Cross", "Isolated"))
	case "leverage":
		a.allow("account", "limit")
		c.Kind = engine.CmdSetLeverageLimit
		c.Account = a.account(d, "account")
		c.Amount = a.int("limit")
	case "backstop":
		a.allow("account", "market", "capacity", "min-equity")
		c.Kind = engine.CmdRegisterBackstop
		c.Account = a.account(d, "account")
		c.Market = a.market("market")
		if !a.has("capacity") {
			a.fail("missing capacity=")
		}
		c.Amount = a.quote("capacity", c.Market)
		c.MinEquity = a.quote("min-equity", c.Market)
	default:
		return c, false
	}
	return c, true
}

// configure changes a few market parameters before the engine starts.
func (h *harness) configure(a *args) string {
	if h.cur != nil {
		a.fail("config must come before the first command")
	}
	a.allow("file", "policy", "market", "oi-limit", "max-qty", "min-qty", "mark-band", "liquidation-capacity")
	if a.has("file") {
		cfg, err := config.LoadFile(a.str("file"))
		if err != nil {
			a.fail("config: %v", err)
		}
		h.cfg = cfg
	}
	if a.has("policy") {
		h.cfg.Liquidation.Policy = a.policy("policy")
	}
	if !a.has("market") {
		return "ok"
	}
	id := a.market("market")
	m := &h.cfg.Markets[id]
	base := h.cfg.Assets[m.Base].Decimals
	lots := func(key string) int64 {
		units := a.decimal(key, base)
		if units%m.StepSize != 0 {
			a.fail("%s=%s is not a whole number of steps", key, a.str(key))
		}
		return units / m.StepSize
	}
	if a.has("oi-limit") {
		m.OpenInterestLimit = lots("oi-limit")
	}
	if a.has("max-qty") {
		m.MaxQty = lots("max-qty")
	}
	if a.has("min-qty") {
		m.MinQty = lots("min-qty")
	}
	if a.has("mark-band") {
		m.Mark.Band = a.decimal("mark-band", fixed.RateDecimals)
	}
	if a.has("liquidation-capacity") {
		m.LiquidationCapacity = a.decimal("liquidation-capacity", h.cfg.Assets[m.Quote].Decimals)
	}
	if err := h.cfg.Validate(); err != nil {
		a.fail("config: %v", err)
	}
	return "ok"
}

// view renders a read-only query; it must not change the state.
func (h *harness) view(a *args) string {
	if a.td.Cmd == "same-hash" {
		a.allow("engines")
		arg, _ := a.td.Arg("engines")
		var first [32]byte
		for i, name := range arg.Vals {
			d, ok := h.engines[name]
			if !ok {
				a.fail("no engine %q", name)
			}
			if hs := d.e.StateHash(); i == 0 {
				first = hs
			} else if hs != first {
				return "differ"
			}
		}
		return "same"
	}
	d := h.engine(a.td)
	before := d.e.StateHash()
	r := renderer{e: d.e, names: d.ids}
	var out string
	switch a.td.Cmd {
	case "hash":
		a.allow()
		out = hex.EncodeToString(before[:])
	case "book":
		a.allow("market")
		out = r.book(a.market("market"))
	case "mark":
		a.allow("market")
		out = r.mark(a.market("market"))
	case "positions":
		a.allow("account")
		out = r.positions(a.account(d, "account"))
	case "balances":
		a.allow("account")
		out = r.balances(a.account(d, "account"))
	case "margin":
		a.allow("account")
		out = r.margin(a.account(d, "account"))
	case "liquidations":
		a.allow()
		out = r.liquidations(d.stages)
	case "pools":
		a.allow()
		out = r.pools()
	case "lending":
		a.allow("account")
		out = r.lending(a.account(d, "account"))
	}
	if d.e.StateHash() != before {
		a.fail("a view changed the state")
	}
	return out
}

// replayAll replays every engine's command log into a fresh engine: the same
// commands must give the same events, refusals and state hash (DESIGN.md §1).
func (h *harness) replayAll(t *testing.T) {
	for _, name := range h.order {
		d := h.engines[name]
		e, err := engine.New(d.cfg)
		if err != nil {
			t.Fatal(err)
		}
		for i, rec := range d.log {
			c := rec.cmd
			events, err := e.Apply(&c)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != rec.err || !reflect.DeepEqual(append([]engine.Event(nil), events...), rec.events) {
				t.Fatalf("replay of engine %q: command %d (%v) gave different events or refusal", name, i, c.Kind)
			}
		}
		if e.StateHash() != d.e.StateHash() {
			t.Fatalf("replay of engine %q: state hash differs", name)
		}
	}
}

// args reads a directive's arguments, failing the test on anything it does
// not understand: nothing is dropped or rounded silently.
type args struct {
	h  *harness
	td *datadriven.TestData
}

func newArgs(h *harness, td *datadriven.TestData) *args { return &args{h: h, td: td} }

func (a *args) fail(format string, v ...any) {
	a.h.t.Helper()
	a.h.fatalf(a.td, format, v...)
}

// allow fails on any argument not listed.
func (a *args) allow(keys ...string) {
	for _, arg := range a.td.CmdArgs {
		ok := false
		for _, k := range keys {
			ok = ok || arg.Key == k
		}
		if !ok {
			a.fail("unknown argument %q", arg.Key)
		}
	}
}

func (a *args) has(key string) bool { return a.td.HasArg(key) }

// opt returns an optional single value ("" when absent).
func (a *args) opt(key string) string {
	arg, ok := a.td.Arg(key)
	if !ok {
		return ""
	}
	if len(arg.Vals) != 1 {
		a.fail("%s takes one value", key)
	}
	return arg.Vals[0]
}

func (a *args) str(key string) string {
	if !a.has(key) {
		a.fail("missing %s=", key)
	}
	return a.opt(key)
}

func (a *args) flag(key string) bool {
	arg, ok := a.td.Arg(key)
	if ok && len(arg.Vals) != 0 {
		a.fail("%s is a flag and takes no value", key)
	}
	return ok
}

func (a *args) int(key string) int64 {
	v, err := strconv.ParseInt(a.str(key), 10, 64)
	if err != nil {
		a.fail("%s: %v", key, err)
	}
	return v
}

// raw parses "#n", the escape that passes a raw number to the engine.
func (a *args) raw(s string) (int64, bool) {
	if !strings.HasPrefix(s, "#") {
		return 0, false
	}
	v, err := strconv.ParseInt(s[1:], 10, 64)
	if err != nil {
		a.fail("bad raw value %q", s)
	}
	return v, true
}

// enum returns the index of the value among names (case-insensitive), def
// when absent (def < 0: required), or a raw #n.
func (a *args) enum(key string, def int, names ...string) int64 {
	if !a.has(key) {
		if def < 0 {
			a.fail("missing %s=", key)
		}
		return int64(def)
	}
	s := a.opt(key)
	if v, ok := a.raw(s); ok {
		return v
	}
	for i, n := range names {
		if n != "" && strings.EqualFold(n, s) {
			return int64(i)
		}
	}
	a.fail("%s=%s is not one of %v", key, s, names)
	return 0
}

func (a *args) side(key string) engine.Side {
	s := a.str(key)
	if v, ok := a.raw(s); ok {
		return engine.Side(v)
	}
	switch strings.ToLower(s) {
	case "buy", "bid":
		return engine.Bid
	case "sell", "ask":
		return engine.Ask
	}
	a.fail("side=%s is neither buy nor sell", s)
	return 0
}

func (a *args) decimal(key string, decimals int) int64 {
	v, err := fixed.ParseDecimal(a.str(key), decimals)
	if err != nil {
		a.fail("%s: %v", key, err)
	}
	return v
}

func (a *args) account(d *ddEngine, key string) engine.AccountID {
	s := a.str(key)
	if v, ok := a.raw(s); ok {
		return engine.AccountID(v)
	}
	if id, ok := d.names[s]; ok {
		return id
	}
	if id, ok := systemAccount(d.e, s); ok {
		return id
	}
	a.fail("no account named %q", s)
	return 0
}

// policy reads a liquidation preset's name.
func (a *args) policy(key string) config.LiquidationPolicy {
	p, ok := config.ParsePolicy(a.str(key))
	if !ok {
		a.fail("%s=%s: no such liquidation policy", key, a.str(key))
	}
	return p
}

func (a *args) market(key string) config.MarketID {
	s := a.str(key)
	if v, ok := a.raw(s); ok {
		return config.MarketID(v)
	}
	id, ok := a.h.cfg.MarketBySymbol(s)
	if !ok {
		a.fail("no market %q", s)
	}
	return id
}

func (a *args) asset(key string) config.AssetID {
	s := a.str(key)
	if v, ok := a.raw(s); ok {
		return config.AssetID(v)
	}
	id, ok := a.h.cfg.AssetBySymbol(s)
	if !ok {
		a.fail("no asset %q", s)
	}
	return id
}

// knownMarket returns the market's config, or nil for a raw id that does not
// exist (the engine will refuse it; its quantities are then read as raw).
func (a *args) knownMarket(id config.MarketID) *config.Market {
	if int(id) >= len(a.h.cfg.Markets) {
		return nil
	}
	return &a.h.cfg.Markets[id]
}

// amount reads a token quantity in the asset's smallest units.
func (a *args) amount(key string, asset config.AssetID) int64 {
	if int(asset) >= len(a.h.cfg.Assets) {
		return a.decimal(key, 0)
	}
	return a.decimal(key, a.h.cfg.Assets[asset].Decimals)
}

// lots reads a base quantity and converts it to lots; it must be a whole
// number of steps (0 when absent).
func (a *args) lots(key string, id config.MarketID) int64 {
	if !a.has(key) {
		return 0
	}
	if v, ok := a.raw(a.str(key)); ok {
		return v // raw lots
	}
	m := a.knownMarket(id)
	if m == nil {
		return a.decimal(key, 0)
	}
	units := a.decimal(key, a.h.cfg.Assets[m.Base].Decimals)
	if units%m.StepSize != 0 {
		a.fail("%s=%s is not a whole number of steps", key, a.str(key))
	}
	return units / m.StepSize
}

// price reads a price and converts it to ticks; it must be a whole number
// of ticks (0 when absent).
func (a *args) price(key string, id config.MarketID) int64 {
	if !a.has(key) {
		return 0
	}
	if v, ok := a.raw(a.str(key)); ok {
		return v // raw ticks
	}
	m := a.knownMarket(id)
	if m == nil {
		return a.decimal(key, 0)
	}
	p := a.decimal(key, fixed.PriceDecimals)
	if p%m.TickSize != 0 {
		a.fail("%s=%s is not a whole number of ticks", key, a.str(key))
	}
	return p / m.TickSize
}

// quote reads a quote quantity in the quote asset's smallest units.
func (a *args) quote(key string, id config.MarketID) int64 {
	if !a.has(key) {
		return 0
	}
	m := a.knownMarket(id)
	if m == nil {
		return a.decimal(key, 0)
	}
	return a.decimal(key, a.h.cfg.Assets[m.Quote].Decimals)
}

func (a *args) orderID(key string) uint64 {
	if !a.has(key) {
		return 0
	}
	v, err := strconv.ParseUint(strings.TrimPrefix(a.str(key), "#"), 10, 64)
	if err != nil {
		a.fail("%s: %v", key, err)
	}
	return v
}

func (a *args) client(key string) uint32 {
	if !a.has(key) {
		return 0
	}
	v, err := strconv.ParseUint(a.str(key), 10, 32)
	if err != nil {
		a.fail("%s: %v", key, err)
	}
	return uint32(v)
}
