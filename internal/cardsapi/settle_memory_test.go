package cardsapi

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// taskPlatform begins a task when a test does (wait) or at each POST, a task operation
// answered answerLatency later on the fake clock (a loaded platform answers late), and
// answers CardDetails with Pending until taskTime after the last begin, then with Active, on
// a fake clock its clients share.
type taskPlatform struct {
	srv   *scriptServer
	clock *fakeClock

	mu            sync.Mutex
	taskTime      time.Duration
	answerLatency time.Duration
	readyAt       time.Time
}

func newTaskPlatform(t *testing.T, taskTime time.Duration) *taskPlatform {
	p := &taskPlatform{clock: newFakeClock(), taskTime: taskTime}
	p.srv = newScriptServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			p.mu.Lock()
			latency := p.answerLatency
			p.mu.Unlock()
			p.setReadyAt(p.clock.Now().Add(p.taskTime))
			<-p.clock.After(latency)
			writeJSON(w, 200, `{"cardId":"c1","taskId":"t1","status":"Success","remarks":"CardInProgress"}`)
			return
		}
		p.mu.Lock()
		done := !p.clock.Now().Before(p.readyAt)
		p.mu.Unlock()
		if done {
			cardStatus("Active")(w)
		} else {
			cardStatus("Pending")(w)
		}
	})
	return p
}

// setReadyAt makes the task settle at at.
func (p *taskPlatform) setReadyAt(at time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.readyAt = at
}

// client is a new provider process's client, keeping its pace in dir ("" = nowhere).
func (p *taskPlatform) client(t *testing.T, dir, merchant string) *Client {
	c, _ := newTestClient(t, p.srv.URL, func(cfg *Config) {
		cfg.Clock = p.clock
		cfg.CustomerToken = merchant
		cfg.PaceMemoryDir = dir
		cfg.PollInitial = 500 * time.Millisecond
		cfg.PollMax = 10 * time.Second
	})
	return c
}

// wait begins a task and waits for it with c: how many looks it took, and how long.
func (p *taskPlatform) wait(t *testing.T, c *Client) (looks int, took time.Duration) {
	t.Helper()
	p.setReadyAt(p.clock.Now().Add(p.taskTime))
	before, start := p.srv.requests(), p.clock.Now()
	askNow(c, "c1")
	if _, err := c.WaitForCardStatus(context.Background(), "c1", []string{CardStatusActive}, nil); err != nil {
		t.Fatal(err)
	}
	return p.srv.requests() - before, p.clock.Now().Sub(start)
}

var activeKind = settleKind("card", []string{CardStatusActive})

// A process learns how soon a kind of task settles; the next one's first wait of that kind
// looks at once (its task may be done already) and then there, where a process that knows
// nothing looks at 0, 0.5, 1, 2 and 4 s. The kept file names no credential.
func TestAKindsSettleTimeIsKeptForTheNextProcess(t *testing.T) {
	dir := t.TempDir()
	platform := newTaskPlatform(t, 2100*time.Millisecond)
	first := platform.client(t, dir, memoryMerchant)
	for range 24 {
		platform.wait(t, first)
	}
	learned, ok := first.settled.estimate(activeKind)
	if !ok || learned < platform.taskTime || learned > 2300*time.Millisecond {
		t.Fatalf("the first process learned %s (%v), want about the platform's %s", learned, ok, platform.taskTime)
	}

	platform.clock.After(time.Minute)
	hint := (learned + time.Millisecond - 1).Truncate(time.Millisecond) // kept in whole milliseconds, rounded up
	if looks, took := platform.wait(t, platform.client(t, dir, memoryMerchant)); looks != 2 || took != hint {
		t.Errorf("the next process's first wait took %d looks over %s, want 2: at once, then at the %s the first learned", looks, took, learned)
	}
	if looks, took := platform.wait(t, platform.client(t, "", memoryMerchant)); looks != 5 || took != 4*time.Second {
		t.Errorf("a process that keeps nothing: its first wait took %d looks over %s, want 5 over 4s (0, 0.5, 1, 2, 4)", looks, took)
	}

	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) != 1 || !strings.HasPrefix(filepath.Base(files[0]), "settle-") {
		t.Fatalf("files kept: %v, want one settle file", files)
	}
	data, _ := os.ReadFile(files[0])
	for _, secret := range []string{"127.0.0.1", memoryMerchant} {
		if strings.Contains(files[0]+string(data), secret) {
			t.Errorf("the kept settle times name %q: %s %s", secret, files[0], data)
		}
	}
}

