package sandbox

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/arthawork/terraform-provider-cards/internal/signing"
)

// DefaultCustomerToken is the customer token the sandbox accepts unless Options says otherwise.
const DefaultCustomerToken = "sandbox-dev-token" //nolint:gosec // G101: a documented development token, not a credential

const (
	apiPrefix     = "/api/v1"
	controlPrefix = "/sandbox"

	// maxBodyBytes bounds a request body: a KYC object may carry several 2 MB images.
	maxBodyBytes = 16 << 20

	defaultCancelledRetention = 10 * time.Minute
	defaultWebhookRetryDelay  = time.Second
	generatedKeyBits          = 2048
)

// Options configure a sandbox. The zero value is usable: default token, generated key,
// immediate completion of asynchronous work, no faults, nothing persisted, no webhooks.
type Options struct {
	CustomerToken string         // accepted customerToken; default DefaultCustomerToken
	PublicKey     *rsa.PublicKey // merchant public key; nil: a 2048-bit pair is generated (Server.PrivateKey, Running.PrivateKeyPEM)

	TaskDelay      time.Duration // how long accepted operations and top-ups take; 0 = done by the next request
	KYCReviewDelay time.Duration // how long a KYC review takes before it auto-approves
	// CancelledRetention is how long a cancelled card still answers CardDetails (as
	// Cancelled) before every API call about it answers 404; 0 means 10 minutes.
	CancelledRetention time.Duration

	// Initial faults (see Faults); SetFaults replaces them.
	Latency                                   time.Duration
	ErrorRate, ThrottleRate, LoseResponseRate float64       // 0..1
	LateAnswerRate, ErrorAfterRate            float64       // 0..1: late-answer, 500-after
	LateAnswerDelay                           time.Duration // 0 means 30 s

	// StatusNames renames card and top-up statuses on the wire only, e.g. {"Active": "Normal"}
	// (see the package documentation); SetStatusNames replaces it.
	StatusNames map[string]string
	// RateLimit is the platform's limit in requests per second over the whole API, beyond
	// which it answers 429 with Retry-After; 0 means none. SetRateLimit replaces it.
	RateLimit float64

	StateFile string // persist every change as JSON (atomic rename) and reload it at start

	CallbackURL string // internal/cardsapi/API.md §7 webhooks are POSTed here, retried until acknowledged
	// WebhookRetryDelay is the first retry delay of an unacknowledged webhook; it doubles up
	// to 30 s. 0 means 1 s.
	WebhookRetryDelay time.Duration

	Logf func(format string, args ...any) // optional request log; never carries secrets
}

// Server is the in-memory Cards API. All state sits behind one mutex; transitions that are
// due are applied, in due order, by whoever takes the lock next.
type Server struct {
	opts Options
	pub  *rsa.PublicKey
	priv *rsa.PrivateKey // nil when Options.PublicKey was given

	mu     sync.Mutex
	st     *state
	queue  dueQueue
	dueSeq uint64
	dirty  bool   // state changed since the last snapshot
	gen    uint64 // snapshot generation, so an older snapshot never overwrites a newer one

	persistMu  sync.Mutex
	written    uint64
	persistErr error

	statusNames map[string]string // guarded by mu; keyed by the sandbox's own names

	controls     *http.ServeMux // /sandbox/ routes, built once
	controlsOnce sync.Once

	nonces  nonceCache
	stats   counters
	faults  faultSet
	limiter rateLimiter
	hooks   *notifier // nil without CallbackURL

	wake      chan struct{} // nudges the scheduler when something new is due
	done      chan struct{} // closed by Close
	doneOnce  sync.Once
	closeOnce sync.Once
	wg        sync.WaitGroup
}

// New builds a sandbox. Its Handler serves the API under /api/v1 and the controls under
// /sandbox/. Call Close to stop the background webhook goroutines (started only when
// CallbackURL is set) and flush the state file.
func New(opts Options) (*Server, error) {
	opts = withDefaults(opts)
	initial, names, err := checkOptions(opts)
	if err != nil {
		return nil, err
	}
	s := &Server{
		opts:        opts,
		pub:         opts.PublicKey,
		st:          newState(),
		statusNames: names,
		wake:        make(chan struct{}, 1),
		done:        make(chan struct{}),
	}
	s.limiter.set(opts.RateLimit)
	if err := s.setUpMerchantKey(); err != nil {
		return nil, err
	}
	s.faults.set(initial)
	if opts.StateFile != "" {
		if err := s.restoreStateFile(); err != nil {
			return nil, err
		}
	}
	if opts.CallbackURL != "" {
		s.startWebhooks()
	}
	return s, nil
}

