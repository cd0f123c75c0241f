// Package fixed holds Waterfall's numbers: int64 fixed point with 128-bit
// intermediates, checked arithmetic and explicit rounding.
//
// Units (each an int64, never a float):
//
//   - quantities are counted in lots (a market's step size);
//   - book prices are counted in ticks (a market's tick size);
//   - index and mark prices are Price values, scaled by 1e8 (PriceScale);
//   - amounts are counted in the asset's smallest unit (USDC: 1e-6);
//   - fractions (fees, IMF, MMF, rates, weights) are Rate values, scaled by
//     1e12 (RateScale).
//
// Contracts:
//
//   - Nothing wraps. Every operation that can overflow returns ErrOverflow and
//     the caller rejects the command that asked for it.
//   - Every operation that loses precision takes a Rounding, so each call site
//     states its direction. The house's favour: requirements and debts round
//     Ceil (up), payouts and credits round Floor (down).
//   - Decimal strings appear only at the edges (ParseDecimal, FormatDecimal).
package fixed
