package cardsapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// callByName runs one of the operations the retry table covers.
func callByName(ctx context.Context, c *Client, name string) error {
	var err error
	switch name {
	case "GET CardDetails":
		_, err = c.CardDetails(ctx, "c1")
	case "CancelCard":
		_, err = c.CancelCard(ctx, "c1")
	case "ApplyCard":
		_, err = c.ApplyCard(ctx, ApplyCardRequest{ProgramID: "p1"})
	case "CardTopUp":
		_, err = c.TopUp(ctx, "c1", decimal.RequireFromString("25.50"))
	case "Binding":
		_, err = c.BindCard(ctx, BindCardRequest{CardID: "c1", CardNumber: testPAN})
	default:
		panic(name)
	}
	return err
}

const okBody = `{"cardId":"c1","taskId":"t1","status":"Success","remarks":"ok","cardNumber":"4111111111111111","cardStatus":"Active"}`

func TestRetryPolicy(t *testing.T) {
	type fault struct {
		name     string
		first    func(w http.ResponseWriter, r *http.Request) // the first request's answer; later ones get 200
		refuse   bool                                         // instead: the first dial is refused
		timeout  bool                                         // instead: the first answer is later than RequestTimeout
		safeOnly bool                                         // retried only for idempotent operations
	}
	faults := []fault{
		{name: "429 then 200", first: func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 429, `{"status":"Failed","remarks":"slow down"}`)
		}},
		{name: "503 then 200", first: func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 503, ``) }},
		{name: "500 then 200", first: func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 500, `{"status":"Failed","remarks":"oops"}`)
		}, safeOnly: true},
		{name: "502 then 200", first: func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 502, `bad gateway`) }, safeOnly: true},
		{name: "504 then 200", first: func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 504, ``) }, safeOnly: true},
		{name: "connection closed mid-response", first: hijackClose, safeOnly: true},
		{name: "body cut short", first: func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Length", "500")
			w.WriteHeader(200)
			_, _ = w.Write([]byte(`{"cardId":"c1",`))
		}, safeOnly: true},
		{name: "attempt timeout", timeout: true, safeOnly: true},
		{name: "connection refused", refuse: true},
	}
	ops := []struct {
		name string
		safe bool
	}{{"GET CardDetails", true}, {"CancelCard", true}, {"ApplyCard", false}, {"CardTopUp", false}, {"Binding", false}}

	for _, f := range faults {
		for _, op := range ops {
			t.Run(f.name+"/"+op.name, func(t *testing.T) {
				t.Parallel()
				release := make(chan struct{})
				srv := newScriptServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
					if n == 0 && f.first != nil {
						f.first(w, r)
						return
					}
					if n == 0 && f.timeout {
						_, _ = io.Copy(io.Discard, r.Body)
						select {
						case <-release:
						case <-r.Context().Done():
						}
						return
					}
					_, _ = io.Copy(io.Discard, r.Body)
					writeJSON(w, 200, okBody)
				})
				defer close(release)
				dialer := newRefusingDialer(t, 0)
				if f.refuse {
					dialer = newRefusingDialer(t, 1)
				}
				c, logs := newTestClient(t, srv.URL, func(cfg *Config) {
					cfg.HTTPClient = dialer.httpClient()
					if f.timeout {
						cfg.RequestTimeout = time.Second // generous: the retry must fit in it on a busy machine
						cfg.IssuingRequestTimeout = time.Second
					}
				})
				err := callByName(context.Background(), c, op.name)

				retried := op.safe || !f.safeOnly
				if retried {
					if err != nil {
						t.Fatalf("want success after a retry, got %v", err)
					}
					wantRequests := 2
					if f.refuse {
						wantRequests = 1 // the refused attempt never reached the server
					}
					if srv.requests() != wantRequests {
						t.Errorf("server saw %d requests, want %d", srv.requests(), wantRequests)
					}
					if len(logs.byLevel("warn")) != 1 {
						t.Errorf("want one retry warning:\n%s", logs)
					}
				} else {
					if srv.requests() != 1 {
						t.Errorf("server saw %d requests: a %s whose answer was lost was sent again", srv.requests(), op.name)
					}
					if !IsOutcomeUnknown(err) {
						t.Fatalf("want outcome unknown, got %v (kind %q)", err, KindOf(err))
					}
					msg := err.Error()
					want := "card may have been"
					if op.name == "CardTopUp" {
						want = "top-up may have been processed"
					}
					if !strings.Contains(msg, want) || !strings.Contains(msg, "before retrying") {
						t.Errorf("message does not say what may have happened: %q", msg)
					}
					if len(logs.byLevel("warn")) != 0 {
						t.Errorf("unexpected retry:\n%s", logs)
					}
				}
				if f.refuse && dialer.dials.Load() != 2 {
					t.Errorf("%d dials, want 2", dialer.dials.Load())
				}
				logs.assertNoSecrets(t, testToken, testPAN)
			})
		}
	}
}

