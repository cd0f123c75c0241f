package engine

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// corePackages are the directories whose code decides state: they must stay
// pure and deterministic (DESIGN.md §1). config is an edge (it parses YAML)
// and has its own float check.
var corePackages = []string{".", "book", "fixed", "lending", "ledger", "liquidation", "risk"}

// forbiddenImports would bring a clock, I/O, concurrency or global randomness
// into the core. math/rand/v2 is allowed: the engine uses its PCG as a seeded
// generator that lives in its state, never the package-level functions
// (checked below).
var forbiddenImports = map[string]string{
	"time":      "the engine reads no clock: time arrives by CmdAdvanceTime",
	"math/rand": "randomness comes only from the seeded generator in the state",
	"os":        "the engine does no I/O",
	"io":        "the engine does no I/O",
	"net":       "the engine does no I/O",
	"sync":      "one goroutine owns the engine",
	"unsafe":    "no unchecked memory tricks in the core",
	"reflect":   "no reflection in the core",
}

// TestCoreIsPureAndDeterministic enforces DESIGN.md §1 on the source: no
// float types, no goroutines or select, no map types (so map iteration order
// cannot reach an output), no forbidden imports, and no package-level
// math/rand/v2 functions.
func TestCoreIsPureAndDeterministic(t *testing.T) {
	fset := token.NewFileSet()
	for _, dir := range corePackages {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range files {
			if strings.HasSuffix(path, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, problem := range lintFile(f) {
				t.Errorf("%s: %s", fset.Position(problem.pos), problem.msg)
			}
		}
	}
}

type lintProblem struct {
	pos token.Pos
	msg string
}

func lintFile(f *ast.File) []lintProblem {
	var out []lintProblem
	randName := ""
	for _, imp := range f.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		if why, bad := forbiddenImports[p]; bad {
			out = append(out, lintProblem{imp.Pos(), "imports " + p + ": " + why})
		}
		if p == "math/rand/v2" {
			randName = "rand"
			if imp.Name != nil {
				randName = imp.Name.Name
			}
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Ident:
			if n.Name == "float32" || n.Name == "float64" {
				out = append(out, lintProblem{n.Pos(), "float type: money and decisions are fixed point"})
			}
		case *ast.GoStmt:
			out = append(out, lintProblem{n.Pos(), "go statement: the engine starts no goroutines"})
		case *ast.SelectStmt:
			out = append(out, lintProblem{n.Pos(), "select: the engine does no concurrency"})
		case *ast.MapType:
			out = append(out, lintProblem{n.Pos(), "map type: map iteration order must never reach an output"})
		case *ast.SelectorExpr:
			if x, ok := n.X.(*ast.Ident); ok && randName != "" && x.Name == randName && !seededRand[n.Sel.Name] {
				out = append(out, lintProblem{n.Pos(), "math/rand/v2." + n.Sel.Name + ": only seeded generators"})
			}
		}
		return true
	})
	return out
}

// seededRand are the math/rand/v2 names that make or type a seeded generator.
var seededRand = map[string]bool{"NewPCG": true, "PCG": true, "New": true, "Rand": true}

// TestLintCatchesViolations proves the lint can fail.
func TestLintCatchesViolations(t *testing.T) {
	src := `package x
import ("time"; "math/rand/v2")
var f float64
var m map[string]int
func g() { go g(); _ = rand.IntN(3); _ = time.Now() }`
	f, err := parser.ParseFile(token.NewFileSet(), "x.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(lintFile(f)); got != 5 {
		t.Fatalf("lint found %d problems in a file with 5 (time import, float64, map, go, rand.IntN)", got)
	}
}
