package cardsapi

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"
)

// Waits learn the platform's settle time: the first wait of a kind, alone, polls at doubling
// intervals, the next ones look first at the learned time and need one or two looks, and a
// different kind of wait learns on its own.
func TestWaitsLearnTheSettleTime(t *testing.T) {
	const taskTime = 2 * time.Second
	platform := newTaskPlatform(t, taskTime)
	c := platform.client(t, "", testToken)
	wait := func() (looks int, took time.Duration) { return platform.wait(t, c) }
	looks, took := wait()
	if took != 2*time.Second || looks != 4 {
		t.Fatalf("first wait: %d looks over %s, want 4 over 2s (0, 0.5, 1, 2)", looks, took)
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

// A learned time is a low quantile of the recent ones: the soonest of a few, the fourth
// soonest of 16.
func TestSettleLearnerKeepsTheSoonestRecent(t *testing.T) {
	var l settleLearner
	kind := settleKind("card", []string{"Active"})
	for _, d := range []time.Duration{3 * time.Second, 2100 * time.Millisecond, 2500 * time.Millisecond} {
		l.observe(kind, d)
	}
	if d, _ := l.estimate(kind); d != 2100*time.Millisecond {
		t.Errorf("estimate %s, want the soonest 2.1s", d)
	}
	var l16 settleLearner
	for i := range recentSettles {
		l16.observe(kind, 2*time.Second+time.Duration(recentSettles-i)*10*time.Millisecond)
	}
	if d, _ := l16.estimate(kind); d != 2040*time.Millisecond {
		t.Errorf("estimate of 2.01s..2.16s is %s, want the fourth soonest 2.04s", d)
	}
	for range recentSettles {
		l.observe(kind, 4*time.Second)
	}
	if d, _ := l.estimate(kind); d != 4*time.Second {
		t.Errorf("after the platform slowed down the estimate is %s, want 4s", d)
	}
}

// A wait that settles at a look made at once (the card was already in the status) teaches
// nothing: its elapsed time is the request's, and learning it would make later waits of the
// kind sleep before looking.
func TestWaitSettledAtOnceLearnsNothing(t *testing.T) {
	srv := statusServer(t, cardStatus("Active"))
	c, _ := newTestClient(t, srv.URL) // the real clock: each look takes a little time
	for range 3 {
		askNow(c, "c1")
		if _, err := c.WaitForCardStatus(context.Background(), "c1", []string{CardStatusActive}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if d, ok := c.settled.estimate(settleKind("card", []string{CardStatusActive})); ok {
		t.Errorf("learned %s from waits that never slept", d)
	}
}

// A wait that has learned nothing sleeps out its doubling interval unless another wait of
// its kind sees the platform settle meanwhile: then it looks at that time after its own
// start (at once if that has passed), so a run's first wave of cards does not oversleep.
func TestWaitLooksWhenAnotherWaitLearns(t *testing.T) {
	for _, tc := range []struct {
		name             string
		learnAt, learned time.Duration // when the other wait learns, and what
		wantWake         time.Duration // when this wait looks, after its start
	}{
		{"learned time already passed: look at once", 2100 * time.Millisecond, 2 * time.Second, 2100 * time.Millisecond},
		{"learned time ahead: look then", 1 * time.Second, 2 * time.Second, 2 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := newManualClock()
			c, _ := newTestClient(t, "http://127.0.0.1:1", func(cfg *Config) { cfg.Clock = clock })
			kind := settleKind("card", []string{CardStatusActive})
			w := askedWaiter(c, "c1", []string{CardStatusActive}, knownCardStatuses)
			woke := make(chan error, 1)
			go func() { woke <- w.sleep(context.Background(), 10*time.Second) }()
			clock.waitForTimers(t, 1)
			clock.advance(tc.learnAt)
			c.settled.observe(kind, tc.learned)
			if tc.wantWake > tc.learnAt {
				clock.waitForTimers(t, 2)
				clock.advance(tc.wantWake - tc.learnAt)
			}
			select {
			case err := <-woke:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("still asleep at %s after the start; the other wait learned %s", w.elapsed(), tc.learned)
			}
			if got := w.elapsed(); got != tc.wantWake {
				t.Errorf("looked at %s, want %s", got, tc.wantWake)
			}
			if w.schedule.expected != tc.learned {
				t.Errorf("schedule expects %s, want the learned %s", w.schedule.expected, tc.learned)
			}
		})
	}
}

// Waits woken to look at once because the time another wait learned has passed for them
// teach nothing when their look finds the object settled: their time is only later than the
// one learned, and a wave of them would raise the estimate the next waves go by.
func TestWaitsWokenLateLearnNothing(t *testing.T) {
	clock := newManualClock()
	c, _ := newTestClient(t, "http://127.0.0.1:1", func(cfg *Config) { cfg.Clock = clock })
	kind := settleKind("card", []string{CardStatusActive})
	settled := func(context.Context) (string, bool, error) { return CardStatusActive, true, nil }
	var woken []*waiter
	errs := make(chan error, 8)
	for i := range cap(errs) {
		w := askedWaiter(c, fmt.Sprint("c", i), []string{CardStatusActive}, knownCardStatuses)
		woken = append(woken, w)
		go func() { errs <- w.sleep(context.Background(), 10*time.Second) }()
	}
	clock.waitForTimers(t, cap(errs))
	clock.advance(2300 * time.Millisecond)
	c.settled.observe(kind, 2*time.Second) // another wait saw its object settled at 2s
	for range cap(errs) {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	for _, w := range woken {
		if done, err := w.look(context.Background(), settled); !done || err != nil {
			t.Fatalf("look: done %v, err %v", done, err)
		}
	}
	if d, _ := c.settled.estimate(kind); d != 2*time.Second {
		t.Errorf("estimate %s after %d waits woken at 2.3s found their objects settled, want the 2s learned", d, len(woken))
	}
}

// manualClock moves only when the test advances it.
type manualClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []manualTimer
	armed  int // timers ever armed
}

type manualTimer struct {
	at time.Time
	ch chan time.Time
}

func newManualClock() *manualClock { return &manualClock{now: time.Unix(1764000000, 0).UTC()} }

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.armed++
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.timers = append(c.timers, manualTimer{at: c.now.Add(d), ch: ch})
	return ch
}

func (c *manualClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	pending := c.timers[:0]
	for _, tm := range c.timers {
		if tm.at.After(c.now) {
			pending = append(pending, tm)
			continue
		}
		tm.ch <- c.now
	}
	c.timers = pending
}

// waitForTimers returns once n timers have been armed in all.
func (c *manualClock) waitForTimers(t *testing.T, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		c.mu.Lock()
		armed := c.armed
		c.mu.Unlock()
		if armed >= n {
			return
		}
	}
	t.Fatalf("fewer than %d timers were armed", n)
}

// waitsUntilProbe begins waits of kind until one probes: how many (0: none in 2×probeEveryMax).
func waitsUntilProbe(l *settleLearner, kind string) int {
	for n := 1; n <= 2*probeEveryMax; n++ {
		if _, probeAt, _ := l.firstLook(kind); probeAt > 0 {
			return n
		}
	}
	return 0
}

// Probes thin out while the estimate holds (each probe that finds the object not yet settled
// doubles their spacing, up to probeEveryMax) and come back at once when one finds the
// platform faster.
func TestProbesThinOutWhileTheEstimateHolds(t *testing.T) {
	var l settleLearner
	kind := settleKind("card", []string{"Frozen"})
	l.observe(kind, 2*time.Second)
	nextProbe := func() int {
		n := waitsUntilProbe(&l, kind)
		if n == 0 {
			t.Fatalf("no probe in %d waits", 2*probeEveryMax)
		}
		return n
	}
	var spacings []int
	for range 5 {
		spacings = append(spacings, nextProbe())
		l.probed(kind, 1900*time.Millisecond, false) // the estimate was right: the early look missed
	}
	if want := []int{4, 8, 16, 32, 32}; !slices.Equal(spacings, want) {
		t.Errorf("probe spacings %v while the estimate holds, want %v", spacings, want)
	}
	l.probed(kind, 1900*time.Millisecond, true) // a probe saw the object settled early: the platform got faster
	l.observe(kind, 1900*time.Millisecond)      // (as the probe's wait then does)
	if d, _ := l.estimate(kind); d != 1900*time.Millisecond {
		t.Errorf("after an early settle at 1.9s the estimate is %s: the slower times should be forgotten", d)
	}
	if got := nextProbe(); got != probeEveryMin {
		t.Errorf("after an early settle the next probe came after %d waits, want %d", got, probeEveryMin)
	}
}

// An estimate a little above the platform's time (here 10%, less than the probes' first
// step) still closes in on it: the early looks that find the object not yet settled are
// lower bounds, and the next probe looks halfway between them and the estimate.
func TestProbesCloseInOnThePlatformTime(t *testing.T) {
	const platform = 2 * time.Second
	var l settleLearner
	kind := settleKind("card", []string{"Cancelled"})
	l.observe(kind, 2200*time.Millisecond)
	for range 400 {
		_, probeAt, _ := l.firstLook(kind)
		if probeAt == 0 {
			continue // a wait at the estimate settles at its first look and teaches nothing new
		}
		settled := probeAt >= platform
		l.probed(kind, probeAt, settled)
		if settled {
			l.observe(kind, probeAt)
		}
	}
	if d, _ := l.estimate(kind); d < platform || d > platform*101/100 {
		t.Errorf("estimate %s after 400 waits, want within 1%% above the platform's %s", d, platform)
	}
}

// A first wave that learned late (a few parallel waits look sparsely) comes down within a
// couple of waves: its looks that found objects not settled are lower bounds, and while the
// estimate is more than a tenth above them every fourth wait probes halfway. Waves of 10 waits; a
// wave learns what its probes saw only after all of it began, as a real run does.
func TestALateFirstWaveIsCorrectedByHalving(t *testing.T) {
	const platform = 2 * time.Second
	var l settleLearner
	kind := settleKind("card", []string{"Frozen"})
	for _, at := range []time.Duration{400 * time.Millisecond, 1200 * time.Millisecond, 1900 * time.Millisecond} {
		l.notSettledCold(kind, at)
	}
	l.observe(kind, 2600*time.Millisecond) // the first look after the platform's time
	var estimates []time.Duration
	for range 3 {
		var probes []time.Duration
		for range 10 {
			if _, probeAt, _ := l.firstLook(kind); probeAt > 0 {
				probes = append(probes, probeAt)
			}
		}
		for _, at := range probes {
			settled := at >= platform
			l.probed(kind, at, settled)
			if settled {
				l.observe(kind, at)
			}
		}
		d, _ := l.estimate(kind)
		estimates = append(estimates, d)
	}
	if first := estimates[0]; first != 2250*time.Millisecond {
		t.Errorf("after the second wave the estimate is %s, want 2.25s: halfway between 1.9s and 2.6s", first)
	}
	if last := estimates[len(estimates)-1]; last > platform*103/100 {
		t.Errorf("estimates %v after three waves, want within 3%% of the platform's %s", estimates, platform)
	}
}

// While the estimate is more than a tenth above the highest lower bound, probes come every
// fourth wait even when they had thinned out, and one at a time: the waits of a wave begin
// before its probe has looked, and probes among them would look at the same point and miss
// alike, a look each. Once the probe has looked, the fourth wait after it probes again,
// halfway to the new lower bound.
func TestAWideGapProbesOneAtATimeEveryFourthWait(t *testing.T) {
	var l settleLearner
	kind := settleKind("card", []string{"Cancelled"})
	l.observe(kind, 2500*time.Millisecond)
	for range 3 { // the estimate held three times: probes thin out to every 32nd wait
		l.probed(kind, 2400*time.Millisecond, false)
	}
	for range recentSettles { // the platform slowed down: the estimate is 3.2s, the bound 2.4s
		l.observe(kind, 3200*time.Millisecond)
	}
	const wave = 48
	probesOfAWave := func() (at []time.Duration, first int) {
		for n := 1; n <= wave; n++ {
			if _, probeAt, _ := l.firstLook(kind); probeAt > 0 {
				at = append(at, probeAt)
				first = cmp.Or(first, n)
			}
		}
		return at, first
	}
	for _, want := range []time.Duration{2800 * time.Millisecond, 3000 * time.Millisecond} {
		at, first := probesOfAWave()
		if len(at) != 1 || at[0] != want || first != probeEveryMin {
			t.Fatalf("a wave of %d waits probed at %v (the first probe was wait %d), want one probe, wait %d, at %s: "+
				"halfway between the highest lower bound and the estimate", wave, at, first, probeEveryMin, want)
		}
		l.probed(kind, at[0], false) // the platform is slower still: a new lower bound, still far below 3.2s
	}
}

// A probe whose wait ends before its early look answers (an error, a cancelled run) lets the
// next waits probe: otherwise the kind would never probe again.
func TestAnAbandonedProbeLetsAnotherProbe(t *testing.T) {
	var l settleLearner
	kind := settleKind("card", []string{"Frozen"})
	l.observe(kind, 2*time.Second)
	nextProbe := func() int { return waitsUntilProbe(&l, kind) }
	if n := nextProbe(); n != probeEveryMin {
		t.Fatalf("the first probe was wait %d, want %d", n, probeEveryMin)
	}
	if n := nextProbe(); n != 0 {
		t.Fatalf("wait %d probed while the first probe's early look was awaited", n)
	}
	l.probeAbandoned(kind)
	if n := nextProbe(); n == 0 {
		t.Fatal("no wait probed after the probe was abandoned")
	}
}

// A probe's early look that fails says nothing of the platform's time: it is no lower bound,
// and the kind may probe again.
func TestAProbeWhoseLookFailsTeachesNothing(t *testing.T) {
	srv := statusServer(t, answer(http.StatusBadGateway, "bad gateway"), cardStatus(CardStatusFrozen))
	clock := newFakeClock()
	c, _ := newTestClient(t, srv.URL, func(cfg *Config) {
		cfg.Clock = clock
		cfg.MaxRetries = Retries(0) // the wait sees the failed look
	})
	kind := settleKind("card", []string{CardStatusFrozen})
	c.settled.observe(kind, 2*time.Second)
	for range probeEveryMin - 1 {
		if _, probeAt, _ := c.settled.firstLook(kind); probeAt > 0 {
			t.Fatal("a probe before the fourth wait")
		}
	}
	askNow(c, "c1")
	if _, err := c.WaitForCardStatus(context.Background(), "c1", []string{CardStatusFrozen}, nil); err != nil {
		t.Fatal(err)
	}
	if srv.requests() != 2 {
		t.Fatalf("%d looks, want 2: the probe's failed early look, then one at the estimate", srv.requests())
	}
	h := c.settled.history(kind)
	if h.probing || len(h.notYet) != 0 {
		t.Errorf("after a probe whose early look failed: probing %v, lower bounds %v; want no probe awaited and no bound", h.probing, h.notYet)
	}
}

// A look that goes out later than it was decided (held back by the rate limiter or a
// Retry-After) teaches the time its request was sent: measuring from the decision would make
// the learned time shorter than the platform's, and the next waits would look too early.
// (This is the kind's first time; once it has one, such a look teaches nothing: below.)
func TestSettleTimeIsMeasuredToWhenTheLookWasSent(t *testing.T) {
	srv := statusServer(t, cardStatus("Active"))
	c, _, clock := newWaitClient(t, srv.URL)
	kind := settleKind("card", []string{CardStatusActive})
	w := askedWaiter(c, "c1", []string{CardStatusActive}, knownCardStatuses)
	if err := w.sleep(context.Background(), 2*time.Second); err != nil {
		t.Fatal(err)
	}
	const heldBack = 300 * time.Millisecond
	done, err := w.look(context.Background(), activeHeldBack(c, clock, heldBack)) // decided at 2s, sent at 2.3s
	if !done || err != nil {
		t.Fatalf("look: done %v, err %v", done, err)
	}
	if got, _ := c.settled.estimate(kind); got != 2*time.Second+heldBack {
		t.Errorf("learned %s, want %s: when the settling look was sent, not when it was decided", got, 2*time.Second+heldBack)
	}
}

// activeHeldBack reads card c1 after holding the request back by heldBack on the fake clock,
// as the rate limiter or a Retry-After would; it settles when the card is Active.
func activeHeldBack(c *Client, clock *fakeClock, heldBack time.Duration) pollFunc {
	return func(ctx context.Context) (string, bool, error) {
		<-clock.After(heldBack)
		d, err := c.CardDetails(ctx, "c1")
		if err != nil {
			return "", false, err
		}
		return d.CardStatus, d.CardStatus == CardStatusActive, nil
	}
}

// Once a kind has learned a time, a wait raises it only when it had found its object not
// settled at that time (the platform got slower) and its settling look was held back by no
// more than the schedule's interval. A look at the learned time that finds the object settled
// confirms the time: it records the time itself, not its own, which adds the timer's lateness
// (or the rate limiter's hold) and, recorded, ratchets the estimate up. A look held back
// longer tells the queue's time as much as the platform's. Any look may still lower it.
func TestOnlyAWaitThatMissedRaisesTheLearnedTime(t *testing.T) {
	active, pending := cardStatus("Active"), cardStatus("Pending")
	srv := statusServer(t, active, active, pending, active, active, pending, active)
	c, _, clock := newWaitClient(t, srv.URL)
	kind := settleKind("card", []string{CardStatusActive})
	c.settled.observe(kind, 2*time.Second) // the schedule: first look at 2s, then every 100ms
	// wait runs a wait whose looks are held back by heldBack, one each; the last settles.
	wait := func(probe bool, heldBack ...time.Duration) {
		t.Helper()
		w := askedWaiter(c, "c1", []string{CardStatusActive}, knownCardStatuses)
		if w.schedule.probe != probe {
			t.Fatalf("the wait is a probe: %v, want %v", w.schedule.probe, probe)
		}
		if err := w.sleep(context.Background(), w.firstSleep()); err != nil {
			t.Fatal(err)
		}
		for i, d := range heldBack {
			done, err := w.look(context.Background(), activeHeldBack(c, clock, d))
			last := i == len(heldBack)-1
			if err != nil || done != last {
				t.Fatalf("look %d: done %v, err %v; want done %v", i+1, done, err, last)
			}
			if !last {
				if err := w.sleep(context.Background(), w.nextSleep()); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	recent := func() []time.Duration {
		c.settled.mu.Lock()
		defer c.settled.mu.Unlock()
		return slices.Clone(c.settled.history(kind).recent)
	}
	for _, step := range []struct {
		what     string
		probe    bool
		heldBack []time.Duration
		want     []time.Duration
	}{
		{"settled at its look at 2s, sent at 2.05s", false, []time.Duration{50 * time.Millisecond},
			[]time.Duration{2 * time.Second, 2 * time.Second}},
		{"settled at its look at 2s, held back until 2.7s", false, []time.Duration{700 * time.Millisecond},
			[]time.Duration{2 * time.Second, 2 * time.Second, 2 * time.Second}},
		{"not settled at 2s, then settled at its look at 2.1s, sent at 2.15s", false, []time.Duration{0, 50 * time.Millisecond},
			[]time.Duration{2 * time.Second, 2 * time.Second, 2 * time.Second, 2150 * time.Millisecond}},
		// The fourth wait probes: it looks at 1.8s, is held back until 1.95s and sees its
		// object settled. It drops the times above 1.95s, and its own is the one left.
		{"a probe at 1.8s, held back until 1.95s, settled", true, []time.Duration{150 * time.Millisecond},
			[]time.Duration{1950 * time.Millisecond}},
		{"not settled at 1.95s, then held back from 2.05s to 2.75s", false, []time.Duration{0, 700 * time.Millisecond},
			[]time.Duration{1950 * time.Millisecond}},
	} {
		wait(step.probe, step.heldBack...)
		if got := recent(); !slices.Equal(got, step.want) {
			t.Errorf("after a wait %s the settle times are %v, want %v", step.what, got, step.want)
		}
	}
}

// A probe whose early look is already behind it when its wait begins (the answer to its ask
// came late) gives the probe up and looks at the learned time: its look would say nothing of
// when the object settled, and the kind would take it for an answer.
func TestAProbeAnsweredLateGivesUp(t *testing.T) {
	c, _, clock := newWaitClient(t, "http://127.0.0.1:1")
	kind := settleKind("card", []string{CardStatusActive})
	c.settled.observe(kind, 2*time.Second)
	for range probeEveryMin - 1 {
		if w := askedWaiter(c, "c0", []string{CardStatusActive}, knownCardStatuses); w.probing {
			t.Fatal("a probe before the fourth wait")
		}
	}
	c.asked.note("c1", clock.Now().Add(-1900*time.Millisecond)) // asked 1.9s ago; a probe would look at 1.8s
	w := c.newWaiter("card", "c1", []string{CardStatusActive}, knownCardStatuses)
	if w.probing || w.schedule.probe {
		t.Error("the wait probes, though its early look is behind it")
	}
	if d := w.firstSleep(); d != 100*time.Millisecond {
		t.Errorf("first sleep %s, want 100ms: until the learned 2s after the ask", d)
	}
	if c.settled.history(kind).probing {
		t.Error("the kind still awaits the probe's answer: it would never probe again")
	}
}

// The waits of a wave that began before a probe found the platform faster confirm the lower
// time, not the one they went by: recording their own, they undid the probe, and the next
// wave looked as late as before.
func TestAWaveConfirmsWhatItsProbeFound(t *testing.T) {
	srv := statusServer(t, cardStatus("Active"))
	c, _, _ := newWaitClient(t, srv.URL)
	kind := settleKind("card", []string{CardStatusActive})
	c.settled.observe(kind, 2200*time.Millisecond) // a first wave saw its objects settled at 2.2s
	active := func(context.Context) (string, bool, error) { return CardStatusActive, true, nil }
	var wave []*waiter
	var probe *waiter
	for range 8 {
		w := askedWaiter(c, "c1", []string{CardStatusActive}, knownCardStatuses)
		if w.probing {
			probe = w
			continue
		}
		wave = append(wave, w)
	}
	if probe == nil {
		t.Fatal("no wait of the wave probes")
	}
	for _, w := range append([]*waiter{probe}, wave...) { // the probe looks first: at 1.98s
		if err := w.sleep(context.Background(), w.firstSleep()); err != nil {
			t.Fatal(err)
		}
		if done, err := w.look(context.Background(), active); !done || err != nil {
			t.Fatalf("look: done %v, err %v", done, err)
		}
	}
	if d, _ := c.settled.estimate(kind); d != 1980*time.Millisecond {
		t.Errorf("after the probe saw its object settled at 1.98s and %d waits at 2.2s, the estimate is %s, want 1.98s", len(wave), d)
	}
}

// Until a kind has learned a settle time, one wait at a time looks at once: while it looks,
// and once it has found its object not settled, new waits take the next point of the grid
// the kind's cold waits share (or look when the kind learns a time). A kind that has learned
// a time looks first at it.
func TestColdWaitsLookAtOnceOneAtATime(t *testing.T) {
	srv := statusServer(t, cardStatus("Pending"))
	c, _, _ := newWaitClient(t, srv.URL, func(cfg *Config) { cfg.PollInitial = 400 * time.Millisecond })
	target := []string{CardStatusActive}
	kind := settleKind("card", target)
	check := func(ctx context.Context) (string, bool, error) {
		d, err := c.CardDetails(ctx, "c1")
		if err != nil {
			return "", false, err
		}
		return d.CardStatus, d.CardStatus == CardStatusActive, nil
	}

	first := askedWaiter(c, "c1", target, knownCardStatuses)
	if d := first.firstSleep(); d != 0 {
		t.Errorf("the first wait of a kind no wait has looked at yet sleeps %s before its first look, want 0", d)
	}
	second := askedWaiter(c, "c2", target, knownCardStatuses) // began while the first looks at once
	if d := second.firstSleep(); d != 400*time.Millisecond {
		t.Errorf("a wait that began while another looks at once sleeps %s before its first look, want the first interval 400ms", d)
	}
	if done, err := first.look(context.Background(), check); done {
		t.Fatalf("settled: %v", err)
	}
	third := askedWaiter(c, "c3", target, knownCardStatuses)
	if d := third.firstSleep(); d < 440*time.Millisecond || d > 800*time.Millisecond {
		t.Errorf("after a wait found its object not settled, a new wait sleeps %s before its first look, want the grid's next point: 10%% to 100%% beyond 400ms", d)
	}

	c.settled.observe(kind, 2*time.Second)
	learned := askedWaiter(c, "c4", target, knownCardStatuses)
	if first, at := learned.firstSleep(), learned.schedule.expected+learned.schedule.probeGap; first == 0 || at != 2*time.Second {
		t.Errorf("a wait of a kind that has learned 2s looks first at %s and then at %s, want 2s (earlier if it probes)", first, at)
	}
	other := askedWaiter(c, "c5", []string{CardStatusFrozen}, knownCardStatuses)
	if d := other.firstSleep(); d != 0 {
		t.Errorf("a wait of another kind sleeps %s before its first look, want 0", d)
	}
}

// The waits of a kind that has learned nothing share one grid of looks: 50 that begin
// together look at distinct times at least a tenth apart, from the first interval on, rather
// than each at its own doubling intervals; a lone wait doubles its interval; and once no
// cold wait is left the grid starts afresh.
func TestColdWavesShareOneGridOfLooks(t *testing.T) {
	c, _, _ := newWaitClient(t, "http://127.0.0.1:1", func(cfg *Config) { cfg.PollMax = 2 * time.Minute }) // nothing is sent
	target := []string{CardStatusActive}
	var wave []*waiter
	var looks []time.Duration
	for i := range 50 {
		w := askedWaiter(c, fmt.Sprint("c", i), target, knownCardStatuses)
		wave = append(wave, w)
		if i > 0 { // the first looks at once
			looks = append(looks, w.firstSleep())
		}
	}
	if looks[0] != 500*time.Millisecond {
		t.Errorf("the grid's first look is at %s, want the first interval 500ms", looks[0])
	}
	for i := 1; i < len(looks); i++ {
		if ratio := float64(looks[i]) / float64(looks[i-1]); ratio < coldGridStep-1e-9 || ratio > 2 {
			t.Fatalf("looks %d and %d of a wave are at %s and %s (×%.3f), want each 1.1× to 2× the one before", i, i+1, looks[i-1], looks[i], ratio)
		}
	}
	for _, w := range wave {
		w.leaveCold()
	}
	lone := askedWaiter(c, "lone", target, knownCardStatuses)
	if d := lone.firstSleep(); d != 500*time.Millisecond {
		t.Errorf("a lone wait after the wave ended sleeps %s before its first look, want 500ms: a fresh grid", d)
	}
	var lonely []time.Duration
	for range 3 {
		lonely = append(lonely, c.settled.coldLook(lone.kind, lonely0(lonely), c.pollInitial))
	}
	if want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}; !slices.Equal(lonely, want) {
		t.Errorf("a lone cold wait looks next at %v, want %v: doubling", lonely, want)
	}
}

func lonely0(looks []time.Duration) time.Duration {
	if len(looks) == 0 {
		return 500 * time.Millisecond
	}
	return looks[len(looks)-1]
}

// A first wave of 50 parallel waits against a task that takes a fixed time finds it with a
// handful of looks in all, not a few each: the wave's requests before its objects settle
// were about 100 when each wait polled on its own doubling schedule.
func TestAColdWaveLooksFewTimes(t *testing.T) {
	// From 50 ms to 300 ms a tenth apart is about 20 looks, then each wait's settling look.
	if extra := coldWaveUselessLooks(t, 50*time.Millisecond, nil); extra > 30 {
		t.Errorf("a cold wave made %d looks that found nothing settled, want at most 30", extra)
	}
}

// A cold wave of one kind goes by the time another kind has learned: its grid doubles from
// the first interval up to a step before that time, then looks at it, and a platform whose
// tasks all take that time is found with 6 useless looks in all (at once, 20, 40, 80, 160
// and 273 ms), where a wave that has learned nothing makes about 20 from a first interval of
// 50 ms (TestAColdWaveLooksFewTimes) and more from one of 20 ms. How the grid goes by the
// other kind's time is TestAnotherKindsTimeIsALessSureHint's.
func TestAColdWaveGoesByAnotherKindsTime(t *testing.T) {
	activated := func(c *Client) { // known to within a tenth
		c.settled.notSettledCold(activeKind, coldWaveTaskTime*95/100)
		c.settled.observe(activeKind, coldWaveTaskTime)
	}
	if extra := coldWaveUselessLooks(t, 20*time.Millisecond, activated); extra > 7 {
		t.Errorf("a cold wave that knew another kind's time made %d looks that found nothing settled, want at most 7", extra)
	}
}

const coldWaveTaskTime = 300 * time.Millisecond

// coldWaveUselessLooks runs a first wave of 50 parallel waits for cards to freeze against a
// platform whose tasks all end coldWaveTaskTime after the wave began, on the real clock,
// with the client's first interval pollInitial and taught by prepare (if not nil), and
// returns how many looks found nothing settled.
func coldWaveUselessLooks(t *testing.T, pollInitial time.Duration, prepare func(c *Client)) int {
	t.Helper()
	const waves = 50
	start := time.Now()
	srv := newScriptServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		if time.Since(start) >= coldWaveTaskTime {
			cardStatus("Frozen")(w)
		} else {
			cardStatus("Active")(w)
		}
	})
	c, _ := newTestClient(t, srv.URL, func(cfg *Config) { cfg.PollInitial = pollInitial })
	if prepare != nil {
		prepare(c)
	}
	var wg sync.WaitGroup
	errs := make(chan error, waves)
	for i := range waves {
		wg.Go(func() {
			askNow(c, fmt.Sprint("c", i))
			if _, err := c.WaitForCardStatus(context.Background(), fmt.Sprint("c", i), []string{CardStatusFrozen}, nil); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	extra := srv.requests() - waves
	t.Logf("%d looks found nothing settled", extra)
	return extra
}

// When the wait that looks at once finds its object settled (a platform that completes at
// once), the waits that began meanwhile are woken to look at once too, and new waits look at
// once again; nothing is learned, so the kind stays one that looks at once.
func TestASettledLookAtOnceWakesTheWaitsThatSlept(t *testing.T) {
	srv := statusServer(t, cardStatus("Active"))
	clock := newManualClock()
	c, _ := newTestClient(t, srv.URL, func(cfg *Config) { cfg.Clock = clock })
	target := []string{CardStatusActive}
	kind := settleKind("card", target)

	first := askedWaiter(c, "c1", target, knownCardStatuses)
	second := askedWaiter(c, "c2", target, knownCardStatuses)
	nap := second.firstSleep()
	if nap == 0 {
		t.Fatal("a wait that began while another looks at once does not sleep")
	}
	woke := make(chan error, 1)
	go func() { woke <- second.sleep(context.Background(), nap) }()
	clock.waitForTimers(t, 1)
	clock.advance(10 * time.Millisecond)
	activeAtOnce := func(ctx context.Context) (string, bool, error) {
		d, err := c.CardDetails(ctx, "c1")
		if err != nil {
			return "", false, err
		}
		return d.CardStatus, d.CardStatus == CardStatusActive, nil
	}
	if done, err := first.look(context.Background(), activeAtOnce); !done || err != nil {
		t.Fatalf("the look at once: done %v, err %v", done, err)
	}
	select {
	case err := <-woke:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("the sleeping wait was not woken when another found its object settled at once (it sleeps %s)", nap)
	}
	if got := second.elapsed(); got != 10*time.Millisecond {
		t.Errorf("the woken wait looks at %s after its start, want 10ms: at once", got)
	}
	if d := askedWaiter(c, "c3", target, knownCardStatuses).firstSleep(); d != 0 {
		t.Errorf("after a look at once found its object settled, a new wait sleeps %s before its first look, want 0", d)
	}
	if d, ok := c.settled.estimate(kind); ok {
		t.Errorf("learned %s from a look made at once", d)
	}
}