// When the platform has got slower than the kept time, the look at the kept time finds the
// task not settled, and the wait looks on from there as a process that knows nothing would:
// a lone wait doubles its interval.
func TestASettleTimeKeptTooSoonLooksOnFromIt(t *testing.T) {
	dir := t.TempDir()
	platform := newTaskPlatform(t, 3*time.Second)
	base := platform.client(t, "", memoryMerchant).baseURL // as the client writes it
	newSettleMemory(dir, base, memoryMerchant).write(&settleRecord{kinds: map[string]keptSettle{
		activeKind: {Milliseconds: 2000, At: platform.clock.Now().Add(-time.Hour + time.Minute)}}, version: 1})
	looks, took := platform.wait(t, platform.client(t, dir, memoryMerchant))
	if looks != 3 || took != 4*time.Second {
		t.Errorf("a lone wait took %d looks over %s, want 3 over 4s (at once, the kept 2s, then twice that)", looks, took)
	}
}

// A kept time is a hint only for the same merchant at the same base URL, within
// settleMemoryMaxAge (an hour), and only when it is no longer than the longest sleep between
// looks (PollMax): otherwise a wave's grid begins at the first interval (another kind's time
// is a less sure hint: TestAnotherKindsTimeIsALessSureHint). In every case one wait looks at
// once.
func TestASettleTimeIsAHintOnlyWhereItWasLearnt(t *testing.T) {
	now := newFakeClock().Now()
	for _, tc := range []struct {
		name              string
		baseURL, merchant string
		kind              string
		kept              keptSettle
		file              string // written as is instead of kept, when set
		wantGrid          time.Duration
	}{
		{"the same", memoryBaseURL, memoryMerchant, activeKind, keptSettle{2000, now.Add(-59 * time.Minute)}, "", 2 * time.Second},
		{"another merchant", memoryBaseURL, "another-token", activeKind, keptSettle{2000, now}, "", 500 * time.Millisecond},
		{"another base URL", "https://other.example/api/v1", memoryMerchant, activeKind, keptSettle{2000, now}, "", 500 * time.Millisecond},
		{"older than an hour", memoryBaseURL, memoryMerchant, activeKind, keptSettle{2000, now.Add(-61 * time.Minute)}, "", 500 * time.Millisecond},
		{"kept in the future", memoryBaseURL, memoryMerchant, activeKind, keptSettle{2000, now.Add(time.Minute)}, "", 500 * time.Millisecond},
		{"of no time", memoryBaseURL, memoryMerchant, activeKind, keptSettle{0, now}, "", 500 * time.Millisecond},
		{"longer than PollMax", memoryBaseURL, memoryMerchant, activeKind, keptSettle{600000, now}, "", 500 * time.Millisecond},
		{"too long for a duration", memoryBaseURL, memoryMerchant, activeKind, keptSettle{1 << 62, now}, "", 500 * time.Millisecond},
		{"not JSON", memoryBaseURL, memoryMerchant, activeKind, keptSettle{}, "{not json", 500 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			memory := newSettleMemory(dir, tc.baseURL, tc.merchant)
			memory.write(&settleRecord{kinds: map[string]keptSettle{tc.kind: tc.kept}, version: 1})
			if tc.file != "" {
				if err := os.WriteFile(memory.path, []byte(tc.file), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			var l settleLearner
			l.useMemory(newSettleMemory(dir, memoryBaseURL, memoryMerchant), newFakeClock(), 10*time.Second)
			if _, _, notAtOnce := l.firstLook(activeKind); notAtOnce {
				t.Error("the first wait of the wave does not look at once")
			}
			l.firstLook(activeKind) // a second wait of the wave
			first := l.coldLook(activeKind, 0, 500*time.Millisecond)
			second := l.coldLook(activeKind, 0, 500*time.Millisecond)
			if first != tc.wantGrid || second < first*11/10 {
				t.Errorf("the grid of the wave looks at %s and then %s, want %s and then at least a tenth later", first, second, tc.wantGrid)
			}
		})
	}
}

// Another kind's time, kept by an earlier process or learned by this client, is a less sure
// hint: a wave's grid doubles from the first interval up to a step before it, then looks at
// it, then on. The hint is the soonest of the other kinds' times that are no longer than
// PollMax, of those learned here only one known to within a tenth, and of a kind learned
// here its time here, not the one kept; a hint whose step before is no later than the first
// interval is none.
func TestAnotherKindsTimeIsALessSureHint(t *testing.T) {
	clock := newFakeClock()
	frozen, cancelled := settleKind("card", []string{CardStatusFrozen}), settleKind("card", []string{CardStatusCancelled})
	kept := map[string]keptSettle{activeKind: {2000, clock.Now()}, cancelled: {9000, clock.Now()}}
	fromTwoSeconds := []time.Duration{500 * time.Millisecond, time.Second, 1818181818, 2 * time.Second}
	for _, tc := range []struct {
		name           string
		kept           map[string]keptSettle // by an earlier process
		learned, bound time.Duration         // frozen's time learned here and a look that found nothing settled (0: none)
		want           []time.Duration       // the wave's grid up to the hint (nil: no hint, from the first interval)
	}{
		{"kept by an earlier process", kept, 0, 0, fromTwoSeconds},
		{"learned here, sooner", kept, 1500 * time.Millisecond, 1450 * time.Millisecond, []time.Duration{500 * time.Millisecond, time.Second, 1363636363, 1500 * time.Millisecond}},
		{"learned here, not known to within a tenth", kept, 1500 * time.Millisecond, 0, fromTwoSeconds},
		{"learned here, longer than PollMax", nil, 12 * time.Second, 11500 * time.Millisecond, nil},
		{"learned here, longer than the time kept", map[string]keptSettle{frozen: {1000, clock.Now()}, activeKind: {2000, clock.Now()}},
			1500 * time.Millisecond, 1450 * time.Millisecond, []time.Duration{500 * time.Millisecond, time.Second, 1363636363, 1500 * time.Millisecond}},
		{"a step before it no later than the first interval", map[string]keptSettle{activeKind: {540, clock.Now()}}, 0, 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			newSettleMemory(dir, memoryBaseURL, memoryMerchant).write(&settleRecord{kinds: tc.kept, version: 1})
			var l settleLearner
			l.useMemory(newSettleMemory(dir, memoryBaseURL, memoryMerchant), clock, 10*time.Second)
			if tc.bound > 0 {
				l.notSettledCold(frozen, tc.bound)
			}
			if tc.learned > 0 {
				l.observe(frozen, tc.learned)
			}
			topUp := settleKind("top-up", []string{StatusSuccess})
			l.firstLook(topUp) // looks at once
			var got []time.Duration
			for range len(tc.want) + 2 {
				l.firstLook(topUp)
				got = append(got, l.coldLook(topUp, 0, 500*time.Millisecond))
			}
			if tc.want == nil {
				if got[0] != 500*time.Millisecond || got[1] >= time.Second {
					t.Errorf("the grid of the wave looks at %v, want 500ms and then less than twice that: no hint", got)
				}
				return
			}
			last, hint := got[len(tc.want)], tc.want[len(tc.want)-1]
			if !slices.Equal(got[:len(tc.want)], tc.want) || last < hint*11/10 {
				t.Errorf("the grid of the wave looks at %v, want %v and then at least a tenth later", got, tc.want)
			}
		})
	}
}

