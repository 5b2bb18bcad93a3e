package sandbox

import (
	"math"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestOneShotFaultsAnswerBeforeProcessing(t *testing.T) {
	for _, tc := range []struct {
		mode string
		code int
	}{{ModeThrottle, http.StatusTooManyRequests}, {Mode500, http.StatusInternalServerError}, {Mode503, http.StatusServiceUnavailable}} {
		t.Run(tc.mode, func(t *testing.T) {
			s, c := startSandbox(t, Options{})
			s.SetFaults(Faults{Next: []NextFault{{Operation: "applycard", Mode: tc.mode}}})
			// Other operations are not hit.
			mustStatus(t, c.get("/Countries"), http.StatusOK)
			req := c.signedRequest(http.MethodPost, "/ApplyCard", map[string]any{"programId": ProgramVirtual}, time.Now(), freshNonce())
			retry := req.Clone(req.Context())
			retry.Body, _ = req.GetBody()
			r, err := c.send(req)
			if err != nil {
				t.Fatal(err)
			}
			mustStatus(t, r, tc.code)
			if r.field("status") != StatusFailed {
				t.Fatalf("fault body %s", r)
			}
			if tc.mode == ModeThrottle && r.header.Get("Retry-After") != "1" {
				t.Fatalf("Retry-After %q", r.header.Get("Retry-After"))
			}
			if n := len(s.Cards()); n != 0 {
				t.Fatalf("faulted request created %d cards", n)
			}
			// Not processed, so the nonce was not used: the very same request now succeeds.
			r, err = c.send(retry)
			if err != nil {
				t.Fatal(err)
			}
			mustSucceed(t, r)
			counts := s.Counters()
			if counts[OpApplyCard] != 2 || counts["ApplyCard.faulted"] != 1 || counts["ApplyCard.processed"] != 1 || len(s.Cards()) != 1 {
				t.Fatalf("counters %v, %d cards", counts, len(s.Cards()))
			}
			if len(s.CurrentFaults().Next) != 0 {
				t.Fatalf("one-shot fault not used up: %+v", s.CurrentFaults())
			}
		})
	}
}

func TestLoseResponseProcessesThenDrops(t *testing.T) {
	s, c := startSandbox(t, Options{})
	s.SetFaults(Faults{Next: []NextFault{{Operation: OpApplyCard, Mode: ModeLoseResponse}, {Operation: OpCardTopUp, Mode: ModeLoseResponse, Count: 2}}})
	_, err := c.send(c.signedRequest(http.MethodPost, "/ApplyCard", map[string]any{"programId": ProgramVirtual}, time.Now(), freshNonce()))
	if err == nil {
		t.Fatal("lost response arrived")
	}
	cards := s.Cards()
	if len(cards) != 1 {
		t.Fatalf("want exactly one card created, got %d", len(cards))
	}
	counts := s.Counters()
	if counts["ApplyCard.processed"] != 1 || counts["ApplyCard.faulted"] != 1 {
		t.Fatalf("counters %v", counts)
	}
	id := cards[0].ID
	c.waitStatus(id, CardStatusActive)
	for i := 0; i < 2; i++ {
		if _, err := c.send(c.signedRequest(http.MethodPost, "/CardTopUp", map[string]any{"cardId": id, "amount": "10.00"}, time.Now(), freshNonce())); err == nil {
			t.Fatal("lost response arrived")
		}
	}
	mustSucceed(t, c.post("/CardTopUp", map[string]any{"cardId": id, "amount": "10.00"}))
	if n := len(s.TopUps()); n != 3 || s.Counters()["CardTopUp.processed"] != 3 {
		t.Fatalf("%d top-ups, counters %v", n, s.Counters())
	}
	if !s.MerchantBalance("USD").Equal(dec("99970.00")) {
		t.Fatalf("merchant %s", s.MerchantBalance("USD"))
	}
}

func TestFaultRates(t *testing.T) {
	t.Run("throttle", func(t *testing.T) {
		_, c := startSandbox(t, Options{ThrottleRate: 1})
		r := c.get("/Countries")
		mustStatus(t, r, http.StatusTooManyRequests)
	})
	t.Run("errors", func(t *testing.T) {
		s, c := startSandbox(t, Options{ErrorRate: 1})
		seen := map[int]bool{}
		for i := 0; i < 40; i++ {
			seen[c.get("/Countries").code] = true
		}
		if len(seen) != 2 || !seen[500] || !seen[503] {
			t.Fatalf("codes %v", seen)
		}
		if s.Counters()["Countries.processed"] != 0 {
			t.Fatal("errored requests processed")
		}
	})
	t.Run("lose", func(t *testing.T) {
		s, c := startSandbox(t, Options{LoseResponseRate: 1})
		if _, err := c.send(c.signedRequest(http.MethodPost, "/ApplyCard", map[string]any{"programId": ProgramVirtual}, time.Now(), freshNonce())); err == nil {
			t.Fatal("answer arrived")
		}
		if len(s.Cards()) != 1 {
			t.Fatal("request not processed")
		}
	})
	t.Run("mixed", func(t *testing.T) {
		s, c := startSandbox(t, Options{})
		s.SetFaults(Faults{ErrorRate: 0.5})
		seen := map[int]int{}
		for i := 0; i < 100; i++ {
			seen[c.get("/Countries").code]++
		}
		if seen[200] == 0 || seen[500]+seen[503] == 0 {
			t.Fatalf("codes %v", seen)
		}
	})
	t.Run("latency", func(t *testing.T) {
		_, c := startSandbox(t, Options{Latency: 60 * time.Millisecond})
		start := time.Now()
		mustStatus(t, c.get("/Countries"), http.StatusOK)
		if d := time.Since(start); d < 60*time.Millisecond {
			t.Fatalf("answered after %v", d)
		}
	})
}

func TestFaultValidation(t *testing.T) {
	for _, f := range []Faults{
		{ErrorRate: 1.5},
		{ThrottleRate: -0.1},
		{Latency: -time.Second},
		{Next: []NextFault{{Operation: "ApplyCard", Mode: "teapot"}}},
		{Next: []NextFault{{Operation: "ApplyCrad", Mode: Mode500}}},
		{Next: []NextFault{{Operation: "CardFreeze", Mode: ModeTopUpFails}}},
	} {
		if err := f.Validate(); err == nil {
			t.Errorf("%+v accepted", f)
		}
	}
	if _, err := New(Options{PublicKey: &testKey.PublicKey, ErrorRate: 2}); err == nil || !strings.Contains(err.Error(), "errorRate") {
		t.Fatalf("New with a bad rate: %v", err)
	}
	s, err := New(Options{PublicKey: &testKey.PublicKey})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	defer func() {
		if recover() == nil {
			t.Fatal("SetFaults accepted an invalid mode")
		}
	}()
	s.SetFaults(Faults{Next: []NextFault{{Mode: "teapot"}}})
}

func TestAnyOperationFault(t *testing.T) {
	s, c := startSandbox(t, Options{})
	s.SetFaults(Faults{Next: []NextFault{{Mode: Mode503, Count: 2}}})
	mustStatus(t, c.get("/Countries"), http.StatusServiceUnavailable)
	mustStatus(t, c.get("/MerchantInformation/Merchant"), http.StatusServiceUnavailable)
	mustStatus(t, c.get("/Countries"), http.StatusOK)
}

// Go's transport silently resends a GET whose response was lost on a reused keep-alive
// connection; the resend carries the same nonce and is refused. On a fresh connection the
// loss surfaces as a transport error. Both are what a client must cope with.
func TestLoseResponseOnGET(t *testing.T) {
	s, c := startSandbox(t, Options{})
	c.hc = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
	s.SetFaults(Faults{Next: []NextFault{{Operation: OpCountries, Mode: ModeLoseResponse}}})
	if r, err := c.send(c.signedRequest(http.MethodGet, "/Countries", nil, time.Now(), freshNonce())); err == nil {
		t.Fatalf("answer arrived: %s", r)
	}
	if n := s.Counters()["Countries.processed"]; n != 1 {
		t.Fatalf("processed %d", n)
	}
}

// withTimeout is c with a client that gives up after d.
func withTimeout(c *client, d time.Duration) *client {
	short := *c
	short.hc = &http.Client{Timeout: d}
	return &short
}

// A request the client gave up on during the latency still takes effect once received, as
// on a real platform. A GET is the sharpest case: net/http notices the client leaving at
// once when there is no body left to read.
func TestProcessingOutlivesClientTimeout(t *testing.T) {
	for _, tc := range []struct {
		op     string
		method string
		path   string
		body   func(c *client) any
		done   func(s *Running) bool
	}{
		{OpApplyCard, http.MethodPost, "/ApplyCard",
			func(*client) any { return map[string]any{"programId": ProgramVirtual} },
			func(s *Running) bool { return len(s.Cards()) == 1 }},
		{OpCardTopUp, http.MethodPost, "/CardTopUp",
			func(c *client) any { return map[string]any{"cardId": c.activeCard(ProgramVirtual), "amount": "10.00"} },
			func(s *Running) bool { return len(s.TopUps()) == 1 }},
		{OpCountries, http.MethodGet, "/Countries",
			func(*client) any { return nil },
			func(s *Running) bool { return s.Counters()["Countries.processed"] == 1 }},
	} {
		t.Run(tc.op, func(t *testing.T) {
			s, c := startSandbox(t, Options{})
			body := tc.body(c)
			s.SetFaults(Faults{Latency: 800 * time.Millisecond})
			impatient := withTimeout(c, 150*time.Millisecond)
			if r, err := impatient.send(impatient.signedRequest(tc.method, tc.path, body, time.Now(), freshNonce())); err == nil {
				t.Fatalf("answer arrived before the latency: %s", r)
			}
			eventually(t, tc.op+" processed after the client left", func() bool { return tc.done(s) })
			if n := s.Counters()[tc.op+".processed"]; n != 1 {
				t.Fatalf("%s.processed = %d", tc.op, n)
			}
		})
	}
}

// late-answer and 500-after run the request to completion and then fail the answer: the
// client cannot tell that its request took effect.
func TestFaultsAfterProcessing(t *testing.T) {
	for _, tc := range []struct {
		name    string
		op      string
		faults  Faults
		timeout time.Duration
		check   func(t *testing.T, r response, err error, elapsed time.Duration)
	}{
		{
			name: "500-after on CardTopUp", op: OpCardTopUp,
			faults: Faults{Next: []NextFault{{Operation: OpCardTopUp, Mode: Mode500AfterProcessing}}},
			check: func(t *testing.T, r response, err error, _ time.Duration) {
				if err != nil {
					t.Fatal(err)
				}
				mustStatus(t, r, http.StatusInternalServerError)
				if r.field("status") != StatusFailed || r.field("remarks") != "Internal Server Error (sandbox fault)" {
					t.Fatalf("500 body %s", r)
				}
			},
		},
		{
			name: "late-answer on ApplyCard, client gives up", op: OpApplyCard, timeout: time.Second,
			faults: Faults{LateAnswerDelay: 3 * time.Second, Next: []NextFault{{Operation: OpApplyCard, Mode: ModeLateAnswer}}},
			check: func(t *testing.T, r response, err error, _ time.Duration) {
				if err == nil {
					t.Fatalf("late answer arrived within the client's timeout: %s", r)
				}
			},
		},
		{
			name: "late-answer on CardTopUp, client waits", op: OpCardTopUp,
			faults: Faults{LateAnswerDelay: 300 * time.Millisecond, Next: []NextFault{{Operation: OpCardTopUp, Mode: ModeLateAnswer}}},
			check: func(t *testing.T, r response, err error, elapsed time.Duration) {
				if err != nil {
					t.Fatal(err)
				}
				mustSucceed(t, r)
				if elapsed < 300*time.Millisecond {
					t.Fatalf("answered after %v", elapsed)
				}
			},
		},
		{
			name: "error-after rate", op: OpApplyCard, faults: Faults{ErrorAfterRate: 1},
			check: func(t *testing.T, r response, err error, _ time.Duration) {
				if err != nil || r.code != http.StatusInternalServerError {
					t.Fatalf("%s %v", r, err)
				}
			},
		},
		{
			name: "late-answer rate", op: OpApplyCard, timeout: 200 * time.Millisecond,
			faults: Faults{LateAnswerRate: 1},
			check: func(t *testing.T, r response, err error, _ time.Duration) {
				if err == nil {
					t.Fatalf("late answer arrived within the client's timeout: %s", r)
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, c := startSandbox(t, Options{})
			path, body := "/ApplyCard", map[string]any{"programId": ProgramVirtual}
			if tc.op == OpCardTopUp {
				path, body = "/CardTopUp", map[string]any{"cardId": c.activeCard(ProgramVirtual), "amount": "10.00"}
			}
			s.ResetCounters()
			s.SetFaults(tc.faults)
			sender := c
			if tc.timeout > 0 {
				sender = withTimeout(c, tc.timeout)
			}
			start := time.Now()
			r, err := sender.send(sender.signedRequest(http.MethodPost, path, body, time.Now(), freshNonce()))
			tc.check(t, r, err, time.Since(start))

			if tc.op == OpCardTopUp {
				if topUps := s.TopUps(); len(topUps) != 1 || !topUps[0].Amount.Equal(dec("10.00")) {
					t.Fatalf("top-ups %+v", topUps)
				}
			} else if n := len(s.Cards()); n != 1 {
				t.Fatalf("%d cards, want the one applied for", n)
			}
			counts := s.Counters()
			if counts[tc.op+".processed"] != 1 || counts[tc.op+".faulted"] != 1 {
				t.Fatalf("counters %v", counts)
			}
		})
	}
}

func TestFaultsValidate(t *testing.T) {
	for _, tc := range []struct {
		faults Faults
		want   string // "" when valid
	}{
		{Faults{LateAnswerRate: 1, ErrorAfterRate: 0.5, LateAnswerDelay: time.Minute}, ""},
		{Faults{Next: []NextFault{{Operation: OpApplyCard, Mode: ModeLateAnswer}, {Mode: Mode500AfterProcessing, Count: 3}}}, ""},
		{Faults{LateAnswerRate: 1.01}, "lateAnswerRate"},
		{Faults{LateAnswerRate: -0.5}, "lateAnswerRate"},
		{Faults{ErrorAfterRate: 2}, "errorAfterRate"},
		{Faults{ErrorAfterRate: math.NaN()}, "errorAfterRate"},
		{Faults{LateAnswerDelay: -time.Second}, "lateAnswerDelay"},
		{Faults{Next: []NextFault{{Mode: "500-before"}}}, "unknown fault mode"},
	} {
		err := tc.faults.Validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%+v: %v", tc.faults, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%+v: error %v, want one naming %s", tc.faults, err, tc.want)
		}
	}
	if _, err := New(Options{PublicKey: &testKey.PublicKey, LateAnswerRate: 3}); err == nil {
		t.Fatal("New accepted lateAnswerRate 3")
	}
}
