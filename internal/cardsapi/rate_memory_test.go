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

const (
	memoryBaseURL  = "http://merchant:s3cret@cards.example/api/v1" //nolint:gosec // G101: a fake credential, to show it is not kept
	memoryMerchant = "customer-token-7f3a"
)

// throttledAfter is a new process, recalling memory, that was throttled as it started (a
// guess from no answers, which keeps nothing), then answered n times, every apart from
// start, then throttled at throttledAt. That is not its first 429, so the cut does not
// confirm its rate by itself (TestAFirst429AfterASecondOf50AnswersConfirmsTheCut).
func throttledAfter(memory rateMemory, start time.Time, n int, every time.Duration, throttledAt time.Time) (*adaptiveRate, rateCut) {
	a := newAdaptiveRate(0)
	a.useMemory(memory, start)
	a.throttledAt(start, 0)
	for i := range n {
		a.answeredAt(start.Add(time.Duration(i)*every), false)
	}
	cut, _ := a.throttledAt(throttledAt, 0)
	return a, cut
}

// cutAfterASecond is a process that was answered 60 times over 1.2 s, then throttled: a
// measured cut to 0.9 × 50 = 45/s, kept in dir.
func cutAfterASecond(t *testing.T, dir string, start time.Time) {
	t.Helper()
	_, cut := throttledAfter(newRateMemory(dir, memoryBaseURL, memoryMerchant), start, 60, 20*time.Millisecond, start.Add(1200*time.Millisecond))
	if cut.Guessed || cut.To != 45 {
		t.Fatalf("cut %+v, want a measured cut to 45/s", cut)
	}
}

// youngProcessCut is a new process answered 11 times in its first 0.2 s, then throttled: its
// cut is a guess, 0.9 × 11 = 9.9/s unless an earlier process's cut says otherwise.
func youngProcessCut(requestsPerSecond float64, memory rateMemory, start time.Time) (rateCut, float64) {
	a := newAdaptiveRate(requestsPerSecond)
	a.useMemory(memory, start)
	startRate := a.rate()
	for i := range 11 {
		a.answeredAt(start.Add(time.Duration(i)*20*time.Millisecond), false)
	}
	cut, _ := a.throttledAt(start.Add(220*time.Millisecond), 0)
	return cut, startRate
}

