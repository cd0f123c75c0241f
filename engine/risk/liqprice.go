package risk

import (
	"errors"
	"math"

	"github.com/waterfallrisk/waterfall/engine/config"
	"github.com/waterfallrisk/waterfall/engine/fixed"
)

// Errors of the price solver, beside fixed.ErrOverflow (the position's value
// at one tick, or OtherEquity plus it, does not fit an int64).
var (
	// ErrPriceInputs: PriceInputs outside the solver's contract: a tick size
	// or notional ratio that is not positive, or a negative OtherMaint.
	ErrPriceInputs = errors.New("risk: invalid price inputs")
	// ErrTickValue: one lot at one tick is not a whole number of settlement
	// units (TickSize × NotionalNum is not a multiple of NotionalDen).
	// config.Validate refuses such markets, so a valid market never sees it.
	ErrTickValue = errors.New("risk: one lot at one tick is not a whole number of settlement units")
	// ErrNegativeRequirement: a RequirementFunc returned a negative margin.
	ErrNegativeRequirement = errors.New("risk: negative margin requirement")
)

// RequirementFunc returns the maintenance margin a position of the given
// notional needs (settlement smallest units, notional ≥ 0), rounded up, as
// the engine computes it at the mark. It must be a pure function,
// non-decreasing in notional, and never negative. An error wrapping
// fixed.ErrOverflow counts as "too large to carry" (liquidatable, as the
// engine counts an account it cannot evaluate); any other error is returned
// by the solver as is.
//
// SqrtRequirement gives a sqrt margin function's; MarketRequirement any
// configured market's, sqrt functions or a bracket table.
type RequirementFunc func(notional int64) (int64, error)

// SqrtRequirement returns the RequirementFunc of a position margined by the
// sqrt function f: Requirement(n, Fraction(f, n, settlementDecimals, 0)),
// exactly what the engine adds to Account.Maintenance for a position of
// notional n. It is small enough to inline, so a closure built where the
// solver is called and passed straight to it stays on the stack: no
// allocation (one stored, or kept across loop iterations, is a heap closure
// of 48 bytes, made once).
func SqrtRequirement(f config.MarginFunction, settlementDecimals int) RequirementFunc {
	return func(notional int64) (int64, error) { return sqrtRequirement(f, settlementDecimals, notional) }
}

func sqrtRequirement(f config.MarginFunction, settlementDecimals int, notional int64) (int64, error) {
	fraction, err := Fraction(f, notional, settlementDecimals, 0)
	if err != nil {
		return 0, err
	}
	return Requirement(notional, fraction)
}

// MarketRequirement returns the RequirementFunc of a position in market m,
// whichever margin model it uses: the maintenance Requirements computes, as
// the engine adds it to Account.Maintenance. Like SqrtRequirement it inlines,
// and m must outlive the solver call. Pair it with MarketBreaks.
func MarketRequirement(m *config.Market, settlementDecimals int) RequirementFunc {
	return func(notional int64) (int64, error) { return marketMaintenance(m, settlementDecimals, notional) }
}

// TriggerRequirement returns what a preset's trigger compares with net
// equity for a position in market m: its maintenance (MarketRequirement)
// plus the closing fee on its notional, ⌈notional × closingFee⌉ (fixed.Rate;
// 0 gives MarketRequirement's values). It is the requirement of
// Account.DueWithClosingFee for one position, and grows with the notional
// at the MMF's pace plus the fee. Inlines like MarketRequirement.
func TriggerRequirement(m *config.Market, settlementDecimals int, closingFee int64) RequirementFunc {
	return func(notional int64) (int64, error) {
		return triggerRequirement(m, settlementDecimals, closingFee, notional)
	}
}

func triggerRequirement(m *config.Market, settlementDecimals int, closingFee, notional int64) (int64, error) {
	mm, err := marketMaintenance(m, settlementDecimals, notional)
	if err != nil || closingFee == 0 {
		return mm, err
	}
	fee, err := Requirement(notional, closingFee)
	if err != nil {
		return 0, err
	}
	return fixed.Add(mm, fee)
}

