package backpack

import (
	"reflect"
	"strings"
	"testing"
)

// bodySeeds are bodies for the decoding tests: orders, batches, the JSON
// corner cases (escapes, invalid UTF-8, duplicate and case-folded keys,
// nulls, nested values, numbers) and malformed input.
var bodySeeds = []string{
	`{"symbol":"BTC_USDC_PERP","side":"Bid","orderType":"Limit","price":"99000","quantity":"0.01"}`,
	`{"symbol":"ETH_USDC_PERP","side":"Ask","orderType":"Market","quoteQuantity":100.5,"clientId":7,"postOnly":false,"reduceOnly":true}`,
	`[{"symbol":"A","price":"1"},{"symbol":"B","quantity":2e3},null]`,
	`[]`, `null`, ``, `  `, `{}`, `[null]`, `[{}]`, `[1]`, `[[]]`, `"x"`, `1`, `true`,
	`{"SYMBOL":"x","Symbol":"y","ſymbol":"z"}`, `{"symbol":"a","symbol":null}`, `{"price":"1","price":null}`,
	`{"clientId":"42"}`, `{"clientId":"-1"}`, `{"clientId":4294967296}`, `{"clientId":1.0}`, `{"clientId":true}`, `{"clientId":null}`,
	`{"price":true}`, `{"price":{}}`, `{"side":1}`, `{"postOnly":"true"}`, `{"postOnly":null}`, `{"colour":"red"}`,
	`{"symbol":{"a":[1,{"b":null}]},"symbol":"BTC"}`, `{"symbol":"a\u0062c\n\"\\\/"}`, "{\"symbol\":\"\xff\xfe\"}",
	"{\"symbol\":\"é\"}", `{"symbol":"\ud800"}`, `{"symbol":"a","side":"b"} {}`, `{"symbol":"a"}x`, "\v{}", "{}\u00a0",
	"\t{\"symbol\" : \"a\" ,\n\"side\":\"Bid\"}\r\n", `{"price":-0.5e-3}`, `{"price":01}`, `{"price":1.}`, `{"price":-}`,
	`{"price":.5}`, `{"price":1e}`, `{"a":tru}`, `{"a":nul}`, `{"a" "b"}`, `{"a":1,}`, `[{"a":1},]`, `{"a":"\x"}`,
	`{"a":"\u12g4"}`, "{\"a\":\"\x01\"}", `{"symbol":"a"`, `{`, `[`, `{"a":[1,2}`, `{"a":{"b" 1}}`, `{1:2}`,
}

// TestBodyOrderMatchesDecode checks Body.Order against Decode (the
// encoding/json path it replaces) on the seeds.
func TestBodyOrderMatchesDecode(t *testing.T) {
	for _, s := range bodySeeds {
		checkBodyOrder(t, []byte(s))
	}
}

// FuzzBodyOrder is TestBodyOrderMatchesDecode on arbitrary bodies.
func FuzzBodyOrder(f *testing.F) {
	for _, s := range bodySeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) { checkBodyOrder(t, body) })
}

// checkBodyOrder: a body Parse refuses, Decode refuses; otherwise each
// object decodes to what Decode gives, or both refuse it.
func checkBodyOrder(t *testing.T, body []byte) {
	t.Helper()
	var b Body
	perr := b.Parse(body)
	if b.Array || perr != nil && len(body) > 0 && strings.TrimSpace(string(body))[0] == '[' {
		var want []OrderRequest
		derr := Decode(body, &want)
		if perr != nil {
			if derr == nil {
				t.Fatalf("%q: Parse refused (%v), Decode accepted", body, perr)
			}
			return
		}
		got := make([]OrderRequest, b.Objects())
		var oerr *Error
		for i := range got {
			if oerr = b.Order(i, &got[i]); oerr != nil {
				break
			}
		}
		switch {
		case (oerr == nil) != (derr == nil):
			t.Fatalf("%q: Order error %v, Decode error %v", body, oerr, derr)
		case oerr == nil && !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0):
			t.Fatalf("%q: Order\n%+v\nDecode\n%+v", body, got, want)
		}
		return
	}
	var want OrderRequest
	derr := Decode(body, &want)
	if perr != nil {
		if derr == nil {
			t.Fatalf("%q: Parse refused (%v), Decode accepted", body, perr)
		}
		return
	}
	if b.Objects() != 1 {
		t.Fatalf("%q: %d objects", body, b.Objects())
	}
	var got OrderRequest
	oerr := b.Order(0, &got)
	switch {
	case (oerr == nil) != (derr == nil):
		t.Fatalf("%q: Order error %v, Decode error %v", body, oerr, derr)
	case oerr == nil && got != want:
		t.Fatalf("%q: Order\n%+v\nDecode\n%+v", body, got, want)
	}
}

