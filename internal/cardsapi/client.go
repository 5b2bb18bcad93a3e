// Package cardsapi is the client of the Cards API (the contract as implemented: API.md in this package): signed
// requests, a retry policy that never repeats a card-creating or money-moving call whose
// answer was lost, tolerant decoding, typed errors and pollers for asynchronous work.
// It holds no Terraform types.
package cardsapi

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/hashicorp/go-cleanhttp"
	"github.com/hashicorp/go-retryablehttp"

	"github.com/arthawork/terraform-provider-cards/internal/signing"
)

// Config configures a Client. Zero values take the documented defaults.
type Config struct {
	BaseURL           string          // e.g. https://tstapi.artha.work/api/v1 (no trailing slash needed)
	CustomerToken     string          // secret
	PrivateKey        *rsa.PrivateKey // signs every request
	BearerToken       string          // optional: sends Authorization: Bearer only when set
	MaxRetries        *int            // retries of requests safe to repeat; nil = DefaultMaxRetries (Retries builds one)
	RequestsPerSecond float64         // a hard cap of the shared, adaptive rate; 0 = no cap (adaptive_rate.go)
	PaceMemoryDir     string          // where what was learnt of the platform's pace is kept for the next process; "" = nowhere (memory_file.go)
	RequestTimeout    time.Duration   // per attempt, default 30s
	// IssuingRequestTimeout is the per-attempt timeout of ApplyCard, Binding and CardTopUp;
	// default max(RequestTimeout, MinIssuingRequestTimeout).
	IssuingRequestTimeout time.Duration
	UserAgent             string
	Logger                Logger        // optional; nil = silent
	Clock                 Clock         // optional; nil = real time
	PollInitial           time.Duration // first wait interval, default 500ms
	PollMax               time.Duration // cap of backed-off interval, default 10s
	HTTPClient            *http.Client  // optional base client (tests); retryablehttp wraps it
	// BaseURLOrigin says where BaseURL came from ("the default", an attribute, an environment
	// variable): an error that no connection could be made names it, since a wrong or
	// forgotten base URL is the usual cause.
	BaseURLOrigin string

	// CardStatusMap and TopUpStatusMap translate the platform's status names into this
	// client's (platform name -> one of CardStatuses / TopUpStatuses, without case).
	CardStatusMap, TopUpStatusMap map[string]string
	// UnknownStatusGrace is how long a wait tolerates an unknown status; default
	// DefaultUnknownStatusGrace.
	UnknownStatusGrace time.Duration
}

// Retries is a Config.MaxRetries of n (0: never retry).
func Retries(n int) *int { return &n }

// Logger receives the client's log lines. Fields never hold bodies, headers, tokens or card
// numbers.
type Logger interface {
	Debug(ctx context.Context, msg string, fields map[string]any)
	Info(ctx context.Context, msg string, fields map[string]any)
	Warn(ctx context.Context, msg string, fields map[string]any)
}

// Clock is the time source of signing timestamps, the rate limiter and the waiters; tests
// replace it so that nothing sleeps for real.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

// Defaults of Config.
const (
	DefaultMaxRetries     = 4
	DefaultRequestTimeout = 30 * time.Second
	DefaultPollInitial    = 500 * time.Millisecond
	DefaultPollMax        = 10 * time.Second
	DefaultUserAgent      = "terraform-provider-cards"

	// MinIssuingRequestTimeout is the least time an attempt of a request that issues a card or
	// moves money may take, whatever RequestTimeout says: cutting such a request short turns a
	// slow answer into an unknown outcome, which is far costlier than waiting.
	MinIssuingRequestTimeout = 2 * time.Minute

	// maxResponseBytes bounds what the client reads of any answer.
	maxResponseBytes = 10 << 20
)

// Client calls the Cards API. It is safe for concurrent use; all callers share its rate limit.
type Client struct {
	baseURL            string
	noConnectionAdvice string // appended to an error when no connection could be made
	token              string
	bearer             string
	key                *rsa.PrivateKey
	maxRetries         int
	rate               *adaptiveRate
	userAgent          string
	log                Logger
	clock              Clock
	pollInitial        time.Duration
	pollMax            time.Duration
	httpClient         *http.Client // the caller's base client (no redirects); each call wraps its transport
	// requestTimeout bounds an attempt; issuingTimeout an attempt of ApplyCard, Binding and
	// CardTopUp (at least MinIssuingRequestTimeout).
	requestTimeout, issuingTimeout time.Duration

	programs programCache

	statusNames        statusNames
	unknownStatusGrace time.Duration

	settled settleLearner // how soon each kind of wait settles (settle_learner.go)
	asked   askedTasks    // when the tasks that waits follow were asked (task_asked.go)

	// Retry backoff bounds; unexported so tests can shrink them.
	retryWaitMin  time.Duration // first backoff
	retryWaitMax  time.Duration // cap of the exponential backoff
	retryAfterMax time.Duration // cap of a server's Retry-After

	reachable atomic.Bool // set once CheckReachable succeeded
	// answered is set once anything answered at the base URL: a connection failing after
	// that is not the base URL's fault, and the error does not blame it.
	answered atomic.Bool

	// reserveMu makes reading the clock and reserving one step, so the shared limiter sees
	// time only move forward: two callers that read the clock and then reserve in the other
	// order could otherwise be granted slots closer than the rate allows.
	reserveMu sync.Mutex
	// pacedStartLogged logs once that the rate started paced (rate_memory.go).
	pacedStartLogged sync.Once

	// onReserve, when set (tests), sees the time each request was allowed to go by the limiter.
	onReserve func(at time.Time)
}

