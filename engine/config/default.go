package config

import (
	"bytes"
	_ "embed" // for default.yaml
	"slices"
	"sync"
)

// defaultYAML is DESIGN.md §5's built-in configuration.
//
//go:embed default.yaml
var defaultYAML []byte

// loadDefault loads defaultYAML once; Default hands out copies.
var loadDefault = sync.OnceValue(func() *Config {
	c, err := Load(bytes.NewReader(defaultYAML))
	if err != nil {
		panic("config: built-in default.yaml: " + err.Error())
	}
	return c
})

// Default returns the built-in configuration (default.yaml: DESIGN.md §5's
// table), loaded and validated like any file. Each call returns a new Config
// the caller may change. It panics only if default.yaml itself is broken,
// which the package's tests rule out.
func Default() *Config {
	// Asset, Market and LendingPool hold no references (TestDefaultIsFresh
	// checks), so cloning the three slices copies everything.
	c := *loadDefault()
	c.Assets = slices.Clone(c.Assets)
	c.Markets = slices.Clone(c.Markets)
	c.Lending = slices.Clone(c.Lending)
	return &c
}