// withDefaults fills in the options whose zero value means a default.
func withDefaults(opts Options) Options {
	if opts.CustomerToken == "" {
		opts.CustomerToken = DefaultCustomerToken
	}
	if opts.CancelledRetention <= 0 {
		opts.CancelledRetention = defaultCancelledRetention
	}
	if opts.WebhookRetryDelay <= 0 {
		opts.WebhookRetryDelay = defaultWebhookRetryDelay
	}
	return opts
}

// checkOptions refuses options New cannot honour; it returns the initial faults and the
// normalized status names.
func checkOptions(opts Options) (Faults, map[string]string, error) {
	if opts.TaskDelay < 0 || opts.KYCReviewDelay < 0 {
		return Faults{}, nil, errors.New("sandbox: TaskDelay and KYCReviewDelay must not be negative")
	}
	if opts.CallbackURL != "" {
		if u, err := url.Parse(opts.CallbackURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return Faults{}, nil, fmt.Errorf("sandbox: CallbackURL %q is not an http(s) URL", opts.CallbackURL)
		}
	}
	initial := Faults{
		Latency: opts.Latency, ErrorRate: opts.ErrorRate, ThrottleRate: opts.ThrottleRate, LoseResponseRate: opts.LoseResponseRate,
		LateAnswerRate: opts.LateAnswerRate, ErrorAfterRate: opts.ErrorAfterRate, LateAnswerDelay: opts.LateAnswerDelay,
	}
	if err := initial.Validate(); err != nil {
		return Faults{}, nil, fmt.Errorf("sandbox: %w", err)
	}
	names, err := normalizeStatusNames(opts.StatusNames)
	if err != nil {
		return Faults{}, nil, fmt.Errorf("sandbox: %w", err)
	}
	if err := validateRateLimit(opts.RateLimit); err != nil {
		return Faults{}, nil, fmt.Errorf("sandbox: %w", err)
	}
	return initial, names, nil
}

// setUpMerchantKey generates the merchant key pair when no public key was given, and
// refuses a given key that is too short.
func (s *Server) setUpMerchantKey() error {
	if s.pub == nil {
		key, err := rsa.GenerateKey(rand.Reader, generatedKeyBits)
		if err != nil {
			return fmt.Errorf("sandbox: generating merchant key: %w", err)
		}
		s.priv, s.pub = key, &key.PublicKey
	} else if bits := s.pub.N.BitLen(); bits < signing.MinKeyBits {
		return fmt.Errorf("sandbox: merchant public key is %d bits; at least %d are required", bits, signing.MinKeyBits)
	}
	return nil
}

// restoreStateFile loads the state file, if it exists, and writes it back at once: the file
// exists from the start, and an unwritable path fails New rather than every later change.
func (s *Server) restoreStateFile() error {
	st, err := loadState(s.opts.StateFile)
	if err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	if st != nil {
		s.st = st
	}
	s.rescheduleAllLocked() // no other goroutine exists yet
	s.dirty = true
	s.save(s.snapshotLocked())
	if s.persistErr != nil {
		return fmt.Errorf("sandbox: writing state file: %w", s.persistErr)
	}
	return nil
}

// startWebhooks starts the webhook sender and the scheduler that fires transitions when
// they fall due; Close stops both.
func (s *Server) startWebhooks() {
	s.hooks = newNotifier(s.opts.CallbackURL, s.opts.WebhookRetryDelay, &s.stats, s.logf)
	s.wg.Add(2)
	go func() { defer s.wg.Done(); s.hooks.run(s.done) }()
	go func() { defer s.wg.Done(); s.runScheduler() }()
}

// PrivateKey returns the generated merchant key, or nil when Options.PublicKey was given.
func (s *Server) PrivateKey() *rsa.PrivateKey { return s.priv }

