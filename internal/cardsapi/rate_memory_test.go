package cardsapi

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

const memoryBaseURL = "http://merchant:s3cret@cards.example/api/v1"

// cutAfterASecond is a process that was answered 60 times over 1.2 s, then throttled: a
// measured cut to 0.9 × 50 = 45/s, kept in dir.
func cutAfterASecond(t *testing.T, dir string, start time.Time) rateCut {
	t.Helper()
	a := newAdaptiveRate(0)
	a.startFrom(newRateMemory(dir, memoryBaseURL), start)
	for i := range 60 {
		a.answered(start.Add(time.Duration(i)*20*time.Millisecond), false)
	}
	cut, ok := a.throttled(start.Add(1200 * time.Millisecond))
	if !ok || cut.Guessed || cut.To != 45 {
		t.Fatalf("cut %+v (ok %v), want a measured cut to 45/s", cut, ok)
	}
	return cut
}

func TestTheNextProcessStartsAtTheLastCut(t *testing.T) {
	dir := t.TempDir()
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	cut := cutAfterASecond(t, dir, start)

	next := newAdaptiveRate(0)
	next.startFrom(newRateMemory(dir, memoryBaseURL), start.Add(5*time.Second))
	if got := next.rate(); got != cut.To {
		t.Errorf("the next process starts at %v/s, want the last cut's %v/s", got, cut.To)
	}
	if next.last.Guessed {
		t.Error("a measured cut is recalled as a guess")
	}

	for name, tc := range map[string]struct {
		requestsPerSecond float64
		baseURL           string
		after             time.Duration
		want              float64
	}{
		"another platform":       {0, "http://other.example/api/v1", 5 * time.Second, adaptiveCeiling},
		"too old to go by":       {0, memoryBaseURL, rateMemoryMaxAge + time.Second, adaptiveCeiling},
		"a cap below the cut":    {20, memoryBaseURL, 5 * time.Second, 20},
		"a cap above the cut":    {100, memoryBaseURL, 5 * time.Second, 45},
		"a clock that went back": {0, memoryBaseURL, -time.Minute, adaptiveCeiling},
	} {
		a := newAdaptiveRate(tc.requestsPerSecond)
		a.startFrom(newRateMemory(dir, tc.baseURL), start.Add(1200*time.Millisecond+tc.after))
		if got := a.rate(); got != tc.want {
			t.Errorf("%s: starts at %v/s, want %v/s", name, got, tc.want)
		}
	}
}

func TestTheKeptCutHoldsNoCredentials(t *testing.T) {
	dir := t.TempDir()
	cutAfterASecond(t, dir, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) != 1 {
		t.Fatalf("files kept: %v, want one", files)
	}
	data, _ := os.ReadFile(files[0])
	for _, secret := range []string{"s3cret", "merchant", "cards.example"} {
		if strings.Contains(files[0]+string(data), secret) {
			t.Errorf("the kept cut names %q: %s %s", secret, files[0], data)
		}
	}
}

// An apply's process starts right after its plan's emptied the platform's bucket (10 tokens
// left of 50, refilled at 50 a second). Starting with no limit, its first 429 comes after a
// handful of answers and cuts the rate far below the limit; starting at the cut its plan kept,
// it is answered more in its first two seconds.
func TestAProcessThatStartsAtTheLastCutIsHeldBackLess(t *testing.T) {
	const limit = 50
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	answeredIn2s := func(a *adaptiveRate) (answered, throttled int) {
		platform := rate.NewLimiter(limit, limit)
		platform.AllowN(start, limit-10)
		for _, s := range againstTokenBucket(a, platform, start, 2) {
			answered, throttled = answered+s.answered, throttled+s.throttled
		}
		return answered, throttled
	}
	fresh, freshThrottled := answeredIn2s(newAdaptiveRate(0))

	dir := t.TempDir()
	newRateMemory(dir, memoryBaseURL).keep(rateCut{To: 0.9 * limit, Guessed: true}, start.Add(-3*time.Second))
	kept := newAdaptiveRate(0)
	kept.startFrom(newRateMemory(dir, memoryBaseURL), start)
	remembered, rememberedThrottled := answeredIn2s(kept)

	t.Logf("first 2 s: with no limit %d answered, %d throttled; from the kept cut %d answered, %d throttled",
		fresh, freshThrottled, remembered, rememberedThrottled)
	if remembered <= fresh {
		t.Errorf("from the kept cut %d requests were answered in the first 2 s, with no limit %d: want more", remembered, fresh)
	}
}
