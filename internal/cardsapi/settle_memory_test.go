package cardsapi

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// taskPlatform answers CardDetails with Pending until taskTime after the last begin, then
// with Active, on a fake clock its clients share.
type taskPlatform struct {
	srv   *scriptServer
	clock *fakeClock

	mu       sync.Mutex
	taskTime time.Duration
	readyAt  time.Time
}

func newTaskPlatform(t *testing.T, taskTime time.Duration) *taskPlatform {
	p := &taskPlatform{clock: newFakeClock(), taskTime: taskTime}
	p.srv = newScriptServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
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
	p.mu.Lock()
	p.readyAt = p.clock.Now().Add(p.taskTime)
	p.mu.Unlock()
	before, start := p.srv.requests(), p.clock.Now()
	if _, err := c.WaitForCardStatus(context.Background(), "c1", []string{CardStatusActive}, nil); err != nil {
		t.Fatal(err)
	}
	return p.srv.requests() - before, p.clock.Now().Sub(start)
}

var activeKind = settleKind("card", []string{CardStatusActive})

// A process learns how soon a kind of task settles; the next one's first wait of that kind
// looks there first, once, where a process that knows nothing looks at 0, 0.5, 1, 2 and 4 s.
// The kept file names no credential.
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
	if looks, took := platform.wait(t, platform.client(t, dir, memoryMerchant)); looks != 1 || took != learned.Truncate(time.Millisecond) {
		t.Errorf("the next process's first wait took %d looks over %s, want 1 at the %s the first learned", looks, took, learned)
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

// When the platform has got slower than the kept time, the first look, at the kept time,
// finds the task not settled, and the waits look on from there as a process that knows
// nothing would: a lone wait doubles its interval, and a wave shares a grid of looks.
func TestASettleTimeKeptTooSoonCostsOneLook(t *testing.T) {
	dir := t.TempDir()
	platform := newTaskPlatform(t, 3*time.Second)
	base := platform.client(t, "", memoryMerchant).baseURL // as the client writes it
	newSettleMemory(dir, base, memoryMerchant).write(&settleRecord{kinds: map[string]keptSettle{
		activeKind: {Milliseconds: 2000, At: platform.clock.Now().Add(-time.Hour)}}, version: 1})
	c := platform.client(t, dir, memoryMerchant)
	looks, took := platform.wait(t, c)
	if looks != 2 || took != 4*time.Second {
		t.Errorf("a lone wait took %d looks over %s, want 2 over 4s (the kept 2s, then twice that)", looks, took)
	}
}

// A kept time is a hint only for the same kind of wait, the same merchant at the same base
// URL, within settleMemoryMaxAge (an hour): otherwise the first wait looks at once.
func TestASettleTimeIsAHintOnlyWhereItWasLearnt(t *testing.T) {
	now := newFakeClock().Now()
	keep := func(dir, baseURL, merchant, kind string, at time.Time) {
		newSettleMemory(dir, baseURL, merchant).write(&settleRecord{kinds: map[string]keptSettle{
			kind: {Milliseconds: 2000, At: at}}, version: 1})
	}
	for _, tc := range []struct {
		name               string
		baseURL, merchant  string
		kind               string
		age                time.Duration
		wantFirstSleep     time.Duration
		wantSecondGridFrom time.Duration
	}{
		{"the same", memoryBaseURL, memoryMerchant, activeKind, 59 * time.Minute, 2 * time.Second, 2200 * time.Millisecond},
		{"another merchant", memoryBaseURL, "another-token", activeKind, time.Minute, 0, 0},
		{"another base URL", "https://other.example/api/v1", memoryMerchant, activeKind, time.Minute, 0, 0},
		{"another kind", memoryBaseURL, memoryMerchant, settleKind("card", []string{CardStatusFrozen}), time.Minute, 0, 0},
		{"older than an hour", memoryBaseURL, memoryMerchant, activeKind, 61 * time.Minute, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			keep(dir, tc.baseURL, tc.merchant, tc.kind, now.Add(-tc.age))
			var l settleLearner
			clock := newFakeClock()
			l.useMemory(newSettleMemory(dir, memoryBaseURL, memoryMerchant), clock)
			if _, _, notAtOnce := l.firstLook(activeKind); notAtOnce != (tc.wantFirstSleep > 0) {
				t.Errorf("the first wait looks at once: %v, want %v", !notAtOnce, tc.wantFirstSleep == 0)
			}
			l.firstLook(activeKind) // a second wait of the wave
			first := l.coldLook(activeKind, 0, 500*time.Millisecond)
			second := l.coldLook(activeKind, 0, 500*time.Millisecond)
			if tc.wantFirstSleep > 0 && (first != tc.wantFirstSleep || second < tc.wantSecondGridFrom) {
				t.Errorf("the grid of a wave of two looks at %s and %s, want %s and no sooner than %s", first, second, tc.wantFirstSleep, tc.wantSecondGridFrom)
			}
			if tc.wantFirstSleep == 0 && first != 500*time.Millisecond {
				t.Errorf("without a hint the grid looks first at %s, want the first interval 500ms", first)
			}
		})
	}
}

