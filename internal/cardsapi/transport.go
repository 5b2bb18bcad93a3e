package cardsapi

import (
	"crypto/rand"
	"io"
	"math"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/arthawork/terraform-provider-cards/internal/signing"
)

// callState follows one call through retryablehttp's attempts. The call's transport, response
// handler, retry policy and backoff are all bound to it (Client.call), and retryablehttp runs
// them one after the other in the caller's goroutine.
type callState struct {
	op   operation
	body []byte // the exact bytes sent, and signed, on every attempt

	attempts  atomic.Int32
	connected atomic.Bool // the latest attempt got a connection, so it may have been sent

	lastSignature atomic.Value // string; redacted should the server echo it

	// Set by the transport and the response handler, which both run in the caller's
	// goroutine, one attempt after the other.
	lastFailure string // short class of the latest attempt's failure, for the retry log
	unprocessed bool   // see notProcessed; true until an attempt may have been sent
	heldBack    bool   // the rate limiter made the latest attempt wait
	// askedAt is when the only attempt that may have been processed was written (or began,
	// if it failed before its request was written): when the platform may have started a task.
	// Zero once askedAgain: a later attempt may have been processed too, so the task may have
	// started at either.
	askedAt    time.Time
	askedAgain bool
	atOnce     int // how many requests the latest attempt went at once with (slot.atOnce)
	respBody   []byte
	bodyRead   bool
}

// notProcessed reports whether the latest attempt provably was not processed: it never
// got a connection (so nothing was sent), or the server answered 429 or 503. Anything else
// (a timeout, reset or EOF after connecting, a body cut off, a 5xx) may have been processed.
func (s *callState) notProcessed() bool { return s.unprocessed }

// noteAsked sets askedAt to sent, when an attempt went out (sentAt), unless this one was
// provably not processed. After an earlier attempt set it, it clears it and sets askedAgain
// instead.
func (s *callState) noteAsked(sent time.Time) {
	switch {
	case s.unprocessed, s.askedAgain:
	case !s.askedAt.IsZero():
		s.askedAt, s.askedAgain = time.Time{}, true
	default:
		s.askedAt = sent
	}
}

// sentAt is when an attempt that began at began went out: when it was written (written; nil
// if it was not), else when it began.
func sentAt(began time.Time, written *time.Time) time.Time {
	if written != nil {
		return *written
	}
	return began
}

// readAnswer is the call's response handler: it reads the whole body, so that a connection
// lost mid-body fails the attempt.
func (s *callState) readAnswer(resp *http.Response) error {
	b, err := readBody(resp)
	s.respBody = b
	if err != nil {
		s.lastFailure = errorClass(&bodyReadError{err})
		return &bodyReadError{err}
	}
	s.bodyRead = true
	return nil
}

// signingTransport signs every attempt afresh (new nonce and timestamp, so a retry is never
// refused as a replay), records whether the attempt got a connection, and logs it.
type signingTransport struct {
	client *Client
	call   *callState
	base   http.RoundTripper
}

