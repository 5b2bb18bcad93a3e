package cardsapi

import (
	"context"
	"crypto/rsa"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-cleanhttp"
	"github.com/shopspring/decimal"

	"github.com/arthawork/terraform-provider-cards/internal/signing"
)

func TestNewValidates(t *testing.T) {
	key := testKey(t)
	good := Config{BaseURL: "https://tstapi.artha.work/api/v1/", CustomerToken: "t", PrivateKey: key}
	c, err := New(good)
	if err != nil {
		t.Fatal(err)
	}
	if c.baseURL != "https://tstapi.artha.work/api/v1" {
		t.Errorf("base URL not trimmed: %q", c.baseURL)
	}
	if c.maxRetries != DefaultMaxRetries || c.pollInitial != DefaultPollInitial || c.pollMax != DefaultPollMax ||
		c.requestTimeout != DefaultRequestTimeout || c.rate.rate() != adaptiveCeiling {
		t.Errorf("defaults not applied: %+v", c)
	}
	noRetry := good
	noRetry.MaxRetries = Retries(0)
	if c, _ := New(noRetry); c.maxRetries != 0 {
		t.Errorf("MaxRetries 0 gives %d retries", c.maxRetries)
	}

	bad := map[string]func(*Config){
		"empty URL":        func(c *Config) { c.BaseURL = "" },
		"negative retries": func(c *Config) { c.MaxRetries = Retries(-1) },
		"relative URL":     func(c *Config) { c.BaseURL = "/api/v1" },
		"ftp URL":          func(c *Config) { c.BaseURL = "ftp://example.com" },
		"no host":          func(c *Config) { c.BaseURL = "https://" },
		"query":            func(c *Config) { c.BaseURL = "https://example.com/api?x=1" },
		"credentials":      func(c *Config) { c.BaseURL = "https://u:p@example.com/api" },
		"empty token":      func(c *Config) { c.CustomerToken = "  " },
		"token newline":    func(c *Config) { c.CustomerToken = "tok\n" },
		"bearer newline":   func(c *Config) { c.BearerToken = "b\r\n" },
		"nil key":          func(c *Config) { c.PrivateKey = nil },
		"small key": func(c *Config) {
			c.PrivateKey = &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: big.NewInt(1 << 40), E: 65537}}
		},
		"negative rps":    func(c *Config) { c.RequestsPerSecond = -1 },
		"negative timout": func(c *Config) { c.RequestTimeout = -time.Second },
	}
	for name, mutate := range bad {
		cfg := good
		mutate(&cfg)
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		} else if strings.Contains(err.Error(), "u:p") {
			t.Errorf("%s: error echoes credentials: %v", name, err)
		}
	}
}

// captured is what the server saw of one request.
type captured struct {
	method, path string
	header       http.Header
	body         []byte
}

