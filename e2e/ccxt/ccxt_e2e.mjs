// ccxt end-to-end test (issue #4, point 7): ccxt's `backpack` client, unchanged
// except for its API URLs, trades against a running `waterfall serve`.
//
// Environment: WATERFALL_URL (http://HOST:PORT, no trailing slash) and
// WATERFALL_ADMIN_TOKEN (the operator token). e2e/run.sh starts the server
// and sets both.
//
// The operator API (DESIGN.md §4) creates two accounts, funds them with USDC
// and sets the BTC, ETH and SOL index prices. Account A makes markets, account
// B takes, so trades, klines, fills and positions are not empty. Every check
// prints one PASS or FAIL line with the reason; the exit status is 1 when any
// check failed (or the run timed out), else 0.

import ccxt from 'ccxt';
import { readFileSync } from 'node:fs';

const BASE = (process.env.WATERFALL_URL || '').replace(/\/+$/, '');
const TOKEN = process.env.WATERFALL_ADMIN_TOKEN || '';
const WS = BASE.replace(/^http/, 'ws') + '/';
const CCXT_VERSION = '4.5.84';
const DEPOSIT = 1000000; // USDC per account
const INDEX = { BTC: '100000', ETH: '4000', SOL: '200' };
const WATCH_TIMEOUT_MS = 15000;
const SUBSCRIBE_SETTLE_MS = 1000; // Backpack does not acknowledge a SUBSCRIBE

const BTC = 'BTC/USDC:USDC';
const ETH = 'ETH/USDC:USDC';
const SOL = 'SOL/USDC:USDC';

if (!BASE || !TOKEN) {
    console.error('ccxt_e2e: set WATERFALL_URL and WATERFALL_ADMIN_TOKEN (e2e/run.sh does)');
    process.exit(2);
}

// ---------------------------------------------------------------- harness

const results = [];

function fmt(v) {
    try {
        return typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v, (k, x) => (typeof x === 'bigint' ? String(x) : x));
    } catch {
        return String(v);
    }
}

function short(s, n = 600) {
    s = String(s).replace(/\s+/g, ' ');
    return s.length > n ? s.slice(0, n) + '…' : s;
}

class AssertionFailed extends Error {}

function ok(cond, what) {
    if (!cond) throw new AssertionFailed(what);
}

function eq(actual, expected, what) {
    if (actual !== expected) throw new AssertionFailed(`${what}: got ${fmt(actual)}, want ${fmt(expected)}`);
}

// near compares numbers that ccxt parsed from decimal strings (some fields,
// such as a position's contracts, ccxt leaves as the decimal string itself).
function near(actual, expected, what, tol = 1e-9) {
    if (typeof actual === 'string' && /^-?[0-9]+(\.[0-9]+)?$/.test(actual)) actual = Number(actual);
    if (typeof actual !== 'number' || !Number.isFinite(actual) || Math.abs(actual - expected) > tol * Math.max(1, Math.abs(expected))) {
        throw new AssertionFailed(`${what}: got ${fmt(actual)}, want ${expected}`);
    }
}

// numeric: a number, or a decimal string (ccxt passes some fields through).
function numeric(v) {
    return (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && /^-?[0-9]+(\.[0-9]+)?$/.test(v));
}

function isArray(v, what) {
    ok(Array.isArray(v), `${what}: got ${fmt(v)}, want an array`);
}

