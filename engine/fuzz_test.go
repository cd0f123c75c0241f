package engine_test

// FuzzApply decodes its input into a short sequence (≤ 48) of engine.Command
// values with arbitrary fields — any kind byte, any int64 (zero, negative,
// MinInt64/MaxInt64, values near the limits), unknown enums, out-of-range
// account, market, asset and order ids — and applies them to an engine with
// three funded accounts, index prices and a two-sided book in every market
// (fuzzSetup), under the same checker as TestPropertyRandomCommands
// (property_test.go, with its liquidation checks in liq_property_test.go):
// no panic, a refused command changes nothing (state hash, sequence, time,
// events), the invariants and every event, fill, economic and liquidation
// check hold after each command, and the run replays identically. Seeds
// below take a leveraged account through stage 1, stage 2 (with a backstop
// provider) and stage 3.
//
// The seeds (f.Add below, written as commands with fuzzEncode) and
// testdata/fuzz/FuzzApply (property-*: 48-command sequences drawn by the
// property test's generator, fuzzEncode'd) run in plain `go test` in well
// under a second. To fuzz:
//
//	go test -run='^$' -fuzz=FuzzApply -fuzztime=60s ./engine/
//
// (about 300–700 inputs a second on 2 cores; Go's fuzzer spends up to
// -fuzzminimizetime, 60 s by default, minimizing each input that finds new
// coverage, and shows 0 execs/sec meanwhile: -fuzzminimizetime=5s keeps it
// exploring.) A failure prints the decoded commands as a Go literal.
//
// Input format, one command after another until the input runs out (a
// missing byte reads as 0): a kind byte, the account, market and asset
// bytes, a byte each for side, type, time in force, STP, position side,
// trigger reference, position mode and margin mode, a flags byte (bit 0
// post-only, bit 1 reduce-only), then Amount, Price, Quantity, QuoteQty,
// TriggerPrice, OrderID and ClientID, each as a selector byte and what it
// selects (see fuzzReader.int and fuzzReader.command), and for
// CmdRegisterBackstop (a kind byte of 13 mod 14) MinEquity the same way.

