package cardsapi

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// DefaultBaseURL is the Cards API test environment (API.md).
const DefaultBaseURL = "https://tstapi.artha.work/api/v1"

// CheckBaseURL requires an absolute https URL, or http on a loopback host (a local sandbox),
// without credentials, query or fragment (surrounding white space is ignored). Its errors show the URL only as RedactURL shows it:
// diagnostics end up in CI logs.
func CheckBaseURL(raw string) error {
	raw = strings.TrimSpace(raw) // as the client does
	shown := RedactURL(raw)
	u, err := url.Parse(raw)
	if err != nil {
		detail := ""
		var urlErr *url.Error
		if errors.As(err, &urlErr) && shown == raw { // the reason may quote the URL's text
			detail = ": " + urlErr.Err.Error()
		}
		if strings.Contains(shown, "***@") {
			detail += " (and base_url must not contain credentials, user:password@, anyway)"
		}
		return fmt.Errorf("%q is not a valid URL%s; expected an absolute https URL such as %s", shown, detail, DefaultBaseURL)
	}
	if !u.IsAbs() || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("%q is not an absolute http(s) URL such as %s", shown, DefaultBaseURL)
	}
	if u.User != nil {
		return fmt.Errorf("%q must not contain credentials (user:password@): the Cards API authenticates with "+
			"customer_token and the private key, so remove them from the URL", shown)
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(raw, "#") {
		return fmt.Errorf("%q must not have a query (?...) or fragment (#...); the base URL is the path the "+
			"operations are appended to, such as %s", shown, DefaultBaseURL)
	}
	if u.Scheme == "http" && !isLoopbackHost(u.Hostname()) {
		return fmt.Errorf("%q must use https: plain http is only allowed for loopback hosts (a local sandbox)", shown)
	}
	return nil
}

// RedactURL returns raw fit for a diagnostic or a log: credentials (user:password@, or a
// user name alone, which is often a token) become ***@, and a query or fragment, which can
// carry keys, becomes ?*** or #***. It works on text that does not parse as a URL, too, and
// errs on the side of hiding: everything up to the last @ counts as credentials.
func RedactURL(raw string) string {
	prefix, rest := "", raw
	if i := strings.Index(raw, "://"); i >= 0 {
		prefix, rest = raw[:i+3], raw[i+3:]
	}
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		prefix, rest = prefix+"***@", rest[at+1:]
	}
	if i := strings.IndexAny(rest, "?#"); i >= 0 {
		rest = rest[:i+1] + "***"
	}
	return prefix + rest
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
