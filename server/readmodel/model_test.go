package readmodel

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/journal/record"
)

// scenario is a run on a real sequencer: user trades on BTC_USDC_PERP, then
// a liquidation in each stage: the book (BTC, stage 1), backstop providers
// (ETH, stage 2) and ADL (SOL, stage 3, no provider in that market).
type scenario struct {
	mm, trader                  engine.AccountID // BTC: maker, liquidated on the book
	makerE, bustE, bpE          engine.AccountID // ETH: maker, backstopped, provider
	makerS, bustS               engine.AccountID // SOL: ADL counterparty, ADL'd
	btc, eth, sol               config.MarketID
	userTradeID, liqTradeID     uint64 // a user trade and a book liquidation trade
	backstopTradeID, adlTradeID uint64 // off-book trade ids
}

// fillsOf returns the fill events among evs.
func fillsOf(evs []engine.Event) []engine.Event {
	var out []engine.Event
	for _, ev := range evs {
		if ev.Kind == engine.EvOrder && ev.OrderEvent == engine.OrderFill {
			out = append(out, ev)
		}
	}
	return out
}

func runScenario(e *env) *scenario {
	e.t.Helper()
	s := &scenario{btc: e.market("BTC_USDC_PERP"), eth: e.market("ETH_USDC_PERP"), sol: e.market("SOL_USDC_PERP")}
	e.advance(1000)
	s.mm, s.trader = e.account(), e.account()
	s.makerE, s.bustE, s.bpE = e.account(), e.account(), e.account()
	s.makerS, s.bustS = e.account(), e.account()
	e.deposit(s.mm, "USDC", "1000000")
	e.deposit(s.trader, "USDC", "35000")
	e.deposit(s.makerE, "USDC", "1000000")
	e.deposit(s.bustE, "USDC", "1000")
	e.deposit(s.bpE, "USDC", "1000000")
	e.deposit(s.makerS, "USDC", "1000000")
	e.deposit(s.bustS, "USDC", "100")
	e.index("BTC", "100000")
	e.index("ETH", "4000")
	e.index("SOL", "150")

	// User trades: trader buys 10 BTC from mm at 100,000; mm bids 20 BTC at
	// 97,000 for the liquidation to sell into.
	e.order(s.mm, "BTC_USDC_PERP", engine.Ask, "100000", "10")
	fs := fillsOf(e.order(s.trader, "BTC_USDC_PERP", engine.Bid, "", "10"))
	if len(fs) != 2 || fs[0].FillType != engine.FillUser {
		e.t.Fatalf("opening fills %+v", fs)
	}
	s.userTradeID = fs[0].TradeID
	e.order(s.mm, "BTC_USDC_PERP", engine.Bid, "97000", "20")

	// Stage 1: at 97,900 trader is over the trigger, above ACMF; each second
	// the engine may sell 10% of the position on the book.
	e.index("BTC", "97900")
	for i := 0; i < 120 && s.liqTradeID == 0; i++ {
		for _, f := range fillsOf(e.advance(1000)) {
			if f.Account == s.trader && f.FillType == engine.FillBookLiquidation {
				s.liqTradeID = f.TradeID
			}
		}
	}
	if s.liqTradeID == 0 {
		e.t.Fatal("no book liquidation fill in 120 s")
	}

	// Stage 2: bustE long 10 ETH at 4,000 with 980 USDC; ETH gaps to 3,920:
	// equity 180 < ACMF 245: the provider takes the position.
	e.order(s.makerE, "ETH_USDC_PERP", engine.Ask, "4000", "10")
	e.order(s.bustE, "ETH_USDC_PERP", engine.Bid, "", "10")
	e.backstop(s.bpE, "ETH_USDC_PERP", "1000000")
	for _, f := range fillsOf(e.index("ETH", "3920")) {
		if f.FillType == engine.FillBackstop {
			s.backstopTradeID = f.TradeID
		}
	}
	if s.backstopTradeID == 0 {
		e.t.Fatal("no backstop fill")
	}

	// Stage 3: bustS long 30 SOL at 150 with 97.75 USDC; SOL gaps to 140,
	// through bankruptcy; no provider in SOL: ADL against makerS.
	e.order(s.makerS, "SOL_USDC_PERP", engine.Ask, "150", "30")
	e.order(s.bustS, "SOL_USDC_PERP", engine.Bid, "", "30")
	for _, f := range fillsOf(e.index("SOL", "140")) {
		if f.FillType == engine.FillAdl {
			s.adlTradeID = f.TradeID
		}
	}
	if s.adlTradeID == 0 {
		e.t.Fatal("no ADL fill")
	}
	return s
}