// New validates cfg and builds a Client.
func New(cfg Config) (*Client, error) {
	base, err := validateBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	if err := checkConfig(cfg); err != nil {
		return nil, err
	}
	names, err := newStatusNames(cfg.CardStatusMap, cfg.TopUpStatusMap)
	if err != nil {
		return nil, fmt.Errorf("cards API client: %w", err)
	}
	c := &Client{
		statusNames:        names,
		unknownStatusGrace: cmp.Or(max(cfg.UnknownStatusGrace, 0), DefaultUnknownStatusGrace),
		baseURL:            base,
		noConnectionAdvice: noConnectionAdvice(base, cfg.BaseURLOrigin),
		token:              cfg.CustomerToken,
		bearer:             cfg.BearerToken,
		key:                cfg.PrivateKey,
		maxRetries:         DefaultMaxRetries,
		userAgent:          cmp.Or(cfg.UserAgent, DefaultUserAgent),
		log:                cfg.Logger,
		clock:              cfg.Clock,
		pollInitial:        cmp.Or(cfg.PollInitial, DefaultPollInitial),
		pollMax:            cmp.Or(cfg.PollMax, DefaultPollMax),
		retryWaitMin:       500 * time.Millisecond,
		retryWaitMax:       8 * time.Second,
		retryAfterMax:      30 * time.Second,
		rate:               newAdaptiveRate(cfg.RequestsPerSecond),
		httpClient:         newHTTPClient(cfg.HTTPClient),
		requestTimeout:     cmp.Or(cfg.RequestTimeout, DefaultRequestTimeout),
	}
	if cfg.MaxRetries != nil {
		c.maxRetries = *cfg.MaxRetries
	}
	if c.log == nil {
		c.log = nopLogger{}
	}
	if c.clock == nil {
		c.clock = realClock{}
	}
	c.pollMax = max(c.pollMax, c.pollInitial)
	c.rate.useMemory(newRateMemory(cfg.PaceMemoryDir, base, cfg.CustomerToken), c.clock.Now())
	c.settled.useMemory(newSettleMemory(cfg.PaceMemoryDir, base, cfg.CustomerToken), c.clock, c.pollMax)
	c.issuingTimeout = cfg.IssuingRequestTimeout
	if c.issuingTimeout <= 0 {
		c.issuingTimeout = max(c.requestTimeout, MinIssuingRequestTimeout)
	}
	return c, nil
}

// checkConfig refuses settings no request could be made with.
func checkConfig(cfg Config) error {
	if strings.TrimSpace(cfg.CustomerToken) == "" {
		return errors.New("cards API client: customer token is empty")
	}
	// Header values cannot carry control characters; say so now rather than on every request.
	if strings.ContainsFunc(cfg.CustomerToken+cfg.BearerToken, unicode.IsControl) {
		return errors.New("cards API client: customer token and bearer token must not contain control characters (such as a trailing newline)")
	}
	if cfg.PrivateKey == nil {
		return errors.New("cards API client: private key is missing")
	}
	if bits := cfg.PrivateKey.N.BitLen(); bits < signing.MinKeyBits {
		return fmt.Errorf("cards API client: RSA key is %d bits; at least %d are required", bits, signing.MinKeyBits)
	}
	if cfg.MaxRetries != nil && *cfg.MaxRetries < 0 {
		return errors.New("cards API client: max retries must not be negative")
	}
	if cfg.RequestsPerSecond < 0 {
		return errors.New("cards API client: requests per second must not be negative")
	}
	if cfg.RequestTimeout < 0 || cfg.PollInitial < 0 || cfg.PollMax < 0 {
		return errors.New("cards API client: durations must not be negative")
	}
	return nil
}

