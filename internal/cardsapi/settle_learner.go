package cardsapi

import (
	"math"
	"slices"
	"strings"
	"sync"
	"time"
)

// Waits learn how long the platform takes. Polling at fixed, doubling intervals sees a task
// that takes 2 s at 3.5 s; a fleet of cards then takes almost twice as long as the platform
// does. So each kind of wait (what is awaited and the statuses it waits for) remembers how
// soon, after their tasks were asked (task_asked.go), recent waits of its kind were seen
// settled — each such time is an upper bound of the platform's; a wait that found its object
// settled at the learned time counts as that time (wait.go, settled) — and a new wait looks
// first at a low quantile of those (the soonest is the
// luckiest: in a 1000-card run a third of the waits going by it missed their first look),
// then often, then backing off. Some waits (probes, below) look a little earlier, so an
// estimate that started high comes down to the platform's time.
//
// Until a kind has been seen to settle, its waits share one grid of looks (coldLook): each
// look is a step beyond the latest, a tenth of the elapsed time when many wait, so that
// together they find the platform's time to within a tenth, and the first of them to see its
// object settled tells the others (learnt), which then look at that time instead of sleeping
// on. A lone wait doubles its interval. The grid begins at a time kept for the kind, or goes
// by another kind's time, less surely (borrowedHint). When each parallel wait polled on its own, a first
// wave of 50 made about 100 useless looks (TestAColdWaveLooksFewTimes: 101, now 17), and
// under a rate limit they crowded out the next wave's requests. Of a kind that has learned nothing,
// one wait at a time looks at once: while it looks, and once it has found its object not
// settled, new waits take a point of the grid instead, since the rest of the wave would find
// the same. If it finds its object settled at once, the sleepers are woken to look.
//
// A settle time is measured to when the look that saw the object settled was sent, not to
// when its answer came back: the object had settled by the time that request arrived, and
// the answer's own latency would otherwise be added again by every generation of waits.
//
// A kind's learned time is kept for the next provider process, whose grid for that kind
// begins there (settle_memory.go).

const (
	recentSettles = 16  // how many recent settle times of a kind are remembered
	probeEveryMin = 4   // at most one wait in probeEveryMin looks earlier than the estimate…
	probeEveryMax = 32  // …and at least one in probeEveryMax
	probeFactor   = 0.9 // how much earlier, until a probe has found the object not yet settled
	wideGap       = 10  // the estimate is more than a tenth above a lower bound: probe every probeEveryMin
	coldGridStep  = 1.1 // the looks of a kind that has learned nothing are at least this factor apart

	minPollInterval = 20 * time.Millisecond
)

// A probe looks early and, if the object has not settled yet, again at the estimate. An
// early look that found the object not settled is a lower bound of the platform's time, so
// the next probe looks halfway between the highest such bound and the estimate: the
// estimate closes in on the platform's time by halves, not by fixed 10% steps that stop
// short of it. Probes cost a look each time they find the estimate right, so they thin out
// while it is: a probe that did not see its object settled doubles the spacing of probes
// (up to probeEveryMax); one that did (the platform got faster) brings it back to
// probeEveryMin and forgets the lower bounds and the settle times above its own.
//
// The looks of a first wave that found their objects not settled are lower bounds too. A
// first wave of few waits looks sparsely, and the first to see its object settled may do so
// well after the platform's time. While the estimate is more than a tenth above the highest
// lower bound, probes come every fourth wait however thinned out, halfway between the two:
// each round of feedback halves the gap, where probes at 10% below the estimate took four or
// five waves to come down.
//
// One probe at a time: a probe's answer comes only at its early look, a settle time later,
// and probes begun meanwhile would ask the same question at the same point and miss alike
// (when every wait of a 50-wide wave probed, 41 of them missed, a look each). So no wait
// probes while another probe's early look is awaited, and the spacing counts the waits begun
// since that look. Counted from when a probe began, a 1000-card update at -parallelism 50
// sent up to a dozen probes a wave, every fourth wait, and after its first wave 79 looks
// missed, nearly all of them probes'; 13 since (BENCHMARKS.md).

type settleLearner struct {
	mu    sync.Mutex
	kinds map[string]*settleHistory
	// What earlier processes learnt and this one keeps for the next (settle_memory.go).
	memory   settleMemory
	clock    Clock
	recalled map[string]keptSettle // the file as this process found it: the hints
	maxHint  time.Duration         // the longest hint: the client's PollMax (0: any)
	kept     map[string]keptSettle // the file as this process writes it: recalled, and its own estimates
	version  uint64                // of the last record to write
}