func marketMaintenance(m *config.Market, settlementDecimals int, notional int64) (int64, error) {
	_, mm, err := Requirements(m, notional, notional, settlementDecimals, 0)
	return mm, err
}

// MarketBreaks appends to buf[:0] the notionals at which market m's
// maintenance may jump, for PriceInputs.Breaks: its bracket caps (a
// whole-position table's requirement is discontinuous there), none for sqrt
// functions. A [config.MaxBrackets]int64 array on the caller's stack holds
// them without allocating.
func MarketBreaks(m *config.Market, buf []int64) []int64 {
	buf = buf[:0]
	if m.MMF.Kind != config.MarginBrackets {
		return buf
	}
	for _, b := range m.RiskLimits.Tiers() {
		if b.NotionalCap > 0 {
			buf = append(buf, b.NotionalCap)
		}
	}
	return buf
}

// PriceInputs describes an account with one position varying in price and
// everything else held still (DESIGN.md §5: no fees, funding or interest).
// Amounts are settlement smallest units, prices fixed.Price, quantities lots.
//
// Cross margin: OtherEquity = collateral value + the other positions'
// unrealized PnL − liabilities − this position's cost (its signed entry
// value), OtherMaint = Σ the other positions' maintenance. Isolated margin:
// OtherEquity = the position's isolated margin − its cost, OtherMaint = 0.
// Hedge mode: the other side's slot in the same market is an "other"
// position, held still like the rest.
type PriceInputs struct {
	// Qty is the position in lots, signed (negative: short). 0 has no price.
	Qty int64
	// OtherEquity is net equity without this position's value.
	OtherEquity int64
	// OtherMaint is the maintenance of everything else (≥ 0).
	OtherMaint int64
	// NotionalNum / NotionalDen turn lots × price into settlement units
	// (config.Market's, derived by config.Validate).
	NotionalNum, NotionalDen int64
	// TickSize is one tick in fixed.Price units.
	TickSize int64
	// Maintenance is the position's own requirement at a notional; nil for
	// none.
	Maintenance RequirementFunc
	// Breaks are the notionals (ascending, settlement units) at which
	// Maintenance may jump, as a whole-position bracket table's does at its
	// caps (MarketBreaks); nil for a continuous requirement. Between breaks
	// the requirement must grow no faster than the notional (see below). With
	// breaks a long is solved segment by segment from the top, so its price
	// is the first a falling mark meets even when a tier boundary opens a
	// safe window below it.
	Breaks []int64
}

// The equations, for a mark of T ticks (price T × TickSize). Config requires
// one lot at one tick to be a whole number u of settlement units, so on the
// tick grid a position is valued exactly, with no rounding at all:
//
//	value(T)     = Qty × u × T                    (the engine's Floor is exact here)
//	notional(T)  = |Qty| × u × T = c × T           (its Ceil too)
//	netEquity(T) = OtherEquity + value(T)
//	liquidatable(T) ⟺ OtherMaint + Maintenance(notional(T)) ≥ netEquity(T)
//
// which is Account.Liquidatable of the account the engine would build at
// that mark (the position has exposure at any T ≥ 1).
//
// Monotonicity. Write g(T) = netEquity(T) − OtherMaint − Maintenance(c·T), so
// liquidatable(T) ⟺ g(T) ≤ 0, and ΔM(T) = Maintenance(c(T+1)) − Maintenance(cT) ≥ 0.
//
//   - Short: g(T+1) − g(T) = −c − ΔM(T) ≤ −c < 0. g is strictly decreasing,
//     always: a short is liquidatable from some tick up, safe below it.
//   - Long: g(T+1) − g(T) = c − ΔM(T), non-negative exactly while the
//     requirement grows by at most the notional's own step c per tick. Then
//     a long is liquidatable up to some tick, safe above it. For a flat fraction
//     f ≤ 1 (a sqrt function below its crossover) ΔM ≤ ⌈c·f⌉ ≤ c. For
//     max(base, k·√n) the exact requirement n·k·√n grows at 1.5·k·√n per unit
//     of notional, and Fraction's Ceil adds under 2e-12 per unit, so the
//     condition holds while 1.5·MMF + 2e-12·T ≤ 1: MMF up to 66% at any price
//     below 10^10 ticks (for BTC's DESIGN.md §5 function, a notional up to
//     about 1.9 billion USDC); a larger long can be liquidatable again far
//     above its price, where the solver, searching up from the danger side,
//     does not look. A bracket table's requirement grows at the tier's
//     MMR < 1 within a tier, but a whole-position table's jumps up at each
//     cap, so a long just above a cap can be liquidatable while the same
//     long just below it is not: g is non-decreasing within each segment
//     between Breaks and may drop across one. Given the breaks, the solver
//     scans the segments from the top and bisects inside the first that
//     holds a liquidatable tick, so the result is the boundary above the
//     highest liquidatable tick: the first a falling mark meets.
//
// Between ticks (the mark is a fixed.Price, not necessarily on the grid) the
// engine values the position Floor and its notional Ceil, both in the house's
// favour, and Fraction's last digit (1e-12, Ceil) steps with the notional. So
// off the grid g can differ from its linear interpolation between the two
// neighbouring ticks by at most 1 + n·2e-12 settlement units (20 units,
// 0.00002 USDC, at a 10 million USDC notional), while one tick moves it by
// c·(1 − 1.5·MMF) or more: the engine's trigger and the estimate can disagree
// only for a mark within a tick of the estimate, and only by that sliver.

