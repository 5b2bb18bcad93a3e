package cardsapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"regexp"
	"testing"

	"github.com/shopspring/decimal"
)

// responseTargets returns a constructor for every type the client decodes answers into.
func responseTargets() []func() any {
	return []func() any{
		func() any { return new(Task) },
		func() any { return new(Merchant) },
		func() any { return new(Program) },
		func() any { return new(ApplyCardResponse) },
		func() any { return new(BindCardResponse) },
		func() any { return new(CardDetails) },
		func() any { return new(PinDetails) },
		func() any { return new(CardBalance) },
		func() any { return new(TransactionPage) },
		func() any { return new(OneOrMany[Country]) },
		func() any { return new(OneOrMany[Town]) },
		func() any { return new(TopUpFeeEstimate) },
		func() any { return new(TopUpStatus) },
	}
}

var decimalType = reflect.TypeFor[decimal.Decimal]()

// eachDecimal calls fn for every decimal.Decimal reachable in v (structs, slices, pointers).
func eachDecimal(v reflect.Value, fn func(decimal.Decimal)) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			eachDecimal(v.Elem(), fn)
		}
	case reflect.Struct:
		if v.Type() == decimalType {
			if d, ok := v.Interface().(decimal.Decimal); ok {
				fn(d)
			}
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				eachDecimal(v.Field(i), fn)
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			eachDecimal(v.Index(i), fn)
		}
	}
}

var longDigits = regexp.MustCompile(`\d{12,}`)

// FuzzDecodeResponses feeds arbitrary bytes to every response type and to the error path.
// Nothing may panic; every money value that decodes must round-trip exactly through its text
// and JSON forms; and no error text may carry a card-number-like run of digits.
func FuzzDecodeResponses(f *testing.F) {
	for _, body := range specBodies {
		f.Add([]byte(body), uint16(200))
	}
	f.Add([]byte(`{"amount":"1e-7"}`), uint16(200))
	f.Add([]byte(`{"amount":123456789012345678901234567890.123456789}`), uint16(200))
	f.Add([]byte(`{"status":"Failed","remarks":"card 4111111111111111"}`), uint16(400))
	f.Add([]byte(`plain text 5500000000000004`), uint16(502))

	c, err := New(Config{BaseURL: "https://example.test", CustomerToken: testToken, PrivateKey: testKey(f)})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte, status uint16) {
		for _, target := range responseTargets() {
			v := target()
			if json.Unmarshal(body, v) != nil {
				continue
			}
			eachDecimal(reflect.ValueOf(v), func(d decimal.Decimal) {
				if e := d.Exponent(); e > 1000 || e < -1000 {
					return // printing would allocate a huge string; not money
				}
				text := d.String()
				back, err := decimal.NewFromString(text)
				if err != nil || !back.Equal(d) {
					t.Fatalf("%T: money %s does not round-trip through text: %v %v", v, text, back, err)
				}
				raw, err := json.Marshal(d)
				if err != nil {
					t.Fatal(err)
				}
				var again decimal.Decimal
				if err := json.Unmarshal(raw, &again); err != nil || !again.Equal(d) {
					t.Fatalf("%T: money %s does not round-trip through JSON %s: %v", v, text, raw, err)
				}
			})
		}

		// The error path: any status and body give a value or an *Error, and the message
		// carries no card number.
		code := 100 + int(status)%500
		st := &callState{op: opCardDetails}
		resp := &http.Response{StatusCode: code, Header: http.Header{"Location": {string(body)}}}
		var out CardDetails
		if err := c.decodeResponse(st, resp, body, &out); err != nil {
			var apiErr *Error
			if !errors.As(err, &apiErr) {
				t.Fatalf("error %T is not *Error", err)
			}
			if m := longDigits.FindString(err.Error()); m != "" {
				t.Fatalf("error leaks digits %q: %v", m, err)
			}
		}
	})
}

// FuzzLooseTypes feeds arbitrary JSON to each Loose type. Nothing may panic; every value that
// decodes must decode again to itself from its own JSON encoding; the stricter types accept
// only what LooseString accepts; and an integer is the same Unix time.
func FuzzLooseTypes(f *testing.F) {
	for _, seed := range []string{
		`"abc"`, `12345`, `4111111111111111`, `-1.50`, `1e3`, `true`, `false`, `null`, `""`, `{"a":1}`, `[1]`,
		`"411111"`, `" 42 "`, `5.0`, `1e300`, `"41x"`, `"yes"`, `"No"`, `"0"`, `"maybe"`,
		`"2025-11-24T16:00:00Z"`, `"2025-11-24T16:00:00.1234567"`, `"2025-11-24 17:00:00+01:00"`, `"2025-11-24"`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var s LooseString
		sErr := json.Unmarshal(data, &s)
		var i LooseInt
		iErr := json.Unmarshal(data, &i)
		var b LooseBool
		bErr := json.Unmarshal(data, &b)
		var u LooseUnixTime
		uErr := json.Unmarshal(data, &u)

		if sErr != nil && (iErr == nil || bErr == nil || uErr == nil) {
			t.Fatalf("%q: LooseString refuses (%v) what a stricter type accepts (%v %v %v)", data, sErr, iErr, bErr, uErr)
		}
		if iErr == nil && (uErr != nil || int64(u) != int64(i)) {
			t.Fatalf("%q: integer %d but Unix time %d, %v", data, i, u, uErr)
		}
		roundTrip(t, data, sErr, s)
		roundTrip(t, data, iErr, i)
		roundTrip(t, data, bErr, b)
		roundTrip(t, data, uErr, u)
	})
}

// roundTrip checks that a decoded value v (when err is nil) decodes again to itself from its
// JSON encoding.
func roundTrip[T comparable](t *testing.T, data []byte, err error, v T) {
	t.Helper()
	if err != nil {
		return
	}
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("%q: %T %v does not encode: %v", data, v, v, err)
	}
	var again T
	if err := json.Unmarshal(raw, &again); err != nil || again != v {
		t.Fatalf("%q: %T %v encodes as %s, which decodes to %v, %v", data, v, v, raw, again, err)
	}
}
