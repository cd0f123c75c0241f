package ws

import (
	"strings"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/engine/config"
)

// kind is a stream's type, the part of its name before the symbol.
type kind uint8

const (
	kDepth kind = iota + 1
	kTrade
	kTicker
	kMarkPrice
	kBookTicker
	kLiquidation
	kOrderUpdate    // private
	kPositionUpdate // private
)

var kindNames = [...]string{"", "depth", "trade", "ticker", "markPrice", "bookTicker", "liquidation",
	"account.orderUpdate", "account.positionUpdate"}

// private reports whether a stream of kind k needs a signed subscription.
func (k kind) private() bool { return k == kOrderUpdate || k == kPositionUpdate }

// allMarkets in topic.market: a stream over every market (liquidation,
// account.orderUpdate, account.positionUpdate without a symbol).
const allMarkets = -1

// topic identifies one stream a client can subscribe to. Private topics
// carry the account the subscription's API key is bound to, so that two
// clients subscribed to "account.orderUpdate" with different keys are two
// topics.
type topic struct {
	kind    kind
	market  int32 // config.MarketID, or allMarkets
	account engine.AccountID
}

// parseStream resolves a stream name against the configuration. Names:
//
//	depth.<symbol> trade.<symbol> ticker.<symbol> markPrice.<symbol> bookTicker.<symbol>
//	liquidation liquidation.<symbol>
//	account.orderUpdate account.orderUpdate.<symbol>
//	account.positionUpdate account.positionUpdate.<symbol>
//
// ok is false for anything else (an unknown type or symbol, Backpack's
// aggregated depth.200ms and kline streams, which are not served).
func parseStream(cfg *config.Config, name string) (topic, bool) {
	for k := kLiquidation; k <= kPositionUpdate; k++ { // the ones that may omit the symbol
		if name == kindNames[k] {
			return topic{kind: k, market: allMarkets}, true
		}
	}
	for k := kDepth; k <= kPositionUpdate; k++ {
		sym, ok := strings.CutPrefix(name, kindNames[k]+".")
		if !ok {
			continue
		}
		m, ok := cfg.MarketBySymbol(sym)
		if !ok {
			return topic{}, false
		}
		return topic{kind: k, market: int32(m)}, true
	}
	return topic{}, false
}

// streamName is the name a topic is subscribed by (its envelope's "stream").
func streamName(cfg *config.Config, t topic) string {
	if t.market == allMarkets {
		return kindNames[t.kind]
	}
	return kindNames[t.kind] + "." + cfg.Markets[t.market].Symbol
}