func TestFollowsTheEngine(t *testing.T) {
	e := newEnv(t)
	s := runScenario(e)
	e.sync()
	ctx := context.Background()

	// Fill history, by fill type.
	kinds := func(a engine.AccountID, types ...engine.FillType) map[engine.FillType]int {
		fs, err := e.m.Fills(ctx, FillFilter{Account: a, FillTypes: types})
		if err != nil {
			t.Fatal(err)
		}
		out := map[engine.FillType]int{}
		for _, f := range fs {
			out[f.FillType]++
			if f.Account != a {
				t.Fatalf("fill of account %d in %d's history", f.Account, a)
			}
		}
		return out
	}
	if k := kinds(s.trader); k[engine.FillUser] != 1 || k[engine.FillBookLiquidation] == 0 {
		t.Fatalf("trader's fills by type: %v", k)
	}
	if k := kinds(s.trader, engine.FillBookLiquidation); len(k) != 1 || k[engine.FillBookLiquidation] == 0 {
		t.Fatalf("trader's BookLiquidation fills: %v", k)
	}
	if k := kinds(s.bustE, engine.FillBackstop); k[engine.FillBackstop] == 0 {
		t.Fatalf("bustE's Backstop fills: %v", k)
	}
	if k := kinds(s.bpE); k[engine.FillBackstop] == 0 || k[engine.FillUser] != 0 {
		t.Fatalf("provider's fills: %v", k)
	}
	if k := kinds(s.bustS, engine.FillAdl); k[engine.FillAdl] == 0 {
		t.Fatalf("bustS's Adl fills: %v", k)
	}
	if k := kinds(s.makerS, engine.FillAdl); k[engine.FillAdl] == 0 {
		t.Fatalf("makerS's Adl fills: %v", k)
	}
	if k := kinds(s.makerS, engine.FillBackstop); len(k) != 0 {
		t.Fatalf("makerS has Backstop fills: %v", k)
	}
	liq, err := e.m.Fills(ctx, FillFilter{Account: s.trader, FillTypes: []engine.FillType{engine.FillBookLiquidation}, Page: Page{Limit: 1}})
	if err != nil || len(liq) != 1 {
		t.Fatal(liq, err)
	}
	if f := liq[0]; f.SystemType != engine.SystemLiquidatePositionOnBook || f.Origin != engine.OriginLiquidation ||
		f.Side != engine.Ask || f.Price != e.ticks(s.btc, "97000") || f.Fee == 0 || f.Maker {
		t.Fatalf("book liquidation fill %+v", f)
	}

	// Public trades: book trades only, the liquidation's flagged; no
	// backstop or ADL trade.
	trades := map[uint64]Trade{}
	for _, m := range []config.MarketID{s.btc, s.eth, s.sol} {
		ts, err := e.m.Trades(ctx, m, 1000, 0)
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i < len(ts); i++ {
			if ts[i].TradeID <= ts[i-1].TradeID {
				t.Fatalf("trades not oldest first: %+v", ts)
			}
		}
		for _, tr := range ts {
			trades[tr.TradeID] = tr
		}
	}
	if tr, ok := trades[s.userTradeID]; !ok || !tr.User || tr.Quantity != e.lots(s.btc, "10") || tr.TakerSide != engine.Bid {
		t.Fatalf("user trade %+v %v", tr, ok)
	}
	if tr, ok := trades[s.liqTradeID]; !ok || tr.User {
		t.Fatalf("book liquidation trade %+v %v", tr, ok)
	}
	if _, ok := trades[s.backstopTradeID]; ok {
		t.Fatal("a backstop fill became a public trade")
	}
	if _, ok := trades[s.adlTradeID]; ok {
		t.Fatal("an ADL fill became a public trade")
	}

	// Klines and tickers count user trades only: BTC's one buy at 100,000.
	now := e.m.Time()
	for _, name := range []string{"1m", "1h", "1d", "1w", "1month"} {
		iv, _ := ParseInterval(name)
		ks, err := e.m.Klines(ctx, s.btc, iv, now-7*24*hourMs, now+1)
		if err != nil {
			t.Fatal(err)
		}
		if len(ks) != 1 || ks[0].Trades != 1 || ks[0].Close != e.ticks(s.btc, "100000") ||
			ks[0].Volume != e.lots(s.btc, "10") || ks[0].Start != iv.Start(ks[0].Start) {
			t.Fatalf("%s klines %+v", name, ks)
		}
	}
	for _, m := range []config.MarketID{s.eth, s.sol} {
		iv, _ := ParseInterval("1m")
		ks, _ := e.m.Klines(ctx, m, iv, 0, now+1)
		if len(ks) != 1 || ks[0].Trades != 1 {
			t.Fatalf("market %d klines %+v: only the opening trade is a user trade", m, ks)
		}
	}
	tk, err := e.m.Ticker(ctx, s.btc, now-24*hourMs, now)
	if err != nil || tk.Trades != 1 || tk.Last != e.ticks(s.btc, "100000") || tk.Volume != e.lots(s.btc, "10") {
		t.Fatalf("BTC ticker %+v %v", tk, err)
	}
	if tk, _ := e.m.Ticker(ctx, e.market("BTC_USDC"), now-24*hourMs, now); tk.Trades != 0 || tk.Last != 0 {
		t.Fatalf("spot BTC never traded: %+v", tk)
	}

	// Orders: the liquidation's system orders, final states.
	os, err := e.m.Orders(ctx, OrderFilter{Account: s.trader})
	if err != nil {
		t.Fatal(err)
	}
	var sys int
	for _, o := range os {
		if o.SystemType == engine.SystemLiquidatePositionOnBook {
			sys++
		}
		if o.OrderID == 0 || o.Status == "" {
			t.Fatalf("order %+v", o)
		}
	}
	if sys == 0 || os[0].Status != "Filled" {
		t.Fatalf("trader's orders %+v", os)
	}

	// Settlements and the insurance fund: liquidation fees in.
	mv, err := e.m.Movements(ctx, MovementFilter{Account: s.trader, Sources: []engine.Source{engine.SourceLiquidationFee}})
	if err != nil || len(mv) == 0 || mv[0].Amount >= 0 {
		t.Fatalf("trader's liquidation fees %+v %v", mv, err)
	}
	ins, err := e.m.InsuranceHistory(ctx)
	if err != nil || len(ins) == 0 {
		t.Fatal(ins, err)
	}
	var sum int64
	for _, ev := range ins {
		if ev.Account != engine.AccountInsurance || ev.Kind != engine.EvBalance {
			t.Fatalf("insurance event %+v", ev)
		}
		sum += ev.Amount
	}
	bal, _ := e.m.InsuranceBalance(ctx, e.asset("USDC"))
	var engineBal int64
	_ = e.seq.Read(ctx, func(en *engine.Engine) { engineBal = en.Balance(engine.AccountInsurance, e.asset("USDC")) })
	if sum != bal || bal != engineBal || bal <= 0 {
		t.Fatalf("insurance: movements sum %d, last balance %d, engine %d", sum, bal, engineBal)
	}
}