// A kind's time is kept only when it is known to within a tenth (a look found an object not
// settled less than a tenth before it), and written again only when it moves by
// settleMemoryStep or more, or to renew it after settleMemoryRenewal: not on every answer of
// a 1000-card run.
func TestSettleTimesAreKeptWhenKnownAndWrittenWhenTheyMove(t *testing.T) {
	dir := t.TempDir()
	var lone settleLearner
	lone.useMemory(newSettleMemory(dir, memoryBaseURL, memoryMerchant), newFakeClock(), 10*time.Second)
	lone.notSettledCold(activeKind, 2*time.Second) // a lone wait looked at 0.5, 1, 2 and 4 s
	lone.observe(activeKind, 4*time.Second)
	if lone.version != 0 {
		t.Errorf("a time of 4s with nothing known above 2s was written %d times, want never", lone.version)
	}

	var l settleLearner
	clock := newFakeClock()
	l.useMemory(newSettleMemory(dir, memoryBaseURL, memoryMerchant), clock, 10*time.Second)
	l.notSettledCold(activeKind, 1950*time.Millisecond)
	for i := range 100 {
		l.observe(activeKind, 2*time.Second+time.Duration(i%3)*5*time.Millisecond)
	}
	if l.version != 1 {
		t.Errorf("100 times within 10ms of each other were written %d times, want once", l.version)
	}
	clock.After(settleMemoryRenewal)
	l.observe(activeKind, 2*time.Second)
	if l.version != 2 {
		t.Errorf("the same time, confirmed %s later, was written %d times in all, want twice: renewed", settleMemoryRenewal, l.version)
	}
	l.probed(activeKind, 2950*time.Millisecond, false) // the platform got slower
	for range recentSettles {
		l.observe(activeKind, 3*time.Second)
	}
	if l.version != 3 {
		t.Errorf("a move of the estimate by a second was written %d times in all, want 3", l.version)
	}
	kept := newSettleMemory(dir, memoryBaseURL, memoryMerchant).recall(clock.Now(), 10*time.Second)
	if got := kept[activeKind].time(); got != 3*time.Second {
		t.Errorf("kept %s, want the last estimate 3s", got)
	}
}