func TestRequestsAreSignedPerSpec(t *testing.T) {
	for _, bearer := range []string{"", testBearer} {
		name := "without bearer"
		if bearer != "" {
			name = "with bearer"
		}
		t.Run(name, func(t *testing.T) {
			var mu sync.Mutex
			var seen []captured
			srv := newScriptServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				mu.Lock()
				seen = append(seen, captured{r.Method, r.URL.RequestURI(), r.Header.Clone(), body})
				mu.Unlock()
				if n == 1 { // the second request (CancelCard's first attempt) is retried
					writeJSON(w, 503, `{"status":"Failed","remarks":"busy"}`)
					return
				}
				writeJSON(w, 200, `{"taskId":"t1","status":"Success","remarks":"ok","cardStatus":"Active"}`)
			})
			clock := newFakeClock()
			c, _ := newTestClient(t, srv.URL+"/api/v1", func(cfg *Config) {
				cfg.BearerToken = bearer
				cfg.Clock = clock
				cfg.UserAgent = "test-agent/1"
			})
			ctx := context.Background()
			if _, err := c.CardDetails(ctx, "card 1/2"); err != nil {
				t.Fatal(err)
			}
			if _, err := c.CancelCard(ctx, "d55709b7-a56f-4bcc-b08a-00131bfc8bf1"); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Towns(ctx, "91"); err != nil {
				t.Fatal(err)
			}
			if len(seen) != 4 {
				t.Fatalf("server saw %d requests, want 4", len(seen))
			}
			wantPaths := []string{"/api/v1/CardDetails/card%201%2F2", "/api/v1/CancelCard", "/api/v1/CancelCard", "/api/v1/Towns?countryId=91"}
			nonces := map[string]bool{}
			for i, req := range seen {
				if req.path != wantPaths[i] {
					t.Errorf("request %d path %q, want %q", i, req.path, wantPaths[i])
				}
				h := req.header
				if got := h.Get("Content-Type"); got != "application/json" {
					t.Errorf("request %d Content-Type %q", i, got)
				}
				if got := h.Get("User-Agent"); got != "test-agent/1" {
					t.Errorf("request %d User-Agent %q", i, got)
				}
				if got := h.Get(signing.HeaderTimestamp); got != strconv.FormatInt(clock.Now().Unix(), 10) {
					t.Errorf("request %d timestamp %q, want the clock's Unix seconds", i, got)
				}
				nonce := h.Get(signing.HeaderNonce)
				if !regexp.MustCompile(`^[A-Za-z0-9]{10}$`).MatchString(nonce) {
					t.Errorf("request %d nonce %q is not 10 alphanumerics", i, nonce)
				}
				if nonces[nonce] {
					t.Errorf("request %d reuses nonce %q", i, nonce)
				}
				nonces[nonce] = true
				if got := h.Get(signing.HeaderCustomerToken); got != testToken {
					t.Errorf("request %d customerToken %q", i, got)
				}
				if req.method == http.MethodGet && len(req.body) != 0 {
					t.Errorf("GET %d sent a body: %q", i, req.body)
				}
				canonical, err := signing.CanonicalString(testToken, nonce, h.Get(signing.HeaderTimestamp), req.body)
				if err != nil {
					t.Fatal(err)
				}
				if err := signing.Verify(&testKey(t).PublicKey, canonical, h.Get(signing.HeaderSignature)); err != nil {
					t.Errorf("request %d signature does not verify over %q: %v", i, canonical, err)
				}
				auth := h.Get("Authorization")
				if bearer == "" && auth != "" {
					t.Errorf("request %d sends Authorization %q without a bearer token configured", i, auth)
				}
				if bearer != "" && auth != "Bearer "+bearer {
					t.Errorf("request %d Authorization %q", i, auth)
				}
			}
			// GET signs the headers only: the path parameter is not part of the string.
			if canonical, _ := signing.CanonicalString(testToken, "n", "1", seen[0].body); strings.Contains(canonical, "card") {
				t.Errorf("GET canonical string includes the path: %q", canonical)
			}
			if string(seen[1].body) != `{"cardId":"d55709b7-a56f-4bcc-b08a-00131bfc8bf1"}` {
				t.Errorf("CancelCard body %s", seen[1].body)
			}
			if string(seen[1].body) != string(seen[2].body) {
				t.Errorf("retry changed the body")
			}
		})
	}
}

func TestAmountsAreSentAsDecimalStrings(t *testing.T) {
	var body []byte
	srv := newScriptServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		body, _ = io.ReadAll(r.Body)
		writeJSON(w, 200, `{"taskId":"t1","status":"Success","remarks":"ok"}`)
	})
	c, _ := newTestClient(t, srv.URL)
	if _, err := c.TopUp(context.Background(), "c1", decimal.RequireFromString("100")); err != nil {
		t.Fatal(err)
	}
	if string(body) != `{"cardId":"c1","amount":"100.00"}` {
		t.Errorf("body %s", body)
	}
}