// settleHistory is what waits of one kind learned.
type settleHistory struct {
	recent     []time.Duration // the last settle times, oldest first
	notYet     []time.Duration // the last looks that found the object not settled: of probes, and before the kind learned a time
	probeEvery int
	sinceProbe int           // waits begun since the last probe's early look
	probing    bool          // a probe's early look is awaited: no other wait probes meanwhile
	learnt     chan struct{} // closed when the next settle time is observed; nil until asked for
	// notAtOnce: before the kind has learned a time, a new wait need not look at once: one is
	// looking at once now, or one found its object not settled.
	notAtOnce bool
	cold      int           // waits in progress that have learned nothing (they share the grid)
	coldNext  time.Duration // the grid's latest look, after a wait's start; 0 = none
	// belowProbe is the highest lower bound that a probe which found its object settled
	// forgot, if it was below the probe's look (0: none): it says, for keeping only, how well
	// the probe's time is known (known).
	belowProbe time.Duration
}

func settleKind(what string, target []string) string {
	return what + ":" + strings.ToLower(strings.Join(target, ","))
}

// history returns kind's history; l.mu must be held.
func (l *settleLearner) history(kind string) *settleHistory {
	if l.kinds == nil {
		l.kinds = map[string]*settleHistory{}
	}
	h, ok := l.kinds[kind]
	if !ok {
		h = &settleHistory{probeEvery: probeEveryMin}
		l.kinds[kind] = h
	}
	return h
}

// estimate is the learned settle time of kind, if any.
func (l *settleLearner) estimate(kind string) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	h := l.history(kind)
	if len(h.recent) == 0 {
		return 0, false
	}
	return h.estimate(), true
}

// firstLook is the learned settle time a new wait of kind goes by (0: none) and, when the
// wait is a probe, when it looks first (0: not a probe). Without a learned time the wait is
// counted among the kind's cold waits until it calls leftCold, and notAtOnce says another
// wait of kind is looking at once or has found its object not settled: this one need not
// look at once. When it is false, this wait is the one to look at once.
func (l *settleLearner) firstLook(kind string) (estimate, probeAt time.Duration, notAtOnce bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	h := l.history(kind)
	if len(h.recent) == 0 {
		h.cold++
		notAtOnce, h.notAtOnce = h.notAtOnce, true
		return 0, 0, notAtOnce
	}
	estimate = h.estimate()
	if h.probing {
		return estimate, 0, false
	}
	bound, wide := h.lowerBound(estimate)
	every := h.probeEvery
	if wide {
		every = probeEveryMin
	}
	if h.sinceProbe++; h.sinceProbe < every {
		return estimate, 0, false
	}
	h.sinceProbe, h.probing = 0, true
	probeAt = (bound + estimate) / 2 // halfway to the highest lower bound (bound 0: none)
	if !wide {
		probeAt = max(probeAt, time.Duration(float64(estimate)*probeFactor))
	}
	return estimate, probeAt, false
}

// lowerBound is the latest look that found an object not settled, if it is below estimate
// (0: none), and whether estimate is more than a tenth above it.
func (h *settleHistory) lowerBound(estimate time.Duration) (bound time.Duration, wide bool) {
	if len(h.notYet) == 0 {
		return 0, false
	}
	if bound = slices.Max(h.notYet); bound >= estimate {
		return 0, false
	}
	return bound, estimate-bound > estimate/wideGap
}

// estimate is the fourth soonest of the last 16 settle times (the soonest of fewer than 5).
func (h *settleHistory) estimate() time.Duration {
	sorted := slices.Sorted(slices.Values(h.recent))
	return sorted[(len(sorted)-1)/4]
}

// probed records what a probe of kind saw at its early look at: the object settled (the
// platform is faster than the estimate) or not yet (at is a lower bound of its time). Either
// may make the estimate known to within a tenth, to keep for the next process.
func (l *settleLearner) probed(kind string, at time.Duration, settled bool) {
	l.update(kind, func(h *settleHistory) bool { h.probed(at, settled); return true })
}

// probed is settleLearner.probed; l.mu must be held.
func (h *settleHistory) probed(at time.Duration, settled bool) {
	h.probing, h.sinceProbe = false, 0
	if settled { // the platform is faster than the times remembered: forget the slower ones
		h.belowProbe = 0
		if below := slices.DeleteFunc(slices.Clone(h.notYet), func(d time.Duration) bool { return d >= at }); len(below) > 0 {
			h.belowProbe = slices.Max(below)
		}
		h.probeEvery, h.notYet = probeEveryMin, nil
		h.recent = slices.DeleteFunc(h.recent, func(d time.Duration) bool { return d > at })
		return
	}
	if len(h.recent) > 0 {
		if _, wide := h.lowerBound(h.estimate()); !wide { // the estimate held, not just the halfway guess
			h.probeEvery = min(2*h.probeEvery, probeEveryMax)
		}
	}
	h.addLowerBound(at)
}

