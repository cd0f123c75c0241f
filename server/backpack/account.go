package backpack

import (
	"strconv"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
	"github.com/waterfallrisk/waterfall/engine/risk"
)

// Private account shapes (GET /api/v1/position, capital,
// capital/collateral, account).

// Position is one item of GET /api/v1/position. Quantities and costs are
// signed, negative for shorts (DESIGN.md §4). estBankruptcyPrice, adlRank,
// positionSide, marginMode and isolatedMargin are Waterfall's extensions.
type Position struct {
	BreakEvenPrice           string          `json:"breakEvenPrice"`
	CumulativeFundingPayment string          `json:"cumulativeFundingPayment"`
	CumulativeInterest       string          `json:"cumulativeInterest"`
	EntryPrice               string          `json:"entryPrice"`
	EstLiquidationPrice      string          `json:"estLiquidationPrice"`
	EstBankruptcyPrice       string          `json:"estBankruptcyPrice"`
	AdlRank                  int             `json:"adlRank"`
	Imf                      string          `json:"imf"`
	ImfFunction              *MarginFunction `json:"imfFunction"`
	MarkPrice                string          `json:"markPrice"`
	Mmf                      string          `json:"mmf"`
	MmfFunction              *MarginFunction `json:"mmfFunction"`
	NetCost                  string          `json:"netCost"`
	NetExposureNotional      string          `json:"netExposureNotional"`
	NetExposureQuantity      string          `json:"netExposureQuantity"`
	NetQuantity              string          `json:"netQuantity"`
	PnlRealized              string          `json:"pnlRealized"`
	PnlUnrealized            string          `json:"pnlUnrealized"`
	PositionID               string          `json:"positionId"`
	SubaccountID             *int            `json:"subaccountId"`
	Symbol                   string          `json:"symbol"`
	UserID                   uint32          `json:"userId"`
	PositionSide             *string         `json:"positionSide,omitempty"`
	MarginMode               string          `json:"marginMode"`
	IsolatedMargin           *string         `json:"isolatedMargin,omitempty"`
}

// PositionID is a position's stable id: account, market and hedge side.
func PositionID(acct engine.AccountID, m config.MarketID, hedge int8) string {
	return strconv.FormatUint(uint64(acct)<<18|uint64(m)<<2|uint64(int64(hedge)+1), 10) //nolint:gosec // hedge ∈ {-1,0,1}
}

// Position renders a position; mark is its market's mark (fixed.Price).
// cumulativeFundingPayment is what the position received (negative: paid).
// A liquidation or bankruptcy price the engine finds none for shows as "0",
// as Backpack shows it.
func (c *Catalog) Position(acct engine.AccountID, p *engine.PositionRisk, mark int64) Position {
	m := p.Market
	mk := &c.cfg.Markets[m]
	out := Position{
		BreakEvenPrice:           FixedPrice(p.BreakEvenPrice),
		CumulativeFundingPayment: c.Settle(-p.FundingPaid),
		CumulativeInterest:       "0",
		EntryPrice:               FixedPrice(p.EntryPrice),
		EstLiquidationPrice:      "0",
		EstBankruptcyPrice:       "0",
		AdlRank:                  p.ADLRank,
		Imf:                      Rate(p.IMF),
		ImfFunction:              marginFunction(mk.IMF),
		MarkPrice:                FixedPrice(mark),
		Mmf:                      Rate(p.MMF),
		MmfFunction:              marginFunction(mk.MMF),
		NetCost:                  c.Settle(p.EntryCost),
		NetExposureNotional:      c.Settle(p.ExposureNotional),
		NetExposureQuantity:      c.Quantity(m, p.NetExposure),
		NetQuantity:              c.Quantity(m, p.NetQuantity),
		PnlRealized:              c.Settle(p.RealizedPnl),
		PnlUnrealized:            c.Settle(p.UnrealizedAt),
		PositionID:               PositionID(acct, m, p.Hedge),
		Symbol:                   mk.Symbol,
		UserID:                   uint32(acct),
		MarginMode:               MarginModeName(p.Isolated),
	}
	if p.HasLiquidation {
		out.EstLiquidationPrice = c.Price(m, p.Liquidation)
	}
	if p.HasBankruptcy {
		out.EstBankruptcyPrice = c.Price(m, p.Bankruptcy)
	}
	out.PositionSide = PositionSideName(HedgeSide(p.Hedge))
	if p.Isolated {
		out.IsolatedMargin = ptr(c.Settle(p.Margin))
	}
	return out
}

