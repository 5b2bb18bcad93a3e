package cardsapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// statusServer answers CardDetails and TopUpStatus from a script of answers, one per poll;
// the last answer repeats.
func statusServer(t *testing.T, answers ...func(w http.ResponseWriter)) *scriptServer {
	t.Helper()
	return newScriptServer(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		answers[min(n, len(answers)-1)](w)
	})
}

func cardStatus(status string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		writeJSON(w, 200, fmt.Sprintf(`{"cardNumber":"%s","cvv":"987","expirationDate":"12/29","cardStatus":%q}`, testPAN, status))
	}
}

func topUpStatus(status, remarks string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		writeJSON(w, 200, fmt.Sprintf(`{"taskId":"t1","cardId":"c1","currency":"USD","amount":"25.5","settlemetAmount":"25","fee":"0.5","type":"recharge","date":1764000000,"status":%q,"remarks":%q}`, status, remarks))
	}
}

func answer(code int, body string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) { writeJSON(w, code, body) }
}

func newWaitClient(t *testing.T, url string, mutate ...func(*Config)) (*Client, *captureLogger, *fakeClock) {
	t.Helper()
	clock := newFakeClock()
	c, logs := newTestClient(t, url, func(cfg *Config) {
		cfg.Clock = clock
		cfg.MaxRetries = Retries(0) // each poll sees errors directly
		cfg.PollInitial = 500 * time.Millisecond
		cfg.PollMax = 4 * time.Second
		for _, m := range mutate {
			m(cfg)
		}
	})
	return c, logs, clock
}

func TestWaitForCardStatusReachesTarget(t *testing.T) {
	srv := statusServer(t, cardStatus("Pending"), cardStatus("Pending"), cardStatus("SomethingNew"),
		cardStatus("pending"), cardStatus("Pending"), cardStatus("ACTIVE"))
	c, logs, clock := newWaitClient(t, srv.URL)
	d, err := c.WaitForCardStatus(context.Background(), "c1", []string{CardStatusActive}, []string{CardStatusKYCRejected})
	if err != nil {
		t.Fatal(err)
	}
	if d.CardStatus != CardStatusActive || d.CardNumber != testPAN { // the client's spelling of the status
		t.Errorf("details %+v", d)
	}
	if srv.requests() != 6 {
		t.Errorf("%d polls, want 6", srv.requests())
	}
	// Looks at 0, 0.5, 1, 2, 4 and 8 s: a lone wait doubles the time since its start from
	// PollInitial on, each interval at most PollMax.
	want := []time.Duration{500 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second}
	if got := clock.waits(); !slices.Equal(got, want) {
		t.Errorf("waits %v, want %v", got, want)
	}
	info := logs.byLevel("info")
	// Progress at INFO: the start, each change of status, and the end with the elapsed time.
	last := len(info) - 1
	if len(info) != 4 || info[0].Msg != "waiting for card" || info[0].Fields["last_status"] != "Pending" ||
		info[1].Msg != "card status now SomethingNew" || info[2].Msg != "card status now Pending" ||
		!strings.Contains(info[last].Msg, "settled") || info[last].Fields["elapsed_ms"] != int64(8000) {
		t.Errorf("info lines:\n%s", logs)
	}
	logs.assertNoSecrets(t, testPAN, "987", testToken)
}

func TestWaitForCardStatusFailureStatus(t *testing.T) {
	srv := statusServer(t, cardStatus("KycReview"), cardStatus("KycRejected"))
	c, _, _ := newWaitClient(t, srv.URL)
	_, err := c.WaitForCardStatus(context.Background(), "c-42", []string{CardStatusAwaitingBinding}, []string{CardStatusKYCRejected})
	if err == nil || !strings.Contains(err.Error(), `"c-42"`) || !strings.Contains(err.Error(), `"KycRejected"`) {
		t.Fatalf("got %v", err)
	}
	var timeout *WaitTimeoutError
	if errors.As(err, &timeout) {
		t.Errorf("a failure status is not a timeout")
	}
	if srv.requests() != 2 {
		t.Errorf("%d polls", srv.requests())
	}
}

func TestWaitForCardStatusTimesOut(t *testing.T) {
	srv := statusServer(t, cardStatus("Pending"), cardStatus("Weird"))
	c, logs, clock := newWaitClient(t, srv.URL, func(cfg *Config) { cfg.UnknownStatusGrace = time.Hour })
	ctx := clock.withDeadline(2 * time.Minute)
	_, err := c.WaitForCardStatus(ctx, "x", []string{CardStatusActive}, nil)
	var timeout *WaitTimeoutError
	if !errors.As(err, &timeout) {
		t.Fatalf("got %T %v", err, err)
	}
	if want := `card "x" did not reach Active within 2m0s: last status "Weird" (not a known status)`; err.Error() != want {
		t.Errorf("message\n got: %s\nwant: %s", err, want)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("does not unwrap to the context error")
	}
	if timeout.LastStatus != "Weird" || timeout.Waited != 2*time.Minute || timeout.ID != "x" || timeout.What != "card" {
		t.Errorf("fields %+v", timeout)
	}
	if len(logs.byLevel("warn")) == 0 {
		t.Errorf("timeout not logged")
	}
}