// probeAbandoned records that a probe of kind ended without an answer from its early look
// (its wait failed or was cancelled): another wait may probe.
func (l *settleLearner) probeAbandoned(kind string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.history(kind).probing = false
}

// known says estimate is known to within a tenth, to keep for the next process: the highest
// lower bound below it is less than a tenth below it. A probe that found its object settled
// forgets the lower bounds, since the platform may have got faster than they say, and the
// probes that follow must be free to look below them; but the highest one below its look
// still says how well that look's time is known, until a look finds an object not settled
// again, whose bound says more. Forgotten, a 100-card update whose second
// wave's probe found 2.07 s against a learned 2.17 s kept 2.17 s for the next process.
func (h *settleHistory) known(estimate time.Duration) bool {
	bound, wide := h.lowerBound(estimate)
	if len(h.notYet) == 0 && h.belowProbe > 0 && h.belowProbe < estimate { // only while no bound has come since
		bound, wide = h.belowProbe, estimate-h.belowProbe > estimate/wideGap
	}
	return bound > 0 && !wide
}

// addLowerBound remembers that an object of the kind had not settled at elapsed time at.
func (h *settleHistory) addLowerBound(at time.Duration) { h.notYet = remember(h.notYet, at) }

// remember appends d to times, keeping the last recentSettles.
func remember(times []time.Duration, d time.Duration) []time.Duration {
	times = append(times, d)
	return times[max(len(times)-recentSettles, 0):]
}

// update applies change to kind's history under l.mu and, when it changed anything, writes
// what is then to keep for the next process (settle_memory.go) once l.mu is released.
func (l *settleLearner) update(kind string, change func(h *settleHistory) (changed bool)) {
	l.mu.Lock()
	var record *settleRecord
	if h := l.history(kind); change(h) {
		record = l.keep(kind, h)
	}
	l.mu.Unlock()
	l.memory.write(record)
}

// observe records that a wait of kind was seen settled d after it began (d > 0).
func (l *settleLearner) observe(kind string, d time.Duration) {
	l.update(kind, func(h *settleHistory) bool { h.observe(d); return true })
}

// observe records a settle time and wakes the waits that wait to learn; l.mu must be held.
func (h *settleHistory) observe(d time.Duration) {
	h.recent = remember(h.recent, d)
	h.wake()
}

// confirmed records that a wait's look at the learned time d found its object settled: d
// holds. It records d, or the kind's estimate if that is lower (a probe lowered it since the
// wait began), not the look's own time, which adds the timer's lateness.
func (l *settleLearner) confirmed(kind string, d time.Duration) {
	l.update(kind, func(h *settleHistory) bool {
		if len(h.recent) > 0 {
			d = min(d, h.estimate())
		}
		h.observe(d)
		return true
	})
}

// observeIfSooner records the settle time d only when it is sooner than the kind's estimate
// (or there is none). It is for times that may lower the estimate but must not raise it, such
// as a look the rate limiter or a Retry-After held back: its time is the queue's as much as
// the platform's. (A probe that saw its object settled has just dropped the times above its
// own.)
func (l *settleLearner) observeIfSooner(kind string, d time.Duration) {
	l.update(kind, func(h *settleHistory) bool {
		if len(h.recent) > 0 && d >= h.estimate() {
			return false
		}
		h.observe(d)
		return true
	})
}

// notSettledCold records that a wait of kind found its object not settled at elapsed time at,
// before the kind had learned a time.
func (l *settleLearner) notSettledCold(kind string, at time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	h := l.history(kind)
	h.notAtOnce = true
	if at > 0 {
		h.addLowerBound(at)
		h.coldNext = max(h.coldNext, at) // the grid need not look before it again
	}
}

// coldLook is when, after its own start, a wait of kind that has learned nothing and is now
// at elapsed looks next: the next point of the grid the kind's cold waits share. Each point
// is a step beyond the latest, no less than initial and not at once. The step is 2^(1/n)
// for n cold waits, so each of them on its own looks about twice as far out each time,
// but no smaller than coldGridStep: with 50 waits the grid looks every tenth of the
// elapsed time, 13 useless looks before a 2 s task settles; a lone wait looks at 0.5, 1, 2, 4 s.
// Waits started at different times share the grid by elapsed time: an object not settled
// after e says the same of the others' (the platform's time is the same for all). With a
// hint (settle_memory.go) the grid's first point is the hint. Without one, the soonest time
// another kind has learned or kept is a hint too, but a less sure one (borrowedHint): up to a
// step before it, the grid doubles from the first interval, as a lone wait does.
func (l *settleLearner) coldLook(kind string, elapsed, initial time.Duration) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	h := l.history(kind)
	step := max(math.Pow(2, 1/float64(max(h.cold, 1))), coldGridStep)
	soonest := elapsed + minPollInterval
	next := max(time.Duration(float64(h.coldNext)*step), initial, soonest)
	hint, own := l.hint(kind), true
	if hint == 0 {
		hint, own = l.borrowedHint(kind), false
	}
	stepBefore := time.Duration(float64(hint) / coldGridStep)
	if !own && stepBefore <= initial {
		hint = 0 // the grid would look before its first interval, at a time another kind took
	}
	if h.coldNext < hint { // the grid begins where this kind, or another, was seen to settle
		next = max(hint, soonest)
		if !own { // doubling up to a step before another kind's time, then that step
			switch doubled := max(2*h.coldNext, initial, soonest); {
			case doubled < stepBefore:
				next = doubled
			case h.coldNext < stepBefore && soonest <= stepBefore:
				next = stepBefore
			}
		}
	}
	h.coldNext = next
	return next
}