// Handler serves the API under /api/v1 (paths case-insensitive) and the controls under
// /sandbox/ (loopback callers only).
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

// Close stops the background goroutines and writes the last state snapshot. It is safe to
// call more than once; the handler keeps answering afterwards but no webhook is sent.
func (s *Server) Close() error {
	s.signalDone()
	s.closeOnce.Do(func() {
		s.wg.Wait()
		now := time.Now()
		s.mu.Lock()
		s.advanceLocked(now)
		snap := s.snapshotLocked()
		s.mu.Unlock()
		s.save(snap)
	})
	s.persistMu.Lock()
	defer s.persistMu.Unlock()
	return s.persistErr
}

func (s *Server) signalDone() { s.doneOnce.Do(func() { close(s.done) }) }

// runScheduler applies transitions when they fall due, so webhooks fire without waiting for
// the next request. Only started with a CallbackURL: without one, lazy application suffices.
func (s *Server) runScheduler() {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		now := time.Now()
		s.mu.Lock()
		s.advanceLocked(now)
		wait := time.Hour
		if len(s.queue) > 0 {
			wait = max(s.queue[0].at.Sub(now), time.Millisecond)
		}
		snap := s.snapshotLocked()
		s.mu.Unlock()
		s.save(snap)
		timer.Reset(wait)
		select {
		case <-s.done:
			return
		case <-s.wake:
		case <-timer.C:
		}
	}
}

// Running is a sandbox listening on a TCP address.
type Running struct {
	*Server
	URL           string // API base URL, e.g. http://127.0.0.1:PORT/api/v1
	ControlURL    string // control base URL, e.g. http://127.0.0.1:PORT/sandbox
	Addr          string // host:port it listens on
	CustomerToken string
	PrivateKeyPEM []byte // PKCS#8 PEM of the generated key; nil if Options.PublicKey was given

	http      *http.Server
	closeOnce sync.Once
	closeErr  error
}

// Start serves a new sandbox on 127.0.0.1 at a free port and returns once it accepts
// connections.
func Start(opts Options) (*Running, error) { return StartAt("127.0.0.1:0", opts) }

// StartAt is Start on a given address ("host:port"; port 0 picks a free one).
func StartAt(addr string, opts Options) (*Running, error) {
	s, err := New(opts)
	if err != nil {
		return nil, err
	}
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", addr)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("sandbox: listen on %s: %w", addr, err)
	}
	r := &Running{
		Server:        s,
		Addr:          ln.Addr().String(),
		CustomerToken: s.opts.CustomerToken,
		http:          &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second, ConnState: s.countConnections},
	}
	if s.priv != nil {
		if r.PrivateKeyPEM, err = signing.EncodePrivateKeyPKCS8(s.priv); err != nil {
			ln.Close()
			s.Close()
			return nil, err
		}
	}
	tcpAddr, isTCP := ln.Addr().(*net.TCPAddr)
	if !isTCP {
		ln.Close()
		s.Close()
		return nil, fmt.Errorf("sandbox: %s is not a TCP address", addr)
	}
	host := dialableHost(tcpAddr)
	r.URL = "http://" + host + apiPrefix
	r.ControlURL = "http://" + host + controlPrefix
	go func() {
		if err := r.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logf("sandbox: serving %s: %v", r.Addr, err)
		}
	}()
	return r, nil
}

// countConnections counts the TCP connections accepted (Counters' connections.opened): a
// client that reuses its connections opens about one per request it has in flight at once.
func (s *Server) countConnections(_ net.Conn, state http.ConnState) {
	if state == http.StateNew {
		s.stats.inc("connections.opened")
	}
}

// dialableHost turns a wildcard listen address into one a local client can dial.
func dialableHost(a *net.TCPAddr) string {
	ip := a.IP
	if ip == nil || ip.IsUnspecified() {
		ip = net.IPv4(127, 0, 0, 1)
	}
	return net.JoinHostPort(ip.String(), fmt.Sprint(a.Port))
}

// Close stops listening, waits briefly for in-flight requests, then stops the sandbox.
// It is safe to call more than once.
func (r *Running) Close() error {
	r.closeOnce.Do(func() {
		r.signalDone() // abort injected latency so shutdown does not wait for it
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := r.http.Shutdown(ctx); err != nil {
			r.http.Close()
		}
		r.closeErr = r.Server.Close()
	})
	return r.closeErr
}

