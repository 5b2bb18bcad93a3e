package cardsapi

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestRateLimitIsSharedByAllCallers checks the limiter's own schedule rather than wall-clock
// arrival times: every request that reached the server was granted a slot, and no two slots
// are closer than 1/RequestsPerSecond, however many goroutines share the client.
func TestRateLimitIsSharedByAllCallers(t *testing.T) {
	const rps, goroutines, perGoroutine = 100.0, 8, 5
	srv := newScriptServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, okBody) })
	c, _ := newTestClient(t, srv.URL, func(cfg *Config) { cfg.RequestsPerSecond = rps })
	var mu sync.Mutex
	var slots []time.Time
	c.onReserve = func(at time.Time) {
		mu.Lock()
		slots = append(slots, at)
		mu.Unlock()
	}

	start := time.Now()
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range perGoroutine {
				if _, err := c.CardDetails(context.Background(), "c1"); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)

	total := goroutines * perGoroutine
	if srv.requests() != total || len(slots) != total {
		t.Fatalf("%d requests, %d limiter slots, want %d each", srv.requests(), len(slots), total)
	}
	slices.SortFunc(slots, func(a, b time.Time) int { return a.Compare(b) })
	interval := time.Duration(float64(time.Second) / rps)
	for i := 1; i < len(slots); i++ {
		if gap := slots[i].Sub(slots[i-1]); gap < interval-time.Microsecond {
			t.Errorf("slots %d and %d are %v apart, less than %v", i-1, i, gap, interval)
		}
	}
	// A lower bound on wall-clock time is not flaky: the limiter cannot be faster than this.
	if minimum := time.Duration(total-1) * interval; elapsed < minimum*9/10 {
		t.Errorf("%d requests took %v, less than %v", total, elapsed, minimum)
	}
}

func TestRateLimitCountsRetries(t *testing.T) {
	srv := newScriptServer(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n < 2 {
			writeJSON(w, 503, ``)
			return
		}
		writeJSON(w, 200, okBody)
	})
	c, _ := newTestClient(t, srv.URL)
	slots := 0
	c.onReserve = func(time.Time) { slots++ }
	if _, err := c.CardDetails(context.Background(), "c1"); err != nil {
		t.Fatal(err)
	}
	if slots != 3 {
		t.Errorf("3 attempts took %d limiter slots", slots)
	}
}

func TestRateLimitWaitHonoursContext(t *testing.T) {
	srv := newScriptServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, okBody) })
	c, _ := newTestClient(t, srv.URL, func(cfg *Config) { cfg.RequestsPerSecond = 0.001 }) // one per 1000s
	if _, err := c.CardDetails(context.Background(), "c1"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.CardDetails(ctx, "c1")
	if !errors.Is(err, context.DeadlineExceeded) || KindOf(err) != KindTransport {
		t.Errorf("got %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("limiter wait ignored the context")
	}
	if srv.requests() != 1 {
		t.Errorf("server saw %d requests", srv.requests())
	}
	// The cancelled reservation is given back: a later caller is not pushed further out.
	if tokens := c.limiter.TokensAt(c.clock.Now().Add(1000 * time.Second)); tokens < 0.99 {
		t.Errorf("cancelled wait kept its reservation: %v tokens", tokens)
	}
}