// A probe that finds its object settled sooner than the learned time forgets the lower
// bounds, as the platform may have got faster than they say, but the time it found is kept
// for the next process when the highest of them was less than a tenth below it; one found
// with no such bound is not.
func TestATimeAProbeFoundSoonerIsKept(t *testing.T) {
	dir := t.TempDir()
	clock := newFakeClock()
	var l settleLearner
	l.useMemory(newSettleMemory(dir, memoryBaseURL, memoryMerchant), clock, 10*time.Second)
	kept := func() time.Duration {
		return newSettleMemory(dir, memoryBaseURL, memoryMerchant).recall(clock.Now(), 10*time.Second)[activeKind].time()
	}
	firstWave := func(l *settleLearner) {
		l.notSettledCold(activeKind, 1980*time.Millisecond) // the grid's look before…
		l.observe(activeKind, 2170*time.Millisecond)        // …the one that found its object settled
	}
	probeFinds := func(l *settleLearner, at time.Duration) {
		l.probed(activeKind, at, true)
		l.observeIfSooner(activeKind, at) // the probe's settling look
	}
	firstWave(&l)
	if got := kept(); got != 2170*time.Millisecond {
		t.Fatalf("kept %s after the first wave, want 2.17s", got)
	}
	probeFinds(&l, 2070*time.Millisecond)
	if got := kept(); got != 2070*time.Millisecond {
		t.Errorf("kept %s after a probe found 2.07s, 90ms above a look that found nothing settled, want 2.07s", got)
	}
	probeFinds(&l, 1500*time.Millisecond) // nothing is known below it
	if got := kept(); got != 2070*time.Millisecond {
		t.Errorf("kept %s after a probe found 1.5s with no look below it, want 2.07s still", got)
	}

	// A bound that comes after a probe says more than the one the probe forgot: one above the
	// estimate (the platform got slower) leaves it not known.
	var slower settleLearner
	slower.useMemory(newSettleMemory(t.TempDir(), memoryBaseURL, memoryMerchant), clock, 10*time.Second)
	firstWave(&slower)
	probeFinds(&slower, 2070*time.Millisecond)
	written := slower.version
	slower.probed(activeKind, 2500*time.Millisecond, false)
	slower.observe(activeKind, 2000*time.Millisecond)
	if slower.version != written {
		t.Errorf("a time of 2s with a look at 2.5s that found nothing settled was kept (%d writes, want %d)", slower.version, written)
	}
}