// newHTTPClient copies the caller's client (or starts from a pooled one) and never follows
// redirects: Go would turn a redirected POST into a body-less GET, and the signature covers
// what was sent. A redirect surfaces as an error naming the target.
func newHTTPClient(base *http.Client) *http.Client {
	var hc http.Client
	if base != nil {
		hc = *base // copy: the caller's client stays untouched
	}
	if hc.Transport == nil {
		hc.Transport = pooledTransport()
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &hc
}

// pooledTransport is go-cleanhttp's pooled transport, with two changes (API.md §1):
//   - the one host it talks to may keep all 100 of the pool's idle connections. Over
//     HTTP/1.1, go-cleanhttp's GOMAXPROCS+1 per host made each wave of Terraform's parallel
//     calls reopen most connections, a TCP and TLS handshake each
//     (BenchmarkConcurrentCallsOverTLS);
//   - an idle connection is closed after 30 s, not 90, before the idle timeout of most load
//     balancers (60 s and more): a POST sent as the platform closes its connection could not be
//     told unprocessed.
func pooledTransport() *http.Transport {
	t := cleanhttp.DefaultPooledTransport()
	t.MaxIdleConnsPerHost = t.MaxIdleConns
	t.IdleConnTimeout = 30 * time.Second
	return t
}

// validateBaseURL checks raw (CheckBaseURL) and returns it without a trailing slash.
func validateBaseURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", errors.New("cards API client: base URL is empty")
	}
	if err := CheckBaseURL(raw); err != nil {
		return "", fmt.Errorf("cards API client: base URL %w", err)
	}
	return strings.TrimRight(raw, "/"), nil
}

// call performs one operation: it encodes body (nil for GET), sends it signed and rate
// limited with op's retry policy, and decodes the answer into out or returns an *Error.
func (c *Client) call(ctx context.Context, op operation, body any, out any) error {
	_, err := c.do(ctx, op, body, out)
	return err
}

// ask performs an operation that starts a task on the platform and, once it is accepted,
// notes when it was asked for the wait on id() that follows (task_asked.go). When more than
// one attempt may have been processed, when the platform started the task is not known, and
// nothing is noted.
func (c *Client) ask(ctx context.Context, op operation, body any, out any, id func() string) error {
	askedAt, err := c.do(ctx, op, body, out)
	if err == nil {
		c.asked.note(id(), askedAt)
	}
	return err
}

// do is call; askedAt is when its only attempt that may have been processed was written
// (zero when more than one may have been).
func (c *Client) do(ctx context.Context, op operation, body any, out any) (askedAt time.Time, err error) {
	var payload []byte
	if body != nil && op.Method != http.MethodGet {
		b, err := json.Marshal(body)
		if err != nil {
			return time.Time{}, &Error{Kind: KindTransport, Operation: op.Name, Err: fmt.Errorf("encoding request: %w", err)}
		}
		// Fail before sending if the body cannot be signed (e.g. a field named like a signed header).
		if _, err := signing.CanonicalString("t", "n", "0", b); err != nil {
			return time.Time{}, &Error{Kind: KindTransport, Operation: op.Name, Err: fmt.Errorf("signing request: %w", err)}
		}
		payload = b
	}

	// One call, step by step: the call's state (st) is written by its own transport (sign,
	// send) and response handler (read), and read by its own retry policy (classify) and
	// backoff, all bound to st here; go-retryablehttp runs the attempts in order.
	st := &callState{op: op, body: payload, unprocessed: true}
	req, err := retryablehttp.NewRequestWithContext(ctx, op.Method, c.baseURL+op.Path, bodyOrNil(payload))
	if err != nil {
		return time.Time{}, &Error{Kind: KindTransport, Operation: op.Name, Err: err}
	}
	// Read the whole body inside the retry loop, so a connection lost mid-body counts as a
	// failed attempt (retried only when the operation allows it).
	req.SetResponseHandler(st.readAnswer)
	if err := c.waitRate(ctx, st); err != nil {
		return time.Time{}, &Error{Kind: KindTransport, Operation: op.Name, Err: err}
	}
	rc := &retryablehttp.Client{
		HTTPClient:   c.attemptClient(st),
		RetryWaitMin: c.retryWaitMin,
		RetryWaitMax: c.retryWaitMax,
		RetryMax:     c.maxRetries,
		CheckRetry:   st.checkRetry,
		Backoff:      c.backoffFor(ctx, st),
		ErrorHandler: retryablehttp.PassthroughErrorHandler, // we classify the last answer ourselves
		PrepareRetry: func(r *http.Request) error { return c.waitRate(r.Context(), st) },
	}
	resp, err := rc.Do(req)
	if resp != nil {
		defer resp.Body.Close()
	}
	if err != nil {
		return st.askedAt, c.transportError(ctx, st, resp, err)
	}
	respBody := st.respBody
	if !st.bodyRead {
		// The answer after the last retry (429/5xx) never went through the handler.
		respBody, _ = readBody(resp)
	}
	return st.askedAt, c.decodeResponse(st, resp, respBody, out)
}