func (s *Server) logf(format string, args ...any) {
	if s.opts.Logf != nil {
		s.opts.Logf(format, args...)
	}
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	lower := strings.ToLower(path)
	switch {
	case lower == controlPrefix || strings.HasPrefix(lower, controlPrefix+"/"):
		s.serveControl(w, r, path[len(controlPrefix):])
	case strings.HasPrefix(lower, apiPrefix+"/"):
		s.serveAPI(w, r, path[len(apiPrefix):])
	default:
		writeJSON(w, http.StatusNotFound, failure{StatusFailed, "no such endpoint: the API lives under " + apiPrefix})
	}
}

// result is what an API handler decided; serveAPI counts and writes it.
type result struct {
	code    int
	body    any
	outcome string // outcomeProcessed, outcomeRefused or outcomeDeduplicated
}

const (
	outcomeProcessed    = "processed"    // accepted (state changed) or read served
	outcomeRefused      = "refused"      // 200 "Failed", 400, 404, 413
	outcomeDeduplicated = "deduplicated" // same operation already in progress: its task is returned
)

func ok(body any) result { return result{http.StatusOK, body, outcomeProcessed} }

func refuse(format string, args ...any) result {
	return result{http.StatusOK, failure{StatusFailed, fmt.Sprintf(format, args...)}, outcomeRefused}
}

func badRequest(format string, args ...any) result {
	return result{http.StatusBadRequest, failure{StatusFailed, fmt.Sprintf(format, args...)}, outcomeRefused}
}

func notFound() result {
	return result{http.StatusNotFound, failure{StatusFailed, "Record Not Found"}, outcomeRefused}
}

// call is one authenticated API request.
type call struct {
	r    *http.Request
	body []byte
	id   string // path parameter, as sent
	now  time.Time
}

// decode reads the JSON object body into v; a shape error is a 400 naming the field.
// decodeCardRequest decodes the body into req and finds the card its cardId (*cardID, a
// field of req) names: a 400 without one, a 404 for a card the merchant cannot see.
func (s *Server) decodeCardRequest(c *call, req any, cardID *string) (*card, *result) {
	if bad := c.decode(req); bad != nil {
		return nil, bad
	}
	if *cardID == "" {
		return nil, new(badRequest("cardId is required"))
	}
	cd := s.st.visibleCard(*cardID)
	if cd == nil {
		return nil, new(notFound())
	}
	return cd, nil
}

func (c *call) decode(v any) *result {
	if len(strings.TrimSpace(string(c.body))) == 0 {
		r := badRequest("request body must be a JSON object")
		return &r
	}
	if err := json.Unmarshal(c.body, v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			r := badRequest("field %s must be a %s, not a JSON %s", typeErr.Field, jsonKind(typeErr.Type.Kind().String()), typeErr.Value)
			return &r
		}
		r := badRequest("request body is not a valid JSON object")
		return &r
	}
	return nil
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "int", "int64", "int32":
		return "integer"
	default:
		return "value of the documented type"
	}
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request, path string) {
	start := time.Now()
	rt, param, methodOK := matchRoute(r.Method, path)
	if rt == nil {
		s.stats.inc("unknown")
		writeJSON(w, http.StatusNotFound, failure{StatusFailed, "Record Not Found"})
		s.logf("sandbox: %s %s -> 404 (no such operation)", r.Method, r.URL.Path)
		return
	}
	op := rt.name
	s.stats.inc(op)
	// The platform's own rate limit comes before everything else, as at a gateway.
	if s.rateLimited(w, r, op, start) {
		return
	}
	if !methodOK {
		s.stats.inc(op + "." + outcomeRefused)
		w.Header().Set("Allow", rt.method)
		writeJSON(w, http.StatusMethodNotAllowed, failure{StatusFailed, op + " expects " + rt.method})
		return
	}
	body, received := s.receiveBody(w, r, op)
	if !received {
		return
	}
	fault := s.faults.decide(op)
	s.pause(fault.latency)
	if s.failedBeforeProcessing(w, r, op, fault.mode, start) {
		return
	}
	now := time.Now()
	if rt.method == http.MethodGet {
		body = nil // a GET signs the three headers only (internal/cardsapi/API.md §2)
	}
	if s.refusedAuthentication(w, r, op, body, now) {
		return
	}
	res := s.process(rt, &call{r: r, body: body, id: param, now: now})
	s.answer(w, r, op, res, fault, start)
}