// Balance is one asset of GET /api/v1/capital.
type Balance struct {
	Available string `json:"available"`
	Locked    string `json:"locked"`
	Staked    string `json:"staked"`
}

// Balances renders GET /api/v1/capital: every asset the account holds or
// owes, keyed by symbol; available is the balance less what open spot orders
// and isolated positions hold (negative: a liability).
func (c *Catalog) Balances(items []engine.CollateralView) map[string]Balance {
	out := make(map[string]Balance, len(items))
	for _, v := range items {
		if v.Balance == 0 && v.Locked == 0 {
			continue // only lent or borrowed: capital/collateral shows it
		}
		held := v.Locked + v.Isolated
		out[c.AssetSymbol(v.Asset)] = Balance{
			Available: c.Amount(v.Asset, v.Balance-held), Locked: c.Amount(v.Asset, held), Staked: "0",
		}
	}
	return out
}

// Collateral is GET /api/v1/capital/collateral.
type Collateral struct {
	AssetsValue        string           `json:"assetsValue"`
	BorrowLiability    string           `json:"borrowLiability"`
	Collateral         []CollateralItem `json:"collateral"`
	Imf                string           `json:"imf"`
	UnsettledEquity    string           `json:"unsettledEquity"`
	LiabilitiesValue   string           `json:"liabilitiesValue"`
	MarginFraction     *string          `json:"marginFraction"`
	Mmf                string           `json:"mmf"`
	NetEquity          string           `json:"netEquity"`
	NetEquityAvailable string           `json:"netEquityAvailable"`
	NetEquityLocked    string           `json:"netEquityLocked"`
	NetExposureFutures string           `json:"netExposureFutures"`
	PnlUnrealized      string           `json:"pnlUnrealized"`
}

// CollateralItem is one asset of Collateral.
type CollateralItem struct {
	Symbol            string `json:"symbol"`
	AssetMarkPrice    string `json:"assetMarkPrice"`
	TotalQuantity     string `json:"totalQuantity"`
	BalanceNotional   string `json:"balanceNotional"`
	CollateralWeight  string `json:"collateralWeight"`
	CollateralValue   string `json:"collateralValue"`
	OpenOrderQuantity string `json:"openOrderQuantity"`
	LendQuantity      string `json:"lendQuantity"`
	AvailableQuantity string `json:"availableQuantity"`
}

// Collateral renders an account's margin (r, from engine.Engine.Margin), its
// assets valued as the margin values them (engine.Engine.Collateral) and the
// unrealized PnL of its positions: totalQuantity is the holding (balance +
// claim − debt), lendQuantity the claim, availableQuantity the free balance
// (less open orders and isolated margin). borrowLiability is what the
// account owes at the index: its pool debts and its negative balances;
// liabilitiesValue the notional of its negative holdings.
func (c *Catalog) Collateral(r risk.Account, items []engine.CollateralView, positions []engine.PositionView) Collateral {
	var assets, liabilities, borrowed, pnl int64
	out := Collateral{Collateral: make([]CollateralItem, 0, len(items))}
	for _, v := range items {
		if v.Notional >= 0 {
			assets = fixed.SatAdd(assets, v.Notional)
		} else {
			liabilities = fixed.SatAdd(liabilities, -v.Notional)
		}
		if owed := v.Borrowed + max(-v.Balance, 0); owed > 0 {
			if n, err := c.AssetNotional(v.Asset, -owed, v.Index); err == nil {
				borrowed = fixed.SatAdd(borrowed, -n)
			}
		}
		out.Collateral = append(out.Collateral, CollateralItem{
			Symbol: c.AssetSymbol(v.Asset), AssetMarkPrice: FixedPrice(v.Index),
			TotalQuantity: c.Amount(v.Asset, v.Holding), BalanceNotional: c.Settle(v.Notional),
			CollateralWeight: Rate(v.Weight), CollateralValue: c.Settle(v.Value),
			OpenOrderQuantity: c.Amount(v.Asset, v.Locked), LendQuantity: c.Amount(v.Asset, v.Lent),
			AvailableQuantity: c.Amount(v.Asset, v.Balance-v.Locked-v.Isolated),
		})
	}
	for i := range positions {
		pnl = fixed.SatAdd(pnl, positions[i].UnrealizedAt)
	}
	out.AssetsValue, out.BorrowLiability, out.LiabilitiesValue = c.Settle(assets), c.Settle(borrowed), c.Settle(liabilities)
	out.Imf, out.Mmf = Rate(r.IMF()), Rate(r.MMF())
	if mf, ok := r.MarginFraction(); ok {
		out.MarginFraction = ptr(Rate(mf))
	}
	out.UnsettledEquity = "0"
	out.NetEquity = c.Settle(r.NetEquity)
	out.NetEquityAvailable, out.NetEquityLocked = c.Settle(r.Available()), c.Settle(r.Locked())
	out.NetExposureFutures = c.Settle(r.Exposure)
	out.PnlUnrealized = c.Settle(pnl)
	return out
}

