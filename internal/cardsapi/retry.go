package cardsapi

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// checkRetry is the call's retryablehttp policy, by the operation's retry class:
//
//   - retryIdempotent: network errors, 429, 500, 502, 503, 504.
//   - retryOnlyIfUnprocessed (ApplyCard, Binding, CardTopUp): only answers that prove the
//     request was not processed — a dial error (nothing was sent), 429 or 503. Never after a
//     timeout, reset, EOF or 500/502/504: the card or top-up may exist, and a second request
//     would make a second one.
func (st *callState) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return false, ctxErr
	}
	class := st.op.Retry
	if err != nil {
		var perm *permanentError
		if errors.As(err, &perm) || isCertificateError(err) {
			return false, nil
		}
		if class == retryIdempotent {
			return true, nil
		}
		return st.notProcessed() && isDialError(err), nil
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		return true, nil
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusGatewayTimeout:
		return class == retryIdempotent, nil
	}
	return false, nil
}

// isDialError reports whether err happened while connecting, before any byte was sent.
func isDialError(err error) bool {
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return true
	}
	var dnsErr *net.DNSError
	return errors.As(err, &dnsErr) || errors.Is(err, syscall.ECONNREFUSED)
}

// connectionFailed reports whether err says no connection to the platform could be made:
// the host is unknown, nothing listens on the port, or what answers there speaks no TLS (an
// https base URL on a plain-HTTP server).
func connectionFailed(err error) bool {
	var notTLS tls.RecordHeaderError
	return isDialError(err) || errors.As(err, &notTLS) ||
		// net/http replaces the RecordHeaderError of a server that answered in HTTP by this text alone.
		strings.Contains(err.Error(), "server gave HTTP response to HTTPS client")
}

func isCertificateError(err error) bool {
	var unknownAuthority x509.UnknownAuthorityError
	var invalid x509.CertificateInvalidError
	var hostname x509.HostnameError
	var verification *tls.CertificateVerificationError
	return errors.As(err, &unknownAuthority) || errors.As(err, &invalid) ||
		errors.As(err, &hostname) || errors.As(err, &verification)
}

// errorClass names a network failure briefly for logs, without addresses or payloads.
func errorClass(err error) string {
	var bodyErr *bodyReadError
	switch {
	case errors.As(err, &bodyErr):
		return "connection lost while reading the answer"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded), isTimeout(err):
		return "timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case isDialError(err):
		return "could not connect"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed without an answer"
	case isCertificateError(err):
		return "TLS certificate rejected"
	}
	return "network error"
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// backoffFor returns the retryablehttp backoff for one call: it computes the wait and logs
// the retry (retryablehttp calls it only when it is about to retry).
func (c *Client) backoffFor(ctx context.Context, st *callState) retryablehttp.Backoff {
	return func(_, _ time.Duration, attemptNum int, resp *http.Response) time.Duration {
		wait, retryAfter := c.backoff(attemptNum, resp)
		fields := map[string]any{
			"operation": st.op.Name,
			"attempt":   int(st.attempts.Load()),
			"wait_ms":   wait.Milliseconds(),
		}
		if resp != nil && st.lastFailure == "" {
			fields["reason"] = fmt.Sprintf("HTTP %d", resp.StatusCode)
		} else {
			fields["reason"] = st.lastFailure
		}
		if retryAfter > 0 {
			fields["retry_after_ms"] = retryAfter.Milliseconds()
		}
		c.log.Warn(ctx, "retrying cards API request", fields)
		return wait
	}
}

// backoff returns how long to wait before retry number attemptNum+1 and, when the server
// sent one, its Retry-After. Exponential from retryWaitMin, capped at retryWaitMax, with
// equal jitter so that parallel callers spread out. Retry-After (429, 503) is honoured but
// capped at retryAfterMax so one answer cannot stall a run for long.
func (c *Client) backoff(attemptNum int, resp *http.Response) (wait, retryAfter time.Duration) {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), c.clock.Now()); ok {
			return min(d, c.retryAfterMax), d
		}
	}
	d := c.retryWaitMax
	if attemptNum < 30 {
		if exp := c.retryWaitMin << attemptNum; exp > 0 && exp < d {
			d = exp
		}
	}
	half := d / 2
	return half + rand.N(d-half+1), 0 //nolint:gosec // jitter needs no cryptographic randomness
}

// parseRetryAfter reads Retry-After as seconds or as an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(24*time.Hour/time.Second) {
			secs = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}
