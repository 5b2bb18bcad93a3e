package cardsapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// statusIsPayload lists operations whose top-level "status" describes the object asked for,
// not the call: TopUpStatus answers status "Failed" for a failed top-up, which is data.
var statusIsPayload = map[string]bool{opTopUpStatus.Name: true}

// envelope is the part of every answer that says whether the call was refused.
type envelope struct {
	Status  LooseString `json:"status"`
	Remarks LooseString `json:"remarks"`
	TaskID  LooseString `json:"taskId"`
	CardID  LooseString `json:"cardId"`
}

func parseEnvelope(body []byte) envelope {
	var env envelope
	if trimmed := bytes.TrimSpace(body); len(trimmed) > 0 && trimmed[0] == '{' {
		_ = json.Unmarshal(trimmed, &env) // anything else is the decoder's to judge
	}
	return env
}

// decodeResponse turns an HTTP answer into out or into an *Error.
func (c *Client) decodeResponse(st *callState, resp *http.Response, body []byte, out any) error {
	op := st.op
	secrets := c.secrets(st)
	e := &Error{Operation: op.Name, HTTPStatus: resp.StatusCode}
	code := resp.StatusCode

	if code >= 200 && code < 300 {
		env := parseEnvelope(body)
		isData := statusIsPayload[op.Name] && (env.TaskID != "" || env.CardID != "")
		if strings.EqualFold(string(env.Status), StatusFailed) && !isData {
			e.Kind = KindRefused
			e.Remarks = truncate(redact(strings.TrimSpace(string(env.Remarks)), secrets...), maxExcerpt)
			if e.Remarks == "" {
				e.Excerpt = "status Failed without remarks"
			}
			if isNotFoundRemarks(e.Remarks) {
				e.Kind = KindNotFound
			}
			return e
		}
		if out == nil {
			return nil
		}
		if err := json.Unmarshal(body, out); err != nil {
			e.Kind = KindDecode
			e.Excerpt = excerpt(body, secrets...)
			if len(bytes.TrimSpace(body)) == 0 {
				e.Excerpt = "empty response body"
			}
			e.Err = c.redactedErr(err, st)
			return e
		}
		return nil
	}

	e.Remarks = truncate(redact(remarksFrom(body), secrets...), maxExcerpt)
	if e.Remarks == "" {
		e.Excerpt = excerpt(body, secrets...)
	}
	switch {
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		e.Kind = KindUnauthorized
	case code == http.StatusNotFound || isNotFoundRemarks(e.Remarks):
		e.Kind = KindNotFound
	case code == http.StatusTooManyRequests:
		e.Kind = KindThrottled
	case code >= 500:
		e.Kind = KindServer
		if op.Retry == retryOnlyIfUnprocessed && code != http.StatusServiceUnavailable && code != http.StatusNotImplemented {
			// A 500/502/504 may come after the work was done (or from a gateway that lost
			// the answer): the card or top-up may exist.
			e.Kind = KindOutcomeUnknown
		}
	case code >= 400:
		e.Kind = KindRefused
	case code >= 300 && code < 400:
		e.Kind = KindDecode
		// Redact again after quoting: %q's escapes could join digits into a new long run.
		location := truncate(redact(strings.ToValidUTF8(resp.Header.Get("Location"), "?"), secrets...), maxExcerpt)
		e.Excerpt = redact(fmt.Sprintf("redirected to %q: set the base URL to the final address", location), secrets...)
	default:
		e.Kind = KindDecode
	}
	return e
}

func isNotFoundRemarks(remarks string) bool {
	return strings.Contains(strings.ToLower(remarks), "record not found")
}

// remarksFrom extracts the reason from an error body: the platform's
// {"status":"Failed","remarks":...}, an ASP.NET problem-details object (title, detail,
// errors) or a {"message"|"error": ...} object. Plain text or anything else gives "".
func remarksFrom(body []byte) string {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return ""
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(trimmed, &fields) != nil {
		return ""
	}
	get := func(name string) json.RawMessage {
		for k, v := range fields {
			if strings.EqualFold(k, name) {
				return v
			}
		}
		return nil
	}
	text := func(name string) string {
		var s LooseString
		if raw := get(name); raw != nil && json.Unmarshal(raw, &s) == nil {
			return strings.TrimSpace(string(s))
		}
		return ""
	}
	for _, name := range []string{"remarks", "message", "error"} {
		if s := text(name); s != "" {
			return s
		}
	}

	// Problem details (RFC 7807 as ASP.NET writes it).
	var parts []string
	if s := text("title"); s != "" {
		parts = append(parts, s)
	}
	if s := text("detail"); s != "" && (len(parts) == 0 || s != parts[0]) {
		parts = append(parts, s)
	}
	if raw := get("errors"); raw != nil {
		var byField map[string]OneOrMany[string]
		if json.Unmarshal(raw, &byField) == nil {
			names := make([]string, 0, len(byField))
			for name := range byField {
				names = append(names, name)
			}
			sort.Strings(names)
			for _, name := range names {
				parts = append(parts, fmt.Sprintf("%s: %s", name, strings.Join(byField[name], ", ")))
			}
		}
	}
	return strings.Join(parts, "; ")
}