func TestErrorKinds(t *testing.T) {
	type answer struct {
		code   int
		header map[string]string
		body   string
	}
	cases := []struct {
		name        string
		op          string // "get" (CardDetails), "apply", "topupstatus"
		answer      answer
		kind        ErrorKind
		remarks     string
		contains    []string
		notContains []string
	}{
		{name: "200 refused", op: "apply", answer: answer{200, nil, `{"cardId":null,"status":"Failed","remarks":"Insufficient merchant balance"}`},
			kind: KindRefused, remarks: "Insufficient merchant balance"},
		{name: "200 refused lower-case status", op: "apply", answer: answer{200, nil, `{"Status":"failed","Remarks":"Program inactive"}`},
			kind: KindRefused, remarks: "Program inactive"},
		{name: "200 record not found", op: "get", answer: answer{200, nil, `{"status":"Failed","remarks":"Record Not Found"}`},
			kind: KindNotFound, remarks: "Record Not Found"},
		{name: "404 empty", op: "get", answer: answer{404, nil, ``}, kind: KindNotFound},
		{name: "404 remarks", op: "get", answer: answer{404, nil, `{"status":"Failed","remarks":"Record Not Found"}`},
			kind: KindNotFound, remarks: "Record Not Found"},
		{name: "400 record not found", op: "get", answer: answer{400, nil, `{"status":"Failed","remarks":"Record not found for card"}`},
			kind: KindNotFound},
		{name: "401", op: "get", answer: answer{401, nil, `{"status":"Failed","remarks":"Invalid signature"}`},
			kind: KindUnauthorized, remarks: "Invalid signature"},
		{name: "403 plain text", op: "get", answer: answer{403, map[string]string{"Content-Type": "text/plain"}, "Forbidden: token " + testToken + " is not allowed"},
			kind: KindUnauthorized, contains: []string{"Forbidden: token [REDACTED] is not allowed"}, notContains: []string{testToken}},
		{name: "429 after retries", op: "get", answer: answer{429, nil, `{"status":"Failed","remarks":"Too many requests"}`},
			kind: KindThrottled, remarks: "Too many requests"},
		{name: "500 problem details", op: "get", answer: answer{500, map[string]string{"Content-Type": "application/problem+json"},
			`{"type":"https://tools.ietf.org/html/rfc7231#section-6.6.1","title":"An error occurred while processing your request.","status":500,"detail":"Object reference not set","traceId":"00-abc"}`},
			kind: KindServer, remarks: "An error occurred while processing your request.; Object reference not set"},
		{name: "400 validation problem details", op: "apply", answer: answer{400, map[string]string{"Content-Type": "application/problem+json"},
			`{"type":"https://tools.ietf.org/html/rfc7231#section-6.5.1","title":"One or more validation errors occurred.","status":400,"errors":{"ProgramId":["The ProgramId field is required."],"kyc.dob":"Bad date"}}`},
			kind: KindRefused, remarks: "One or more validation errors occurred.; ProgramId: The ProgramId field is required.; kyc.dob: Bad date"},
		{name: "502 html with card number", op: "get", answer: answer{502, map[string]string{"Content-Type": "text/html"},
			"<html><body><h1>502 Bad Gateway</h1> card " + testPAN + " cvv=123 " + strings.Repeat("x", 400) + "</body></html>"},
			kind: KindServer, contains: []string{"502 Bad Gateway", "[REDACTED]", "…"}, notContains: []string{testPAN, "cvv=123"}},
		{name: "500 on ApplyCard", op: "apply", answer: answer{500, nil, `{"status":"Failed","remarks":"Internal error"}`},
			kind: KindOutcomeUnknown, remarks: "Internal error", contains: []string{"card may have been created", "cards_card", "before retrying"}},
		{name: "501 on ApplyCard", op: "apply", answer: answer{501, nil, ``}, kind: KindServer},
		{name: "503 on ApplyCard after retries", op: "apply", answer: answer{503, nil, ``}, kind: KindServer},
		{name: "undecodable", op: "get", answer: answer{200, nil, `<html>hello</html>`}, kind: KindDecode, contains: []string{"<html>hello</html>"}},
		{name: "empty 200", op: "get", answer: answer{200, nil, ``}, kind: KindDecode, contains: []string{"empty response body"}},
		{name: "wrong type", op: "get", answer: answer{200, nil, `{"cardNumber":{"x":1},"cvv":"987"}`}, kind: KindDecode, notContains: []string{"987"}},
		{name: "redirect", op: "get", answer: answer{302, map[string]string{"Location": "https://elsewhere.example/api"}, ``},
			kind: KindDecode, contains: []string{"redirected to", "elsewhere.example"}},
		{name: "refusal remarks with secrets", op: "apply", answer: answer{200, nil, `{"status":"Failed","remarks":"Card ` + testPAN + ` rejected for token ` + testToken + `"}`},
			kind: KindRefused, remarks: "Card [REDACTED] rejected for token [REDACTED]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newScriptServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				for k, v := range tc.answer.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tc.answer.code)
				_, _ = w.Write([]byte(tc.answer.body))
			})
			c, logs := newTestClient(t, srv.URL, func(cfg *Config) { cfg.MaxRetries = Retries(2) })
			var err error
			switch tc.op {
			case "apply":
				_, err = c.ApplyCard(context.Background(), ApplyCardRequest{ProgramID: "p1"})
			default:
				_, err = c.CardDetails(context.Background(), "c1")
			}
			if err == nil {
				t.Fatal("no error")
			}
			var apiErr *Error
			if !errors.As(err, &apiErr) {
				t.Fatalf("error is %T, not *Error: %v", err, err)
			}
			if apiErr.Kind != tc.kind {
				t.Errorf("kind %q, want %q (%v)", apiErr.Kind, tc.kind, err)
			}
			if tc.remarks != "" && apiErr.Remarks != tc.remarks {
				t.Errorf("remarks %q, want %q", apiErr.Remarks, tc.remarks)
			}
			if tc.answer.code != 0 && apiErr.HTTPStatus != tc.answer.code {
				t.Errorf("HTTP status %d, want %d", apiErr.HTTPStatus, tc.answer.code)
			}
			msg := err.Error()
			for _, s := range tc.contains {
				if !strings.Contains(msg, s) {
					t.Errorf("error %q lacks %q", msg, s)
				}
			}
			for _, s := range tc.notContains {
				if strings.Contains(msg, s) {
					t.Errorf("error %q contains %q", msg, s)
				}
			}
			if len(apiErr.Excerpt) > 3*maxExcerpt { // runes ≤ 200; bytes may be more
				t.Errorf("excerpt too long: %d", len(apiErr.Excerpt))
			}
			if strings.Contains(msg, testToken) || strings.Contains(msg, testPAN) {
				t.Errorf("error leaks a secret: %q", msg)
			}
			wantRequests := 1
			if c := tc.answer.code; c == 429 || c == 503 || (tc.op == "get" && (c == 500 || c == 502 || c == 504)) {
				wantRequests = 3
			}
			if srv.requests() != wantRequests {
				t.Errorf("server saw %d requests, want %d", srv.requests(), wantRequests)
			}
			logs.assertNoSecrets(t, testToken, testPAN)
		})
	}
}