// attemptClient is the HTTP client of one call's attempts: the base client with a transport
// that signs for this call, and the call's per-attempt timeout (retryablehttp calls Do once
// per attempt).
func (c *Client) attemptClient(st *callState) *http.Client {
	hc := *c.httpClient
	hc.Transport = &signingTransport{client: c, call: st, base: c.httpClient.Transport}
	hc.Timeout = c.attemptTimeout(st.op)
	return &hc
}

// attemptTimeout is the per-attempt timeout of op.
func (c *Client) attemptTimeout(op operation) time.Duration {
	if op.Retry == retryOnlyIfUnprocessed {
		return c.issuingTimeout
	}
	return c.requestTimeout
}

// transportError classifies a call that ended without a usable answer.
func (c *Client) transportError(ctx context.Context, st *callState, resp *http.Response, err error) error {
	apiErr := &Error{Kind: KindTransport, Operation: st.op.Name, Err: c.redactedErr(err, st)}
	if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
		// Keep errors.Is(err, context.Canceled/DeadlineExceeded) working for callers.
		apiErr.Err = fmt.Errorf("%w (%w)", ctxErr, apiErr.Err)
	}
	if resp != nil { // headers arrived, the body did not
		apiErr.HTTPStatus = resp.StatusCode
	}
	if ctx.Err() == nil && isTimeout(err) {
		apiErr.Err = fmt.Errorf("%w (no answer within the per-request timeout of %s: the provider setting request_timeout)",
			apiErr.Err, c.attemptTimeout(st.op))
	}
	if c.baseURLUnreached(err) {
		apiErr.Err = fmt.Errorf("%w (%s)", apiErr.Err, c.noConnectionAdvice)
	}
	if st.op.Retry == retryOnlyIfUnprocessed && !st.notProcessed() {
		apiErr.Kind = KindOutcomeUnknown
	}
	return apiErr
}

// baseURLUnreached reports whether err says no connection could be made while nothing has
// answered at the base URL yet in this process: then the base URL is the likely cause, and
// transportError adds noConnectionAdvice to the error.
func (c *Client) baseURLUnreached(err error) bool {
	return connectionFailed(err) && !c.answered.Load()
}

// noConnectionAdvice says which base URL could not be reached and where it came from.
func noConnectionAdvice(base, origin string) string {
	advice := "no connection to the Cards API at " + RedactURL(base)
	if origin != "" {
		advice += ", the base URL from " + origin
	}
	return advice + ": check the provider's base_url or the CARDS_BASE_URL environment variable"
}

func bodyOrNil(b []byte) any {
	if b == nil {
		return nil
	}
	return b
}

func readBody(resp *http.Response) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	if err == nil && len(b) > maxResponseBytes {
		err = fmt.Errorf("response body exceeds %d bytes", maxResponseBytes)
	}
	return b, err
}

// bodyReadError marks an answer whose headers arrived but whose body was cut off.
type bodyReadError struct{ err error }

func (e *bodyReadError) Error() string { return "reading response body: " + e.err.Error() }
func (e *bodyReadError) Unwrap() error { return e.err }

// waitRate blocks until the shared limiter lets one more request go, or ctx ends, and notes
// in st whether the limiter held the attempt back.
func (c *Client) waitRate(ctx context.Context, st *callState) error {
	c.pacedStartLogged.Do(func() {
		if s := c.rate.pacedStart; s.Rate > 0 {
			c.log.Info(ctx, "request rate starts paced at a recently confirmed rate", map[string]any{
				"per_second": math.Round(s.Rate*10) / 10, "burst": s.Burst,
				"since_last_request_ms":     s.SinceLastRequest.Milliseconds(),
				"measured_limit_per_second": math.Round(s.Limit*10) / 10})
		}
	})
	c.reserveMu.Lock()
	now := c.clock.Now()
	r := c.rate.reserve(now)
	c.reserveMu.Unlock()
	if !r.OK() {
		return errors.New("rate limiter refused the request")
	}
	delay := r.DelayFrom(now)
	st.heldBack, st.atOnce = delay > 0, r.atOnce
	if c.onReserve != nil {
		c.onReserve(now.Add(delay))
	}
	if delay <= 0 {
		return ctx.Err()
	}
	select {
	case <-ctx.Done():
		r.CancelAt(c.clock.Now())
		return ctx.Err()
	case <-c.clock.After(delay):
		return nil
	}
}

type nopLogger struct{}

func (nopLogger) Debug(context.Context, string, map[string]any) {}
func (nopLogger) Info(context.Context, string, map[string]any)  {}
func (nopLogger) Warn(context.Context, string, map[string]any)  {}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
