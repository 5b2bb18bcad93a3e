package cardsapi

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

const (
	redacted = "[REDACTED]"

	// maxExcerpt is the longest body excerpt an error carries.
	maxExcerpt = 200
	// redactWindow bounds how much of a body is scanned for an excerpt; only its start is shown.
	redactWindow = 4096
)

var (
	// A card number: 12 or more digits, possibly grouped by single spaces or dashes.
	panPattern = regexp.MustCompile(`\d(?:[ -]?\d){11,}`)

	// The value of a secret-bearing key, in JSON (also escaped inside a JSON string), form or
	// "key: value" text.
	secretValuePattern = regexp.MustCompile(`(?i)(\\?"?\b(?:cvv2?|cvc|pin|card_?number|cardno|pan|signature|customer_?token|bearer_?token|private_?key|password|secret|authorization)\b\\?"?\s*[:=]\s*)(\[REDACTED\]|\\?"(?:[^"\\]|\\[^"])*\\?"|[^\s,;&}\]"\\]+)`)

	bearerPattern = regexp.MustCompile(`(?i)\bbearer\s+[A-Za-z0-9\-._~+/]+=*`)
)

// redact removes secrets from text bound for an error or a log: every given secret (tokens,
// signatures; those shorter than 4 characters are ignored as they would mangle the text),
// bearer credentials, values of keys such as cvv, pin, cardNumber or signature, and any
// card-number-like run of 12 or more digits.
func redact(s string, secrets ...string) string {
	for _, secret := range secrets {
		if len(secret) >= 4 {
			s = strings.ReplaceAll(s, secret, redacted)
		}
	}
	s = bearerPattern.ReplaceAllString(s, "Bearer "+redacted)
	s = secretValuePattern.ReplaceAllString(s, "${1}"+redacted)
	return panPattern.ReplaceAllString(s, redacted)
}

// excerpt returns a short, single-line, redacted piece of a response body.
func excerpt(body []byte, secrets ...string) string {
	if len(body) > redactWindow {
		body = body[:redactWindow]
	}
	s := strings.ToValidUTF8(string(body), "?")
	s = redact(s, secrets...) // before truncating, so no partial secret survives the cut
	s = strings.Join(strings.Fields(s), " ")
	return truncate(s, maxExcerpt)
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// secrets the client knows and must never show.
func (c *Client) secrets(st *callState) []string {
	out := []string{c.token, c.bearer}
	if st != nil {
		if sig, ok := st.lastSignature.Load().(string); ok {
			out = append(out, sig)
		}
	}
	return out
}

// redactedError keeps an error's chain (errors.Is/As still work) but shows redacted text.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

func (c *Client) redactedErr(err error, st *callState) error {
	if err == nil {
		return nil
	}
	return &redactedError{msg: redact(err.Error(), c.secrets(st)...), err: err}
}