async function check(name, fn) {
    const t0 = Date.now();
    try {
        const note = await fn();
        results.push({ name, pass: true });
        console.log(`PASS ${name}${note ? ' — ' + note : ''} (${Date.now() - t0} ms)`);
    } catch (e) {
        results.push({ name, pass: false, reason: e });
        const kind = e instanceof AssertionFailed ? '' : `${e && e.constructor ? e.constructor.name : 'Error'}: `;
        console.log(`FAIL ${name} — ${kind}${short(e && e.message ? e.message : e)}`);
    }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function withTimeout(p, ms, what) {
    let t;
    return Promise.race([
        p,
        new Promise((_, rej) => {
            t = setTimeout(() => rej(new AssertionFailed(`${what}: no answer within ${ms} ms`)), ms);
        }),
    ]).finally(() => clearTimeout(t));
}

// ------------------------------------------------------------ operator API

async function admin(method, path, body) {
    const res = await fetch(BASE + '/admin/v1/' + path, {
        method,
        headers: { Authorization: 'Bearer ' + TOKEN, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json;
    try {
        json = JSON.parse(text);
    } catch {
        json = undefined;
    }
    if (!res.ok) {
        const err = new Error(`${method} /admin/v1/${path} → HTTP ${res.status} ${short(text, 300)}`);
        err.status = res.status;
        throw err;
    }
    return json;
}

async function waitForServer() {
    const deadline = Date.now() + 30000;
    for (;;) {
        try {
            const res = await fetch(BASE + '/api/v1/ping');
            if (res.ok) return;
        } catch {
            // not up yet
        }
        if (Date.now() > deadline) throw new Error(`server at ${BASE} not answering /api/v1/ping`);
        await sleep(100);
    }
}

// --------------------------------------------------------------- clients

function pointAt(ex) {
    ex.urls.api.public = BASE;
    ex.urls.api.private = BASE;
    if (ex.urls.api.ws) {
        ex.urls.api.ws.public = WS;
        ex.urls.api.ws.private = WS;
    }
    return ex;
}

function rest(acct) {
    return pointAt(new ccxt.backpack({ apiKey: acct.apiKey, secret: acct.apiSecret }));
}

function pro(acct) {
    return pointAt(new ccxt.pro.backpack({ apiKey: acct.apiKey, secret: acct.apiSecret }));
}

// expectedMarkets is DESIGN.md §5's built-in configuration.
const expectedMarkets = {
    'BTC/USDC:USDC': { id: 'BTC_USDC_PERP', type: 'swap', tick: 0.1, step: 0.0001 },
    'ETH/USDC:USDC': { id: 'ETH_USDC_PERP', type: 'swap', tick: 0.01, step: 0.001 },
    'SOL/USDC:USDC': { id: 'SOL_USDC_PERP', type: 'swap', tick: 0.001, step: 0.01 },
    'BTC/USDC': { id: 'BTC_USDC', type: 'spot', tick: 0.1, step: 0.0001 },
    'ETH/USDC': { id: 'ETH_USDC', type: 'spot', tick: 0.01, step: 0.001 },
    'SOL/USDC': { id: 'SOL_USDC', type: 'spot', tick: 0.001, step: 0.01 },
};

// ------------------------------------------------------------------- run

async function main() {
    const pkgVersion = JSON.parse(readFileSync(new URL('./node_modules/ccxt/package.json', import.meta.url))).version;
    console.log(`ccxt ${pkgVersion} (npm) against ${BASE} (WebSocket ${WS})`);
    await check('ccxt is the pinned version', async () => eq(pkgVersion, CCXT_VERSION, 'node_modules/ccxt version'));

    // Setup through the operator API. Nothing else can run without it.
    let A, B;
    try {
        await waitForServer();
        A = await admin('POST', 'accounts', { label: 'ccxt-e2e maker' });
        B = await admin('POST', 'accounts', { label: 'ccxt-e2e taker' });
        for (const k of ['accountId', 'apiKey', 'apiSecret']) {
            ok(A[k] !== undefined && B[k] !== undefined, `POST /admin/v1/accounts answer lacks ${k}: ${fmt(A)}`);
        }
        for (const acct of [A, B]) {
            await admin('POST', 'deposits', { accountId: acct.accountId, symbol: 'USDC', quantity: String(DEPOSIT) });
        }
        await admin('POST', 'prices', { prices: Object.entries(INDEX).map(([symbol, price]) => ({ symbol, price })) });
        results.push({ name: 'setup (operator API)', pass: true });
        console.log(`PASS setup (operator API) — accounts ${A.accountId} and ${B.accountId}, ${DEPOSIT} USDC each, index ${fmt(INDEX)}`);
    } catch (e) {
        results.push({ name: 'setup (operator API)', pass: false, reason: e });
        console.log(`FAIL setup (operator API) — ${short(e.message)}`);
        return;
    }

    const a = rest(A);
    const b = rest(B);

    // ---------------------------------------------------------- markets
    await check('loadMarkets', async () => {
        const markets = await a.loadMarkets();
        await b.loadMarkets();
        for (const [symbol, want] of Object.entries(expectedMarkets)) {
            const m = markets[symbol];
            ok(m !== undefined, `market ${symbol} missing; got ${fmt(Object.keys(markets))}`);
            eq(m.id, want.id, `${symbol} id`);
            eq(m.type, want.type, `${symbol} type`);
            eq(m.active, true, `${symbol} active (orderBookState Open)`);
            eq(m.precision.price, want.tick, `${symbol} precision.price (tickSize)`);
            eq(m.precision.amount, want.step, `${symbol} precision.amount (stepSize)`);
            eq(m.limits.amount.min, want.step, `${symbol} limits.amount.min (minQuantity)`);
            ok(typeof m.limits.price.min === 'number' && m.limits.price.min > 0, `${symbol} limits.price.min: got ${fmt(m.limits.price.min)}`);
            eq(m.quote, 'USDC', `${symbol} quote`);
            if (want.type === 'swap') {
                eq(m.settle, 'USDC', `${symbol} settle`);
                eq(m.linear, true, `${symbol} linear`);
                eq(m.contractSize, 1, `${symbol} contractSize`);
            }
        }
        ok(a.currencies.USDC !== undefined && a.currencies.BTC !== undefined, `currencies from /api/v1/assets: got ${fmt(Object.keys(a.currencies || {}))}`);
        return `${Object.keys(markets).length} markets`;
    });

    await check('fetchBalance', async () => {
        const bal = await b.fetchBalance();
        ok(bal.USDC !== undefined, `no USDC balance: ${fmt(bal.info)}`);
        near(bal.USDC.free, DEPOSIT, 'USDC free');
        near(bal.USDC.used, 0, 'USDC used');
        near(bal.USDC.total, DEPOSIT, 'USDC total');
        return `USDC ${fmt(bal.USDC)}`;
    });

    // Markets with no trade yet answer with zeros or empty arrays (DESIGN.md §4).
    await check('fetchTicker (market with no trades)', async () => {
        const t = await a.fetchTicker('SOL/USDC');
        eq(t.symbol, 'SOL/USDC', 'ticker symbol');
        ok(t.last === undefined || t.last === 0, `ticker last: got ${fmt(t.last)}, want 0 or absent`);
    });
    await check('fetchTrades (market with no trades)', async () => {
        const trades = await a.fetchTrades('SOL/USDC');
        isArray(trades, 'trades');
        eq(trades.length, 0, 'trades length');
    });
    await check('fetchOHLCV (market with no trades)', async () => {
        const candles = await a.fetchOHLCV('SOL/USDC', '1m');
        isArray(candles, 'klines');
        eq(candles.length, 0, 'klines length');
    });

    // ---------------------------------------------------------- orders
    let limitId;
    await check('createOrder limit', async () => {
        const o = await a.createOrder(BTC, 'limit', 'buy', 0.01, 99000);
        ok(typeof o.id === 'string' && o.id.length > 0, `order id: got ${fmt(o.id)}`);
        limitId = o.id;
        eq(o.symbol, BTC, 'symbol');
        eq(o.type, 'limit', 'type');
        eq(o.side, 'buy', 'side');
        eq(o.status, 'open', 'status');
        near(o.price, 99000, 'price');
        near(o.amount, 0.01, 'amount');
        near(o.filled, 0, 'filled');
        return `id ${o.id}`;
    });

    await check('fetchOpenOrder', async () => {
        ok(limitId, 'no order from createOrder limit');
        const o = await a.fetchOpenOrder(limitId, BTC);
        eq(o.id, limitId, 'id');
        eq(o.status, 'open', 'status');
        eq(o.symbol, BTC, 'symbol');
        near(o.price, 99000, 'price');
        near(o.amount, 0.01, 'amount');
    });

    await check('fetchOpenOrders', async () => {
        ok(limitId, 'no order from createOrder limit');
        const os = await a.fetchOpenOrders(BTC);
        isArray(os, 'open orders');
        const o = os.find((x) => x.id === limitId);
        ok(o, `order ${limitId} not among the open orders ${fmt(os.map((x) => x.id))}`);
        eq(o.status, 'open', 'status');
        const none = await b.fetchOpenOrders(BTC);
        eq(none.length, 0, "the other account's open orders");
    });

    await check('cancelOrder', async () => {
        ok(limitId, 'no order from createOrder limit');
        const o = await a.cancelOrder(limitId, BTC);
        eq(o.id, limitId, 'id');
        eq(o.status, 'canceled', 'status');
        const os = await a.fetchOpenOrders(BTC);
        ok(!os.some((x) => x.id === limitId), 'the cancelled order is still open');
    });

    let askId;
    await check('createOrder post-only', async () => {
        const o = await a.createOrder(BTC, 'limit', 'sell', 0.01, 101000, { postOnly: true });
        askId = o.id;
        eq(o.status, 'open', 'status');
        eq(o.postOnly, true, 'postOnly');
        eq(o.side, 'sell', 'side');
        near(o.price, 101000, 'price');
        // A post-only order that would take must not trade.
        let refused = false;
        try {
            const x = await b.createOrder(BTC, 'limit', 'buy', 0.001, 101000, { postOnly: true });
            refused = x.status !== 'closed' && !(x.filled > 0);
            if (x.status === 'open') await b.cancelOrder(x.id, BTC);
        } catch (e) {
            refused = true;
        }
        ok(refused, 'a crossing post-only order traded');
        return `id ${o.id}`;
    });

    await check('createOrder market', async () => {
        ok(askId, 'no resting ask from createOrder post-only');
        const o = await b.createOrder(BTC, 'market', 'buy', 0.01);
        eq(o.type, 'market', 'type');
        eq(o.side, 'buy', 'side');
        eq(o.status, 'closed', 'status');
        near(o.filled, 0.01, 'filled');
        near(o.cost, 1010, 'cost (executedQuoteQuantity)');
        const os = await a.fetchOpenOrders(BTC);
        ok(!os.some((x) => x.id === askId), 'the maker ask is still open after being filled');
    });

    await check('createOrder reduce-only', async () => {
        await a.createOrder(BTC, 'limit', 'buy', 0.005, 100500);
        const o = await b.createOrder(BTC, 'limit', 'sell', 0.005, 100500, { reduceOnly: true });
        eq(o.reduceOnly, true, 'reduceOnly');
        eq(o.status, 'closed', 'status');
        near(o.filled, 0.005, 'filled');
        // Reduce-only that would grow the position (B is long) must not trade.
        await a.createOrder(BTC, 'limit', 'sell', 0.005, 100600);
        let refused = false;
        try {
            const x = await b.createOrder(BTC, 'limit', 'buy', 0.005, 100600, { reduceOnly: true });
            refused = !(x.filled > 0);
        } catch (e) {
            refused = true;
        }
        await a.cancelAllOrders(BTC).catch(() => {});
        ok(refused, 'a reduce-only order that grows the position traded');
    });

    let batch = [];
    await check('createOrders', async () => {
        batch = await a.createOrders([
            { symbol: ETH, type: 'limit', side: 'buy', amount: 0.5, price: 3900 },
            { symbol: ETH, type: 'limit', side: 'sell', amount: 0.25, price: 4100 },
        ]);
        isArray(batch, 'createOrders answer');
        eq(batch.length, 2, 'orders created');
        eq(batch[0].side, 'buy', 'first side');
        eq(batch[1].side, 'sell', 'second side');
        for (const o of batch) {
            ok(typeof o.id === 'string' && o.id.length > 0, `order id: got ${fmt(o.id)}`);
            eq(o.status, 'open', 'status');
            eq(o.symbol, ETH, 'symbol');
        }
        near(batch[0].price, 3900, 'first price');
        near(batch[1].amount, 0.25, 'second amount');
    });

    await check('cancelAllOrders', async () => {
        const os = await a.cancelAllOrders(ETH);
        isArray(os, 'cancelAllOrders answer');
        const ids = os.map((o) => o.id).sort();
        const want = batch.map((o) => o.id).sort();
        eq(fmt(ids), fmt(want), 'cancelled ids');
        for (const o of os) eq(o.status, 'canceled', `order ${o.id} status`);
        const left = await a.fetchOpenOrders(ETH);
        eq(left.length, 0, 'open orders left');
    });

    // ------------------------------------------------------- after trades
    // B bought 0.01 at 101000 then sold 0.005 at 100500 (reduce-only): B is
    // long 0.005 BTC perp, A short 0.005.
    await check('fetchMyTrades', async () => {
        const ts = await b.fetchMyTrades(BTC);
        isArray(ts, 'fills');
        eq(ts.length, 2, 'fills of the taker');
        const buy = ts.find((t) => t.side === 'buy');
        const sell = ts.find((t) => t.side === 'sell');
        ok(buy && sell, `want a buy and a sell, got ${fmt(ts.map((t) => t.side))}`);
        near(buy.price, 101000, 'buy price');
        near(buy.amount, 0.01, 'buy amount');
        near(sell.price, 100500, 'sell price');
        near(sell.amount, 0.005, 'sell amount');
        for (const t of ts) {
            eq(t.symbol, BTC, 'symbol');
            eq(t.takerOrMaker, 'taker', 'takerOrMaker');
            ok(typeof t.timestamp === 'number' && Math.abs(t.timestamp - Date.now()) < 120000, `timestamp: got ${fmt(t.timestamp)} (${fmt(t.info.timestamp)})`);
            ok(t.fee && typeof t.fee.cost === 'number' && t.fee.cost > 0, `fee: got ${fmt(t.fee)}`);
            ok(typeof t.order === 'string' && t.order.length > 0, `order id: got ${fmt(t.order)}`);
        }
        near(buy.fee.cost, 1010 * 0.0005, 'taker fee of the buy (0.05%)', 1e-6);
        const mk = await a.fetchMyTrades(BTC);
        eq(mk.length, 2, 'fills of the maker');
        for (const t of mk) eq(t.takerOrMaker, 'maker', 'maker takerOrMaker');
    });

    await check('fetchPositions', async () => {
        const ps = await b.fetchPositions();
        isArray(ps, 'positions');
        const p = ps.find((x) => x.symbol === BTC);
        ok(p, `no ${BTC} position in ${fmt(ps.map((x) => x.symbol))}`);
        eq(p.side, 'long', 'side');
        near(p.contracts, 0.005, 'contracts (netExposureQuantity)');
        near(p.entryPrice, 101000, 'entryPrice');
        ok(numeric(p.markPrice) && Number(p.markPrice) > 0, `markPrice: got ${fmt(p.markPrice)}`);
        ok(numeric(p.liquidationPrice), `liquidationPrice (estLiquidationPrice): got ${fmt(p.liquidationPrice)}`);
        const qs = await a.fetchPositions([BTC]);
        eq(qs.length, 1, 'maker positions');
        eq(qs[0].side, 'short', 'maker side');
        // netExposureQuantity is signed (DESIGN.md §4), and ccxt passes it
        // through as contracts: a short shows negative contracts.
        near(Math.abs(Number(qs[0].contracts)), 0.005, 'maker |contracts|');
        ok(Number(qs[0].info.netQuantity) < 0, `maker netQuantity: got ${fmt(qs[0].info.netQuantity)}, want negative`);
        const none = await b.fetchPositions([ETH]);
        eq(none.length, 0, 'flat positions are left out');
    });

    await check('fetchTicker', async () => {
        const t = await a.fetchTicker(BTC);
        eq(t.symbol, BTC, 'symbol');
        near(t.last, 100500, 'last');
        near(t.open, 101000, 'open (firstPrice)');
        near(t.high, 101000, 'high');
        near(t.low, 100500, 'low');
        near(t.baseVolume, 0.015, 'baseVolume');
        near(t.quoteVolume, 1010 + 502.5, 'quoteVolume');
        eq(String(t.info.trades), '2', 'trades');
    });

    await check('fetchTickers', async () => {
        const ts = await a.fetchTickers();
        for (const s of Object.keys(expectedMarkets)) ok(ts[s] !== undefined, `no ticker for ${s}; got ${fmt(Object.keys(ts))}`);
        near(ts[BTC].last, 100500, `${BTC} last`);
        const some = await a.fetchTickers([BTC, ETH]);
        eq(fmt(Object.keys(some).sort()), fmt([BTC, ETH].sort()), 'filtered symbols');
    });

    await check('fetchOrderBook', async () => {
        await a.createOrder(BTC, 'limit', 'buy', 0.02, 99000);
        await a.createOrder(BTC, 'limit', 'buy', 0.03, 98000);
        await a.createOrder(BTC, 'limit', 'sell', 0.04, 102000);
        const ob = await b.fetchOrderBook(BTC);
        eq(ob.symbol, BTC, 'symbol');
        eq(fmt(ob.bids), fmt([[99000, 0.02], [98000, 0.03]]), 'bids');
        eq(fmt(ob.asks), fmt([[102000, 0.04]]), 'asks');
        ok(typeof ob.nonce === 'number' && ob.nonce > 0, `nonce (lastUpdateId): got ${fmt(ob.nonce)}`);
        ok(typeof ob.timestamp === 'number' && Math.abs(ob.timestamp - Date.now()) < 120000, `timestamp (µs / 1000): got ${fmt(ob.timestamp)}`);
    });

    await check('fetchTrades', async () => {
        const ts = await a.fetchTrades(BTC);
        isArray(ts, 'trades');
        eq(ts.length, 2, 'trades');
        const last = ts[ts.length - 1];
        near(last.price, 100500, 'latest price');
        near(last.amount, 0.005, 'latest amount');
        eq(last.side, 'sell', 'latest side (taker sold: isBuyerMaker)');
        near(ts[0].price, 101000, 'first price');
        eq(ts[0].side, 'buy', 'first side');
        for (const t of ts) {
            ok(typeof t.id === 'string' && t.id.length > 0, `id: got ${fmt(t.id)}`);
            ok(typeof t.timestamp === 'number' && Math.abs(t.timestamp - Date.now()) < 120000, `timestamp: got ${fmt(t.timestamp)}`);
        }
        ok(ts[0].timestamp <= last.timestamp, 'trades in time order');
        const one = await a.fetchTrades(BTC, undefined, 1);
        eq(one.length, 1, 'limit=1');
        const hist = await a.fetchTrades(BTC, undefined, 10, { offset: 0 });
        eq(hist.length, 2, '/api/v1/trades/history (offset 0)');
    });

    await check('fetchOHLCV', async () => {
        const cs = await a.fetchOHLCV(BTC, '1m');
        isArray(cs, 'klines');
        ok(cs.length >= 1, 'no candle');
        const vol = cs.reduce((s, c) => s + c[5], 0);
        near(vol, 0.015, 'volume summed over candles');
        const hi = Math.max(...cs.map((c) => c[2]));
        const lo = Math.min(...cs.map((c) => c[3]));
        near(hi, 101000, 'high');
        near(lo, 100500, 'low');
        near(cs[0][1], 101000, 'first open');
        near(cs[cs.length - 1][4], 100500, 'last close');
        for (const c of cs) {
            ok(Number.isInteger(c[0]) && c[0] % 60000 === 0 && Math.abs(c[0] - Date.now()) < 600000, `candle start: got ${fmt(c[0])}`);
        }
        const h = await a.fetchOHLCV(BTC, '1h');
        ok(h.length >= 1, 'no 1h candle');
    });

    await check('fetchFundingRate', async () => {
        const f = await a.fetchFundingRate(BTC);
        eq(f.symbol, BTC, 'symbol');
        near(f.indexPrice, 100000, 'indexPrice');
        ok(typeof f.markPrice === 'number' && f.markPrice >= 90000 && f.markPrice <= 110000, `markPrice: got ${fmt(f.markPrice)}`);
        ok(typeof f.fundingRate === 'number' && Math.abs(f.fundingRate) <= 0.01, `fundingRate: got ${fmt(f.fundingRate)}`);
        const now = Date.now();
        ok(typeof f.nextFundingTimestamp === 'number' && f.nextFundingTimestamp > now - 5000 && f.nextFundingTimestamp <= now + 3600000 + 5000,
            `nextFundingTimestamp: got ${fmt(f.nextFundingTimestamp)}, want within the next hour of ${now}`);
    });

    await check('fetchOpenInterest', async () => {
        const oi = await a.fetchOpenInterest(BTC);
        eq(oi.symbol, BTC, 'symbol');
        // Backpack's openInterest is in base units; ccxt files it as openInterestValue.
        near(oi.openInterestValue, 0.005, 'openInterest');
        ok(typeof oi.timestamp === 'number' && Math.abs(oi.timestamp - Date.now()) < 120000, `timestamp: got ${fmt(oi.timestamp)}`);
    });

    await check('fetchBalance after trading', async () => {
        const bal = await b.fetchBalance();
        ok(bal.USDC !== undefined, `no USDC balance: ${fmt(bal.info)}`);
        // B paid 0.05% taker fees on 1010 + 502.5 and realized (100500-101000)*0.005.
        const want = DEPOSIT - (1010 + 502.5) * 0.0005 - 2.5;
        near(bal.USDC.total, want, 'USDC total', 1e-9);
        ok(bal.BTC === undefined || bal.BTC.total === 0, `a perp position must not show as a BTC balance: ${fmt(bal.BTC)}`);
    });

    // ------------------------------------------------------ borrow / lend
    // ccxt 4.5.84's backpack has no unified borrow/lend method (its
    // fetchBorrowInterest, borrowCrossMargin… are todo), so the implicit API
    // methods it generates from its endpoint list are what a ccxt user calls;
    // fetchBalance and fetchPositions must keep working around them.
    await check('borrowLend markets (publicGetApiV1BorrowLendMarkets)', async () => {
        const ms = await a.publicGetApiV1BorrowLendMarkets();
        isArray(ms, 'borrowLend markets');
        const syms = ms.map((m) => m.symbol).sort();
        eq(fmt(syms), fmt(['BTC', 'ETH', 'SOL', 'USDC']), 'pools');
        for (const m of ms) {
            for (const k of ['borrowInterestRate', 'lendInterestRate', 'borrowedQuantity', 'lentQuantity', 'utilization', 'maxUtilization', 'optimalUtilization', 'throttleUtilizationThreshold', 'assetMarkPrice']) {
                ok(numeric(m[k]), `${m.symbol} ${k}: got ${fmt(m[k])}`);
            }
            eq(m.state, 'Open', `${m.symbol} state`);
        }
    });

    let freeBefore;
    await check('lend (privatePostApiV1BorrowLend side Lend)', async () => {
        freeBefore = (await a.fetchBalance()).USDC.free;
        const p = await a.privatePostApiV1BorrowLend({ symbol: 'USDC', side: 'Lend', quantity: '100000' });
        eq(p.symbol, 'USDC', 'symbol');
        eq(p.netQuantity, '100000', 'netQuantity');
        await admin('POST', 'deposits', { accountId: A.accountId, symbol: 'BTC', quantity: '1' });
        const q = await a.privatePostApiV1BorrowLend({ symbol: 'BTC', side: 'Lend', quantity: '1' });
        eq(q.netQuantity, '1', 'BTC netQuantity');
    });

    await check('fetchBalance after a lend', async () => {
        const bal = await a.fetchBalance();
        near(bal.USDC.free, freeBefore - 100000, 'USDC free (100000 lent)', 1e-9);
        ok(bal.BTC === undefined || bal.BTC.total === 0, `the lent BTC is in the pool, not the balance: ${fmt(bal.BTC)}`);
    });

    await check('borrow (privatePostApiV1BorrowLend side Borrow)', async () => {
        const p = await b.privatePostApiV1BorrowLend({ symbol: 'BTC', side: 'Borrow', quantity: '0.1' });
        eq(p.netQuantity, '-0.1', 'netQuantity');
        ok(numeric(p.imf) && numeric(p.mmf) && p.imfFunction && p.imfFunction.type === 'sqrt', `margin fields: ${fmt(p)}`);
        // The borrowed BTC sits in the balance: the holding is flat, no BTC
        // price liquidates the account ("0", as Backpack shows none).
        ok(numeric(p.estLiquidationPrice), `estLiquidationPrice: ${fmt(p.estLiquidationPrice)}`);
    });

    await check('fetchBalance after a borrow', async () => {
        const bal = await b.fetchBalance();
        ok(bal.BTC !== undefined, `no BTC balance after borrowing: ${fmt(bal.info)}`);
        near(bal.BTC.free, 0.1, 'BTC free (borrowed)', 1e-12);
        ok(bal.USDC !== undefined && bal.USDC.free > 0, `USDC: ${fmt(bal.USDC)}`);
    });

    await check('fetchPositions with a borrow (perpetuals only)', async () => {
        const ps = await b.fetchPositions();
        isArray(ps, 'positions');
        for (const p of ps) ok(p.symbol.endsWith(':USDC'), `a non-perpetual position: ${fmt(p.symbol)}`);
    });

    await check('borrowLend positions (privateGetApiV1BorrowLendPositions)', async () => {
        const ps = await b.privateGetApiV1BorrowLendPositions();
        isArray(ps, 'borrowLend positions');
        const btc = ps.find((p) => p.symbol === 'BTC');
        ok(btc !== undefined, `no BTC position: ${fmt(ps)}`);
        eq(btc.netQuantity, '-0.1', 'netQuantity');
        eq(btc.netExposureNotional, '-10000', 'netExposureNotional (0.1 at the index)');
        const col = await b.privateGetApiV1CapitalCollateral();
        ok(numeric(col.borrowLiability) && Number(col.borrowLiability) >= 10000, `borrowLiability: ${fmt(col.borrowLiability)}`);
        const lent = (await a.privateGetApiV1CapitalCollateral()).collateral.find((c) => c.symbol === 'BTC');
        eq(lent && lent.lendQuantity, '1', 'the lender\'s BTC lendQuantity');
    });

    await check('borrowLend history (privateGetWapiV1HistoryBorrowLend)', async () => {
        const hs = await b.privateGetWapiV1HistoryBorrowLend({ symbol: 'BTC' });
        isArray(hs, 'borrowLend history');
        eq(hs.length, 1, 'movements');
        eq(hs[0].eventType, 'Borrow', 'eventType');
        eq(hs[0].source, 'Manual', 'source');
        eq(hs[0].quantity, '0.1', 'quantity');
        const ps = await b.privateGetWapiV1HistoryBorrowLendPositions();
        isArray(ps, 'borrowLend positions history');
        ok(ps.some((p) => p.symbol === 'BTC' && p.side === 'Borrow'), `positions history: ${fmt(ps)}`);
    });

    await check('account lending flags (privatePatchApiV1Account)', async () => {
        let acct = await b.privateGetApiV1Account();
        eq(fmt([acct.autoBorrowSettlements, acct.autoRepayBorrows, acct.autoLend]), fmt([true, true, false]), 'defaults');
        acct = await b.privatePatchApiV1Account({ autoLend: true });
        eq(acct.autoLend, true, 'autoLend after PATCH');
        acct = await b.privatePatchApiV1Account({ autoLend: false });
        eq(fmt([acct.autoBorrowSettlements, acct.autoRepayBorrows, acct.autoLend]), fmt([true, true, false]), 'after PATCH back');
    });

    // ------------------------------------------------------ WebSocket (pro)
    const pa = pro(A);
    const pb = pro(B);
    // ccxt in Node refuses plain ws:// URLs until this public method has
    // loaded an http.Agent for them (wss:// needs nothing).
    await pa.loadHttpProxyAgent();
    await pb.loadHttpProxyAgent();
    await pa.loadMarkets();
    await pb.loadMarkets();

    await check('watchOrders', async () => {
        const first = pb.watchOrders(BTC);
        first.catch(() => {});
        await sleep(SUBSCRIBE_SETTLE_MS); // subscriptions are not acknowledged: let it land
        const o = await b.createOrder(BTC, 'limit', 'buy', 0.001, 97000);
        const deadline = Date.now() + WATCH_TIMEOUT_MS;
        let seen;
        let next = first;
        while (!seen) {
            const os = await withTimeout(next, deadline - Date.now(), `account.orderUpdate for order ${o.id}`);
            seen = os.find((x) => x.id === o.id);
            if (!seen) next = pb.watchOrders(BTC);
        }
        eq(seen.symbol, BTC, 'symbol');
        eq(seen.side, 'buy', 'side');
        eq(seen.status, 'open', 'status');
        eq(seen.type, 'limit', 'type');
        near(seen.amount, 0.001, 'amount');
        near(seen.price, 97000, 'price');
        ok(seen.info.O !== undefined, `origin O missing: ${fmt(seen.info)}`);
        // The cancel arrives on the same stream.
        const cancelled = pb.watchOrders(BTC);
        await b.cancelOrder(o.id, BTC);
        const os = await withTimeout(cancelled, WATCH_TIMEOUT_MS, `orderCancelled for ${o.id}`);
        const c = os.find((x) => x.id === o.id && x.status === 'canceled');
        ok(c, `no cancel for ${o.id} in ${fmt(os.map((x) => [x.id, x.status]))}`);
    });

    await check('watchPositions', async () => {
        const first = pb.watchPositions();
        first.catch(() => {});
        await sleep(SUBSCRIBE_SETTLE_MS);
        await a.createOrder(BTC, 'limit', 'sell', 0.002, 100800);
        await b.createOrder(BTC, 'market', 'buy', 0.002);
        const deadline = Date.now() + WATCH_TIMEOUT_MS;
        let p;
        let next = first;
        while (!p) {
            const ps = await withTimeout(next, deadline - Date.now(), 'account.positionUpdate');
            p = ps.find((x) => x.symbol === BTC);
            if (!p) next = pb.watchPositions();
        }
        eq(p.side, 'long', 'side');
        near(Number(p.info.q), 0.007, 'netQuantity q');
        ok(numeric(p.markPrice) && Number(p.markPrice) > 0, `markPrice M: got ${fmt(p.markPrice)}`);
        ok(numeric(p.entryPrice) && Number(p.entryPrice) > 100000, `entryPrice b: got ${fmt(p.entryPrice)}`);
        eq(p.info.l, '0', 'deprecated l sent as "0"');
    });

    await check('watchTrades', async () => {
        const first = pa.watchTrades(ETH);
        first.catch(() => {});
        await sleep(SUBSCRIBE_SETTLE_MS);
        await a.createOrder(ETH, 'limit', 'sell', 0.05, 4010);
        await b.createOrder(ETH, 'market', 'buy', 0.05);
        const ts = await withTimeout(first, WATCH_TIMEOUT_MS, 'trade.ETH_USDC_PERP');
        isArray(ts, 'trades');
        const t = ts[ts.length - 1];
        eq(t.symbol, ETH, 'symbol');
        near(t.price, 4010, 'price');
        near(t.amount, 0.05, 'amount');
        eq(t.side, 'buy', 'side (taker bought)');
        ok(typeof t.id === 'string' && t.id.length > 0, `id: got ${fmt(t.id)}`);
        ok(Math.abs(t.timestamp - Date.now()) < 120000, `timestamp: got ${fmt(t.timestamp)}`);
    });

    await check('watchOrderBook', async () => {
        // ccxt caches 10 deltas, then takes the REST snapshot and applies the
        // deltas after its lastUpdateId; keep the book moving until it resolves.
        let resolved = false;
        const first = pa.watchOrderBook(SOL).finally(() => {
            resolved = true;
        });
        first.catch(() => {});
        await sleep(SUBSCRIBE_SETTLE_MS);
        const prices = [];
        for (let i = 0; i < 40 && !resolved; i++) {
            const px = 190 + i * 0.25;
            await a.createOrder(SOL, 'limit', 'buy', 1, px);
            prices.push(px);
            await sleep(50);
        }
        let ob = await withTimeout(first, WATCH_TIMEOUT_MS, `depth.SOL_USDC_PERP after ${prices.length} book changes`);
        // One more change after the snapshot; wait for it, then compare with REST.
        let next = pa.watchOrderBook(SOL);
        await a.createOrder(SOL, 'limit', 'sell', 2, 215);
        const deadline = Date.now() + WATCH_TIMEOUT_MS;
        for (;;) {
            ob = await withTimeout(next, deadline - Date.now(), 'depth.SOL_USDC_PERP: the ask placed after the snapshot');
            if (ob.asks.length > 0 && ob.asks[0][0] === 215) break;
            next = pa.watchOrderBook(SOL);
        }
        const restOb = await b.fetchOrderBook(SOL);
        eq(fmt(ob.asks.slice(0, 5)), fmt(restOb.asks.slice(0, 5)), 'asks (WebSocket vs REST)');
        eq(fmt(ob.bids.slice(0, 5)), fmt(restOb.bids.slice(0, 5)), 'bids (WebSocket vs REST)');
        near(ob.asks[0][0], 215, 'best ask');
        near(ob.bids[0][0], prices[prices.length - 1], 'best bid');
        await a.cancelAllOrders(SOL);
    });

    await Promise.allSettled([pa.close(), pb.close()]);

    // ------------------------------------------------------------ funding
    // Funding settles every hour. Under --clock manual the operator clock
    // moves past it so the history has an entry; under the wall clock the
    // answer must still parse (an empty list until the first hour).
    let manual = false;
    try {
        await admin('POST', 'clock', { advanceMs: 3600000 });
        manual = true;
    } catch (e) {
        if (!(e.status >= 400 && e.status < 500)) throw e;
    }
    await check('fetchFundingHistory', async () => {
        const hs = await b.fetchFundingHistory(BTC);
        isArray(hs, 'funding history');
        for (const h of hs) {
            eq(h.symbol, BTC, 'symbol');
            ok(typeof h.amount === 'number', `amount: got ${fmt(h.amount)}`);
            ok(typeof h.rate === 'number', `rate: got ${fmt(h.rate)}`);
            ok(typeof h.timestamp === 'number' && h.timestamp > 0, `timestamp (intervalEndTimestamp): got ${fmt(h.info.intervalEndTimestamp)}`);
        }
        if (manual) ok(hs.length >= 1, 'no funding payment after the clock passed the hour');
        const all = await b.fetchFundingHistory();
        isArray(all, 'funding history without symbol');
        return manual ? `${hs.length} payments` : 'wall clock: no funding hour passed, answer parsed';
    });

    await check('borrow interest after an hour (cumulativeInterest)', async () => {
        const ps = await b.privateGetApiV1BorrowLendPositions();
        const btc = ps.find((p) => p.symbol === 'BTC');
        ok(btc !== undefined, `no BTC position: ${fmt(ps)}`);
        ok(numeric(btc.cumulativeInterest), `cumulativeInterest: ${fmt(btc.cumulativeInterest)}`);
        if (!manual) return 'wall clock: no interest hour passed';
        ok(Number(btc.cumulativeInterest) < 0, `a borrower pays interest: ${fmt(btc.cumulativeInterest)}`);
        near(Number(btc.netQuantity) - Number(btc.cumulativeInterest), -0.1, 'netQuantity − cumulativeInterest = the principal', 1e-12);
        return `BTC interest ${btc.cumulativeInterest}`;
    });
}

const overall = setTimeout(() => {
    console.log('FAIL ccxt_e2e — timed out after 240 s');
    process.exit(1);
}, 240000);
overall.unref();

try {
    await main();
} catch (e) {
    results.push({ name: 'ccxt_e2e', pass: false, reason: e });
    console.log(`FAIL ccxt_e2e — unexpected ${short(e && e.stack ? e.stack : e, 1200)}`);
}
const failed = results.filter((r) => !r.pass);
console.log(`\nccxt e2e: ${results.length - failed.length} passed, ${failed.length} failed${failed.length ? ': ' + failed.map((r) => r.name).join(', ') : ''}`);
process.exit(failed.length ? 1 : 0);