// LiquidationPrice returns the estimated liquidation price of the position in
// ticks: the solution of netEquity(P) = OtherMaint + MMF(|q|·P)·|q|·P rounded
// to the tick against the trader, up for a long and down for a short. On the
// tick grid that is, with A the result:
//
//   - one tick toward danger (A−1 for a long, A+1 for a short) the position
//     is liquidatable;
//   - at A it is liquidatable exactly when the equation holds there exactly
//     (MMR = 100%);
//   - one tick toward safety, and beyond, it is not.
//
// So the trigger and the estimate agree by construction: LiquidatableAt is
// the trigger's own predicate and the result is its boundary. The highest
// liquidatable tick of a long (lowest of a short) is A when the equation is
// exact at A, else A−1 (A+1).
//
// ok is false when there is no such price on the ticks [1, max], where max
// is the highest tick at which the position's value and OtherEquity plus it
// fit an int64: the position is safe at every tick (a long with enough
// collateral; Qty = 0) or liquidatable at every tick (already past saving at
// any price). Cost: a gallop from the price at which equity meets OtherMaint,
// then a bisection, each step one Maintenance evaluation, about 15–60 in
// all (with Breaks, for a long: two per segment scanned, then one
// bisection); no allocation.
func LiquidationPrice(in PriceInputs) (ticks int64, ok bool, err error) {
	s, ok, err := newSolver(&in)
	if !ok || err != nil {
		return 0, false, err
	}
	switch {
	case s.long && len(in.Breaks) > 0:
		return s.solveLongSegments()
	case s.long:
		return s.solveLong(true)
	}
	return s.solveShort(true)
}

// BankruptcyPrice returns the estimated bankruptcy price in ticks: the
// solution of netEquity(P) = 0, rounded to the tick against the trader, up
// for a long and down for a short. That is the first tick, coming from the
// danger side, at which netEquity ≥ 0: a long closed at or above it (a short
// at or below it) leaves no bad debt, while one tick toward danger
// netEquity < 0. It is the closed form of the linear equation
// OtherEquity + Qty·u·T = 0:
//
//	long:  A = ⌈−OtherEquity / (|Qty|·u)⌉
//	short: A = ⌊ OtherEquity / (|Qty|·u)⌋
//
// and agrees with the bisection LiquidationPrice runs with no maintenance
// (tested). ok is false as for LiquidationPrice: solvent at every tick in
// [1, max] (a long with OtherEquity ≥ 0, or with a bankruptcy price below
// one tick) or insolvent at every tick (a short with OtherEquity < |Qty|·u).
// Maintenance and OtherMaint play no part.
func BankruptcyPrice(in PriceInputs) (ticks int64, ok bool, err error) {
	s, ok, err := newSolver(&in)
	if !ok || err != nil {
		return 0, false, err
	}
	oe := fixed.From64(in.OtherEquity)
	if s.long {
		// Highest tick with OE + c·T ≤ 0: ⌊−OE/c⌋.
		last := min(s.ticks(fixed.From64(0).Sub(oe), fixed.Floor), s.max)
		if last < 1 {
			return 0, false, nil
		}
		return s.boundary(last, s.equityCmp(last), +1)
	}
	// Lowest tick with OE − c·T ≤ 0: ⌈OE/c⌉.
	first := s.ticks(oe, fixed.Ceil)
	if first > s.max {
		return 0, false, nil // positive equity at every tick in range
	}
	first = max(first, 1)
	return s.boundary(first, s.equityCmp(first), -1)
}