func (t *signingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	st, c := t.call, t.client
	attempt := st.attempts.Add(1)
	st.connected.Store(false)

	nonce := newNonce()
	timestamp := strconv.FormatInt(c.clock.Now().Unix(), 10)
	canonical, err := signing.CanonicalString(c.token, nonce, timestamp, st.body)
	if err != nil {
		return nil, &permanentError{err}
	}
	sig, err := signing.Sign(c.key, canonical)
	if err != nil {
		return nil, &permanentError{err}
	}
	st.lastSignature.Store(sig)

	var written atomic.Pointer[time.Time] // when this attempt's request was written (nil: not yet)
	trace := &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) { st.connected.Store(true) },
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if now := c.clock.Now(); info.Err == nil {
				written.Store(&now)
			}
		},
	}
	out := req.Clone(httptrace.WithClientTrace(req.Context(), trace))
	if out.Body == nil || out.Body == http.NoBody {
		// Go's transport silently resends a body-less GET when a reused keep-alive connection
		// fails, with the same nonce: a replay the server refuses (401). A non-nil body
		// without GetBody makes the request non-replayable, so every resend goes through the
		// retry policy and is signed afresh. The transport still sends no body.
		out.Body, out.GetBody, out.ContentLength = emptyBody{}, nil, 0
	}
	out.Header.Set("Content-Type", "application/json")
	out.Header.Set("Accept", "application/json")
	out.Header.Set("User-Agent", c.userAgent)
	// The signed headers go out spelled as API.md §2 spells them (not canonicalised); HTTP
	// header names are case-insensitive, so this only matters to strict or curious readers.
	out.Header[signing.HeaderTimestamp] = []string{timestamp}
	out.Header[signing.HeaderNonce] = []string{nonce}
	out.Header[signing.HeaderCustomerToken] = []string{c.token}
	out.Header[signing.HeaderSignature] = []string{sig}
	if c.bearer != "" {
		out.Header.Set("Authorization", "Bearer "+c.bearer)
	}

	began := c.clock.Now()
	c.rate.sending(began)
	start := time.Now()
	resp, err := t.base.RoundTrip(out)
	fields := map[string]any{
		"operation":   st.op.Name,
		"method":      st.op.Method,
		"path":        st.op.Path,
		"attempt":     int(attempt),
		"duration_ms": time.Since(start).Milliseconds(),
	}
	if err != nil {
		st.unprocessed = !st.connected.Load()
		st.noteAsked(sentAt(began, written.Load()))
		st.lastFailure = errorClass(err)
		fields["error"] = st.lastFailure
		c.log.Debug(req.Context(), "cards API request failed", fields)
		return nil, err
	}
	c.answered.Store(true)
	st.unprocessed = resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable
	sent := sentAt(began, written.Load())
	st.noteAsked(sent)
	if st.unprocessed {
		if cut, ok := c.rate.throttled(sent, c.clock.Now(), st.atOnce); ok {
			c.log.Info(req.Context(), "platform throttled: request rate cut", map[string]any{
				"http_status": resp.StatusCode, "from_per_second": math.Round(cut.From*10) / 10,
				"to_per_second": math.Round(cut.To*10) / 10, "answers_last_second": cut.Served,
				"guessed": cut.Guessed, "from_last_process": cut.Recalled,
				"measured_limit_per_second": math.Round(cut.Limit*10) / 10, "bucket": cut.Bucket,
				"burst_bound_per_second": math.Round(cut.Burst*10) / 10})
		}
	} else {
		if cut, ok := c.rate.answered(sent, c.clock.Now(), st.heldBack); ok {
			c.log.Debug(req.Context(), "request rate cut revised by the burst before its 429", map[string]any{
				"to_per_second": math.Round(cut.To*10) / 10, "burst_bound_per_second": math.Round(cut.Burst*10) / 10})
		}
	}
	st.lastFailure = ""
	fields["http_status"] = resp.StatusCode
	c.log.Debug(req.Context(), "cards API request", fields)
	return resp, nil
}

// permanentError is a failure that no retry can fix (a request that cannot be signed).
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

const nonceAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// newNonce returns 10 random alphanumeric characters from crypto/rand, without modulo bias.
func newNonce() string {
	const n = 10
	out := make([]byte, 0, n)
	var buf [16]byte
	for len(out) < n {
		rand.Read(buf[:]) // never fails (Go ≥ 1.24 crashes the program instead)
		for _, b := range buf {
			// 62*4 = 248: reject 248..255 so every character is equally likely.
			if b < 248 && len(out) < n {
				out = append(out, nonceAlphabet[b%62])
			}
		}
	}
	return string(out)
}

// emptyBody is an empty request body that net/http cannot rewind (see RoundTrip).
type emptyBody struct{}

func (emptyBody) Read([]byte) (int, error) { return 0, io.EOF }
func (emptyBody) Close() error             { return nil }
