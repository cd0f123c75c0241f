// Package record is the envelope of the server's journal payloads. Package
// journal stores opaque payloads; the server writes typed records, and this
// package is the one place that says how (it is a package of its own because
// it depends on the engine, which the journal does not).
//
// The first byte of a payload is its Type; the layout after it, integers
// little-endian:
//
//	Genesis (1)     byte version (1), int64 clock start ms, the configuration YAML (the rest)
//	Command (2)     an engine command, engine.AppendCommand's encoding (the rest)
//	KeyBinding (3)  uint32 account id, [32]byte ED25519 public key
//
// A server's journal is: record 1 a Genesis (the only one), then Commands,
// each accepted by the engine when it was journaled, in the order applied;
// a KeyBinding directly follows the CmdCreateAccount Command that created
// its account. Replaying the Commands in order on engine.New(the genesis
// configuration) rebuilds the server's state.
package record

import (
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/waterfallrisk/waterfall/engine"
)

// Type is a record's first byte.
type Type uint8

// Record types. Their numbers are part of the journal format.
const (
	TypeGenesis    Type = 1
	TypeCommand    Type = 2
	TypeKeyBinding Type = 3
)

func (t Type) String() string {
	switch t {
	case TypeGenesis:
		return "genesis"
	case TypeCommand:
		return "command"
	case TypeKeyBinding:
		return "key-binding"
	}
	return fmt.Sprintf("type-%d", uint8(t))
}

// JournalDir is the directory, inside the server's data directory, that
// holds the journal's segments and its snapshots.
const JournalDir = "journal"

// JournalPath returns the journal directory of a data directory.
func JournalPath(dataDir string) string { return filepath.Join(dataDir, JournalDir) }

// ErrBadRecord is wrapped by every decoding error of this package.
var ErrBadRecord = errors.New("record: bad journal record")

func bad(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrBadRecord}, args...)...)
}

// TypeOf returns the type of payload p; an empty payload or an unknown type
// is an error.
func TypeOf(p []byte) (Type, error) {
	if len(p) == 0 {
		return 0, bad("empty payload")
	}
	switch t := Type(p[0]); t {
	case TypeGenesis, TypeCommand, TypeKeyBinding:
		return t, nil
	default:
		return t, bad("unknown record type %d", p[0])
	}
}

// Genesis is the first record: what the engine starts from.
type Genesis struct {
	// Config is the configuration YAML the server ran with, as given to
	// config.Load (the built-in one written out when none was given).
	Config []byte
	// ClockStartMs is, with the manual clock, the engine time it started at
	// (the wall time of the first start, in ms); 0 with the wall clock.
	ClockStartMs int64
}

const genesisVersion = 1

// AppendGenesis appends the Genesis record g to dst.
func AppendGenesis(dst []byte, g *Genesis) []byte {
	dst = append(dst, byte(TypeGenesis), genesisVersion)
	dst = binary.LittleEndian.AppendUint64(dst, uint64(g.ClockStartMs)) //nolint:gosec // two's complement bits
	return append(dst, g.Config...)
}

// DecodeGenesis decodes a Genesis record. Config is a copy: p may be reused.
func DecodeGenesis(p []byte) (Genesis, error) {
	if len(p) < 10 || Type(p[0]) != TypeGenesis {
		return Genesis{}, bad("not a genesis record")
	}
	if p[1] != genesisVersion {
		return Genesis{}, bad("unknown genesis version %d", p[1])
	}
	return Genesis{
		ClockStartMs: int64(binary.LittleEndian.Uint64(p[2:10])), //nolint:gosec // two's complement bits
		Config:       append([]byte(nil), p[10:]...),
	}, nil
}

// AppendCommand appends the Command record of c to dst. c should pass
// engine.CheckEncodable (every command the engine accepted does, as long as
// the fields its kind ignores are in range too).
func AppendCommand(dst []byte, c *engine.Command) []byte {
	return engine.AppendCommand(append(dst, byte(TypeCommand)), c)
}

// DecodeCommand decodes a Command record into c.
func DecodeCommand(p []byte, c *engine.Command) error {
	if len(p) == 0 || Type(p[0]) != TypeCommand {
		*c = engine.Command{}
		return bad("not a command record")
	}
	if err := engine.DecodeCommand(p[1:], c); err != nil {
		return fmt.Errorf("%w: %w", ErrBadRecord, err)
	}
	return nil
}

// KeyBinding binds an API key (ED25519 public key) to the account created by
// the Command record just before it.
type KeyBinding struct {
	Account   engine.AccountID
	PublicKey [32]byte
}

const keyBindingSize = 1 + 4 + 32

// AppendKeyBinding appends the KeyBinding record k to dst.
func AppendKeyBinding(dst []byte, k *KeyBinding) []byte {
	dst = append(dst, byte(TypeKeyBinding))
	dst = binary.LittleEndian.AppendUint32(dst, uint32(k.Account))
	return append(dst, k.PublicKey[:]...)
}

// DecodeKeyBinding decodes a KeyBinding record.
func DecodeKeyBinding(p []byte) (KeyBinding, error) {
	if len(p) != keyBindingSize || Type(p[0]) != TypeKeyBinding {
		return KeyBinding{}, bad("not a key binding record of %d bytes", keyBindingSize)
	}
	k := KeyBinding{Account: engine.AccountID(binary.LittleEndian.Uint32(p[1:5]))}
	copy(k.PublicKey[:], p[5:])
	return k, nil
}