// LiquidatableAt reports the trigger's predicate with the mark at the given
// tick (≥ 1): OtherMaint + Maintenance(notional) ≥ netEquity, the exact
// comparison Account.Liquidatable makes. A Qty of 0 is never liquidatable.
// Errors as LiquidationPrice; ErrPriceInputs for a tick below 1, and
// fixed.ErrOverflow for one beyond the solver's range.
func LiquidatableAt(in PriceInputs, ticks int64) (bool, error) {
	s, ok, err := newSolver(&in)
	if !ok || err != nil {
		return false, err
	}
	switch {
	case ticks < 1:
		return false, ErrPriceInputs
	case ticks > s.max:
		return false, fixed.ErrOverflow
	}
	g, err := s.marginCmp(ticks)
	return g <= 0, err
}

// solver holds one PriceInputs, checked.
type solver struct {
	in   *PriceInputs
	long bool
	c    int64 // |Qty| × u: settlement units the position's value moves per tick
	max  int64 // the highest tick evaluated: c·max, OtherEquity ± c·max and max·TickSize fit an int64 (and max < MaxInt64)
}

// newSolver checks in; ok is false (no error) for a flat position.
func newSolver(in *PriceInputs) (s solver, ok bool, err error) {
	if in.TickSize <= 0 || in.NotionalNum <= 0 || in.NotionalDen <= 0 || in.OtherMaint < 0 {
		return s, false, ErrPriceInputs
	}
	for i, b := range in.Breaks {
		if b < 0 || i > 0 && b <= in.Breaks[i-1] {
			return s, false, ErrPriceInputs
		}
	}
	if in.Qty == 0 {
		return s, false, nil
	}
	w := fixed.Wide(in.TickSize, in.NotionalNum)
	u, err := w.Div(in.NotionalDen, fixed.Floor)
	if err != nil {
		return s, false, ErrTickValue
	}
	if w.Cmp(fixed.Wide(u, in.NotionalDen)) != 0 {
		return s, false, ErrTickValue
	}
	q, err := fixed.Abs(in.Qty)
	if err != nil {
		return s, false, err
	}
	c, err := fixed.Mul(q, u)
	if err != nil {
		return s, false, err
	}
	// Long: OE + c·T ≤ MaxInt64. Short: OE − c·T ≥ MinInt64. Both: c·T ≤ MaxInt64.
	limit := int64(math.MaxInt64)
	if in.Qty > 0 && in.OtherEquity > 0 {
		limit -= in.OtherEquity
	}
	if in.Qty < 0 && in.OtherEquity < 0 {
		limit += in.OtherEquity + 1 // MaxInt64 + 1 + OE, OE ≥ MinInt64: no overflow
	}
	s = solver{in: in, long: in.Qty > 0, c: c, max: min(limit/c, math.MaxInt64/in.TickSize, math.MaxInt64-1)}
	if s.max < 1 {
		return s, false, fixed.ErrOverflow
	}
	return s, true, nil
}

// equity returns netEquity at tick t ∈ [1, max]; newSolver's bounds make it exact.
func (s *solver) equity(t int64) int64 {
	if s.long {
		return s.in.OtherEquity + s.c*t
	}
	return s.in.OtherEquity - s.c*t
}

