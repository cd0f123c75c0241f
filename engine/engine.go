package engine

import (
	"math/rand/v2"

	"github.com/waterfallrisk/waterfall/engine/book"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
	"github.com/waterfallrisk/waterfall/engine/ledger"
)

// AccountID identifies an account. System accounts come first, then one
// clearing account per perpetual market, then user accounts in creation order.
type AccountID uint32

// System accounts.
const (
	AccountFees      AccountID = 0 // trading fees
	AccountInsurance AccountID = 1 // the insurance fund
	AccountBackstop  AccountID = 2 // the backstop fund
	AccountFunding   AccountID = 3 // funding payments in transit and their rounding residue
	firstClearing    AccountID = 4
)

// Limits that keep every intermediate of a valid command inside int64.
const (
	// MaxAmount bounds any single balance and any order notional, in an
	// asset's smallest units (2^60 ≈ 1.15e18: 1.15e12 USDC).
	MaxAmount = 1 << 60
	// MaxTimeStep bounds one CmdAdvanceTime (7 days, DESIGN.md §4).
	MaxTimeStep = 7 * 24 * 3600 * 1000
)

// Engine is the state machine. It is not safe for concurrent use: one
// goroutine (the sequencer) owns it.
type Engine struct {
	cfg    *config.Config
	settle config.AssetID

	seq     uint64 // sequence of the last accepted command
	now     int64  // engine time, ms; 0 until the first CmdAdvanceTime
	rng     *rand.PCG
	ledger  *ledger.Ledger
	index   []int64 // per asset, fixed.Price; 0 = not yet set
	markets []market

	accounts  []account // indexed by AccountID
	firstUser AccountID

	pools       []pool      // lending pools, one per cfg.Lending, in its order (lend.go)
	poolAt      []int       // per asset: the index of its pool, -1 = none (from the configuration)
	auto        []autoEntry // reused: balances the after-command lending pass looks at (autolend.go)
	autoRunning bool        // the pass runs: its own movements are not recorded again
	adlq        adlQueue    // reused: the ADL ranking kept within a command (adlqueue.go)
	valGen      uint64      // counts the price, funding and interest events: a change stales adlq
	nextAccrual int64       // engine time of the next hourly interest step, 0 = clock not started

	orders    []order // slab indexed by book.Order.Ref
	freeOrder int32   // head of the free list, -1 = none

	nextOrderID uint64
	nextTradeID uint64

	liquidating []AccountID        // accounts in liquidation, ascending
	backstops   []backstopProvider // registered providers, in registration order
	nextLiqTick int64              // engine time of the next liquidation tick, 0 = none due
	nextSweep   int64              // engine time of the next full liquidation sweep
	scan        []AccountID        // reused: accounts found liquidatable by a scan
	isoScan     []slotRef          // reused: isolated positions a scan checks
	ticking     []AccountID        // reused: the accounts a liquidation tick steps
	payments    []int64            // reused: funding payments per holder
	liq         liqIndex           // derived: trigger prices for detection (liqindex.go)

	firing bool        // checkTriggers is running: fired orders do not re-enter it
	events []Event     // reused output buffer
	fills  []book.Fill // reused matching scratch
}

// New returns an engine at sequence 0 for cfg, which it keeps and never
// modifies. cfg must have passed config.Validate.
func New(cfg *config.Config) (*Engine, error) {
	settle, ok := cfg.AssetBySymbol(cfg.SettlementAsset)
	if !ok {
		return nil, errorf(CodeInvalidAsset, "settlement asset %q is not configured", cfg.SettlementAsset)
	}
	e := &Engine{
		cfg:         cfg,
		settle:      settle,
		rng:         rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15),
		ledger:      ledger.New(len(cfg.Assets)),
		index:       make([]int64, len(cfg.Assets)),
		freeOrder:   -1,
		nextOrderID: 1,
		nextTradeID: 1,
		events:      make([]Event, 0, 256),
		pools:       newPools(cfg),
		poolAt:      poolIndex(cfg),
	}
	e.index[settle] = fixed.PriceScale
	for range firstClearing {
		e.openAccount(true)
	}
	for i := range cfg.Markets {
		e.markets = append(e.markets, newMarket(e, config.MarketID(i))) //nolint:gosec // markets < 2^16 by config
	}
	e.firstUser = AccountID(len(e.accounts)) //nolint:gosec // bounded by config size
	return e, nil
}

// Config returns the configuration the engine runs.
func (e *Engine) Config() *config.Config { return e.cfg }

// Seq returns the sequence number of the last accepted command.
func (e *Engine) Seq() uint64 { return e.seq }

// Now returns the engine time in ms.
func (e *Engine) Now() int64 { return e.now }

// Apply carries out one command. On success it returns the events the
// command caused, in a buffer that is reused by the next Apply: drain it
// before calling again. On refusal it returns an *Error and nothing changed.
func (e *Engine) Apply(c *Command) ([]Event, error) {
	e.events = e.events[:0]
	e.auto = e.auto[:0]
	e.adlq.live = false
	if err := e.apply(c); err != nil {
		e.events = e.events[:0]
		return nil, err
	}
	if len(e.auto) > 0 {
		e.autoLending()
	}
	e.seq++
	return e.events, nil
}

func (e *Engine) apply(c *Command) *Error {
	switch c.Kind {
	case CmdCreateAccount:
		return e.createAccount()
	case CmdDeposit:
		return e.deposit(c)
	case CmdWithdraw:
		return e.withdraw(c)
	case CmdPlaceOrder:
		return e.placeOrder(c)
	case CmdMoveOrder:
		return e.moveOrder(c)
	case CmdCancelOrder:
		return e.cancelOrder(c)
	case CmdCancelAll:
		return e.cancelAll(c)
	case CmdSetIndexPrice:
		return e.setIndexPrice(c)
	case CmdAdvanceTime:
		return e.advanceTime(c.Amount)
	case CmdSetPositionMode:
		return e.setPositionMode(c)
	case CmdSetMarginMode:
		return e.setMarginMode(c)
	case CmdSetLeverageLimit:
		return e.setLeverageLimit(c)
	case CmdRegisterBackstop:
		return e.registerBackstop(c)
	case CmdCloseMarket:
		return e.closeMarket(c)
	case CmdAdjustMargin:
		return e.adjustMargin(c)
	case CmdLend:
		return e.lend(c)
	case CmdRedeem:
		return e.redeem(c)
	case CmdBorrow:
		return e.borrow(c)
	case CmdRepay:
		return e.repay(c)
	case CmdSetLendingFlags:
		return e.setLendingFlags(c)
	case CmdBorrowLend:
		return e.borrowLend(c)
	}
	return errorf(CodeInvalidClientRequest, "unknown command kind %d", c.Kind)
}

// emit appends an event stamped with the sequence the current command will
// get and the engine time, and returns it for the caller to fill in.
func (e *Engine) emit(kind EventKind) *Event {
	n := len(e.events)
	if n == cap(e.events) {
		e.events = append(e.events, Event{})
	} else {
		e.events = e.events[:n+1]
	}
	ev := &e.events[n]
	*ev = Event{Seq: e.seq + 1, Time: e.now, Kind: kind}
	switch kind {
	case EvIndexPrice, EvMarkPrice, EvFundingRate, EvInterest:
		e.valGen++ // every kept ADL score is stale (adlqueue.go)
	}
	return ev
}