// A status the client neither knows nor has mapped stops the wait after the grace, with an
// error that names it, what was expected and the setting that maps it; a mapped name settles.
func TestWaitForCardStatusUnknownStatus(t *testing.T) {
	srv := statusServer(t, cardStatus("Pending"), cardStatus("Normal"))
	c, _, clock := newWaitClient(t, srv.URL, func(cfg *Config) { cfg.UnknownStatusGrace = 10 * time.Second })
	start := clock.Now()
	_, err := c.WaitForCardStatus(clock.withDeadline(time.Hour), "c7", []string{CardStatusActive}, nil)
	var unknown *UnknownStatusError
	if !errors.As(err, &unknown) || unknown.Status != "Normal" || unknown.Setting != "card_status_map" {
		t.Fatalf("got %T %v", err, err)
	}
	for _, part := range []string{`"Normal"`, "was waiting for Active", `card_status_map = { "Normal" = "<the status it means>" }`} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("message lacks %q: %s", part, err)
		}
	}
	if waited := clock.Now().Sub(start); waited > 30*time.Second {
		t.Errorf("gave up after %s, want shortly after the 10s grace", waited)
	}

	byDefault, _, clock := newWaitClient(t, srv.URL)
	start = clock.Now()
	if _, err := byDefault.WaitForCardStatus(clock.withDeadline(time.Hour), "c7", []string{CardStatusActive}, nil); !IsUnknownStatus(err) {
		t.Fatalf("with the default grace: %T %v", err, err)
	}
	if waited := clock.Now().Sub(start); waited < DefaultUnknownStatusGrace || waited > 2*DefaultUnknownStatusGrace {
		t.Errorf("with the default grace, gave up after %s, want shortly after %s", waited, DefaultUnknownStatusGrace)
	}

	mapped, _, _ := newWaitClient(t, statusServer(t, cardStatus("Pending"), cardStatus("normal")).URL,
		func(cfg *Config) { cfg.CardStatusMap = map[string]string{"Normal": "active"} })
	d, err := mapped.WaitForCardStatus(context.Background(), "c7", []string{CardStatusActive}, nil)
	if err != nil || d.CardStatus != CardStatusActive {
		t.Fatalf("with a map: %+v, %v", d, err)
	}
}

func TestStatusMapsAreValidated(t *testing.T) {
	for name, mutate := range map[string]func(*Config){
		"card target":   func(c *Config) { c.CardStatusMap = map[string]string{"Normal": "Enabled"} },
		"top-up target": func(c *Config) { c.TopUpStatusMap = map[string]string{"Done": "Active"} },
		"empty name":    func(c *Config) { c.CardStatusMap = map[string]string{" ": "Active"} },
	} {
		cfg := Config{BaseURL: "https://example.test/api/v1", CustomerToken: "t", PrivateKey: testKey(t)}
		mutate(&cfg)
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: New accepted %v / %v", name, cfg.CardStatusMap, cfg.TopUpStatusMap)
		}
	}
}

func TestWaitTimeoutErrorMessages(t *testing.T) {
	for _, tc := range []struct {
		err  *WaitTimeoutError
		want string
	}{
		{&WaitTimeoutError{What: "card", ID: "c", Target: []string{"Active"}, LastStatus: "Pending", Waited: 90 * time.Second, Cause: context.DeadlineExceeded},
			`card "c" did not reach Active within 1m30s: last status "Pending"`},
		{&WaitTimeoutError{What: "card", ID: "c", Target: []string{"Active", "Frozen"}, Waited: 1500 * time.Millisecond, Cause: context.DeadlineExceeded},
			`card "c" did not reach Active or Frozen within 2s: no status was read`},
		{&WaitTimeoutError{What: "top-up", ID: "t", Target: []string{"Success"}, LastStatus: "Pending", Waited: 3 * time.Second, Cause: context.Canceled},
			`stopped waiting for top-up "t" to reach Success after 3s (cancelled): last status "Pending"`},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("\n got: %s\nwant: %s", got, tc.want)
		}
	}
}

func TestWaitForCardStatusRidesOutTransientErrors(t *testing.T) {
	srv := statusServer(t, answer(503, ``), answer(500, `{"status":"Failed","remarks":"oops"}`), answer(429, ``),
		cardStatus("Pending"), answer(502, `bad gateway`), cardStatus("Active"))
	c, logs, _ := newWaitClient(t, srv.URL)
	if _, err := c.WaitForCardStatus(context.Background(), "c1", []string{"active"}, nil); err != nil {
		t.Fatal(err)
	}
	if got := len(logs.byLevel("warn")); got != 4 {
		t.Errorf("%d warnings for 4 transient errors:\n%s", got, logs)
	}
}