// borrowedHint is the soonest settle time, no longer than the longest sleep between looks,
// that any other kind has learned with this client, known to within a tenth as a kept time
// is, or else had kept from an earlier process (0: none). The platform's tasks of one kind
// are a better guess of another's than nothing: in the benchmark every task takes the same
// time, and a cold wave of 50 made 13 useless looks before its 2 s task settled, 4 with
// another kind's time. Tasks of another kind may take another time, so up to a step
// (coldGridStep) before the hint the grid doubles from the first interval: a kind that is
// faster is found by then within twice its time, as a lone wait finds it. The look a step
// before the hint, if it misses, leaves the time found at the hint known to within a tenth,
// to keep, unless the look at the hint goes out more than about a hundredth of it late.
// A hint whose step before is no later than the first interval is none (coldLook). l.mu
// must be held.
func (l *settleLearner) borrowedHint(kind string) time.Duration {
	var soonest time.Duration
	consider := func(other string, d time.Duration) {
		if other != kind && d > 0 && (l.maxHint == 0 || d <= l.maxHint) && (soonest == 0 || d < soonest) {
			soonest = d
		}
	}
	for other, h := range l.kinds {
		if len(h.recent) == 0 {
			continue
		}
		if estimate := h.estimate(); h.known(estimate) {
			consider(other, estimate)
		}
	}
	for other, k := range l.recalled {
		if h, ok := l.kinds[other]; !ok || len(h.recent) == 0 { // what this client learned since says more
			consider(other, k.time())
		}
	}
	return soonest
}

// leftCold records that a wait of kind that had learned nothing ended or learned a time.
// When none is left the grid starts afresh.
func (l *settleLearner) leftCold(kind string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	h := l.history(kind)
	if h.cold--; h.cold <= 0 {
		h.cold, h.coldNext = 0, 0
	}
}

// settledAtOnce records that a wait of kind that had learned nothing found its object settled
// without sleeping: new waits look at once again, and the sleeping ones are woken to look.
func (l *settleLearner) settledAtOnce(kind string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	h := l.history(kind)
	if len(h.recent) > 0 {
		return
	}
	h.notAtOnce = false
	h.wake()
}

// wake closes the channel of the waits that wait to learn (if any).
func (h *settleHistory) wake() {
	if h.learnt != nil {
		close(h.learnt)
		h.learnt = nil
	}
}

// learnt is closed when the next settle time of kind is observed (or a wait finds its
// object settled at once).
func (l *settleLearner) learnt(kind string) <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	h := l.history(kind)
	if h.learnt == nil {
		h.learnt = make(chan struct{})
	}
	return h.learnt
}

// pollSchedule says when a wait of a kind that has learned a time looks next.
type pollSchedule struct {
	probe    bool          // this wait looks early on purpose
	expected time.Duration // when to look first: the learned settle time (a probe: earlier); 0 = none yet
	probeGap time.Duration // a probe's step from its early first look to the learned time
	interval time.Duration
	max      time.Duration
}

// expect makes the schedule look at the learned time d, then every 5% of it. A probe looks
// first at probeAt and, if the object has not settled by then, at d.
func (s *pollSchedule) expect(d, probeAt time.Duration) {
	s.probe, s.expected, s.probeGap = false, d, 0
	s.interval = max(d/20, minPollInterval)
	if probeAt > 0 && probeAt < d {
		s.probe, s.expected, s.probeGap = true, probeAt, d-probeAt
	}
}

// next is how long to wait after a look at elapsed that did not settle: often up to twice the
// learned time, then doubling up to the maximum.
func (s *pollSchedule) next(elapsed time.Duration) time.Duration {
	if gap := s.probeGap; gap > 0 {
		s.probeGap = 0
		return gap
	}
	if elapsed < 2*s.expected {
		return s.interval
	}
	d := s.interval
	s.interval = min(s.interval*2, s.max)
	return min(d, s.max)
}