// rateLimited answers 429 when the platform's rate limit does not admit the request.
func (s *Server) rateLimited(w http.ResponseWriter, r *http.Request, op string, start time.Time) bool {
	retryAfter, admitted := s.limiter.admit(start)
	if admitted {
		return false
	}
	s.stats.inc(op + ".ratelimited")
	w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
	writeJSON(w, http.StatusTooManyRequests, failure{StatusFailed, "Too Many Requests: rate limit exceeded"})
	s.logf("sandbox: %s %s -> 429 rate limited (Retry-After %d)", op, r.URL.Path, retryAfter)
	return true
}

// receiveBody reads the request in full, answering 413 when it cannot. From then on the
// request has been received, and like a real platform the sandbox processes it even if the
// client gives up during the latency (the answer is then written to nobody).
func (s *Server) receiveBody(w http.ResponseWriter, r *http.Request, op string) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		s.stats.inc(op + "." + outcomeRefused)
		writeJSON(w, http.StatusRequestEntityTooLarge, failure{StatusFailed, "request body too large or unreadable"})
		return nil, false
	}
	return body, true
}

// failedBeforeProcessing answers the injected faults that stop a request before it takes
// effect: 429, 500 and 503.
func (s *Server) failedBeforeProcessing(w http.ResponseWriter, r *http.Request, op, mode string, start time.Time) bool {
	var (
		code    int
		remarks string
	)
	switch mode {
	case ModeThrottle:
		code, remarks = http.StatusTooManyRequests, "Too Many Requests (sandbox fault)"
		w.Header().Set("Retry-After", "1")
	case Mode500:
		code, remarks = http.StatusInternalServerError, remarks500
	case Mode503:
		code, remarks = http.StatusServiceUnavailable, "Service Unavailable (sandbox fault)"
	default:
		return false
	}
	s.stats.inc(op + ".faulted")
	writeJSON(w, code, failure{StatusFailed, remarks})
	s.logf("sandbox: %s %s -> %d injected fault (%s)", op, r.URL.Path, code, time.Since(start).Round(time.Microsecond))
	return true
}

// refusedAuthentication answers 401 (or another refusal) when the request's credentials or
// signature do not hold.
func (s *Server) refusedAuthentication(w http.ResponseWriter, r *http.Request, op string, body []byte, now time.Time) bool {
	code, remarks := s.authenticate(r.Header, body, now)
	if code == 0 {
		return false
	}
	if code == http.StatusUnauthorized {
		s.stats.inc(op + ".unauthorized")
	} else {
		s.stats.inc(op + "." + outcomeRefused)
	}
	writeJSON(w, code, failure{StatusFailed, remarks})
	s.logf("sandbox: %s %s -> %d %s", op, r.URL.Path, code, remarks)
	return true
}

// process runs the operation on the state, after the transitions due by then, and persists
// the result.
func (s *Server) process(rt *route, c *call) result {
	s.mu.Lock()
	s.advanceLocked(c.now)
	res := rt.handle(s, c)
	snap := s.snapshotLocked()
	s.mu.Unlock()
	s.save(snap)
	s.stats.inc(rt.name + "." + res.outcome)
	return res
}

// answer writes a processed request's result, unless an injected fault drops it, replaces
// it by a 500 or holds it back.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, op string, res result, fault faultDecision, start time.Time) {
	switch fault.mode {
	case ModeLoseResponse:
		s.stats.inc(op + ".faulted")
		s.logf("sandbox: %s %s -> processed (%d), response dropped by fault", op, r.URL.Path, res.code)
		dropConnection(w)
		return
	case Mode500AfterProcessing:
		s.stats.inc(op + ".faulted")
		writeJSON(w, http.StatusInternalServerError, failure{StatusFailed, remarks500})
		s.logf("sandbox: %s %s -> processed (%d), answered 500 by fault (%s)", op, r.URL.Path, res.code, time.Since(start).Round(time.Microsecond))
		return
	case ModeLateAnswer:
		s.stats.inc(op + ".faulted")
		s.logf("sandbox: %s %s -> processed (%d), answer held %v by fault", op, r.URL.Path, res.code, fault.lateDelay)
		s.holdAnswer(r, fault.lateDelay)
	}
	writeJSON(w, res.code, res.body)
	s.logf("sandbox: %s %s -> %d %s (%s)", op, r.URL.Path, res.code, res.outcome, time.Since(start).Round(time.Microsecond))
}