func TestRetriesExhausted(t *testing.T) {
	cases := []struct {
		name  string
		code  int
		op    string
		kind  ErrorKind
		calls int
	}{
		{"429 GET", 429, "GET CardDetails", KindThrottled, 4},
		{"429 ApplyCard", 429, "ApplyCard", KindThrottled, 4},
		{"503 CardTopUp", 503, "CardTopUp", KindServer, 4},
		{"500 GET", 500, "GET CardDetails", KindServer, 4},
		{"502 CancelCard", 502, "CancelCard", KindServer, 4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newScriptServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
				writeJSON(w, tc.code, `{"status":"Failed","remarks":"nope"}`)
			})
			c, _ := newTestClient(t, srv.URL, func(cfg *Config) { cfg.MaxRetries = Retries(3) })
			err := callByName(context.Background(), c, tc.op)
			if KindOf(err) != tc.kind || RemarksOf(err) != "nope" {
				t.Errorf("got %v (kind %q), want kind %q", err, KindOf(err), tc.kind)
			}
			if srv.requests() != tc.calls {
				t.Errorf("server saw %d requests, want %d", srv.requests(), tc.calls)
			}
		})
	}

	t.Run("connection always refused", func(t *testing.T) {
		srv := newScriptServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, okBody) })
		for _, op := range []string{"GET CardDetails", "ApplyCard", "CardTopUp"} {
			dialer := newRefusingDialer(t, 100)
			c, _ := newTestClient(t, srv.URL, func(cfg *Config) { cfg.MaxRetries = Retries(2); cfg.HTTPClient = dialer.httpClient() })
			err := callByName(context.Background(), c, op)
			// Nothing was ever sent: a plain network error, not "outcome unknown".
			if KindOf(err) != KindTransport {
				t.Errorf("%s: got %v (kind %q), want %q", op, err, KindOf(err), KindTransport)
			}
			if dialer.dials.Load() != 3 {
				t.Errorf("%s: %d dials, want 3", op, dialer.dials.Load())
			}
		}
		if srv.requests() != 0 {
			t.Errorf("server saw %d requests", srv.requests())
		}
	})

	t.Run("no retries when MaxRetries is 0", func(t *testing.T) {
		srv := newScriptServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, 503, ``) })
		c, _ := newTestClient(t, srv.URL, func(cfg *Config) { cfg.MaxRetries = Retries(0) })
		if err := callByName(context.Background(), c, "GET CardDetails"); KindOf(err) != KindServer {
			t.Errorf("got %v", err)
		}
		if srv.requests() != 1 {
			t.Errorf("server saw %d requests", srv.requests())
		}
	})
}

