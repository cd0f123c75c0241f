package sequencer

import (
	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/journal/record"
)

// The journal payloads are package record's envelope; these helpers keep the
// loop's call sites short.

func appendCommandRecord(dst []byte, c *engine.Command) []byte { return record.AppendCommand(dst, c) }

func appendKeyBinding(dst []byte, id engine.AccountID, key *[32]byte) []byte {
	return record.AppendKeyBinding(dst, &record.KeyBinding{Account: id, PublicKey: *key})
}

// isCommandRecord reports whether p is a Command record.
func isCommandRecord(p []byte) bool {
	t, err := record.TypeOf(p)
	return err == nil && t == record.TypeCommand
}
