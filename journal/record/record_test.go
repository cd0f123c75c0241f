package record

import (
	"bytes"
	"errors"
	"testing"

	"github.com/waterfallrisk/waterfall/engine"
)

func TestRoundTrips(t *testing.T) {
	g := Genesis{Config: []byte("seed: 7\n"), ClockStartMs: -5}
	p := AppendGenesis([]byte("x"), &g)[1:]
	if typ, err := TypeOf(p); err != nil || typ != TypeGenesis {
		t.Fatalf("TypeOf = %v, %v", typ, err)
	}
	got, err := DecodeGenesis(p)
	if err != nil || !bytes.Equal(got.Config, g.Config) || got.ClockStartMs != -5 {
		t.Fatalf("genesis: %+v, %v", got, err)
	}
	p[len(p)-1] = '8'
	if got.Config[len(got.Config)-1] != '\n' {
		t.Fatal("DecodeGenesis aliases its input")
	}
	if empty, err := DecodeGenesis(AppendGenesis(nil, &Genesis{})); err != nil || len(empty.Config) != 0 {
		t.Fatalf("empty genesis: %+v, %v", empty, err)
	}

	c := engine.Command{Kind: engine.CmdDeposit, Account: 12, Asset: 1, Amount: 1e9}
	p = AppendCommand(nil, &c)
	var c2 engine.Command
	if typ, _ := TypeOf(p); typ != TypeCommand || DecodeCommand(p, &c2) != nil || c2 != c {
		t.Fatalf("command: %v %+v", typ, c2)
	}

	k := KeyBinding{Account: 77, PublicKey: [32]byte{1, 2, 3, 31: 9}}
	p = AppendKeyBinding(nil, &k)
	if typ, _ := TypeOf(p); typ != TypeKeyBinding {
		t.Fatalf("key binding type %v", typ)
	}
	if k2, err := DecodeKeyBinding(p); err != nil || k2 != k {
		t.Fatalf("key binding: %+v, %v", k2, err)
	}
}

func TestRefusals(t *testing.T) {
	gen := AppendGenesis(nil, &Genesis{Config: []byte("a: 1")})
	cmd := AppendCommand(nil, &engine.Command{Kind: engine.CmdCreateAccount})
	key := AppendKeyBinding(nil, &KeyBinding{Account: 1})
	for name, err := range map[string]error{
		"type of empty":          typeErr(nil),
		"type 0":                 typeErr([]byte{0}),
		"type 4":                 typeErr([]byte{4, 1}),
		"genesis short":          decodeGenesisErr(gen[:9]),
		"genesis version":        decodeGenesisErr(append([]byte{1, 2}, gen[2:]...)),
		"genesis as command":     decodeGenesisErr(cmd),
		"command empty":          decodeCommandErr(nil),
		"command as key binding": decodeCommandErr(key),
		"command trailing":       decodeCommandErr(append(bytes.Clone(cmd), 0)),
		"command bad kind":       decodeCommandErr([]byte{2, 1, 200, 0, 0, 0, 0}),
		"key short":              decodeKeyErr(key[:36]),
		"key long":               decodeKeyErr(append(bytes.Clone(key), 0)),
		"key as genesis":         decodeKeyErr(gen),
	} {
		if !errors.Is(err, ErrBadRecord) {
			t.Errorf("%s: err = %v, want ErrBadRecord", name, err)
		}
	}
}

func typeErr(p []byte) error {
	_, err := TypeOf(p)
	return err
}

func decodeGenesisErr(p []byte) error {
	_, err := DecodeGenesis(p)
	return err
}

func decodeCommandErr(p []byte) error {
	var c engine.Command
	return DecodeCommand(p, &c)
}

func decodeKeyErr(p []byte) error {
	_, err := DecodeKeyBinding(p)
	return err
}
