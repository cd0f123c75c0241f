package config

import "fmt"

// FieldError is a refused configuration value. Every error Load and Validate
// return for a bad value is a *FieldError (use errors.As), so a caller can
// point at the offending field.
type FieldError struct {
	// Path names the field as the YAML file spells it: "markets[1].tickSize",
	// "assets[0].haircutFunction.kind.base". It is "" for the document itself.
	Path string
	// Line is the field's 1-based line in the YAML file, or 0 when unknown
	// (a Config built in code, or a field the file left out).
	Line int
	// Err says what is wrong with the value.
	Err error
}

// Error renders "path: reason (line N)".
func (e *FieldError) Error() string {
	s := e.Err.Error()
	if e.Path != "" {
		s = e.Path + ": " + s
	}
	if e.Line > 0 {
		s = fmt.Sprintf("%s (line %d)", s, e.Line)
	}
	return "config: " + s
}

// Unwrap returns the reason.
func (e *FieldError) Unwrap() error { return e.Err }

// fieldErr builds a *FieldError with a formatted reason and no line.
func fieldErr(path, format string, args ...any) *FieldError {
	return &FieldError{Path: path, Err: fmt.Errorf(format, args...)}
}