import (
	"encoding/binary"
	"fmt"
	"math"
	"runtime/debug"
	"slices"
	"testing"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// maxFuzzCommands bounds one input's commands, so each input runs quickly.
const maxFuzzCommands = 48

// fuzzKinds: a kind byte below 0xF0 decodes to one of the kinds up to
// CmdRegisterBackstop, or CmdNone.
const fuzzKinds = byte(engine.CmdRegisterBackstop) + 1

// fuzzSpecials are the int64s an int field's selector 5 picks from.
var fuzzSpecials = []int64{
	0, 1, -1, math.MaxInt64, math.MinInt64, math.MaxInt64 - 1, math.MinInt64 + 1,
	engine.MaxAmount, engine.MaxAmount + 1, -engine.MaxAmount, engine.MaxIndexPrice, engine.MaxIndexPrice + 1,
	engine.MaxTimeStep, engine.MaxTimeStep + 1, math.MaxInt32, math.MaxUint32, 1 << 53, fixed.PriceScale, fixed.RateScale,
}

// The market and asset ids a market or asset byte ≥ 0xF0 decodes to.
var (
	fuzzOddMarkets = []config.MarketID{engine.AllMarkets, engine.AllMarkets - 1, 1000, math.MaxUint16 / 2}
	fuzzOddAssets  = []config.AssetID{math.MaxUint16, 1000, 255, 256}
)

// fuzzReader decodes commands from fuzz bytes.
type fuzzReader struct {
	b []byte
	c *checker
}

func (r *fuzzReader) more() bool { return len(r.b) > 0 }

func (r *fuzzReader) byte() byte {
	if len(r.b) == 0 {
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

func (r *fuzzReader) bytes(n int) uint64 {
	var buf [8]byte
	copy(buf[:n], r.b)
	r.b = r.b[min(n, len(r.b)):]
	return binary.LittleEndian.Uint64(buf[:])
}

// int decodes an int64: a selector byte, then what it asks for. Selector %8:
// 0 zero; 1 a signed byte; 2 a signed 16-bit value; 3 a signed 32-bit
// value; 4 a raw 64-bit value; 5 a special value (fuzzSpecials); 6 the
// field's reference value (base: the engine time, an index or mark price,
// the minimum quantity, the last order id...) plus a signed 16-bit offset
// times a unit; 7 the field's budget (alt: the free balance, the lots the
// free balance pays for; base if none) scaled by (1000 + signed byte)/1000.
func (r *fuzzReader) int(base, unit, alt int64) int64 {
	switch r.byte() % 8 {
	case 0:
		return 0
	case 1:
		return int64(int8(r.byte())) //nolint:gosec // bit pattern
	case 2:
		return int64(int16(r.bytes(2))) //nolint:gosec // bit pattern
	case 3:
		return int64(int32(r.bytes(4))) //nolint:gosec // bit pattern
	case 4:
		return int64(r.bytes(8)) //nolint:gosec // bit pattern
	case 5:
		return fuzzSpecials[int(r.byte())%len(fuzzSpecials)]
	case 6:
		return base + int64(int16(r.bytes(2)))*unit //nolint:gosec // bit pattern; may wrap, on purpose
	default:
		if alt == 0 {
			alt = base
		}
		v, err := fixed.MulDiv(alt, 1000+int64(int8(r.byte())), 1000, fixed.Floor) //nolint:gosec // bit pattern
		if err != nil {
			return alt
		}
		return v
	}
}

// command decodes one command, using the engine's state for the reference
// values of selectors 6 and 7.
func (r *fuzzReader) command() engine.Command {
	e, cfg := r.c.e, r.c.cfg
	var c engine.Command
	if k := r.byte(); k >= 0xF0 {
		c.Kind = engine.CommandKind(k) // unknown kinds
	} else {
		c.Kind = engine.CommandKind(k % fuzzKinds)
	}
	// Account: mostly a user (or the next id), else a system or odd id.
	if a := r.byte(); a < 0xE0 {
		c.Account = e.FirstUser() + engine.AccountID(int(a)%(e.Accounts()-int(e.FirstUser())+1)) //nolint:gosec // small
	} else {
		odd := []engine.AccountID{0, 1, 2, 3, 4, 5, 6, engine.AccountID(e.Accounts()), 1 << 31, math.MaxUint32} //nolint:gosec // small
		c.Account = odd[int(a)%len(odd)]
	}
	// Market and asset: mostly a configured one (or the next id), else odd.
	if m := r.byte(); m < 0xF0 {
		c.Market = config.MarketID(int(m) % (len(cfg.Markets) + 1)) //nolint:gosec // small
	} else {
		c.Market = fuzzOddMarkets[m%4]
	}
	if a := r.byte(); a < 0xF0 {
		c.Asset = config.AssetID(int(a) % (len(cfg.Assets) + 1)) //nolint:gosec // small
	} else {
		c.Asset = fuzzOddAssets[a%4]
	}
	c.Side = engine.Side(enum(r.byte(), 4))
	c.Type = engine.OrderType(enum(r.byte(), 3))
	c.TimeInForce = engine.TimeInForce(enum(r.byte(), 4))
	c.STP = engine.SelfTradePrevention(enum(r.byte(), 4))
	c.PositionSide = engine.PositionSide(enum(r.byte(), 4))
	c.TriggerBy = engine.TriggerBy(enum(r.byte(), 3))
	c.PositionMode = engine.PositionMode(enum(r.byte(), 3))
	c.MarginMode = engine.MarginMode(enum(r.byte(), 3))
	flags := r.byte()
	c.PostOnly, c.ReduceOnly = flags&1 != 0, flags&2 != 0

	// Reference values for the int fields.
	var mc *config.Market
	if int(c.Market) < len(cfg.Markets) {
		mc = &cfg.Markets[c.Market]
	}
	amountBase, amountUnit := int64(1_000_000), int64(1_000)
	switch c.Kind {
	case engine.CmdAdvanceTime:
		amountBase, amountUnit = e.Now(), 1000 // up to ±9 hours
	case engine.CmdSetIndexPrice:
		if int(c.Asset) < len(cfg.Assets) {
			amountBase, amountUnit = e.Index(c.Asset), max(e.Index(c.Asset)/10_000, 1)
		}
	case engine.CmdSetLeverageLimit:
		amountBase, amountUnit = 0, 1
	}
	priceBase, priceUnit, qtyBase := int64(1_000_000), int64(1), int64(1)
	if mc != nil {
		priceBase = e.Mark(c.Market) / mc.TickSize
		priceUnit = max(priceBase/10_000, 1)
		qtyBase = mc.MinQty
	}
	// Budgets: what the account has free of the asset (for a deposit, the
	// room left below MaxAmount), and for an order the lots that pays for.
	user := c.Account >= e.FirstUser() && int(c.Account) < e.Accounts()
	free := func(a config.AssetID) int64 {
		if !user || int(a) >= len(cfg.Assets) {
			return 0
		}
		return max(e.Balance(c.Account, a)-e.Locked(c.Account, a), 0)
	}
	amountAlt := free(c.Asset)
	if c.Kind == engine.CmdDeposit && user && int(c.Asset) < len(cfg.Assets) {
		amountAlt = engine.MaxAmount - e.Balance(c.Account, c.Asset)
	}
	c.Amount = r.int(amountBase, amountUnit, amountAlt)
	c.Price = r.int(priceBase, priceUnit, 0)
	var qtyAlt, quoteAlt int64
	if mc != nil {
		ticks := c.Price
		if ticks <= 0 || ticks > priceBase*2 {
			ticks = priceBase
		}
		perLot := max(ticks*lotTick(mc), 1)
		switch {
		case mc.Kind == config.Spot && c.Side == engine.Ask:
			qtyAlt = free(mc.Base) / mc.StepSize
		case mc.Kind == config.Spot:
			qtyAlt = free(mc.Quote) / perLot
		default:
			qtyAlt = free(mc.Quote) / perLot * 10 // at 10× leverage
		}
		quoteAlt = free(mc.Quote)
	}
	c.Quantity = r.int(qtyBase, qtyBase, qtyAlt)
	c.QuoteQty = r.int(1_000_000, 1_000, quoteAlt)
	c.TriggerPrice = r.int(priceBase, priceUnit, 0)
	c.OrderID = uint64(r.int(int64(r.c.lastOrderID), 1, 0)) //nolint:gosec // bit pattern
	c.ClientID = uint32(r.int(0, 1, 0))                     //nolint:gosec // bit pattern
	if c.Kind == engine.CmdRegisterBackstop {
		// A provider's minimum net equity: around its own equity, or anything.
		var equity int64
		if user {
			equity = max(e.Margin(c.Account).NetEquity, 0)
		}
		c.MinEquity = r.int(0, 1_000_000, equity)
	}
	return c
}

// enum decodes an enum byte: mostly one of the first n values (valid ones
// and just past them), sometimes any byte.
func enum(b byte, n int) uint8 {
	if b >= 0xF0 {
		return b
	}
	return b % uint8(n) //nolint:gosec // n < 256
}

// fuzzSetup funds three accounts and gives every market an index price and
// resting orders on both sides, so fuzzed orders can trade.
func fuzzSetup() []engine.Command {
	first := fuzzFirstUser()
	cmds := setupCommands(first, 3)
	mm := first + 2 // the market maker
	for _, m := range allMarkets {
		mc := &defaultCfg.Markets[m]
		mark := startIndex[mc.Base] / mc.TickSize
		cmds = append(cmds,
			engine.Command{Kind: engine.CmdPlaceOrder, Account: mm, Market: m, Side: engine.Bid, Price: mark - mark/1000, Quantity: mc.MinQty * 10},
			engine.Command{Kind: engine.CmdPlaceOrder, Account: mm, Market: m, Side: engine.Ask, Price: mark + mark/1000, Quantity: mc.MinQty * 10},
		)
	}
	return cmds
}

// fuzzEncode encodes commands in the fuzz input format (every int raw, with
// selector 4), so that a seed or a reproducer can be written as commands.
// User accounts are encoded relative to the first user, and decode right
// while they exist; the other ids and values encode only where the format
// can name them (see fuzzReader.command), and panic otherwise.
func fuzzEncode(cmds ...engine.Command) []byte {
	first := fuzzFirstUser()
	var b []byte
	byteFor := func(v uint64, n int) byte { // an enum byte that decodes to v
		switch {
		case v < uint64(n):
			return byte(v)
		case v >= 0xF0 && v <= 0xFF:
			return byte(v)
		}
		panic(fmt.Sprintf("fuzzEncode: enum value %d", v))
	}
	for _, c := range cmds {
		switch {
		case byte(c.Kind) < fuzzKinds:
			b = append(b, byte(c.Kind))
		case c.Kind >= 0xF0:
			b = append(b, byte(c.Kind))
		default:
			panic(fmt.Sprintf("fuzzEncode: kind %d", c.Kind))
		}
		odd := []engine.AccountID{0, 1, 2, 3, 4, 5, 6}
		switch i := slices.Index(odd, c.Account); {
		case c.Account >= first && c.Account < first+0xE0:
			b = append(b, byte(c.Account-first))
		case i >= 0:
			b = append(b, 0xE0+byte((i+6)%10)) // 0xE0 % 10 == 4
		default:
			panic(fmt.Sprintf("fuzzEncode: account %d", c.Account))
		}
		cfg := config.Default()
		switch oddMarket := slices.Index(fuzzOddMarkets, c.Market); {
		case int(c.Market) <= len(cfg.Markets):
			b = append(b, byte(c.Market))
		case oddMarket >= 0:
			b = append(b, 0xF0+byte(oddMarket))
		default:
			panic(fmt.Sprintf("fuzzEncode: market %d", c.Market))
		}
		switch oddAsset := slices.Index(fuzzOddAssets, c.Asset); {
		case int(c.Asset) <= len(cfg.Assets):
			b = append(b, byte(c.Asset))
		case oddAsset >= 0:
			b = append(b, 0xF0+byte(oddAsset))
		default:
			panic(fmt.Sprintf("fuzzEncode: asset %d", c.Asset))
		}
		b = append(b, byteFor(uint64(c.Side), 4), byteFor(uint64(c.Type), 3), byteFor(uint64(c.TimeInForce), 4),
			byteFor(uint64(c.STP), 4), byteFor(uint64(c.PositionSide), 4), byteFor(uint64(c.TriggerBy), 3),
			byteFor(uint64(c.PositionMode), 3), byteFor(uint64(c.MarginMode), 3))
		var flags byte
		if c.PostOnly {
			flags |= 1
		}
		if c.ReduceOnly {
			flags |= 2
		}
		b = append(b, flags)
		ints := []int64{c.Amount, c.Price, c.Quantity, c.QuoteQty, c.TriggerPrice, int64(c.OrderID), int64(c.ClientID)} //nolint:gosec // bit pattern
		if c.Kind == engine.CmdRegisterBackstop {
			ints = append(ints, c.MinEquity)
		}
		for _, v := range ints {
			b = append(b, 4)
			b = binary.LittleEndian.AppendUint64(b, uint64(v)) //nolint:gosec // bit pattern
		}
	}
	return b
}

// fuzzFirstUser is the first user account of a default engine.
func fuzzFirstUser() engine.AccountID {
	e, err := engine.New(config.Default())
	if err != nil {
		panic(err)
	}
	return e.FirstUser()
}

func FuzzApply(f *testing.F) {
	const bid, ask, market = engine.Bid, engine.Ask, engine.Market
	a, b, mm := fuzzFirstUser(), fuzzFirstUser()+1, fuzzFirstUser()+2 // fuzzSetup's accounts; mm quotes every market
	hour := int64(3_600_000)
	// Trading on the BTC perpetual around 100,000 (1,000,000 ticks), a
	// price move and funding, a reduce-only close.
	f.Add(fuzzEncode(
		engine.Command{Kind: engine.CmdPlaceOrder, Account: a, Market: btcPerp, Side: bid, Price: 1_000_000, Quantity: 100},
		engine.Command{Kind: engine.CmdPlaceOrder, Account: b, Market: btcPerp, Side: ask, Type: market, Quantity: 150},
		engine.Command{Kind: engine.CmdSetIndexPrice, Asset: btc, Amount: 70_000 * fixed.PriceScale},
		engine.Command{Kind: engine.CmdAdvanceTime, Amount: startTime + hour},
		engine.Command{Kind: engine.CmdPlaceOrder, Account: a, Market: btcPerp, Side: ask, Type: market, Quantity: 100, ReduceOnly: true},
	))
	// Spot, by quote, FOK, IOC, a move and cancels.
	f.Add(fuzzEncode(
		engine.Command{Kind: engine.CmdPlaceOrder, Account: a, Market: solSpot, Side: bid, Type: market, QuoteQty: 50_000_000},
		engine.Command{Kind: engine.CmdPlaceOrder, Account: b, Market: btcSpot, Side: ask, TimeInForce: engine.FOK, Price: 999_000, Quantity: 20},
		engine.Command{Kind: engine.CmdPlaceOrder, Account: b, Market: ethPerp, Side: bid, TimeInForce: engine.IOC, Price: 30_100, Quantity: 5},
		engine.Command{Kind: engine.CmdPlaceOrder, Account: a, Market: ethSpot, Side: bid, Price: 299_000, Quantity: 3, ClientID: 7},
		engine.Command{Kind: engine.CmdMoveOrder, Account: a, Market: ethSpot, Price: 300_500, ClientID: 7},
		engine.Command{Kind: engine.CmdCancelOrder, Account: a, Market: ethSpot, ClientID: 7},
		engine.Command{Kind: engine.CmdCancelAll, Account: mm, Market: engine.AllMarkets},
	))
	// Hedge mode, triggers, leverage, withdrawals.
	f.Add(fuzzEncode(
		engine.Command{Kind: engine.CmdSetPositionMode, Account: a, PositionMode: engine.Hedge},
		engine.Command{Kind: engine.CmdPlaceOrder, Account: a, Market: btcPerp, Side: bid, Type: market, Quantity: 10, PositionSide: engine.Long},
		engine.Command{Kind: engine.CmdPlaceOrder, Account: a, Market: btcPerp, Side: ask, Type: market, Quantity: 10, PositionSide: engine.Short},
		engine.Command{Kind: engine.CmdPlaceOrder, Account: b, Market: btcPerp, Side: ask, Type: market, Quantity: 5, TriggerPrice: 990_000},
		engine.Command{Kind: engine.CmdPlaceOrder, Account: b, Market: btcPerp, Side: bid, Price: 1_010_000, Quantity: 5, TriggerPrice: 1_005_000, TriggerBy: engine.TriggerByLast},
		engine.Command{Kind: engine.CmdSetIndexPrice, Asset: btc, Amount: 98_000 * fixed.PriceScale},
		engine.Command{Kind: engine.CmdSetLeverageLimit, Account: a, Amount: 2},
		engine.Command{Kind: engine.CmdWithdraw, Account: b, Asset: usdc, Amount: 999_000_000_000},
		engine.Command{Kind: engine.CmdAdvanceTime, Amount: startTime + 2*hour},
	))
	// Absurd values.
	f.Add(fuzzEncode(
		engine.Command{Kind: engine.CmdDeposit, Account: a, Asset: usdc, Amount: math.MaxInt64},
		engine.Command{Kind: engine.CmdDeposit, Account: a, Asset: usdc, Amount: engine.MaxAmount},
		engine.Command{Kind: engine.CmdPlaceOrder, Account: a, Market: btcPerp, Side: bid, Price: math.MaxInt64, Quantity: math.MaxInt64},
		engine.Command{Kind: engine.CmdPlaceOrder, Account: a, Market: btcSpot, Side: ask, Type: market, Quantity: engine.MaxAmount},
		engine.Command{Kind: engine.CmdSetIndexPrice, Asset: sol, Amount: engine.MaxIndexPrice},
		engine.Command{Kind: 0xF0, Account: a},
		engine.Command{Kind: engine.CmdAdvanceTime, Amount: math.MinInt64},
	))
	// Huge positions, then the largest index price, then funding.
	f.Add(fuzzEncode(
		engine.Command{Kind: engine.CmdDeposit, Account: a, Asset: usdc, Amount: engine.MaxAmount - 1_000_000_000_000},
		engine.Command{Kind: engine.CmdDeposit, Account: b, Asset: usdc, Amount: engine.MaxAmount - 1_000_000_000_000},
		engine.Command{Kind: engine.CmdPlaceOrder, Account: b, Market: btcPerp, Side: ask, Price: 1_001_000, Quantity: 10_000_000},
		engine.Command{Kind: engine.CmdPlaceOrder, Account: a, Market: btcPerp, Side: bid, Type: market, Quantity: 10_000_010},
		engine.Command{Kind: engine.CmdSetIndexPrice, Asset: btc, Amount: engine.MaxIndexPrice},
		engine.Command{Kind: engine.CmdAdvanceTime, Amount: startTime + hour},
	))
	// Liquidation: a fresh account (d) with 1,000 USDC goes 30× long BTC.
	// Either the price gaps through ACMF to the backstop provider (a), or it
	// declines second by second into stage 1 (a resting bid takes the
	// slices), then gaps past bankruptcy into ADL with no provider (the
	// registrations tried are invalid and refused).
	d := fuzzFirstUser() + 3
	leverage := []engine.Command{
		{Kind: engine.CmdCreateAccount},
		{Kind: engine.CmdDeposit, Account: d, Asset: usdc, Amount: 1_000_000_000},
		{Kind: engine.CmdPlaceOrder, Account: b, Market: btcPerp, Side: ask, Price: 1_001_000, Quantity: 3_000},
		{Kind: engine.CmdPlaceOrder, Account: d, Market: btcPerp, Side: bid, Type: market, Quantity: 3_000},
		{Kind: engine.CmdPlaceOrder, Account: a, Market: btcPerp, Side: bid, Price: 975_000, Quantity: 600},
	}
	decline := func(from, to int64) []engine.Command { // index (whole USDC) and a second, per 100 USDC
		var cmds []engine.Command
		for i, p := 0, from; p >= to; i, p = i+1, p-100 {
			cmds = append(cmds,
				engine.Command{Kind: engine.CmdSetIndexPrice, Asset: btc, Amount: p * fixed.PriceScale},
				engine.Command{Kind: engine.CmdAdvanceTime, Amount: startTime + int64(i+1)*1000})
		}
		return cmds
	}
	register := engine.Command{Kind: engine.CmdRegisterBackstop, Account: a, Market: btcPerp, Amount: 10_000_000_000_000, MinEquity: 1_000_000_000}
	f.Add(fuzzEncode(slices.Concat(leverage, []engine.Command{
		register,
		{Kind: engine.CmdSetIndexPrice, Asset: btc, Amount: 97_000 * fixed.PriceScale}, // MF < ACMF, equity > 0
		{Kind: engine.CmdAdvanceTime, Amount: startTime + 1_000},
	})...))
	f.Add(fuzzEncode(slices.Concat(leverage, decline(97_800, 97_200), []engine.Command{
		{Kind: engine.CmdAdvanceTime, Amount: startTime + 20_000}, // stage-1 ticks
		{Kind: engine.CmdRegisterBackstop, Account: b, Market: btcSpot, Amount: 1_000_000},
		{Kind: engine.CmdRegisterBackstop, Account: b, Market: btcPerp, Amount: -1},
		{Kind: engine.CmdRegisterBackstop, Account: b, Market: btcPerp, Amount: 1_000_000, MinEquity: engine.MaxAmount + 1},
		{Kind: engine.CmdSetIndexPrice, Asset: btc, Amount: 90_000 * fixed.PriceScale},
		{Kind: engine.CmdAdvanceTime, Amount: startTime + 21_000},
	})...))
	f.Add([]byte{})

	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := newChecker(config.Default())
		if err != nil {
			t.Fatal(err)
		}
		defer func() {
			if p := recover(); p != nil {
				t.Fatalf("panic: %v\n%s\ncommands:\n%s", p, debug.Stack(), reproducer(c.cmds, nil))
			}
		}()
		c.trust(true) // the setup is the same every time: fold it in unchecked
		for _, cmd := range fuzzSetup() {
			if err := c.step(cmd, false); err != nil {
				t.Fatalf("setup: %v", err)
			}
		}
		c.trust(false)
		r := &fuzzReader{b: data, c: c}
		for i := 0; i < maxFuzzCommands && r.more(); i++ {
			if err := c.step(r.command(), false); err != nil {
				t.Fatalf("%v\ncommands:\n%s", err, reproducer(c.cmds, nil))
			}
		}
		if err := c.replay(); err != nil {
			t.Fatalf("%v\ncommands:\n%s", err, reproducer(c.cmds, nil))
		}
	})
}
