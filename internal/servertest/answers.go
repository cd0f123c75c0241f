package servertest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// Object decodes a 200 answer that is a JSON object. A 200 with a code
// field fails too: ccxt would raise it as an error.
func Object(t testing.TB, w *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	var m map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
		t.Fatalf("not a JSON object: %v: %s", err, w.Body)
	}
	if _, has := m["code"]; has {
		t.Fatalf("a 200 with a code field (ccxt would raise): %s", w.Body)
	}
	return m
}

// List decodes a 200 answer that is a JSON array of objects.
func List(t testing.TB, w *httptest.ResponseRecorder) []map[string]any {
	t.Helper()
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	var l []map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &l); err != nil {
		t.Fatalf("not a JSON array of objects: %v: %s", err, w.Body)
	}
	return l
}

// APIError checks a Backpack error answer: the status, and a body of
// exactly {"code","message"} with a message and, unless code is "", that
// code.
func APIError(t testing.TB, w *httptest.ResponseRecorder, status int, code string) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d: %s", w.Code, status, w.Body)
	}
	var m map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
		t.Fatalf("error body is not JSON: %s", w.Body)
	}
	c, ok1 := m["code"].(string)
	msg, ok2 := m["message"].(string)
	if !ok1 || !ok2 || len(m) != 2 || msg == "" {
		t.Fatalf("error body is not {code, message}: %s", w.Body)
	}
	if code != "" && c != code {
		t.Fatalf("code %s, want %s: %s", c, code, w.Body)
	}
}

// Shape checks the JSON types of an object's fields: s strings, n
// numbers, b booleans, z null. Each field must be present.
func Shape(t testing.TB, m map[string]any, s, n, b, z []string) {
	t.Helper()
	check := func(keys []string, want string, ok func(any) bool) {
		for _, k := range keys {
			v, has := m[k]
			if !has || !ok(v) {
				t.Errorf("field %s = %#v, want %s (in %v)", k, v, want, m)
			}
		}
	}
	check(s, "a string", func(v any) bool { _, ok := v.(string); return ok })
	check(n, "a number", func(v any) bool { _, ok := v.(float64); return ok })
	check(b, "a boolean", func(v any) bool { _, ok := v.(bool); return ok })
	check(z, "null", func(v any) bool { return v == nil })
}