func TestTopUpStatusFailedIsData(t *testing.T) {
	srv := newScriptServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 0 {
			writeJSON(w, 200, `{"taskId":"t1","cardId":"c1","currency":"USD","amount":"10","settlemetAmount":9.5,"fee":"0.5","type":"recharge","date":1764000000,"status":"Failed","remarks":"Card frozen"}`)
			return
		}
		writeJSON(w, 200, `{"status":"Failed","remarks":"Record Not Found"}`)
	})
	c, _ := newTestClient(t, srv.URL)
	s, err := c.TopUpStatus(context.Background(), "t1")
	if err != nil {
		t.Fatalf("a failed top-up's status is data, got %v", err)
	}
	if s.Status != "Failed" || s.Remarks != "Card frozen" || !s.SettlementAmount.Equal(decimal.RequireFromString("9.5")) {
		t.Errorf("decoded %+v", s)
	}
	if _, err := c.TopUpStatus(context.Background(), "nope"); !IsNotFound(err) {
		t.Errorf("unknown task: %v, want not found", err)
	}
}

func TestLogsCarryRequestsButNoSecrets(t *testing.T) {
	var sigs sync.Map
	srv := newScriptServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		sigs.Store(n, r.Header.Get(signing.HeaderSignature))
		if n == 0 {
			writeJSON(w, 503, `{"status":"Failed","remarks":"busy"}`)
			return
		}
		writeJSON(w, 200, `{"cardNumber":"`+testPAN+`","cvv":"987","expirationDate":"12/29","cardStatus":"Active"}`)
	})
	c, logs := newTestClient(t, srv.URL, func(cfg *Config) { cfg.BearerToken = testBearer })
	d, err := c.CardDetails(context.Background(), "c1")
	if err != nil {
		t.Fatal(err)
	}
	if d.CardNumber != testPAN || d.Last4() != "1111" {
		t.Fatalf("details %+v", d)
	}
	debug := logs.byLevel("debug")
	if len(debug) != 2 {
		t.Fatalf("want one debug line per attempt, got:\n%s", logs)
	}
	for i, e := range debug {
		for _, k := range []string{"operation", "method", "path", "attempt", "http_status", "duration_ms"} {
			if _, ok := e.Fields[k]; !ok {
				t.Errorf("debug line %d lacks %q: %v", i, k, e.Fields)
			}
		}
		if e.Fields["attempt"] != i+1 || e.Fields["operation"] != "CardDetails" || e.Fields["path"] != "/CardDetails/c1" {
			t.Errorf("debug line %d: %v", i, e.Fields)
		}
	}
	if debug[0].Fields["http_status"] != 503 || debug[1].Fields["http_status"] != 200 {
		t.Errorf("statuses: %v, %v", debug[0].Fields, debug[1].Fields)
	}
	warn := logs.byLevel("warn")
	if len(warn) != 1 || warn[0].Fields["reason"] != "HTTP 503" || warn[0].Fields["operation"] != "CardDetails" {
		t.Errorf("want one retry warning, got:\n%s", logs)
	}
	secrets := []string{testToken, testBearer, testPAN, "987"}
	sigs.Range(func(_, v any) bool {
		if s, ok := v.(string); ok {
			secrets = append(secrets, s)
		}
		return true
	})
	logs.assertNoSecrets(t, secrets...)
}

