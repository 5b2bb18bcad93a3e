package cardsapi

import (
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{"card 4111111111111111 declined", "card [REDACTED] declined"},
		{"pan 4111 1111 1111 1111 and 5500-0000-0000-0004", "pan [REDACTED] and [REDACTED]"},
		{"12 digits 123456789012, 19 digits 1234567890123456789", "12 digits [REDACTED], 19 digits [REDACTED]"},
		{"11 digits 12345678901 stay", "11 digits 12345678901 stay"},
		{"amount 100.00 on 2025-11-25 at 1764000000", "amount 100.00 on 2025-11-25 at 1764000000"},
		{`{"cardNumber":"4111-xx","cvv":"123","pin":"0042","expirationDate":"12/29"}`,
			`{"cardNumber":[REDACTED],"cvv":[REDACTED],"pin":[REDACTED],"expirationDate":"12/29"}`},
		{`{"CVV": 123, "Pin" : 42 }`, `{"CVV": [REDACTED], "Pin" : [REDACTED] }`},
		{`"{\"cvv\":\"123\",\"x\":1}"`, `"{\"cvv\":[REDACTED],\"x\":1}"`},
		{"cvv=123&pin=4321&cardId=c1", "cvv=[REDACTED]&pin=[REDACTED]&cardId=c1"},
		{"signature: abc+/== next", "signature: [REDACTED] next"},
		{`"signature":"abc+/=="`, `"signature":[REDACTED]`},
		{"customerToken=CUST-TOKEN-7f3a9c", "customerToken=[REDACTED]"},
		{"Authorization: Bearer abc.def-ghi", "Authorization: [REDACTED] [REDACTED]"},
		{"got bearer xyz123", "got Bearer [REDACTED]"},
		{"token CUST-TOKEN-7f3a9c leaked, BEARER-SECRET-91d2 too", "token [REDACTED] leaked, [REDACTED] too"},
		{"PinDetails spinner pinned", "PinDetails spinner pinned"},
		{"", ""},
	} {
		if got := redact(tc.in, testToken, testBearer, "", "ab"); got != tc.want {
			t.Errorf("redact(%q)\n got: %s\nwant: %s", tc.in, got, tc.want)
		}
	}
}

func TestExcerpt(t *testing.T) {
	body := []byte("  <html>\n\t<body> card " + testPAN + " " + strings.Repeat("word ", 100) + "</body></html>")
	got := excerpt(body, testToken)
	if strings.Contains(got, testPAN) || !strings.HasPrefix(got, "<html> <body> card [REDACTED] word") {
		t.Errorf("excerpt %q", got)
	}
	if n := len([]rune(got)); n != maxExcerpt || !strings.HasSuffix(got, "…") {
		t.Errorf("excerpt of %d runes: %q", n, got)
	}
	// A PAN straddling the cut is redacted before the cut, so no digits of it survive.
	body = []byte(strings.Repeat("a", maxExcerpt-8) + testPAN)
	if got := excerpt(body); strings.Contains(got, "4111") {
		t.Errorf("cut PAN leaks: %q", got)
	}
	if got := excerpt([]byte("\xff\xfe bad utf8")); got != "? bad utf8" {
		t.Errorf("invalid UTF-8: %q", got)
	}
	if got := excerpt([]byte(strings.Repeat("x", 10*redactWindow))); len([]rune(got)) != maxExcerpt {
		t.Errorf("long body excerpt %d runes", len([]rune(got)))
	}
}