func TestRetryAfterIsHonoured(t *testing.T) {
	t.Run("waits the seconds asked for", func(t *testing.T) {
		srv := newScriptServer(t, func(n int, w http.ResponseWriter, _ *http.Request) {
			if n == 0 {
				w.Header().Set("Retry-After", "1")
				writeJSON(w, 429, `{"status":"Failed","remarks":"slow down"}`)
				return
			}
			writeJSON(w, 200, okBody)
		})
		c, logs := newTestClient(t, srv.URL)
		c.retryAfterMax = 5 * time.Second
		start := time.Now()
		if err := callByName(context.Background(), c, "ApplyCard"); err != nil {
			t.Fatal(err)
		}
		if elapsed := time.Since(start); elapsed < time.Second {
			t.Errorf("retried after %v, before the 1s Retry-After", elapsed)
		}
		warn := logs.byLevel("warn")
		if len(warn) != 1 || warn[0].Fields["wait_ms"] != int64(1000) || warn[0].Fields["retry_after_ms"] != int64(1000) {
			t.Errorf("retry log: %s", logs)
		}
	})
	t.Run("capped", func(t *testing.T) {
		srv := newScriptServer(t, func(n int, w http.ResponseWriter, _ *http.Request) {
			if n == 0 {
				w.Header().Set("Retry-After", "3600")
				writeJSON(w, 503, ``)
				return
			}
			writeJSON(w, 200, okBody)
		})
		c, logs := newTestClient(t, srv.URL) // retryAfterMax is 20ms in tests
		start := time.Now()
		if err := callByName(context.Background(), c, "GET CardDetails"); err != nil {
			t.Fatal(err)
		}
		if elapsed := time.Since(start); elapsed > 5*time.Second {
			t.Errorf("cap ignored: took %v", elapsed)
		}
		warn := logs.byLevel("warn")
		if len(warn) != 1 || warn[0].Fields["wait_ms"] != int64(20) || warn[0].Fields["retry_after_ms"] != int64(3600*1000) {
			t.Errorf("retry log: %s", logs)
		}
	})
}

func TestBackoffIsCappedExponentialWithJitter(t *testing.T) {
	c, _ := newTestClient(t, "https://example.invalid")
	c.retryWaitMin, c.retryWaitMax = 100*time.Millisecond, 1600*time.Millisecond
	ms := time.Millisecond
	for attempt, base := range []time.Duration{100 * ms, 200 * ms, 400 * ms, 800 * ms, 1600 * ms, 1600 * ms, 1600 * ms} {
		for range 50 {
			wait, ra := c.backoff(attempt, nil)
			if wait < base/2 || wait > base || ra != 0 {
				t.Fatalf("attempt %d: wait %v outside [%v, %v]", attempt, wait, base/2, base)
			}
		}
	}
	if wait, _ := c.backoff(1000, nil); wait > c.retryWaitMax {
		t.Errorf("huge attempt number overflows: %v", wait)
	}
	resp := &http.Response{StatusCode: 429, Header: http.Header{"Retry-After": {"2"}}}
	c.retryAfterMax = time.Minute
	if wait, ra := c.backoff(0, resp); wait != 2*time.Second || ra != 2*time.Second {
		t.Errorf("Retry-After 2: wait %v", wait)
	}
	resp.Header.Set("Retry-After", c.clock.Now().Add(3*time.Second).UTC().Format(http.TimeFormat))
	if wait, _ := c.backoff(0, resp); wait < 2*time.Second || wait > 3*time.Second {
		t.Errorf("Retry-After date: wait %v", wait)
	}
	resp.Header.Set("Retry-After", "soon")
	if wait, ra := c.backoff(0, resp); ra != 0 || wait > 100*time.Millisecond {
		t.Errorf("bad Retry-After: wait %v, ra %v", wait, ra)
	}
}