func TestContextCancellation(t *testing.T) {
	t.Run("cancelled before the call", func(t *testing.T) {
		srv := newScriptServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, `{}`) })
		c, _ := newTestClient(t, srv.URL)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := c.MerchantInformation(ctx)
		if !errors.Is(err, context.Canceled) || KindOf(err) != KindTransport {
			t.Errorf("got %v (kind %q)", err, KindOf(err))
		}
		if srv.requests() != 0 {
			t.Errorf("a cancelled call reached the server")
		}
	})
	t.Run("cancelled while ApplyCard is in flight", func(t *testing.T) {
		release := make(chan struct{})
		arrived := make(chan struct{})
		srv := newScriptServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			close(arrived) // the server has the request: from here on it may be processed
			<-release
		})
		defer close(release)
		c, _ := newTestClient(t, srv.URL)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() { <-arrived; cancel() }()
		_, err := c.ApplyCard(ctx, ApplyCardRequest{ProgramID: "p1"})
		if !IsOutcomeUnknown(err) || !errors.Is(err, context.Canceled) {
			t.Errorf("got %v (kind %q), want outcome unknown wrapping the cancellation", err, KindOf(err))
		}
		if srv.requests() != 1 {
			t.Errorf("server saw %d requests", srv.requests())
		}
	})
	t.Run("cancelled during retry backoff", func(t *testing.T) {
		srv := newScriptServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "30")
			writeJSON(w, 429, `{"status":"Failed","remarks":"slow down"}`)
		})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		// Cancel exactly when the client decides to back off and retry.
		c, _ := newTestClient(t, srv.URL, func(cfg *Config) { cfg.Logger = &cancelOnWarn{cancel: cancel} })
		c.retryAfterMax = time.Minute
		start := time.Now()
		_, err := c.TopUp(ctx, "c1", decimal.NewFromInt(1))
		if time.Since(start) > 20*time.Second {
			t.Errorf("backoff ignored the context")
		}
		// A 429 proves the top-up was not processed: not "outcome unknown".
		if KindOf(err) != KindTransport || !errors.Is(err, context.Canceled) {
			t.Errorf("got %v (kind %q)", err, KindOf(err))
		}
		if srv.requests() != 1 {
			t.Errorf("server saw %d requests", srv.requests())
		}
	})
}

// cancelOnWarn cancels a context at the first warning (the retry decision).
type cancelOnWarn struct {
	nopLogger
	cancel context.CancelFunc
}

func (l *cancelOnWarn) Warn(context.Context, string, map[string]any) { l.cancel() }

