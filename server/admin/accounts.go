package admin

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"math"
	"net/http"
	"unicode/utf8"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/server/backpack"
)

// MaxLabel bounds an account label, in bytes.
const MaxLabel = 128

// POST /admin/v1/accounts {"label"} → {"accountId","apiKey","apiSecret"}:
// a new account with a fresh ED25519 key pair bound to it. apiKey is the
// base64 public key, apiSecret the base64 32-byte seed (what Backpack
// clients take as the secret). The secret is not stored anywhere.
func (h *Handler) accounts(w http.ResponseWriter, r *http.Request) *backpack.Error {
	var req struct {
		Label string `json:"label"`
	}
	if err := h.decode(w, r, &req); err != nil {
		return err
	}
	if len(req.Label) > MaxLabel || !utf8.ValidString(req.Label) {
		return backpack.BadRequest("label must be valid UTF-8 of at most %d bytes", MaxLabel)
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return backpack.Errorf(http.StatusInternalServerError, backpack.CodeServerError, "generating a key: %v", err)
	}
	id, err := h.seq.CreateAccount(r.Context(), req.Label, pub)
	if err != nil {
		return fromSequencer(err)
	}
	return writeJSON(w, map[string]any{
		"accountId": id,
		"apiKey":    base64.StdEncoding.EncodeToString(pub),
		"apiSecret": base64.StdEncoding.EncodeToString(priv.Seed()),
	})
}

// transfer is the body of deposits and withdrawals.
type transfer struct {
	AccountID Integer          `json:"accountId"`
	Symbol    string           `json:"symbol"`
	Quantity  backpack.Decimal `json:"quantity"`
}

// POST /admin/v1/deposits {"accountId","symbol","quantity"} → the account's
// balances ({symbol: {available, locked, staked}}, as GET /api/v1/capital).
// accountId 1, the insurance fund, takes the operator's seed in USDC (the
// answer is then {}: GET /admin/v1/insurance shows the fund).
func (h *Handler) deposits(w http.ResponseWriter, r *http.Request) *backpack.Error {
	return h.transfer(w, r, engine.CmdDeposit)
}

// POST /admin/v1/withdrawals: as deposits; the engine refuses a withdrawal
// beyond the free balance (INSUFFICIENT_FUNDS), one that would leave the
// account's IMR at or above 100% (INSUFFICIENT_MARGIN), and any from an
// account being liquidated (ACCOUNT_LIQUIDATING).
func (h *Handler) withdrawals(w http.ResponseWriter, r *http.Request) *backpack.Error {
	return h.transfer(w, r, engine.CmdWithdraw)
}

func (h *Handler) transfer(w http.ResponseWriter, r *http.Request, kind engine.CommandKind) *backpack.Error {
	var req transfer
	if err := h.decode(w, r, &req); err != nil {
		return err
	}
	id, berr := accountID(req.AccountID)
	if berr != nil {
		return berr
	}
	asset, berr := h.asset(req.Symbol)
	if berr != nil {
		return berr
	}
	qty, berr := amount("quantity", req.Quantity, h.cfg.Assets[asset].Decimals, false)
	if berr != nil {
		return berr
	}
	if qty > engine.MaxAmount {
		return backpack.Errorf(http.StatusBadRequest, backpack.CodeInvalidQuantity, "quantity %s is out of range", req.Quantity.Text)
	}
	c := engine.Command{Kind: kind, Account: id, Asset: asset, Amount: qty}
	if _, err := h.seq.Submit(r.Context(), &c); err != nil {
		e := fromSequencer(err)
		if kind == engine.CmdWithdraw && e.Status < 500 {
			e.Message = "withdrawal refused: " + e.Message
		}
		return e
	}
	var balances map[string]backpack.Balance
	if err := h.seq.Read(r.Context(), func(e *engine.Engine) { balances = h.cat.Balances(e.Collateral(id)) }); err != nil {
		return fromSequencer(err)
	}
	return writeJSON(w, balances)
}

// accountID reads a required accountId.
func accountID(n Integer) (engine.AccountID, *backpack.Error) {
	if err := required("accountId", n.Set); err != nil {
		return 0, err
	}
	if n.Value < 0 || n.Value > math.MaxUint32 {
		return 0, backpack.Errorf(http.StatusNotFound, backpack.CodeResourceNotFound, "account %d does not exist", n.Value)
	}
	return engine.AccountID(n.Value), nil
}

// asset resolves an asset symbol; a market symbol is named as such.
func (h *Handler) asset(symbol string) (config.AssetID, *backpack.Error) {
	if err := required("symbol", symbol != ""); err != nil {
		return 0, err
	}
	if _, ok := h.cfg.MarketBySymbol(symbol); ok {
		return 0, backpack.Errorf(http.StatusBadRequest, backpack.CodeInvalidAsset,
			"%s is a market; this takes an asset symbol such as %s", symbol, h.cfg.SettlementAsset)
	}
	a, ok := h.cfg.AssetBySymbol(symbol)
	if !ok {
		return 0, backpack.Errorf(http.StatusBadRequest, backpack.CodeInvalidAsset, "unknown asset symbol %q", symbol)
	}
	return a, nil
}

// market resolves a market symbol; an asset symbol is named as such.
func (h *Handler) market(symbol string) (config.MarketID, *backpack.Error) {
	if err := required("symbol", symbol != ""); err != nil {
		return 0, err
	}
	if _, ok := h.cfg.AssetBySymbol(symbol); ok {
		return 0, backpack.Errorf(http.StatusBadRequest, backpack.CodeInvalidMarket,
			"%s is an asset; this takes a market symbol such as %s_%s_PERP", symbol, symbol, h.cfg.SettlementAsset)
	}
	m, ok := h.cfg.MarketBySymbol(symbol)
	if !ok {
		return 0, backpack.Errorf(http.StatusBadRequest, backpack.CodeInvalidMarket, "unknown market symbol %q", symbol)
	}
	return m, nil
}
