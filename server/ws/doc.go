// Package ws serves Backpack Exchange's WebSocket API (DESIGN.md §4) at the
// server's root path: ws://HOST:PORT/.
//
// # Protocol
//
// A client sends text frames {"method":"SUBSCRIBE","params":[stream...]}
// and {"method":"UNSUBSCRIBE","params":[stream...]}; a private stream
// (account.*) also needs "signature": [API key, signature, timestamp,
// window], the base64 ED25519 key and signature over
// instruction=subscribe&timestamp=<ms>&window=<ms>, checked with
// server/auth's rules (the window against the wall clock, the key's rate
// limit). A subscription is not acknowledged. A request that is not JSON,
// names an unknown method, stream or symbol, a private stream without a
// valid signature, or more streams than Options.MaxStreams allows is
// answered {"id":<the request's id or null>,"error":{"code","message"}}
// (codes: CodeInvalidRequest 4000, CodeUnauthorized 4001,
// CodeInvalidStream 4006, CodeTooManyRequests 4029, CodeTooManyStreams
// 4030), nothing of it is done, and the connection stays open. Unsubscribing
// needs no signature. The server pings every 60 s and cuts a connection whose pong does not come
// within 120 s; it answers the client's pings.
//
// Every message is {"stream": <name>, "data": <payload>}. Payloads use
// Backpack's short field names; E is the wall time the message was made and
// T the engine time of what it reports, both in µs; prices and quantities
// are decimal strings.
//
// # Streams
//
//   - depth.<symbol>: {e:"depth", E, s, a, b, U, u, T}, a and b the levels
//     that changed, [price, quantity] with the absolute quantity ("0":
//     gone), ascending price. U..u are engine sequences, the ids the REST
//     depth's lastUpdateId uses: a message carries every level changed by
//     the commands with sequence in U..u, and U is always the previous
//     message's u + 1, so a client applies, after a REST snapshot with
//     lastUpdateId N, the messages with u > N. A market whose book is quiet
//     gets an empty message (a and b empty) every Options.DepthHeartbeat
//     when the sequence moved: ccxt's watchOrderBook waits for ten
//     messages before it fetches its snapshot.
//   - trade.<symbol>: {e:"trade", E, s, p, q, b, a, t, T, m}: every trade on
//     the book (book liquidation fills included, as Backpack's); b and a
//     are the buyer's and seller's order ids, m whether the buyer was the
//     maker. Backstop and ADL transfers are not trades.
//   - ticker.<symbol>: {e:"ticker", E, s, o, c, h, l, v, V, n}, the 24 hours
//     of user trades up to the engine time, every Options.TickerInterval
//     (liquidation fills never count). The window starts empty when the
//     server starts.
//   - markPrice.<symbol>: {e:"markPrice", E, s, p (mark), f (funding rate of
//     the last settled interval, as GET /api/v1/markPrices), i (index), n
//     (next funding, µs)}, when the mark, index or rate changes and every
//     TickerInterval.
//   - bookTicker.<symbol>: {e:"bookTicker", E, s, a, A, b, B, u, T} when the
//     best bid or ask changes.
//   - liquidation (Backpack's; liquidation.<symbol> is an extension): every
//     liquidation fill, on the liquidated account's side: {e:"liquidation",
//     E, q, p, S, s, T} plus origin, fillType, systemOrderType, accountId,
//     orderId, tradeId, engineSequence and positionSide (hedge mode); a
//     book liquidation order's fill, a backstop or ADL transfer, a hedge
//     netting, a collateral conversion. And every stage change (an
//     extension): {e:"liquidationStage", E, T, accountId, stage (Book,
//     Backstop, ADL, or None when the liquidation ended), marginMode, mmr
//     (cross: the account's MMR, 1.0 = 100%), s and positionSide (an
//     isolated position), engineSequence}; an isolated one also goes to
//     liquidation.<symbol>.
//   - account.orderUpdate[.<symbol>] (private): {e (orderAccepted,
//     orderCancelled, orderExpired, orderFill, orderModified, triggerPlaced,
//     triggerFailed), E, s, c, S, o, f, q, Q, p, P, Y, X, i, t, l, z, Z, L,
//     m, n, N, T, O, r} with the origin O (USER, LIQUIDATION_AUTOCLOSE,
//     ADL_AUTOCLOSE, BACKSTOP_LIQUIDITY_PROVIDER, SETTLEMENT_AUTOCLOSE,
//     COLLATERAL_CONVERSION); extensions fillType (fills), systemOrderType
//     (system orders), positionSide (hedge mode), postOnly. Not sent: V
//     (self-trade prevention), B (trigger by) and R (expiry reason), which
//     engine events do not carry.
//   - account.positionUpdate[.<symbol>] (private): {e (positionOpened,
//     positionAdjusted, positionClosed), E, s, b (break-even), B (entry), l
//     (deprecated: "0"), f, M, m, q, Q, n, i, p, P, T} and the extensions
//     estBankruptcyPrice, adlRank, marginMode, positionSide,
//     isolatedMargin, cumulativeFundingPayment, netCost. q, B, b, p and P
//     are the event's own; f, m, Q, n, estBankruptcyPrice and adlRank come
//     from a state read just after it (zeros once the position is closed).
//     On subscription the open positions are sent once, without e.
//
// # Feed
//
// The Hub takes one lossy subscription to the sequencer and keeps what the
// messages need from the events themselves: each market's book (from
// order events, see book), marks, index prices, funding rates and the
// ticker's statistics; only the position risk figures take a state read.
// Messages are rendered once and fanned out to the subscribed connections'
// queues without waiting: a client whose queue passes Options.QueueBytes
// is cut off (it is not reading, so it would not read a close frame
// either), never slowing the engine or the others. If the hub itself falls
// behind and the sequencer drops it, every client gets close 1013 (try
// again later: each may have missed messages) and the hub starts over from
// the current state; when the sequencer stops, close 1001 (going away).
package ws