// batch is one command's events, as a sequencer batch would carry them.
type batch struct {
	evs []engine.Event
	seq uint64
	now int64
}

// commandBatches replays e's journal, one batch per command.
func commandBatches(t *testing.T, e *env) []batch {
	t.Helper()
	var out []batch
	var eng *engine.Engine
	err := e.store().Read(1, func(_ uint64, p []byte) error {
		typ, err := record.TypeOf(p)
		if err != nil {
			return err
		}
		switch typ {
		case record.TypeGenesis:
			g, err := record.DecodeGenesis(p)
			if err != nil {
				return err
			}
			cfg, err := config.Load(bytes.NewReader(g.Config))
			if err != nil {
				return err
			}
			eng, err = engine.New(cfg)
			return err
		case record.TypeCommand:
			var c engine.Command
			if err := record.DecodeCommand(p, &c); err != nil {
				return err
			}
			evs, err := eng.Apply(&c)
			if err != nil {
				return err
			}
			out = append(out, batch{evs: slices.Clone(evs), seq: eng.Seq(), now: eng.Now()})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func openDB(t *testing.T, cfg *config.Config) *DB {
	t.Helper()
	eng, err := engine.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db, err := Open(filepath.Join(t.TempDir(), FileName), cfg, eng.FirstUser())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// Applying a batch twice, or a batch that overlaps what is applied, adds
// nothing twice: the database ends as the live model's, which saw each
// batch once.
func TestApplyIsIdempotent(t *testing.T) {
	e := newEnv(t)
	runScenario(e)
	e.sync()
	live := dump(t, e.m.DB)
	batches := commandBatches(t, e)
	ctx := context.Background()

	once := openDB(t, e.cfg)
	for _, b := range batches {
		if err := once.Apply(ctx, b.evs, b.seq, b.now); err != nil {
			t.Fatal(err)
		}
	}
	if got := dump(t, once); got != live {
		t.Fatalf("batch by batch differs from live:\n%s\nlive:\n%s", got, live)
	}

	again := openDB(t, e.cfg)
	var prev []engine.Event
	for _, b := range batches {
		overlap := append(slices.Clone(prev), b.evs...)
		for _, evs := range [][]engine.Event{overlap, b.evs, b.evs} {
			if err := again.Apply(ctx, evs, b.seq, b.now); err != nil {
				t.Fatal(err)
			}
		}
		if again.Seq() != b.seq {
			t.Fatalf("seq %d after batch %d", again.Seq(), b.seq)
		}
		prev = b.evs
	}
	if got := dump(t, again); got != live {
		t.Fatalf("applied twice differs:\n%s\nlive:\n%s", got, live)
	}
	if n := count(t, again, "fills"); n == 0 {
		t.Fatal("no fills")
	}
}

// A deleted database is rebuilt from the journal at the next start, to the
// same content.
func TestRebuildsWhenMissing(t *testing.T) {
	e := newEnv(t)
	runScenario(e)
	e.sync()
	want := dump(t, e.m.DB)
	e.stopModel()
	if err := removeFiles(e.path()); err != nil {
		t.Fatal(err)
	}
	e.startModel()
	if e.m.Recreated == "" {
		t.Fatal("Recreated is empty for a missing database")
	}
	if got := dump(t, e.m.DB); got != want {
		t.Fatalf("rebuilt:\n%s\nwant:\n%s", got, want)
	}
	if e.m.Seq() != e.seq.Stats().Seq {
		t.Fatalf("rebuilt to %d, the engine is at %d", e.m.Seq(), e.seq.Stats().Seq)
	}
}

// A model that was stopped while the engine went on catches up at the next
// start: it ends as a model rebuilt from scratch.
func TestCatchesUpWhenBehind(t *testing.T) {
	e := newEnv(t)
	s := runScenario(e)
	e.sync()
	e.stopModel()
	behind := e.m.Seq()
	for range 5 {
		e.order(s.mm, "BTC_USDC_PERP", engine.Ask, "98000", "1")
		e.order(s.makerE, "BTC_USDC_PERP", engine.Bid, "", "1")
		e.advance(3_600_000) // funding intervals close
	}
	e.startModel()
	if e.m.Seq() <= behind || e.m.Seq() != e.seq.Stats().Seq {
		t.Fatalf("caught up to %d from %d, the engine is at %d", e.m.Seq(), behind, e.seq.Stats().Seq)
	}
	got := dump(t, e.m.DB)
	if n := count(t, e.m.DB, "funding_rates"); n == 0 {
		t.Fatal("no funding rate after hours with open positions")
	}
	if n := count(t, e.m.DB, "funding"); n == 0 {
		t.Fatal("no funding payment after hours with open positions")
	}
	fresh, err := Start(Options{Path: filepath.Join(t.TempDir(), FileName), Sequencer: e.seq, Journal: e.store(), Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := fresh.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if want := dump(t, fresh.DB); got != want {
		t.Fatalf("caught up:\n%s\nrebuilt:\n%s", got, want)
	}

	// And it keeps following.
	e.order(s.mm, "BTC_USDC_PERP", engine.Ask, "98000", "1")
	evs := e.order(s.makerE, "BTC_USDC_PERP", engine.Bid, "", "1")
	e.sync()
	fs, _ := e.m.Fills(ctx, FillFilter{Account: s.makerE, OrderID: evs[0].OrderID})
	if len(fs) != 1 {
		t.Fatalf("fills of the last order: %+v (events %+v)", fs, evs)
	}
	if fs, _ := e.m.Fills(ctx, FillFilter{Account: s.makerE, Markets: []config.MarketID{s.btc}}); len(fs) != 6 {
		t.Fatalf("makerE's BTC fills: %d, want 5 while the model was stopped and 1 after", len(fs))
	}
}

// A file that is not a database, or a database of another configuration,
// is replaced and rebuilt.
func TestReplacesForeignFiles(t *testing.T) {
	e := newEnv(t)
	runScenario(e)
	e.sync()
	want := dump(t, e.m.DB)
	e.stopModel()

	if err := os.WriteFile(e.path(), []byte("not a database, not at all, but long enough to look like one"), 0o644); err != nil {
		t.Fatal(err)
	}
	_ = os.Remove(e.path() + "-wal")
	e.startModel()
	if e.m.Recreated == "" {
		t.Fatal("a corrupt file was used")
	}
	if got := dump(t, e.m.DB); got != want {
		t.Fatalf("after a corrupt file:\n%s\nwant:\n%s", got, want)
	}
	e.stopModel()

	other := config.Default()
	other.Markets = other.Markets[:1]
	db, err := Open(e.path(), other, 5)
	if err != nil {
		t.Fatal(err)
	}
	if db.Recreated == "" {
		t.Fatal("a database of another configuration was used")
	}
	_ = db.Close()
	e.startModel()
	if got := dump(t, e.m.DB); got != want {
		t.Fatalf("after another configuration's file:\n%s\nwant:\n%s", got, want)
	}
}

// A database ahead of the journal (built from another journal with the same
// configuration) is emptied and rebuilt.
func TestResetsWhenAhead(t *testing.T) {
	a := newEnv(t)
	runScenario(a)
	a.sync()
	a.stopModel()

	b := newEnv(t)
	b.advance(1000)
	acct := b.account()
	b.deposit(acct, "USDC", "5")
	b.sync()
	want := dump(t, b.m.DB)
	b.stopModel()
	if err := removeFiles(b.path()); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(a.path())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(b.path(), data, 0o644); err != nil {
		t.Fatal(err)
	}
	b.startModel()
	if got := dump(t, b.m.DB); got != want {
		t.Fatalf("after a database ahead of the journal:\n%s\nwant:\n%s", got, want)
	}
}

// A clean shutdown of the sequencer records its final sequence, even when
// the last commands published nothing: the next start replays nothing.
func TestCleanShutdownRecordsFinalSequence(t *testing.T) {
	e := newEnv(t)
	e.advance(1000)
	e.account()
	e.sync()
	e.advance(1000) // nothing due: no event
	if err := e.seq.Close(); err != nil {
		t.Fatal(err)
	}
	<-e.m.Done()
	final := e.seq.Stats().Seq
	e.openSeq()
	db, err := Open(e.path(), e.cfg, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.Seq() != final {
		t.Fatalf("database at %d after a clean shutdown at %d", db.Seq(), final)
	}
}

// gate is a Journal whose reads wait until it is opened.
type gate struct {
	j    Journal
	open chan struct{}
}

func (g *gate) Read(from uint64, fn func(seq uint64, payload []byte) error) error {
	<-g.open
	return g.j.Read(from, fn)
}

// While the model replays the journal, Sync answers ErrBehind when its
// context ends; once caught up, it answers.
func TestSyncWhileCatchingUp(t *testing.T) {
	e := newEnv(t)
	runScenario(e)
	e.sync()
	e.stopModel()
	if err := removeFiles(e.path()); err != nil {
		t.Fatal(err)
	}
	g := &gate{j: e.store(), open: make(chan struct{})}
	var once sync.Once
	release := func() { once.Do(func() { close(g.open) }) }
	m, err := Start(Options{Path: e.path(), Sequencer: e.seq, Journal: g, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	defer release() // before Close: the replay waits on the gate
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := m.Sync(ctx); !errors.Is(err, ErrBehind) {
		t.Fatalf("Sync while replaying: %v, want ErrBehind", err)
	}
	if m.Live() {
		t.Fatal("live while replaying")
	}
	release()
	ctx2, cancel2 := context.WithTimeout(context.Background(), time.Minute)
	defer cancel2()
	if _, err := m.Sync(ctx2); err != nil {
		t.Fatal(err)
	}
	if !m.Live() || m.Seq() != e.seq.Stats().Seq {
		t.Fatalf("live %v at %d, the engine at %d", m.Live(), m.Seq(), e.seq.Stats().Seq)
	}
}
