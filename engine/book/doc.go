// Package book is one market's limit order book and its matching: price-time
// priority, self-trade prevention and quote budgets, nothing else.
//
// The book knows nothing of accounts, margin or fees. It stores resting orders
// and answers what an incoming order (a Taker) would trade against; the engine
// decides what may rest, charges fees and moves balances.
//
// Units: prices are counted in ticks (> 0) and quantities in lots (> 0), both
// int64. A quote amount (Σ qty×price) is counted in lots×ticks.
//
// Contracts:
//
//   - Deterministic: no clock, no goroutines, no randomness, no floats and no
//     Go map, so the same calls always give the same fills, depth and Each
//     order.
//   - Price-time priority: a better price always trades first; within a price
//     level, the order that rested first trades first. Reduce keeps an order's
//     place; anything else that changes an order is Cancel followed by Rest,
//     which puts it at the back of its level.
//   - Trades execute at the resting (maker) order's price.
//   - The book is never crossed: Rest refuses an order that would trade, so
//     the best bid is always below the best ask.
//   - No allocation in steady state: orders and levels live in pooled slabs
//     addressed by int32 handles and order IDs are found through an
//     open-addressing table, so memory grows only when the book reaches a
//     size it has never had before.
//   - A Book is not safe for concurrent use; the engine owns it.
package book