// A kind's time is kept only when it is known to within a tenth (a look found an object not
// settled less than a tenth before it), and written again only when it moves by
// settleMemoryStep or more: not on every answer of a 1000-card run.
func TestSettleTimesAreKeptWhenKnownAndWrittenWhenTheyMove(t *testing.T) {
	dir := t.TempDir()
	var lone settleLearner
	lone.useMemory(newSettleMemory(dir, memoryBaseURL, memoryMerchant), newFakeClock())
	lone.notSettledCold(activeKind, 2*time.Second) // a lone wait looked at 0.5, 1, 2 and 4 s
	lone.observe(activeKind, 4*time.Second)
	if lone.version != 0 {
		t.Errorf("a time of 4s with nothing known above 2s was written %d times, want never", lone.version)
	}

	var l settleLearner
	l.useMemory(newSettleMemory(dir, memoryBaseURL, memoryMerchant), newFakeClock())
	l.notSettledCold(activeKind, 1950*time.Millisecond)
	for i := range 100 {
		l.observe(activeKind, 2*time.Second+time.Duration(i%3)*5*time.Millisecond)
	}
	if l.version != 1 {
		t.Errorf("100 times within 10ms of each other were written %d times, want once", l.version)
	}
	l.probed(activeKind, 2950*time.Millisecond, false) // the platform got slower
	for range recentSettles {
		l.observe(activeKind, 3*time.Second)
	}
	if l.version != 2 {
		t.Errorf("a move of the estimate by a second was written %d times in all, want twice", l.version)
	}
	kept := newSettleMemory(dir, memoryBaseURL, memoryMerchant).recall(time.Unix(1764000000, 0))
	if got := kept[activeKind].time(); got != 3*time.Second {
		t.Errorf("kept %s, want the last estimate 3s", got)
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

	if looks, took := platform.wait(t, platform.client(t, dir, memoryMerchant)); looks != 1 || took != 2*time.Second {
		t.Fatalf("a wait that went by the kept 2s took %d looks over %s, want 1 over 2s", looks, took)
	}
	if got := memory.recall(platform.clock.Now())[activeKind]; got.time() != 2*time.Second || !got.At.Equal(keptAt) {
		t.Errorf("after a process went by it, the kept time is %s of %s, want 2s of %s: not renewed", got.time(), got.At, keptAt)
	}

	c := platform.client(t, dir, memoryMerchant)
	for range 24 { // probes bring the estimate down to the platform's 1.5s
		platform.wait(t, c)
	}
	learned, _ := c.settled.estimate(activeKind)
	if got := memory.recall(platform.clock.Now())[activeKind]; got.time() >= 1900*time.Millisecond || !got.At.After(keptAt) {
		t.Errorf("after a process learned %s, the kept time is %s of %s, want it renewed, nearer the platform's 1.5s", learned, got.time(), got.At)
	}
}