// equityCmp is the sign of netEquity(t): ≤ 0 is bankrupt (or exactly at the
// bankruptcy price).
func (s *solver) equityCmp(t int64) int { return sign(s.equity(t)) }

// marginCmp is the sign of g(t) = netEquity − OtherMaint − Maintenance:
// ≤ 0 is liquidatable, 0 the equation exactly. A requirement too large to
// evaluate (fixed.ErrOverflow) counts as −1, as the engine counts it.
func (s *solver) marginCmp(t int64) (int, error) {
	eq := s.equity(t)
	total := s.in.OtherMaint
	if s.in.Maintenance != nil {
		m, err := s.in.Maintenance(s.c * t)
		if err != nil {
			if errors.Is(err, fixed.ErrOverflow) {
				return -1, nil
			}
			return 0, err
		}
		if m < 0 {
			return 0, ErrNegativeRequirement
		}
		if total, err = fixed.Add(total, m); err != nil {
			return -1, nil
		}
	}
	switch {
	case eq > total:
		return 1, nil
	case eq < total:
		return -1, nil
	}
	return 0, nil
}

// cmp is marginCmp with maintenance, equityCmp without.
func (s *solver) cmp(t int64, withMaint bool) (int, error) {
	if withMaint {
		return s.marginCmp(t)
	}
	return s.equityCmp(t), nil
}

// boundary turns the last dangerous tick (cmp ≤ 0) met coming from the danger
// side into the result: itself when the equation is exact there, else one tick
// further toward safety (dir: +1 for a long, −1 for a short), which must be in
// range.
func (s *solver) boundary(last int64, g int, dir int64) (int64, bool, error) {
	if g > 0 {
		return 0, false, nil // safe already: no boundary in range
	}
	if g == 0 {
		return last, true, nil
	}
	next := last + dir
	if next < 1 || next > s.max {
		return 0, false, nil
	}
	return next, true, nil
}

// unknown marks a tick whose cmp has not been evaluated.
const unknown = 2

// solveLong finds the highest tick with cmp ≤ 0 (g non-decreasing in T):
// from the tick at which equity meets OtherMaint (dangerous whatever the
// maintenance, as it is never negative), gallop up until a safe tick, then
// bisect.
func (s *solver) solveLong(withMaint bool) (int64, bool, error) {
	floor := int64(0)
	if withMaint {
		floor = s.in.OtherMaint
	}
	// Highest tick with OE + c·T ≤ floor: ⌊(floor − OE)/c⌋.
	lo := min(s.ticks(fixed.From64(floor).Sub(fixed.From64(s.in.OtherEquity)), fixed.Floor), s.max)
	glo := unknown
	if lo < 1 {
		var err error
		if glo, err = s.cmp(1, withMaint); err != nil {
			return 0, false, err
		}
		if glo > 0 {
			return 0, false, nil // safe at every tick in range
		}
		lo = 1
	}
	hi := int64(0) // the lowest safe tick found, once found
	for step := max(1, lo>>10); hi == 0; step = s.double(step) {
		if lo == s.max {
			return s.finish(lo, glo, withMaint, +1)
		}
		t := lo + min(step, s.max-lo)
		g, err := s.cmp(t, withMaint)
		if err != nil {
			return 0, false, err
		}
		if g > 0 {
			hi = t
		} else {
			lo, glo = t, g
		}
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		g, err := s.cmp(mid, withMaint)
		if err != nil {
			return 0, false, err
		}
		if g > 0 {
			hi = mid
		} else {
			lo, glo = mid, g
		}
	}
	return s.finish(lo, glo, withMaint, +1)
}