func TestWaitForCardStatusStopsOnPermanentErrors(t *testing.T) {
	for name, a := range map[string]func(http.ResponseWriter){
		"not found":    answer(404, `{"status":"Failed","remarks":"Record Not Found"}`),
		"unauthorized": answer(401, `{"status":"Failed","remarks":"Invalid signature"}`),
		"undecodable":  answer(200, `nonsense`),
	} {
		t.Run(name, func(t *testing.T) {
			srv := statusServer(t, cardStatus("Pending"), a)
			c, _, _ := newWaitClient(t, srv.URL)
			_, err := c.WaitForCardStatus(context.Background(), "c1", []string{CardStatusActive}, nil)
			var apiErr *Error
			if !errors.As(err, &apiErr) || srv.requests() != 2 {
				t.Errorf("got %v after %d polls", err, srv.requests())
			}
		})
	}
}

func TestWaitForCardCancelled(t *testing.T) {
	for name, answers := range map[string][]func(http.ResponseWriter){
		"status Cancelled": {cardStatus("Active"), cardStatus("cancelled")},
		"404":              {cardStatus("Frozen"), answer(404, ``)},
		"record not found": {cardStatus("Active"), answer(200, `{"status":"Failed","remarks":"Record Not Found"}`)},
	} {
		t.Run(name, func(t *testing.T) {
			srv := statusServer(t, answers...)
			c, _, _ := newWaitClient(t, srv.URL)
			if err := c.WaitForCardCancelled(context.Background(), "c1"); err != nil {
				t.Fatal(err)
			}
			if srv.requests() != 2 {
				t.Errorf("%d polls", srv.requests())
			}
		})
	}
	t.Run("refused", func(t *testing.T) {
		srv := statusServer(t, answer(401, ``))
		c, _, _ := newWaitClient(t, srv.URL)
		if err := c.WaitForCardCancelled(context.Background(), "c1"); KindOf(err) != KindUnauthorized {
			t.Errorf("got %v", err)
		}
	})
}

func TestWaitForTopUp(t *testing.T) {
	t.Run("success", func(t *testing.T) {
		srv := statusServer(t, topUpStatus("Pending", ""), answer(503, ``), topUpStatus("success", "done"))
		c, _, _ := newWaitClient(t, srv.URL)
		s, err := c.WaitForTopUp(context.Background(), "t1")
		if err != nil {
			t.Fatal(err)
		}
		if s.TaskID != "t1" || s.Amount.String() != "25.5" || s.SettlementAmount.String() != "25" {
			t.Errorf("status %+v", s)
		}
	})
	t.Run("failed", func(t *testing.T) {
		srv := statusServer(t, topUpStatus("Processing", ""), topUpStatus("Failed", "Card is frozen"))
		c, _, _ := newWaitClient(t, srv.URL)
		_, err := c.WaitForTopUp(context.Background(), "t1")
		if !IsRefused(err) || RemarksOf(err) != "Card is frozen" {
			t.Errorf("got %v", err)
		}
	})
	t.Run("not found", func(t *testing.T) {
		srv := statusServer(t, answer(200, `{"status":"Failed","remarks":"Record Not Found"}`))
		c, _, _ := newWaitClient(t, srv.URL)
		if _, err := c.WaitForTopUp(context.Background(), "t1"); !IsNotFound(err) {
			t.Errorf("got %v", err)
		}
	})
	t.Run("timeout names a known in-progress status", func(t *testing.T) {
		srv := statusServer(t, topUpStatus("Pending", ""))
		c, _, clock := newWaitClient(t, srv.URL)
		_, err := c.WaitForTopUp(clock.withDeadline(30*time.Second), "t1")
		if want := `top-up "t1" did not reach Success within 30s: last status "Pending"`; err == nil || err.Error() != want {
			t.Errorf("got %v", err)
		}
	})
}

func TestWaitHonoursRealContext(t *testing.T) {
	srv := statusServer(t, cardStatus("Pending"))
	c, _ := newTestClient(t, srv.URL, func(cfg *Config) {
		cfg.PollInitial = 10 * time.Millisecond
		cfg.PollMax = 20 * time.Millisecond
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	_, err := c.WaitForCardStatus(ctx, "c1", []string{CardStatusActive}, nil)
	var timeout *WaitTimeoutError
	if !errors.As(err, &timeout) || !errors.Is(err, context.DeadlineExceeded) || timeout.LastStatus != "Pending" {
		t.Errorf("got %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("wait overran its context")
	}
}