// TestBodyParse checks the parsed shape: params in order as sent, kinds,
// values, and objects of a batch.
func TestBodyParse(t *testing.T) {
	var b Body
	if err := b.Parse([]byte(` [ {"b":"x\ty","a":-1.5e2,"c":true,"c":false,"d":null,"e":[1,{"f":2}]}, null, {} ] `)); err != nil {
		t.Fatal(err)
	}
	if !b.Array || b.Objects() != 3 || len(b.Object(1)) != 0 || len(b.Object(2)) != 0 {
		t.Fatalf("shape: array %v, %d objects", b.Array, b.Objects())
	}
	want := []Param{{"b", "x\ty", KindString}, {"a", "-1.5e2", KindNumber}, {"c", "true", KindTrue},
		{"c", "false", KindFalse}, {"d", "", KindNull}, {"e", `[1,{"f":2}]`, KindNested}}
	if !reflect.DeepEqual(b.Object(0), want) {
		t.Fatalf("params %+v", b.Object(0))
	}
	for _, s := range []string{``, `null`, ` {} `} {
		if err := b.Parse([]byte(s)); err != nil || b.Array || b.Objects() != 1 || len(b.Object(0)) != 0 {
			t.Fatalf("%q: %v, %d objects", s, err, b.Objects())
		}
	}
	deep := strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1)
	if err := b.Parse([]byte(`{"a":` + deep + `}`)); err == nil || err.Status != 400 {
		t.Fatalf("too deep: %v", err)
	}
}

// TestOrderFieldsMatchTags: Order knows exactly OrderRequest's JSON names,
// each pointing at its own field.
func TestOrderFieldsMatchTags(t *testing.T) {
	var r OrderRequest
	rt := reflect.TypeOf(r)
	if rt.NumField() != len(orderFields) {
		t.Fatalf("%d fields, %d names", rt.NumField(), len(orderFields))
	}
	for i := range rt.NumField() {
		name := rt.Field(i).Tag.Get("json")
		f := r.field(name)
		if f == nil || orderFields[i] != name {
			t.Fatalf("field %s: %v (names[%d] %s)", name, f, i, orderFields[i])
		}
		if reflect.ValueOf(f).Pointer() != reflect.ValueOf(&r).Elem().Field(i).Addr().Pointer() {
			t.Fatalf("field %s points elsewhere", name)
		}
	}
}

// BenchmarkBodyOrders: parsing a batch of 20 orders and decoding each.
func BenchmarkBodyOrders(b *testing.B) {
	body := []byte("[" + strings.TrimSuffix(strings.Repeat(`{"clientId":17,"orderType":"Limit","price":"100000.5","quantity":"0.0003","selfTradePrevention":"RejectMaker","side":"Bid","symbol":"BTC_USDC_PERP"},`, 20), ",") + "]")
	var body1 Body
	var r OrderRequest
	b.ReportAllocs()
	for b.Loop() {
		if err := body1.Parse(body); err != nil {
			b.Fatal(err)
		}
		for i := range body1.Objects() {
			if err := body1.Order(i, &r); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkDecodeOrders: the same batch through Decode (encoding/json), for
// comparison.
func BenchmarkDecodeOrders(b *testing.B) {
	body := []byte("[" + strings.TrimSuffix(strings.Repeat(`{"clientId":17,"orderType":"Limit","price":"100000.5","quantity":"0.0003","selfTradePrevention":"RejectMaker","side":"Bid","symbol":"BTC_USDC_PERP"},`, 20), ",") + "]")
	b.ReportAllocs()
	for b.Loop() {
		var reqs []OrderRequest
		if err := Decode(body, &reqs); err != nil {
			b.Fatal(err)
		}
	}
}
