package config

import (
	"bytes"
	_ "embed" // for default.yaml
)

// defaultYAML is DESIGN.md §5's built-in configuration.
//
//go:embed default.yaml
var defaultYAML []byte

// Default returns the built-in configuration (default.yaml: DESIGN.md §5's
// table), loaded and validated like any file. Each call returns a new Config
// the caller may change. It panics only if default.yaml itself is broken,
// which the package's tests rule out.
func Default() *Config {
	c, err := Load(bytes.NewReader(defaultYAML))
	if err != nil {
		panic("config: built-in default.yaml: " + err.Error())
	}
	return c
}
