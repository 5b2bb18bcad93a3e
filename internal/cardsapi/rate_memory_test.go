package cardsapi

import (
	"math"
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
	a.useMemory(newRateMemory(dir, memoryBaseURL), start)
	for i := range 60 {
		a.answered(start.Add(time.Duration(i)*20*time.Millisecond), false)
	}
	cut, ok := a.throttled(start.Add(1200 * time.Millisecond))
	if !ok || cut.Guessed || cut.To != 45 {
		t.Fatalf("cut %+v (ok %v), want a measured cut to 45/s", cut, ok)
	}
	return cut
}

// youngProcessCut is a new process answered 11 times in its first 0.2 s, then throttled: its
// cut is a guess, 0.9 × 11 = 9.9/s unless an earlier process's cut says otherwise.
func youngProcessCut(requestsPerSecond float64, memory rateMemory, start time.Time) (rateCut, float64) {
	a := newAdaptiveRate(requestsPerSecond)
	a.useMemory(memory, start)
	startRate := a.rate()
	for i := range 11 {
		a.answered(start.Add(time.Duration(i)*20*time.Millisecond), false)
	}
	cut, _ := a.throttled(start.Add(220 * time.Millisecond))
	return cut, startRate
}

func TestAGuessedCutGoesNoLowerThanTheLastProcessCut(t *testing.T) {
	dir := t.TempDir()
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	cutAfterASecond(t, dir, start)

	later := start.Add(5 * time.Second)
	cut, startRate := youngProcessCut(0, newRateMemory(dir, memoryBaseURL), later)
	if startRate != adaptiveCeiling {
		t.Errorf("the next process starts at %v/s, want no limit (%v)", startRate, adaptiveCeiling)
	}
	if cut.To != 45 || !cut.Recalled || cut.Guessed {
		t.Errorf("its first cut %+v, want the last process's measured 45/s", cut)
	}
	// That cut is the earlier process's measure, not this one's: it is not kept again, so the
	// earlier cut still ages out ten minutes after it was made.
	expired := start.Add(1200*time.Millisecond + rateMemoryMaxAge + time.Second)
	if cut, _ := youngProcessCut(0, newRateMemory(dir, memoryBaseURL), expired); cut.Recalled {
		t.Errorf("a cut recalled at %s was kept again: %+v recalled after its ten minutes", later, cut)
	}

	for name, tc := range map[string]struct {
		requestsPerSecond float64
		baseURL           string
		after             time.Duration
		want              float64
	}{
		"another platform":       {0, "http://other.example/api/v1", 5 * time.Second, 9.9},
		"too old to go by":       {0, memoryBaseURL, rateMemoryMaxAge + time.Second, 9.9},
		"a clock that went back": {0, memoryBaseURL, -time.Minute, 9.9},
		"a cap below the cut":    {20, memoryBaseURL, 5 * time.Second, 20 * adaptiveCut}, // the factor still cuts
		"a cap above the cut":    {100, memoryBaseURL, 5 * time.Second, 45},
	} {
		dir := t.TempDir() // each process keeps its own cut: one memory a case
		cutAfterASecond(t, dir, start)
		cut, _ := youngProcessCut(tc.requestsPerSecond, newRateMemory(dir, tc.baseURL), start.Add(1200*time.Millisecond+tc.after))
		if math.Abs(cut.To-tc.want) > 1e-9 {
			t.Errorf("%s: cut to %v/s, want %v/s", name, cut.To, tc.want)
		}
	}
}

// A cut by the factor alone, made when too few answers came to measure the platform, is not
// kept: against 429s that come whatever the rate, it would start the next process at the
// floor.
func TestACutThatMeasuredNothingIsNotKept(t *testing.T) {
	dir := t.TempDir()
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	a := newAdaptiveRate(0)
	a.useMemory(newRateMemory(dir, memoryBaseURL), start)
	for i := range 5 {
		a.answered(start.Add(time.Duration(i)*300*time.Millisecond), false)
	}
	if cut, ok := a.throttled(start.Add(1500 * time.Millisecond)); !ok || cut.Served >= adaptiveMinServed {
		t.Fatalf("cut %+v (ok %v), want one by the factor alone", cut, ok)
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "*")); len(files) != 0 {
		t.Errorf("kept %v", files)
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

// An apply's process starts right after its plan emptied the platform's bucket (10 tokens
// left of 50, refilled at 50 a second). Its first 429 comes after a handful of answers; cut
// by them alone, the rate falls far below the limit; going no lower than the cut its plan
// kept, it is answered more in its first two seconds.
func TestAProcessThatRecallsTheLastCutIsHeldBackLess(t *testing.T) {
	const limit = 50
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	answeredIn2s := func(memory rateMemory) (answered, throttled int) {
		a := newAdaptiveRate(0)
		a.useMemory(memory, start)
		platform := rate.NewLimiter(limit, limit)
		platform.AllowN(start, limit-10)
		for _, s := range againstTokenBucket(a, platform, start, 2) {
			answered, throttled = answered+s.answered, throttled+s.throttled
		}
		return answered, throttled
	}
	fresh, freshThrottled := answeredIn2s(rateMemory{})

	dir := t.TempDir()
	newRateMemory(dir, memoryBaseURL).keep(rateCut{To: 0.9 * limit, Guessed: true}, start.Add(-3*time.Second))
	recalled, recalledThrottled := answeredIn2s(newRateMemory(dir, memoryBaseURL))

	t.Logf("first 2 s: alone %d answered, %d throttled; recalling the last cut %d answered, %d throttled",
		fresh, freshThrottled, recalled, recalledThrottled)
	if recalled <= fresh {
		t.Errorf("recalling the last cut %d requests were answered in the first 2 s, alone %d: want more", recalled, fresh)
	}
}