// Terraform runs up to -parallelism operations at once against one host. Each wave of
// concurrent calls must reuse the connections of the last: a fresh one costs a TCP (and, on
// the real platform, a TLS) handshake. go-cleanhttp's pooled transport keeps only
// GOMAXPROCS+1 idle connections per host, so it closed most of them after every wave.
func TestConcurrentCallsReuseConnections(t *testing.T) {
	// More calls at once than go-cleanhttp keeps idle per host, on any machine up to 89 cores.
	concurrent := min(pooledTransport().MaxIdleConnsPerHost, max(50, runtime.GOMAXPROCS(0)+11))
	const waves = 3
	var wave atomic.Pointer[barrier]
	var answered atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if wave.Load().arriveAndWait(r.Context()) { // the whole wave in flight: one connection each
			answered.Add(1)
			writeJSON(w, 200, `{}`)
		}
	}))
	opened := countConnections(srv)
	srv.Start()
	t.Cleanup(srv.Close)
	c, _ := newTestClient(t, srv.URL)

	for i := range waves {
		wave.Store(newBarrier(concurrent))
		callsInWave(t, c, concurrent)
		// The first wave opens a connection per call, the next reuse them. Three spare allow for
		// a connection Go's transport did not pool: it waits at most 50 ms to learn that the
		// request was written.
		if got := int(opened.Load()); got < concurrent || got > concurrent+3 {
			t.Fatalf("after wave %d of %d concurrent calls: %d connections opened, want %d", i+1, concurrent, got, concurrent)
		}
	}
	if got := int(answered.Load()); got != waves*concurrent {
		t.Errorf("the server answered %d calls, want %d", got, waves*concurrent)
	}
}

// barrier holds requests until n have arrived, or a request's context ends (arriveAndWait
// then reports false).
type barrier struct {
	n       int32
	arrived atomic.Int32
	all     chan struct{}
}

func newBarrier(n int) *barrier { return &barrier{n: int32(n), all: make(chan struct{})} }

func (b *barrier) arriveAndWait(ctx context.Context) bool {
	if b.arrived.Add(1) == b.n {
		close(b.all)
	}
	select {
	case <-b.all:
		return true
	case <-ctx.Done():
		return false
	}
}

// BenchmarkConcurrentCallsOverTLS is one wave of 50 concurrent calls against a TLS server per
// iteration, through go-cleanhttp's pooled transport as it comes and through ours: what a
// TLS handshake per reopened connection costs, which the plain-HTTP sandbox cannot show.
func BenchmarkConcurrentCallsOverTLS(b *testing.B) {
	const concurrent = 50
	for _, pool := range []struct {
		name      string
		transport func() *http.Transport
	}{
		{"go-cleanhttp", cleanhttp.DefaultPooledTransport},
		{"ours", pooledTransport},
	} {
		b.Run(pool.name, func(b *testing.B) {
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				writeJSON(w, 200, `{}`)
			}))
			opened := countConnections(srv)
			srv.Config.ErrorLog = log.New(io.Discard, "", 0) // handshakes cut short when the pool closes a connection
			srv.StartTLS()
			b.Cleanup(srv.Close)
			transport := pool.transport()
			srvTransport, ok := srv.Client().Transport.(*http.Transport)
			if !ok {
				b.Fatalf("httptest's client transport is a %T", srv.Client().Transport)
			}
			transport.TLSClientConfig = srvTransport.TLSClientConfig.Clone()
			c, err := New(Config{BaseURL: srv.URL, CustomerToken: testToken, PrivateKey: testKey(b),
				HTTPClient: &http.Client{Transport: transport}})
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				callsInWave(b, c, concurrent)
			}
			b.ReportMetric(float64(opened.Load())/float64(b.N), "conns/op")
		})
	}
}

// countConnections counts the connections srv (not started yet) accepts.
func countConnections(srv *httptest.Server) *atomic.Int32 {
	var opened atomic.Int32
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			opened.Add(1)
		}
	}
	return &opened
}

// callsInWave makes n MerchantInformation calls at once and returns when all have answered.
func callsInWave(tb testing.TB, c *Client, n int) {
	var calls sync.WaitGroup
	for range n {
		calls.Go(func() {
			if _, err := c.MerchantInformation(tb.Context()); err != nil {
				tb.Error(err)
			}
		})
	}
	calls.Wait()
}
