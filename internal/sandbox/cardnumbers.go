package sandbox

import (
	"crypto/rand"
	"fmt"
	"strconv"
	"strings"
)

// newPAN returns a Luhn-valid 16-digit card number starting with the BIN.
func newPAN(bin int) string {
	prefix := strconv.Itoa(bin)
	var b strings.Builder
	b.WriteString(prefix)
	for b.Len() < 15 {
		b.WriteByte(randomDigit())
	}
	body := b.String()
	return body + string(rune('0'+luhnCheckDigit(body)))
}

// NewCardNumber returns a fresh Luhn-valid 16-digit number on the program's BIN, as printed
// on a physical card: tests and demos pass it to Binding. It returns "" for an unknown program.
func NewCardNumber(programID string) string {
	p := findProgram(programID)
	if p == nil {
		return ""
	}
	return newPAN(p.wire.BIN)
}

// luhnCheckDigit is the digit that makes body+digit pass the Luhn check.
func luhnCheckDigit(body string) int {
	sum := 0
	double := true // the check digit will be at position 0 from the right
	for i := len(body) - 1; i >= 0; i-- {
		d := int(body[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return (10 - sum%10) % 10
}

func luhnValid(number string) bool {
	if len(number) < 2 || !allDigits(number) {
		return false
	}
	return luhnCheckDigit(number[:len(number)-1]) == int(number[len(number)-1]-'0')
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// maskPAN keeps the BIN and the last four digits: what balance and binding answers show.
func maskPAN(pan string) string {
	if len(pan) < 10 {
		return pan
	}
	return pan[:6] + strings.Repeat("*", len(pan)-10) + pan[len(pan)-4:]
}

func last4(pan string) string {
	if len(pan) < 4 {
		return ""
	}
	return pan[len(pan)-4:]
}

func randomDigits(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = randomDigit()
	}
	return string(b)
}

// randomDigit draws a uniform digit from crypto/rand: card numbers, CVVs and PINs should
// not be predictable, even in a sandbox.
func randomDigit() byte {
	var b [1]byte
	for {
		if _, err := rand.Read(b[:]); err != nil {
			panic(err) // crypto/rand does not fail on supported platforms
		}
		if b[0] < 250 { // 250 = 25 × 10: no modulo bias
			return '0' + b[0]%10
		}
	}
}

// newPIN returns a 4-digit PIN different from old, so a PIN change is always visible.
func newPIN(old string) string {
	for {
		if pin := randomDigits(4); pin != old {
			return pin
		}
	}
}

// newID returns a random (version 4) UUID, the form of the platform's identifiers.
func newID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// normID makes identifier lookups case-insensitive: UUIDs are stored lower-case.
func normID(id string) string { return strings.ToLower(strings.TrimSpace(id)) }