func TestAGuessedCutGoesNoLowerThanTheLastProcessCut(t *testing.T) {
	dir := t.TempDir()
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	cutAfterASecond(t, dir, start)

	later := start.Add(5 * time.Second)
	cut, startRate := youngProcessCut(0, newRateMemory(dir, memoryBaseURL, memoryMerchant), later)
	if startRate != adaptiveCeiling {
		t.Errorf("the next process starts at %v/s, want no limit (%v)", startRate, adaptiveCeiling)
	}
	if cut.To != 45 || !cut.Recalled || cut.Guessed {
		t.Errorf("its first cut %+v, want the last process's measured 45/s", cut)
	}
	// That cut is the earlier process's measure, not this one's: it is not kept again, so the
	// earlier cut still ages out ten minutes after it was made.
	expired := start.Add(1200*time.Millisecond + rateMemoryMaxAge + time.Second)
	if cut, _ := youngProcessCut(0, newRateMemory(dir, memoryBaseURL, memoryMerchant), expired); cut.Recalled {
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
		cut, _ := youngProcessCut(tc.requestsPerSecond, newRateMemory(dir, tc.baseURL, memoryMerchant), start.Add(1200*time.Millisecond+tc.after))
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
	a.useMemory(newRateMemory(dir, memoryBaseURL, memoryMerchant), start)
	for i := range 5 {
		a.answeredAt(start.Add(time.Duration(i)*300*time.Millisecond), false)
	}
	if cut, ok := a.throttledAt(start.Add(1500*time.Millisecond), 0); !ok || cut.Served >= adaptiveMinServed {
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
	for _, secret := range []string{"s3cret", "merchant", "cards.example", memoryMerchant} {
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
	newRateMemory(dir, memoryBaseURL, memoryMerchant).write(keptRate{To: 0.9 * limit, Guessed: true, At: start.Add(-3 * time.Second)}, true)
	recalled, recalledThrottled := answeredIn2s(newRateMemory(dir, memoryBaseURL, memoryMerchant))

	t.Logf("first 2 s: alone %d answered, %d throttled; recalling the last cut %d answered, %d throttled",
		fresh, freshThrottled, recalled, recalledThrottled)
	if recalled <= fresh {
		t.Errorf("recalling the last cut %d requests were answered in the first 2 s, alone %d: want more", recalled, fresh)
	}
}

// pacedAfterItsCut is a process cut to 45/s (cutAfterASecond) that then paces against the
// platform's limit of 50/s for three more seconds, as the plan of a rate-limited phase does:
// a second of it confirms 45/s (its rate grows meanwhile, and is cut again about 2 s in). It
// returns when its last request went.
func pacedAfterItsCut(t *testing.T, dir string, start time.Time) time.Time {
	t.Helper()
	memory := newRateMemory(dir, memoryBaseURL, memoryMerchant)
	cutAt := start.Add(1200 * time.Millisecond)
	a, cut := throttledAfter(memory, start, 60, 20*time.Millisecond, cutAt)
	if cut.To != 45 {
		t.Fatalf("cut %+v, want a measured cut to 45/s", cut)
	}
	platform := rate.NewLimiter(50, 50)
	platform.AllowN(cutAt, 50) // the 429 came from an empty bucket
	againstTokenBucket(a, platform, cutAt, 3)
	kept := memory.recall(cutAt.Add(3 * time.Second))
	if kept.Paced.PerSecond != 45 {
		t.Fatalf("kept %+v, want 45/s confirmed", kept)
	}
	return kept.Paced.LastRequestAt
}

// firstWaveRefused is how many of n requests the platform refuses when a new process sends
// them all at once, as Terraform's apply does with its first wave, before any answer can
// come back.
func firstWaveRefused(a *adaptiveRate, platform *rate.Limiter, start time.Time, n int) (refused int) {
	sends := make([]time.Time, n)
	for i := range sends {
		sends[i] = start.Add(a.reserve(start).DelayFrom(start))
	}
	for _, at := range sends {
		a.sending(at)
		if !platform.AllowN(at, 1) {
			refused++
		}
	}
	return refused
}

// An apply's process starts 200 ms after its plan, which confirmed its cut to 45/s, sent its
// last request: the platform's bucket (50/s, 50 tokens) holds what 200 ms regained.
// Sent at once, a first wave of 50 is refused in part; paced from its first request, none.
func TestAProcessRightAfterAPacedOneStartsPaced(t *testing.T) {
	const limit, wave = 50, 50
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	lastRequest := pacedAfterItsCut(t, dir, start)
	applyStart := lastRequest.Add(200 * time.Millisecond)
	bucketAfterPlan := func() *rate.Limiter {
		platform := rate.NewLimiter(limit, limit)
		platform.AllowN(lastRequest, limit) // the plan left it empty
		return platform
	}

	alone := newAdaptiveRate(0)
	alone.useMemory(rateMemory{}, applyStart)
	refusedAlone := firstWaveRefused(alone, bucketAfterPlan(), applyStart, wave)

	paced := newAdaptiveRate(0)
	paced.useMemory(newRateMemory(dir, memoryBaseURL, memoryMerchant), applyStart)
	if paced.pacedStart.Rate != 45 || paced.pacedStart.Burst != 6 { // ⌊0.8 × 45/s × (200 − 25) ms⌋
		t.Errorf("paced start %+v, want 45/s with a burst of 6", paced.pacedStart)
	}
	refusedPaced := firstWaveRefused(paced, bucketAfterPlan(), applyStart, wave)
	t.Logf("first wave of %d: %d refused starting with no limit, %d starting paced", wave, refusedAlone, refusedPaced)
	if refusedAlone == 0 {
		t.Fatalf("with no limit none of the first wave was refused: the platform's bucket is not the one a plan leaves")
	}
	if refusedPaced != 0 {
		t.Errorf("starting paced, %d of the first wave were refused, want none", refusedPaced)
	}
	// The apply goes on pacing for two more seconds. It notes its requests, and a confirmation
	// is not its to renew: 45/s is the plan's measure.
	againstTokenBucket(paced, bucketAfterPlan(), applyStart.Add(time.Second), 2)
	kept := newRateMemory(dir, memoryBaseURL, memoryMerchant).recall(applyStart.Add(3 * time.Second)).Paced
	if kept.PerSecond <= 0 {
		t.Fatal("the confirmed rate is gone")
	}
	if wantAfter := applyStart.Add(2900 * time.Millisecond); kept.LastRequestAt.Before(wantAfter) {
		t.Errorf("last request noted at %s, want after %s", kept.LastRequestAt, wantAfter)
	}
	if kept.ConfirmedAt.After(lastRequest) {
		t.Errorf("the paced apply renewed the confirmation: confirmed at %s, after the plan's last request at %s", kept.ConfirmedAt, lastRequest)
	}
}

// Requests the limiter held back before a 429, answered after it, say nothing of the rate the
// 429 set: a second later, with none sent since, the cut is not confirmed. Sent after it,
// they confirm it.
func TestOnlyRequestsSentAfterTheLast429ConfirmARate(t *testing.T) {
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	memory := newRateMemory(t.TempDir(), memoryBaseURL, memoryMerchant)
	a := newAdaptiveRate(100) // a cap, so that the limiter holds requests back from the start
	a.useMemory(memory, start)
	a.throttledAt(start, 0) // so that the cut below is not the first 429, which may confirm alone
	now := start
	for range 200 { // two seconds of requests, all held back and sent before the 429
		now = now.Add(a.reserve(now).DelayFrom(now))
	}
	for i := range 100 {
		a.answeredAt(start.Add(time.Duration(i)*10*time.Millisecond+500*time.Millisecond), true)
	}
	cutAt := now
	if cut, _ := a.throttledAt(cutAt, 0); cut.Served < adaptiveMinServed || cut.Guessed {
		t.Fatalf("cut %+v, want one that measured the platform", cut)
	}
	a.answeredAt(cutAt.Add(1100*time.Millisecond), true) // one of those sent before the 429
	if kept := memory.recall(cutAt.Add(2 * time.Second)); kept.Paced.PerSecond > 0 {
		t.Fatalf("confirmed %+v by requests sent before the 429", kept.Paced)
	}
	for now = cutAt; now.Before(cutAt.Add(3 * time.Second)); {
		now = now.Add(a.reserve(now).DelayFrom(now))
		a.answeredAt(now, true)
	}
	if kept := memory.recall(now); kept.Paced.PerSecond <= 0 {
		t.Errorf("not confirmed after 3 s of requests held back and sent after the 429: %+v", kept)
	}
}

// A process starts paced at a confirmed rate, first sending at once 80% of what the
// platform's bucket regained since the last request noted, at most a second's worth.
func TestAPacedStartNeedsAConfirmedRate(t *testing.T) {
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	lastRequest := start.Add(5 * time.Second)
	for name, tc := range map[string]struct {
		confirmed         bool
		sinceLastRequest  time.Duration
		requestsPerSecond float64
		wantRate          float64
		wantBurst         int
	}{
		"200 ms after the last request":   {true, 200 * time.Millisecond, 0, 45, 6}, // ⌊0.8 × 45 × 0.175⌋
		"a minute after the last request": {true, time.Minute, 0, 45, 36},           // 0.8 × 45 × 1 s
		"under a higher cap":              {true, 200 * time.Millisecond, 100, 45, 6},
		"a minute after, under a cap":     {true, time.Minute, 50, 45, 5},            // no second over the cap: 5 + 45
		"under a lower cap":               {true, 200 * time.Millisecond, 20, 20, 0}, // the cap, as always
		"not confirmed":                   {false, 200 * time.Millisecond, 0, adaptiveCeiling, 0},
		"a clock that went back":          {true, -time.Second, 0, adaptiveCeiling, 0},
		"confirmed over ten minutes ago":  {true, rateMemoryMaxAge, 0, adaptiveCeiling, 0},
	} {
		memory := newRateMemory(t.TempDir(), memoryBaseURL, memoryMerchant)
		kept := keptRate{To: 45, At: start}
		if tc.confirmed {
			kept.Paced = paced{PerSecond: 45, ConfirmedAt: start.Add(2 * time.Second), LastRequestAt: lastRequest}
		}
		memory.write(kept, true)
		a := newAdaptiveRate(tc.requestsPerSecond)
		a.useMemory(memory, lastRequest.Add(tc.sinceLastRequest))
		if got, burst := a.rate(), a.pacedStart.Burst; got != tc.wantRate || burst != tc.wantBurst {
			t.Errorf("%s: starts at %v/s with a burst of %d, want %v/s and %d", name, got, burst, tc.wantRate, tc.wantBurst)
		}
		if n := atOnce(a, lastRequest.Add(tc.sinceLastRequest)); n != max(1, tc.wantBurst) {
			t.Errorf("%s: %d requests went at once, want %d", name, n, max(1, tc.wantBurst))
		}
	}
}

// Against 429s that come whatever the rate (a fault), pacing at the cut does not stop them:
// the rate is never confirmed, and the next process starts with no limit. Here every 15th
// request is refused, and the cut is to about 10/s, where 14 answers in a row span more
// than the second a confirmation needs, but are not enough answers.
func TestARateUnderFaultsIsNotConfirmed(t *testing.T) {
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	memory := newRateMemory(t.TempDir(), memoryBaseURL, memoryMerchant)
	now := start.Add(1250 * time.Millisecond)
	a, cut := throttledAfter(memory, start, 13, 100*time.Millisecond, now)
	if cut.Served < adaptiveMinServed || cut.To > 12 {
		t.Fatalf("cut %+v, want one measured at about 10/s", cut)
	}
	for i := 1; i <= 150; i++ {
		now = now.Add(a.reserve(now).DelayFrom(now))
		a.sending(now)
		if i%15 == 0 {
			a.throttledAt(now, 0)
		} else {
			a.answeredAt(now, true)
		}
	}
	if kept := memory.recall(now); kept.To == 0 || kept.Paced.PerSecond > 0 {
		t.Errorf("kept %+v, want a cut and no confirmed rate", kept)
	}
	next := newAdaptiveRate(0)
	next.useMemory(memory, now.Add(100*time.Millisecond))
	if next.rate() != adaptiveCeiling {
		t.Errorf("the next process starts at %v/s, want no limit", next.rate())
	}
}

// Once paced, the limiter is a bucket like the platform's: a paced start's holds what the
// platform's regained, a 429 empties it, and after a lull it lets bucketShare of a second's
// requests go at once, as the platform's bucket then would.
func TestTheLimitersBucketEmptiesAtA429AndRefills(t *testing.T) {
	confirmedAt := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	start := confirmedAt.Add(time.Minute)
	memory := newRateMemory(t.TempDir(), memoryBaseURL, memoryMerchant)
	memory.write(keptRate{Paced: paced{PerSecond: 45, ConfirmedAt: confirmedAt, LastRequestAt: confirmedAt}}, true)
	a := newAdaptiveRate(0)
	a.useMemory(memory, start)
	if n := atOnce(a, start); n != 36 {
		t.Errorf("paced start a minute after the last request: %d went at once, want 36 (0.8 × 45/s × 1 s)", n)
	}
	throttledAt := start.Add(10 * time.Millisecond)
	a.throttledAt(throttledAt, 0)
	if n := atOnce(a, throttledAt); n > 1 {
		t.Errorf("right after a 429, %d went at once, want at most 1", n)
	}
	later := throttledAt.Add(bucketRefill)
	if n, want := atOnce(a, later), int(bucketShare*a.rate()); n != want {
		t.Errorf("a second after the 429, at %.1f/s: %d went at once, want %d", a.rate(), n, want)
	}
}

// atOnce is how many requests a's limiter lets go at now without waiting (it reserves one
// more, which waits).
func atOnce(a *adaptiveRate, now time.Time) (n int) {
	for a.reserve(now).DelayFrom(now) == 0 {
		n++
	}
	return n
}

// A short process, such as a 100-card create whose waves end before it could pace at its cut
// for a second, confirms its rate at its first 429 when the platform had answered it at least
// 50 times in the second before: 50 answers in a row, then a refusal, is a limit. Not when it
// had been answered less, nor at a later 429 (throttledAfter), nor when it started paced.
func TestAFirst429AfterASecondOf50AnswersConfirmsTheCut(t *testing.T) {
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for name, tc := range map[string]struct {
		answers     int
		every       time.Duration
		wantConfirm float64
	}{
		"50 answers in the last second": {60, 20 * time.Millisecond, 45},
		"40 answers in the last second": {48, 25 * time.Millisecond, 0},
		"50 answers in 0.25 s":          {50, 5 * time.Millisecond, 36}, // 0.9 × 50 / (1 + 0.25): mostly the platform's bucket
		"40 answers in 0.1 s":           {40, 2500 * time.Microsecond, 0},
	} {
		memory := newRateMemory(t.TempDir(), memoryBaseURL, memoryMerchant)
		a := newAdaptiveRate(0)
		a.useMemory(memory, start)
		for i := range tc.answers {
			a.answeredAt(start.Add(time.Duration(i)*tc.every), false)
		}
		throttledAt := start.Add(time.Duration(tc.answers) * tc.every)
		a.throttledAt(throttledAt, 0)
		if got := memory.recall(throttledAt).Paced.PerSecond; math.Abs(got-tc.wantConfirm) > 0.01 {
			t.Errorf("%s: confirmed %v/s, want %v/s", name, got, tc.wantConfirm)
		}
	}
	// A process that started paced, right after the one that confirmed its rate: its first
	// 429 confirms nothing; its answers were paced, not the platform's full bucket.
	memory := newRateMemory(t.TempDir(), memoryBaseURL, memoryMerchant)
	memory.write(keptRate{Paced: paced{PerSecond: 45, ConfirmedAt: start, LastRequestAt: start}}, true)
	apply := newAdaptiveRate(0)
	apply.useMemory(memory, start.Add(200*time.Millisecond))
	for i := range 50 {
		apply.answeredAt(start.Add(200*time.Millisecond+time.Duration(i)*10*time.Millisecond), true)
	}
	if apply.throttledAt(start.Add(time.Second), 0); memory.recall(start.Add(time.Second)).Paced.ConfirmedAt != start {
		t.Errorf("the first 429 of a process that started paced confirmed %+v", memory.recall(start.Add(time.Second)).Paced)
	}
	memory = newRateMemory(t.TempDir(), memoryBaseURL, memoryMerchant)
	throttledAt := start.Add(1200 * time.Millisecond)
	_, cut := throttledAfter(memory, start, 60, 20*time.Millisecond, throttledAt)
	if kept := memory.recall(throttledAt); cut.To != 45 || kept.To != 45 || kept.Paced.PerSecond != 0 {
		t.Errorf("a second 429: cut %+v, confirmed %v/s, want a cut to 45/s and none", cut, kept.Paced.PerSecond)
	}
}

// A process that measured the platform's limit keeps it for the next: an apply right after
// its plan starts paced under the limit and stays there, where one that knew only the
// confirmed rate grows from it until the platform throttles it again.
func TestAProcessAfterOneThatMeasuredTheLimitStaysUnderIt(t *testing.T) {
	const limit = 50
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	memory := newRateMemory(dir, memoryBaseURL, memoryMerchant)
	plan := newAdaptiveRate(0)
	plan.useMemory(memory, start)
	platform := rate.NewLimiter(limit, limit)
	platform.AllowN(start, limit) // the limit shows at once
	againstTokenBucket(plan, platform, start, 10)
	applyStart := start.Add(10*time.Second + 200*time.Millisecond)
	kept := memory.recall(applyStart)
	if math.Abs(kept.Limit-limit) > 0.02*limit || kept.Paced.PerSecond <= 0 {
		t.Fatalf("kept %+v, want a confirmed rate and a limit within 2%% of %d/s", kept, limit)
	}

	applyAfter := func(k keptRate) (throttled, answered int, start pacedStart) {
		d := t.TempDir()
		m := newRateMemory(d, memoryBaseURL, memoryMerchant)
		m.write(k, true)
		apply := newAdaptiveRate(0)
		apply.useMemory(m, applyStart)
		bucket := rate.NewLimiter(limit, limit)
		bucket.AllowN(kept.Paced.LastRequestAt, limit) // the plan left it empty
		for _, s := range againstTokenBucket(apply, bucket, applyStart, 20) {
			throttled, answered = throttled+s.throttled, answered+s.answered
		}
		return throttled, answered, apply.pacedStart
	}
	throttled, answered, paced := applyAfter(kept)
	withoutLimit := kept
	withoutLimit.Limit, withoutLimit.LimitAt = 0, time.Time{}
	throttledWithout, _, _ := applyAfter(withoutLimit)
	t.Logf("limit %.2f/s, confirmed %.2f/s; apply started at %.2f/s: %d throttled, %.1f answered a second; knowing only the confirmed rate: %d throttled",
		kept.Limit, kept.Paced.PerSecond, paced.Rate, throttled, float64(answered)/20, throttledWithout)
	if paced.Rate > limitHoldShare*kept.Limit || paced.Limit != kept.Limit {
		t.Errorf("paced start %+v, want at most %.2f/s and the kept limit", paced, limitHoldShare*kept.Limit)
	}
	if throttled != 0 {
		t.Errorf("the apply was throttled %d times in 20 s, want none", throttled)
	}
	if throttledWithout == 0 {
		t.Errorf("knowing only the confirmed rate, the apply was not throttled either: this test shows nothing")
	}
	if perSecond := float64(answered) / 20; perSecond < 0.95*limit {
		t.Errorf("the apply was answered %.1f times a second, want at least 95%% of %d", perSecond, limit)
	}
}

// A record copied before a newer one was written does not write the old one back: a note of
// the last request, taken just before a cut forgot the limit, would bring the limit back.
func TestAnOlderRecordDoesNotOverwriteANewerOne(t *testing.T) {
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	memory := newRateMemory(t.TempDir(), memoryBaseURL, memoryMerchant)
	withLimit := keptRate{To: 45, At: start, Limit: 50, LimitAt: start, version: 1}
	forgotten := withLimit
	forgotten.Limit, forgotten.LimitAt, forgotten.version = 0, time.Time{}, 2
	memory.write(forgotten, true)
	memory.write(withLimit, false)
	if kept := memory.recall(start.Add(time.Second)); kept.Limit != 0 || kept.To != 45 {
		t.Errorf("kept %+v, want the newer record: a cut to 45/s and no limit", kept)
	}
}

// A process that does not start paced does not go by a kept limit, and does not pass it on.
func TestALimitNotGoneByIsNotPassedOn(t *testing.T) {
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	memory := newRateMemory(t.TempDir(), memoryBaseURL, memoryMerchant)
	memory.write(keptRate{To: 45, At: start, Limit: 50, LimitAt: start}, true) // no confirmed rate
	later := start.Add(5 * time.Second)
	a, cut := throttledAfter(memory, later, 60, 20*time.Millisecond, later.Add(1200*time.Millisecond))
	if a.limit != 0 || cut.Limit != 0 {
		t.Errorf("a process that did not start paced goes by a limit of %.1f/s", a.limit)
	}
	if kept := memory.recall(later.Add(2 * time.Second)); kept.Limit != 0 || kept.To != cut.To {
		t.Errorf("kept %+v after that process's cut to %.1f/s, want its cut and no limit", kept, cut.To)
	}
}