const remarks500 = "Internal Server Error (sandbox fault)"

// pause waits d, cut short only by Close: a client giving up does not stop the request.
func (s *Server) pause(d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-s.done:
	}
}

// holdAnswer waits d before a late answer. It also ends when the client has gone: the
// request took effect already and nobody is left to answer.
func (s *Server) holdAnswer(r *http.Request, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-s.done:
	case <-r.Context().Done():
	}
}

// dropConnection closes the connection without writing a response: the client sees the
// request vanish after the server acted on it.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		conn.Close()
		return
	}
	panic(http.ErrAbortHandler) // HTTP/2 or a recorder: net/http aborts the stream silently
}

func writeJSON(w http.ResponseWriter, code int, body any) {
	data, err := json.Marshal(body)
	if err != nil {
		code, data = http.StatusInternalServerError, []byte(`{"status":"Failed","remarks":"sandbox could not encode its answer"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write(append(data, '\n')) // the client went away: nothing to do
}

// route is one API operation; paths are lower-case, routing is case-insensitive.
type route struct {
	name   string
	method string
	path   string // with withID, the prefix before the path parameter
	withID bool
	handle func(*Server, *call) result
}

var routes = []route{
	{OpMerchantInformation, http.MethodGet, "/merchantinformation/merchant", false, (*Server).merchantInformation},
	{OpProgramDetails, http.MethodGet, "/merchantinformation/programdetails/", true, (*Server).programDetails},
	{OpApplyCard, http.MethodPost, "/applycard", false, (*Server).applyCard},
	{OpBinding, http.MethodPost, "/binding", false, (*Server).binding},
	{OpCardDetails, http.MethodGet, "/carddetails/", true, (*Server).cardDetails},
	{OpPinDetails, http.MethodGet, "/pindetails/", true, (*Server).pinDetails},
	{OpCardBalance, http.MethodGet, "/cardbalance/", true, (*Server).cardBalance},
	{OpCardTransactions, http.MethodPost, "/card/transactions", false, (*Server).cardTransactions},
	{OpTransactions, http.MethodPost, "/cards/transactions", false, (*Server).allTransactions},
	{OpCountries, http.MethodGet, "/countries", false, (*Server).countries},
	{OpTowns, http.MethodGet, "/towns", false, (*Server).towns},
	{OpEstimateCardTopUpFee, http.MethodPost, "/estimatecardtopupfee", false, (*Server).estimateTopUpFee},
	{OpCardTopUp, http.MethodPost, "/cardtopup", false, (*Server).cardTopUp},
	{OpTopUpStatus, http.MethodGet, "/topupstatus/", true, (*Server).topUpStatus},
	{OpCardFreeze, http.MethodPost, "/cardfreeze", false, (*Server).cardFreeze},
	{OpCardUnFreeze, http.MethodPost, "/cardunfreeze", false, (*Server).cardUnfreeze},
	{OpCancelCard, http.MethodPost, "/cancelcard", false, (*Server).cancelCard},
	{OpCardSetPin, http.MethodPost, "/cardsetpin", false, (*Server).cardSetPin},
}

// matchRoute finds the operation for a path below /api/v1. methodOK is false when the path
// is known but the method is not the documented one.
func matchRoute(method, path string) (rt *route, param string, methodOK bool) {
	path = strings.TrimSuffix(path, "/")
	lower := strings.ToLower(path)
	for i := range routes {
		r := &routes[i]
		if r.withID {
			if !strings.HasPrefix(lower, r.path) {
				continue
			}
			param = path[len(r.path):]
			if param == "" || strings.Contains(param, "/") {
				continue
			}
		} else if lower != r.path {
			continue
		}
		return r, param, method == r.method
	}
	return nil, "", false
}
