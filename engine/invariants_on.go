//go:build invariants

package engine

// checkInvariants: built with -tags invariants, the engine checks its
// derived structures against a fresh computation where that is costly.
const checkInvariants = true
