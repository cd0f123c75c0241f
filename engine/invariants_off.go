//go:build !invariants

package engine

// checkInvariants turns on the engine's costly self-checks (the ADL queue
// against a fresh ranking); build with -tags invariants to enable them.
const checkInvariants = false
