package sandbox

import (
	"math"
	"net/http"
	"strconv"
	"testing"
	"time"
)

func TestRateLimit(t *testing.T) {
	s, c := startSandbox(t, Options{RateLimit: 5})

	// A burst beyond the bucket (5) is refused in part, each refusal saying when to retry.
	codes := map[int]int{}
	for i := 0; i < 20; i++ {
		r := c.get("/Countries")
		codes[r.code]++
		if r.code == http.StatusTooManyRequests {
			if after, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || after < 1 {
				t.Fatalf("Retry-After %q", r.header.Get("Retry-After"))
			}
			if r.field("status") != StatusFailed {
				t.Fatalf("429 body %s", r)
			}
		}
	}
	if codes[http.StatusTooManyRequests] == 0 || codes[http.StatusOK] < 5 || codes[http.StatusOK]+codes[http.StatusTooManyRequests] != 20 {
		t.Fatalf("burst of 20 at 5/s: %v", codes)
	}
	counts := s.Counters()
	if counts["Countries.ratelimited"] != codes[http.StatusTooManyRequests] || counts["Countries.processed"] != codes[http.StatusOK] || counts["Countries.faulted"] != 0 {
		t.Fatalf("counters %v for %v", counts, codes)
	}

	// Requests spaced wider than 1/R are never refused, even right after a burst.
	for i := 0; i < 6; i++ {
		time.Sleep(250 * time.Millisecond)
		if r := c.get("/Countries"); r.code != http.StatusOK {
			t.Fatalf("spaced request %d: %s", i, r)
		}
	}
}

func TestRateLimitRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		perSecond  float64
		retryAfter string // of the first refusal after the bucket is empty
	}{
		{0.5, "2"}, // a token every 2 s
		{0.25, "4"},
		{3, "1"}, // a third of a second, rounded up to the whole second
	} {
		t.Run(strconv.FormatFloat(tc.perSecond, 'g', -1, 64), func(t *testing.T) {
			s, c := startSandbox(t, Options{})
			if err := s.SetRateLimit(tc.perSecond); err != nil {
				t.Fatal(err)
			}
			burst := max(1, int(math.Ceil(tc.perSecond)))
			for i := 0; i < burst; i++ {
				mustStatus(t, c.get("/Countries"), http.StatusOK)
			}
			// Refused before authentication: the very same signed request passes later.
			req := c.signedRequest(http.MethodPost, "/ApplyCard", map[string]any{"programId": ProgramVirtual}, time.Now(), freshNonce())
			retry := req.Clone(req.Context())
			retry.Body, _ = req.GetBody()
			r, err := c.send(req)
			if err != nil {
				t.Fatal(err)
			}
			mustStatus(t, r, http.StatusTooManyRequests)
			if got := r.header.Get("Retry-After"); got != tc.retryAfter {
				t.Fatalf("Retry-After %q, want %s", got, tc.retryAfter)
			}
			if len(s.Cards()) != 0 || s.Counters()["ApplyCard.ratelimited"] != 1 {
				t.Fatalf("refused request processed: counters %v", s.Counters())
			}
			if err := s.SetRateLimit(0); err != nil { // lifting the limit lets it through at once
				t.Fatal(err)
			}
			if r, err = c.send(retry); err != nil {
				t.Fatal(err)
			}
			mustSucceed(t, r)
		})
	}
}

func TestRateLimitValidation(t *testing.T) {
	for _, tc := range []struct {
		perSecond float64
		valid     bool
	}{
		{0, true}, {0.1, true}, {5, true}, {1e9, true},
		{-1, false}, {math.NaN(), false}, {math.Inf(1), false},
	} {
		srv, newErr := New(Options{PublicKey: &testKey.PublicKey, RateLimit: tc.perSecond})
		if srv != nil {
			srv.Close()
		}
		s, _ := New(Options{PublicKey: &testKey.PublicKey})
		setErr := s.SetRateLimit(tc.perSecond)
		s.Close()
		if (newErr == nil) != tc.valid || (setErr == nil) != tc.valid {
			t.Errorf("rate limit %v: New %v, SetRateLimit %v; want valid=%v", tc.perSecond, newErr, setErr, tc.valid)
		}
	}
}