func TestCheckRetryTable(t *testing.T) {
	for _, tc := range []struct {
		class retryClass
		code  int
		want  bool
	}{
		{retryIdempotent, 200, false}, {retryIdempotent, 400, false}, {retryIdempotent, 404, false},
		{retryIdempotent, 429, true}, {retryIdempotent, 500, true}, {retryIdempotent, 501, false},
		{retryIdempotent, 502, true}, {retryIdempotent, 503, true}, {retryIdempotent, 504, true},
		{retryOnlyIfUnprocessed, 429, true}, {retryOnlyIfUnprocessed, 503, true},
		{retryOnlyIfUnprocessed, 500, false}, {retryOnlyIfUnprocessed, 502, false}, {retryOnlyIfUnprocessed, 504, false},
	} {
		st := &callState{op: operation{Name: "x", Retry: tc.class}}
		got, err := st.checkRetry(context.Background(), &http.Response{StatusCode: tc.code}, nil)
		if got != tc.want || err != nil {
			t.Errorf("class %d, HTTP %d: retry %v, want %v", tc.class, tc.code, got, tc.want)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if got, err := (&callState{op: opCardDetails}).checkRetry(ctx, &http.Response{StatusCode: 503}, nil); got || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v %v", got, err)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Unix(1764000000, 0)
	for in, want := range map[string]time.Duration{"0": 0, "5": 5 * time.Second, " 7 ": 7 * time.Second,
		now.Add(10 * time.Second).UTC().Format(http.TimeFormat):  10 * time.Second,
		now.Add(-10 * time.Second).UTC().Format(http.TimeFormat): 0,
		strconv.Itoa(1 << 40): 24 * time.Hour} {
		if got, ok := parseRetryAfter(in, now); !ok || got != want {
			t.Errorf("%q: %v %v, want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "-1", "soon"} {
		if _, ok := parseRetryAfter(in, now); ok {
			t.Errorf("%q accepted", in)
		}
	}
}

// Go's transport would resend a body-less GET by itself when a reused keep-alive connection
// drops, with the same nonce, which the platform refuses as a replay. Every resend must come
// from the retry policy, signed afresh.
func TestResendsAfterDroppedKeepAliveUseFreshNonces(t *testing.T) {
	var mu sync.Mutex
	nonces := map[string]int{}
	var bodies []string
	srv := newScriptServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		nonces[r.Header.Get("nonce")]++
		bodies = append(bodies, fmt.Sprintf("%s len=%d te=%v body=%q", r.Method, r.ContentLength, r.TransferEncoding, body))
		mu.Unlock()
		if n == 1 {
			hijackClose(w, r) // the connection request 0 left open
			return
		}
		writeJSON(w, 200, okBody)
	})
	c, _ := newTestClient(t, srv.URL) // default pooled transport: keep-alive on
	for i := range 2 {
		if _, err := c.CardDetails(context.Background(), "c1"); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if srv.requests() != 3 {
		t.Errorf("server saw %d requests, want 3", srv.requests())
	}
	for nonce, n := range nonces {
		if n != 1 {
			t.Errorf("nonce %q sent %d times", nonce, n)
		}
	}
	for _, b := range bodies {
		if b != `GET len=0 te=[] body=""` {
			t.Errorf("GET went out with a body: %s", b)
		}
	}
}

// An error that no connection could be made says which base URL was tried and where it came
// from: a wrong port, an https URL on a plain-HTTP server or a forgotten CARDS_BASE_URL
// (which leaves the default) are the usual causes. Other transport errors do not say so.
func TestAFailedConnectionNamesTheBaseURLAndItsOrigin(t *testing.T) {
	plainHTTP := newScriptServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, okBody) })
	cut := newScriptServer(t, func(_ int, w http.ResponseWriter, r *http.Request) { hijackClose(w, r) })
	for _, tc := range []struct {
		name, url string
		advice    bool
	}{
		{"nothing listens on the port", "http://127.0.0.1:1/api/v1", true},
		{"https on a plain-HTTP server", strings.Replace(plainHTTP.URL, "http://", "https://", 1), true},
		{"connection closed without an answer", cut.URL, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newTestClient(t, tc.url, func(cfg *Config) {
				cfg.BaseURLOrigin = "the default"
				cfg.MaxRetries = Retries(0)
			})
			_, err := c.CardDetails(context.Background(), "c1")
			if KindOf(err) != KindTransport {
				t.Fatalf("got %v, want a network error", err)
			}
			msg := err.Error()
			said := strings.Contains(msg, "no connection to the Cards API at") &&
				strings.Contains(msg, "the base URL from the default") && strings.Contains(msg, "CARDS_BASE_URL")
			if said != tc.advice {
				t.Errorf("advice given: %v, want %v: %s", said, tc.advice, msg)
			}
		})
	}
}

// Once the platform has answered at the base URL, a failed connection is not the base URL's
// fault: the error does not send the user to check it.
func TestAFailedConnectionAfterAnAnswerDoesNotBlameTheBaseURL(t *testing.T) {
	srv := newScriptServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, okBody) })
	c, _ := newTestClient(t, srv.URL, func(cfg *Config) { cfg.MaxRetries = Retries(0) })
	if _, err := c.CardDetails(context.Background(), "c1"); err != nil {
		t.Fatal(err)
	}
	srv.Close() // the platform goes away: nothing listens there any more
	c.httpClient.CloseIdleConnections()
	_, err := c.CardDetails(context.Background(), "c1")
	if KindOf(err) != KindTransport || !connectionFailed(err) {
		t.Fatalf("got %v, want a network error without a connection", err)
	}
	if strings.Contains(err.Error(), "CARDS_BASE_URL") {
		t.Errorf("the error blames the base URL that has just answered: %s", err)
	}
}