// Account is GET /api/v1/account. Fees are in basis points, as Backpack
// shows them; leverageLimit is the user's limit or, with none, the
// platform's maximum. positionMode and marginMode are Waterfall's
// extensions.
type Account struct {
	AutoBorrowSettlements bool   `json:"autoBorrowSettlements"`
	AutoLend              bool   `json:"autoLend"`
	AutoRealizePnl        bool   `json:"autoRealizePnl"`
	AutoRepayBorrows      bool   `json:"autoRepayBorrows"`
	BorrowLimit           string `json:"borrowLimit"`
	FuturesMakerFee       string `json:"futuresMakerFee"`
	FuturesTakerFee       string `json:"futuresTakerFee"`
	LeverageLimit         string `json:"leverageLimit"`
	LimitOrders           int    `json:"limitOrders"`
	Liquidating           bool   `json:"liquidating"`
	PositionLimit         string `json:"positionLimit"`
	SpotMakerFee          string `json:"spotMakerFee"`
	SpotTakerFee          string `json:"spotTakerFee"`
	TriggerOrders         int    `json:"triggerOrders"`
	PositionMode          string `json:"positionMode"`
	MarginMode            string `json:"marginMode"`
}

// Account renders an account's settings; openLimit and openTrigger count
// its open limit and trigger orders.
func (c *Catalog) Account(v engine.AccountView, openLimit, openTrigger int) Account {
	out := Account{
		AutoBorrowSettlements: v.LendingFlags.Has(engine.AutoBorrowSettlements),
		AutoLend:              v.LendingFlags.Has(engine.AutoLend),
		AutoRepayBorrows:      v.LendingFlags.Has(engine.AutoRepayBorrows),
		AutoRealizePnl:        true, BorrowLimit: "0", LimitOrders: openLimit, TriggerOrders: openTrigger,
		Liquidating: v.Liquidating, PositionLimit: "0",
		LeverageLimit: strconv.FormatInt(v.LeverageLimit, 10),
		PositionMode:  v.PositionMode.String(), MarginMode: v.MarginMode.String(),
		FuturesMakerFee: "0", FuturesTakerFee: "0", SpotMakerFee: "0", SpotTakerFee: "0",
	}
	if v.LeverageLimit == 0 {
		out.LeverageLimit = strconv.FormatInt(c.platformLeverage(), 10)
	}
	perp, spot := false, false
	for _, m := range c.cfg.Markets {
		if m.Kind == config.Perp && !perp {
			perp = true
			out.FuturesMakerFee, out.FuturesTakerFee = BasisPoints(m.MakerFee), BasisPoints(m.TakerFee)
		}
		if m.Kind == config.Spot && !spot {
			spot = true
			out.SpotMakerFee, out.SpotTakerFee = BasisPoints(m.MakerFee), BasisPoints(m.TakerFee)
		}
	}
	return out
}

// platformLeverage is the highest leverage any perpetual's IMF base allows,
// ⌊1/base⌋ (0 with none, or only bracket tables).
func (c *Catalog) platformLeverage() int64 {
	var best int64
	for _, m := range c.cfg.Markets {
		if m.Kind == config.Perp && m.IMF.Kind == config.MarginSqrt && m.IMF.Base > 0 {
			best = max(best, fixed.RateScale/m.IMF.Base)
		}
	}
	return best
}