// solveShort finds the lowest tick with cmp ≤ 0 (g decreasing in T): from
// the tick at which equity falls to OtherMaint, gallop down until a safe
// tick, then bisect.
func (s *solver) solveShort(withMaint bool) (int64, bool, error) {
	floor := int64(0)
	if withMaint {
		floor = s.in.OtherMaint
	}
	// Lowest tick with OE − c·T ≤ floor: ⌈(OE − floor)/c⌉.
	hi := s.ticks(fixed.From64(s.in.OtherEquity).Sub(fixed.From64(floor)), fixed.Ceil)
	ghi := unknown
	if hi > s.max {
		hi = s.max
		var err error
		if ghi, err = s.cmp(hi, withMaint); err != nil {
			return 0, false, err
		}
		if ghi > 0 {
			return 0, false, nil // safe at every tick in range
		}
	}
	hi = max(hi, 1)
	lo := int64(0) // the highest safe tick found, once found
	for step := max(1, hi>>10); lo == 0; step = s.double(step) {
		if hi == 1 {
			return s.finish(hi, ghi, withMaint, -1)
		}
		t := hi - min(step, hi-1)
		g, err := s.cmp(t, withMaint)
		if err != nil {
			return 0, false, err
		}
		if g > 0 {
			lo = t
		} else {
			hi, ghi = t, g
		}
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		g, err := s.cmp(mid, withMaint)
		if err != nil {
			return 0, false, err
		}
		if g > 0 {
			lo = mid
		} else {
			hi, ghi = mid, g
		}
	}
	return s.finish(hi, ghi, withMaint, -1)
}

// solveLongSegments finds the highest tick with marginCmp ≤ 0 when g is
// non-decreasing only within the segments the breaks cut: segment i holds
// the ticks whose notional c·T lies in (Breaks[i−1], Breaks[i]], the last one
// everything above. From the top segment down: a segment whose top tick is
// dangerous ends the search there; one whose bottom tick is safe is safe
// throughout; otherwise bisect inside it. Ticks above the segment in hand are
// all safe, so the boundary rule applies as in solveLong.
func (s *solver) solveLongSegments() (int64, bool, error) {
	top := s.max
	for i := len(s.in.Breaks); i >= 0 && top >= 1; i-- {
		bottom := int64(1)
		if i > 0 {
			bottom = s.in.Breaks[i-1]/s.c + 1 // first tick with notional above the break
		}
		if i < len(s.in.Breaks) {
			top = min(top, s.in.Breaks[i]/s.c) // last tick with notional at most the break
		}
		if bottom > top {
			continue // no tick in this segment
		}
		gTop, err := s.marginCmp(top)
		if err != nil {
			return 0, false, err
		}
		if gTop <= 0 {
			return s.boundary(top, gTop, +1)
		}
		gBottom, err := s.marginCmp(bottom)
		if err != nil {
			return 0, false, err
		}
		if gBottom > 0 {
			top = bottom - 1
			continue
		}
		lo, glo, hi := bottom, gBottom, top
		for hi-lo > 1 {
			mid := lo + (hi-lo)/2
			g, err := s.marginCmp(mid)
			if err != nil {
				return 0, false, err
			}
			if g > 0 {
				hi = mid
			} else {
				lo, glo = mid, g
			}
		}
		return s.boundary(lo, glo, +1)
	}
	return 0, false, nil // safe at every tick
}

// ticks returns x/c rounded in direction r, clamped to [0, max+1] (a
// quotient past max, or past an int64, is max+1 ≤ MaxInt64/TickSize + 1).
func (s *solver) ticks(x fixed.Int128, r fixed.Rounding) int64 {
	if x.Sign() <= 0 {
		return 0 // ⌊x/c⌋ ≤ 0 and ⌈x/c⌉ ≤ 0: below the first tick
	}
	t, err := x.Div(s.c, r)
	if err != nil || t > s.max {
		return s.max + 1
	}
	return t
}

// double returns the next gallop step, 2·step capped at max.
func (s *solver) double(step int64) int64 {
	if step > s.max/2 {
		return s.max
	}
	return 2 * step
}

// finish evaluates the last dangerous tick if the search inferred it rather
// than evaluated it, and applies boundary.
func (s *solver) finish(last int64, g int, withMaint bool, dir int64) (int64, bool, error) {
	if g == unknown {
		var err error
		if g, err = s.cmp(last, withMaint); err != nil {
			return 0, false, err
		}
	}
	return s.boundary(last, g, dir)
}

func sign(v int64) int {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}
