// Package backpack holds Backpack Exchange's JSON shapes and the
// conversions between them and the engine's integers: market and asset
// symbols, decimal strings (prices are ticks × tick size, quantities lots ×
// step size, amounts an asset's smallest units, all exact through
// engine/fixed), order, position and account objects, enums, and the
// {"code","message"} error body. Request numbers may be decimal strings or
// JSON numbers; they are read exactly and refused, never rounded, when they
// have too many decimals, lie between ticks or steps, or are out of range.
//
// Nothing here touches an engine: the API layer (server/api) reads engine
// views and events and passes them to a Catalog to render.
package backpack
