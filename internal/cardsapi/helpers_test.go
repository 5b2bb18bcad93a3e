package cardsapi

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	testToken  = "CUST-TOKEN-7f3a9c"  //nolint:gosec // a test fixture, not a credential
	testBearer = "BEARER-SECRET-91d2" //nolint:gosec // a test fixture, not a credential
	testPAN    = "4111111111111111"
)

var (
	testKeyOnce sync.Once
	testKeyVal  *rsa.PrivateKey
)

// testKey is one 1024-bit key for the whole package: generating keys is the slow part.
func testKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	testKeyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 1024) //nolint:gosec // the platform issues 1024-bit keys; fast to make
		if err != nil {
			panic(err)
		}
		testKeyVal = k
	})
	return testKeyVal
}

// logEntry is one captured log line.
type logEntry struct {
	Level  string
	Msg    string
	Fields map[string]any
}

// captureLogger records every line so tests can look for content and for leaks.
type captureLogger struct {
	mu      sync.Mutex
	entries []logEntry
}

func (l *captureLogger) add(level, msg string, fields map[string]any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	cp := make(map[string]any, len(fields))
	for k, v := range fields {
		cp[k] = v
	}
	l.entries = append(l.entries, logEntry{level, msg, cp})
}

func (l *captureLogger) Debug(_ context.Context, msg string, f map[string]any) {
	l.add("debug", msg, f)
}
func (l *captureLogger) Info(_ context.Context, msg string, f map[string]any) { l.add("info", msg, f) }
func (l *captureLogger) Warn(_ context.Context, msg string, f map[string]any) { l.add("warn", msg, f) }

func (l *captureLogger) all() []logEntry {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]logEntry(nil), l.entries...)
}

func (l *captureLogger) byLevel(level string) []logEntry {
	var out []logEntry
	for _, e := range l.all() {
		if e.Level == level {
			out = append(out, e)
		}
	}
	return out
}

func (l *captureLogger) String() string {
	var b strings.Builder
	for _, e := range l.all() {
		fmt.Fprintf(&b, "%s %s %v\n", e.Level, e.Msg, e.Fields)
	}
	return b.String()
}

// assertNoSecrets fails when any captured line holds one of the secrets.
func (l *captureLogger) assertNoSecrets(t *testing.T, secrets ...string) {
	t.Helper()
	text := l.String()
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("log leaks secret %q:\n%s", s, text)
		}
	}
}

// fakeClock never sleeps: After advances the time at once. When a deadline context is
// attached, time stops at its deadline and the context expires there, as a real select on
// ctx.Done() would behave.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	afters []time.Duration
	dl     *fakeDeadlineCtx
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Unix(1764000000, 0).UTC()}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.afters = append(c.afters, d)
	next := c.now.Add(d)
	if c.dl != nil && !next.Before(c.dl.deadline) {
		next = c.dl.deadline
		c.dl.expire()
	}
	c.now = next
	ch := make(chan time.Time, 1)
	ch <- next
	return ch
}

func (c *fakeClock) waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.afters...)
}

// withDeadline returns a context that expires when the fake time reaches now+d.
func (c *fakeClock) withDeadline(d time.Duration) context.Context {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dl = &fakeDeadlineCtx{Context: context.Background(), deadline: c.now.Add(d), done: make(chan struct{})}
	return c.dl
}

type fakeDeadlineCtx struct {
	context.Context
	deadline time.Time
	done     chan struct{}
	once     sync.Once
}

func (c *fakeDeadlineCtx) Done() <-chan struct{} { return c.done }
func (c *fakeDeadlineCtx) expire()               { c.once.Do(func() { close(c.done) }) }
func (c *fakeDeadlineCtx) Err() error {
	select {
	case <-c.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

// newTestClient builds a client for url with fast retries and a generous rate limit.
func newTestClient(t *testing.T, url string, mutate ...func(*Config)) (*Client, *captureLogger) {
	t.Helper()
	logger := &captureLogger{}
	cfg := Config{
		BaseURL:           url,
		CustomerToken:     testToken,
		PrivateKey:        testKey(t),
		RequestsPerSecond: 10000,
		RequestTimeout:    5 * time.Second,
		Logger:            logger,
	}
	for _, m := range mutate {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.retryWaitMin = time.Millisecond
	c.retryWaitMax = 5 * time.Millisecond
	c.retryAfterMax = 20 * time.Millisecond
	return c, logger
}

// scriptServer answers the n-th request (0-based) with script(n, w, r) and counts requests.
type scriptServer struct {
	*httptest.Server
	count atomic.Int32
}

func newScriptServer(t *testing.T, script func(n int, w http.ResponseWriter, r *http.Request)) *scriptServer {
	t.Helper()
	s := &scriptServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(s.count.Add(1)) - 1
		script(n, w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *scriptServer) requests() int { return int(s.count.Load()) }

func writeJSON(w http.ResponseWriter, code int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write([]byte(body))
}

// hijackClose reads the request, then drops the connection without answering: the server
// got the request but the client gets no answer.
func hijackClose(w http.ResponseWriter, r *http.Request) {
	_, _ = r.Body.Read(make([]byte, 1<<16))
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("response writer cannot hijack")
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(err)
	}
	conn.Close()
}

// refusingDialer fails the first n dials with a real "connection refused" (a port nobody
// listens on), then dials normally. It counts dials.
type refusingDialer struct {
	refuse int32
	dials  atomic.Int32
	closed string
}

func newRefusingDialer(t *testing.T, refuse int) *refusingDialer {
	t.Helper()
	var lc net.ListenConfig
	l, err := lc.Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return &refusingDialer{refuse: int32(refuse), closed: addr}
}

func (d *refusingDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	n := d.dials.Add(1)
	var dialer net.Dialer
	if n <= d.refuse {
		return dialer.DialContext(ctx, network, d.closed)
	}
	return dialer.DialContext(ctx, network, addr)
}

func (d *refusingDialer) httpClient() *http.Client {
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
}

// askNow notes that c asked a task on id now, as FreezeCard and the other task operations do
// once the platform accepted one: the wait on id that follows measures from then.
func askNow(c *Client, id string) { c.asked.note(id, c.clock.Now()) }

// askedWaiter begins a wait on card id for a task c asked now.
func askedWaiter(c *Client, id string, target, known []string) *waiter {
	askNow(c, id)
	return c.newWaiter("card", id, target, known)
}

// answeredAt counts an answer to a request sent at the same instant (no latency).
func (a *adaptiveRate) answeredAt(at time.Time, heldBack bool) { a.answered(at, at, heldBack) }

// throttledAt is a 429 to a request sent at the same instant.
func (a *adaptiveRate) throttledAt(at time.Time, atOnce int) (rateCut, bool) {
	return a.throttled(at, at, atOnce)
}
