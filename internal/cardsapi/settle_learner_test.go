package cardsapi

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"
)

// Waits learn the platform's settle time: the first wait of a kind polls at doubling
// intervals, the next ones look first at the learned time and need one or two looks, and a
// different kind of wait learns on its own.
func TestWaitsLearnTheSettleTime(t *testing.T) {
	clock := newFakeClock()
	const taskTime = 2 * time.Second
	var mu sync.Mutex
	var readyAt time.Time
	begin := func() { mu.Lock(); readyAt = clock.Now().Add(taskTime); mu.Unlock() }
	srv := newScriptServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		done := !clock.Now().Before(readyAt)
		mu.Unlock()
		if done {
			cardStatus("Active")(w)
		} else {
			cardStatus("Pending")(w)
		}
	})
	c, _ := newTestClient(t, srv.URL, func(cfg *Config) {
		cfg.Clock = clock
		cfg.PollInitial = 500 * time.Millisecond
		cfg.PollMax = 10 * time.Second
	})
	wait := func() (looks int, took time.Duration) {
		begin()
		before, start := srv.requests(), clock.Now()
		if _, err := c.WaitForCardStatus(context.Background(), "c1", []string{CardStatusActive}, nil); err != nil {
			t.Fatal(err)
		}
		return srv.requests() - before, clock.Now().Sub(start)
	}
	looks, took := wait()
	if took != 3500*time.Millisecond || looks != 4 {
		t.Fatalf("first wait: %d looks over %s, want 4 over 3.5s (0, 0.5, 1.5, 3.5)", looks, took)
	}
	var totalLooks int
	var totalTime time.Duration
	const waits, settledAfter = 24, 8
	for i := range waits {
		looks, took = wait()
		t.Logf("wait %d: %d looks, %s", i+2, looks, took)
		if i >= waits-settledAfter {
			totalLooks += looks
			totalTime += took
		}
	}
	if avg := float64(totalLooks) / settledAfter; avg > 1.5 {
		t.Errorf("once learned, waits take %.2f looks on average, want at most 1.5", avg)
	}
	if avg := totalTime / settledAfter; avg > taskTime*6/5 {
		t.Errorf("once learned, waits take %s on average, want within 20%% of the platform's %s", avg, taskTime)
	}

	other := settleKind("card", []string{CardStatusFrozen})
	if _, ok := c.settled.estimate(other); ok {
		t.Errorf("a wait for Frozen learned from waits for Active")
	}
}

// The jittered first-wave schedule spreads parallel waits, and a learned time is the soonest
// recent one.
func TestSettleLearnerKeepsTheSoonestRecent(t *testing.T) {
	var l settleLearner
	kind := settleKind("card", []string{"Active"})
	for _, d := range []time.Duration{3 * time.Second, 2100 * time.Millisecond, 2500 * time.Millisecond} {
		l.observe(kind, d)
	}
	if d, _ := l.estimate(kind); d != 2100*time.Millisecond {
		t.Errorf("estimate %s, want the soonest 2.1s", d)
	}
	for range settleMemory {
		l.observe(kind, 4*time.Second)
	}
	if d, _ := l.estimate(kind); d != 4*time.Second {
		t.Errorf("after the platform slowed down the estimate is %s, want 4s", d)
	}
	s := &pollSchedule{interval: time.Second, max: 8 * time.Second, jitter: func() float64 { return 1.5 }}
	if d := s.next(0); d != 1500*time.Millisecond {
		t.Errorf("jittered first interval %s, want 1.5s", d)
	}
}

// A wait that settles at a look made at once (the card was already in the status) teaches
// nothing: its elapsed time is the request's, and learning it would make later waits of the
// kind sleep before looking.
func TestWaitSettledAtOnceLearnsNothing(t *testing.T) {
	srv := statusServer(t, cardStatus("Active"))
	c, _ := newTestClient(t, srv.URL) // the real clock: each look takes a little time
	for range 3 {
		if _, err := c.WaitForCardStatus(context.Background(), "c1", []string{CardStatusActive}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if d, ok := c.settled.estimate(settleKind("card", []string{CardStatusActive})); ok {
		t.Errorf("learned %s from waits that never slept", d)
	}
}