// Two clients of the same merchant and base URL (two provider configurations, or two
// processes) keep each the kinds it learnt: a write does not drop the other's, nor replace
// a later time of it.
func TestTwoWritersKeepEachOthersTimes(t *testing.T) {
	dir := t.TempDir()
	clock := newFakeClock()
	var a, b settleLearner
	a.useMemory(newSettleMemory(dir, memoryBaseURL, memoryMerchant), clock, 10*time.Second)
	b.useMemory(newSettleMemory(dir, memoryBaseURL, memoryMerchant), clock, 10*time.Second)
	frozen := settleKind("card", []string{CardStatusFrozen})
	a.notSettledCold(activeKind, 1950*time.Millisecond)
	a.observe(activeKind, 2*time.Second)
	clock.After(time.Second)
	b.notSettledCold(frozen, 950*time.Millisecond)
	b.observe(frozen, time.Second)
	kept := newSettleMemory(dir, memoryBaseURL, memoryMerchant).recall(clock.Now(), 10*time.Second)
	if kept[activeKind].time() != 2*time.Second || kept[frozen].time() != time.Second {
		t.Errorf("kept %v, want both kinds' times", kept)
	}
}

// A process that only went by the kept time does not renew it: a time kept too late (the
// platform got faster since) would otherwise be the hint of every small apply for good,
// since a first wave never looks before the hint. A process that learnt a time of its own
// (it moved by settleMemoryStep) renews it.
func TestOnlyATimeLearntAnewRenewsTheKeptOne(t *testing.T) {
	dir := t.TempDir()
	platform := newTaskPlatform(t, 1500*time.Millisecond)
	base := platform.client(t, "", memoryMerchant).baseURL
	memory := newSettleMemory(dir, base, memoryMerchant)
	keptAt := platform.clock.Now().Add(-30 * time.Minute).UTC()
	memory.write(&settleRecord{kinds: map[string]keptSettle{activeKind: {Milliseconds: 2000, At: keptAt}}, version: 1})

	if looks, took := platform.wait(t, platform.client(t, dir, memoryMerchant)); looks != 2 || took != 2*time.Second {
		t.Fatalf("a wait that went by the kept 2s took %d looks over %s, want 2 over 2s (at once, then at the kept time)", looks, took)
	}
	if got := memory.recall(platform.clock.Now(), 10*time.Second)[activeKind]; got.time() != 2*time.Second || !got.At.Equal(keptAt) {
		t.Errorf("after a process went by it, the kept time is %s of %s, want 2s of %s: not renewed", got.time(), got.At, keptAt)
	}

	c := platform.client(t, dir, memoryMerchant)
	for range 24 { // probes bring the estimate down to the platform's 1.5s
		platform.wait(t, c)
	}
	learned, _ := c.settled.estimate(activeKind)
	if got := memory.recall(platform.clock.Now(), 10*time.Second)[activeKind]; got.time() >= 1900*time.Millisecond || !got.At.After(keptAt) {
		t.Errorf("after a process learned %s, the kept time is %s of %s, want it renewed, nearer the platform's 1.5s", learned, got.time(), got.At)
	}
}
