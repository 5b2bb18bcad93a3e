package cardsapi

import (
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// wavesUntilRefused is a process with no limit against a platform of 50/s with a bucket of a
// second: a wave of 50 requests at once, looks every lookEvery until the next wave (0: none),
// which goes out at next, 100 of them 5 ms apart, until the first 429. The limiter held them
// back (at no limit, a burst goes out a request at a time). Requests reach the platform
// 1 ms after they are sent; an answer takes 25 ms, a 429 2 ms, as in the sandbox, so the
// 429 comes back before the answers to the requests sent just before it, which come after
// the cut. It returns the process, the cut and what was answered in the second before it.
func wavesUntilRefused(t *testing.T, memory rateMemory, start time.Time, next, lookEvery time.Duration) (*adaptiveRate, rateCut, int) {
	t.Helper()
	platform := rate.NewLimiter(50, 50)
	platform.AllowN(start, 0)
	a := newAdaptiveRate(0)
	a.useMemory(memory, start)
	var inFlight []time.Time // sends of requests let through, not yet answered
	answerUntil := func(now time.Time) {
		for len(inFlight) > 0 && !inFlight[0].Add(25*time.Millisecond).After(now) {
			a.answered(inFlight[0], inFlight[0].Add(25*time.Millisecond), true)
			inFlight = inFlight[1:]
		}
	}
	send := func(sent time.Time) bool {
		answerUntil(sent)
		if !platform.AllowN(sent.Add(time.Millisecond), 1) {
			return false
		}
		inFlight = append(inFlight, sent)
		return true
	}
	for i := range 50 {
		if !send(start.Add(time.Duration(i) * 200 * time.Microsecond)) {
			t.Fatal("the first wave was refused")
		}
	}
	for look := start.Add(300 * time.Millisecond); lookEvery > 0 && look.Before(start.Add(next)); look = look.Add(lookEvery) {
		send(look)
	}
	for i := range 100 {
		if sent := start.Add(next + time.Duration(i)*5*time.Millisecond); !send(sent) {
			refusedAt := sent.Add(2 * time.Millisecond)
			answerUntil(refusedAt)
			served, _ := a.served.lastSecond(refusedAt)
			cut, _ := a.throttled(sent, refusedAt, 0)
			answerUntil(refusedAt.Add(time.Second))
			return a, cut, served
		}
	}
	t.Fatal("the platform refused nothing")
	return nil, rateCut{}, 0
}

// The first 429 of a process that started with no limit came in a wave that followed a lull:
// the second before it held the platform's full bucket, and 90% of what it served is over
// the platform's limit. The burst after the lull proves a rate close to the limit and never
// over it, once the answers sent before the 429 are in; the rate, which the next processes
// start at, goes no higher.
func TestABurstAfterALullBoundsTheFirstCut(t *testing.T) {
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct{ next, lookEvery time.Duration }{
		{2 * time.Second, 60 * time.Millisecond},
		{3 * time.Second, 60 * time.Millisecond},
		{6 * time.Second, 0}, // a lull longer than the record of sends: nothing sent in it
	} {
		next := tc.next
		memory := newRateMemory(t.TempDir(), memoryBaseURL, memoryMerchant)
		a, cut, served := wavesUntilRefused(t, memory, start, next, tc.lookEvery)
		if adaptiveServedShare*float64(served) <= 50 {
			t.Fatalf("next wave at %s: %d answers in the last second; the case needs 90%% of them over the limit", next, served)
		}
		if cut.To > 50 {
			t.Errorf("next wave at %s: cut %+v over the limit", next, cut)
		}
		if got := a.rate(); got < 47.5 || got > 50 || got != a.last.To {
			t.Errorf("next wave at %s: rate %.1f/s once the burst's answers came (cut %+v), want its bound, 47.5–50/s", next, got, cut)
		}
		if kept := memory.recall(start.Add(next + time.Second)); kept.Paced.PerSecond != a.rate() || kept.To != a.rate() {
			t.Errorf("next wave at %s: kept %+v, want the rate %v/s cut to and confirmed", next, kept, a.rate())
		}
	}
	// A wave 1 s after the first finds the bucket refilled only by what the looks left: no
	// lull, and the bound it would prove is not the limit's.
	_, cut, _ := wavesUntilRefused(t, newRateMemory(t.TempDir(), memoryBaseURL, memoryMerchant), start, time.Second, 60*time.Millisecond)
	if cut.Burst != 0 {
		t.Errorf("a wave 1 s after the first counted as a burst after a lull: %+v", cut)
	}
	// Without a lull the first 429 of a steady 60/s comes once the bucket is empty, 5 s in;
	// the bound (a lower one, had the bucket been half empty at the start) is not used.
	a := newAdaptiveRate(0)
	platform := rate.NewLimiter(50, 50)
	platform.AllowN(start, 0)
	for i := 0; ; i++ {
		sent := start.Add(time.Duration(i) * time.Second / 60)
		if !platform.AllowN(sent, 1) {
			if cut, _ := a.throttledAt(sent, 0); cut.Burst != 0 || cut.To != adaptiveServedShare*float64(cut.Served) {
				t.Errorf("steady demand: cut %+v, want one to 90%% of what was served", cut)
			}
			break
		}
		a.answeredAt(sent, false)
	}
}

// A request answered late stays in the record of sends while newer ones are dropped from it
// (at most burstRecordMax are kept). The record is whole only from the latest send dropped:
// a steady 600/s from the start has no lull, however the late answer's send would have it.
func TestTheRecordOfSendsIsWholeOnlySinceItsLatestDrop(t *testing.T) {
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	var sends answeredSends
	late := start.Add(2 * time.Second)
	every := time.Second / 600
	for i := 0; i < 3000; i++ {
		sent := start.Add(time.Duration(i) * every)
		if sent.Equal(late) {
			continue
		}
		if answer := sent.Add(25 * time.Millisecond); !answer.Before(start.Add(4900*time.Millisecond)) && !late.IsZero() {
			sends.add(late, start.Add(4900*time.Millisecond))
			late = time.Time{}
		}
		sends.add(sent, sent.Add(25*time.Millisecond))
	}
	if bound := sends.burstBound(start.Add(5 * time.Second)); bound != 0 {
		t.Errorf("a steady 600/s counted as a burst after a lull: %.1f/s", bound)
	}
}
