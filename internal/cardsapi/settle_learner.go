package cardsapi

import (
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"
)

// Waits learn how long the platform takes. Polling at fixed, doubling intervals sees a task
// that takes 2 s at 3.5 s; a fleet of cards then takes almost twice as long as the platform
// does. So each kind of wait (what is awaited and the statuses it waits for) remembers how
// soon recent waits of its kind were seen settled — each such time is an upper bound of the
// platform's — and a new wait looks first at the soonest of those, then often, then backing
// off. Every probeEvery-th wait looks a little earlier (probeFactor), so an estimate that
// started high comes down to the platform's time. Until a kind has been seen to settle, waits
// poll at jittered, doubling intervals: parallel waits look at different moments.

const (
	settleMemory = 16  // how many recent settle times of a kind are remembered
	probeEvery   = 4   // one wait in probeEvery looks earlier than the estimate
	probeFactor  = 0.9 // how much earlier (then looks every 5% of the estimate)
)

type settleLearner struct {
	mu     sync.Mutex
	recent map[string][]time.Duration
	waits  map[string]int
}

func settleKind(what string, target []string) string {
	return what + ":" + strings.ToLower(strings.Join(target, ","))
}

// estimate is the soonest recent settle time of kind, if any.
func (l *settleLearner) estimate(kind string) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	times := l.recent[kind]
	if len(times) == 0 {
		return 0, false
	}
	return slices.Min(times), true
}

// firstLook is when a new wait of kind looks first (0: at once) and whether it is a probe.
func (l *settleLearner) firstLook(kind string) (time.Duration, bool) {
	d, ok := l.estimate(kind)
	if !ok {
		return 0, false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.waits == nil {
		l.waits = map[string]int{}
	}
	l.waits[kind]++
	if l.waits[kind]%probeEvery == 1 {
		return time.Duration(float64(d) * probeFactor), true
	}
	return d, false
}

// observe records that a wait of kind was seen settled d after it began (d > 0).
func (l *settleLearner) observe(kind string, d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.recent == nil {
		l.recent = map[string][]time.Duration{}
	}
	times := append(l.recent[kind], d)
	if len(times) > settleMemory {
		times = times[len(times)-settleMemory:]
	}
	l.recent[kind] = times
}

// pollSchedule says when a wait looks next.
type pollSchedule struct {
	expected time.Duration // learned settle time; 0 = none yet
	interval time.Duration
	max      time.Duration
	jitter   func() float64
}

func (c *Client) newSchedule(kind string) *pollSchedule {
	s := &pollSchedule{interval: c.pollInitial, max: c.pollMax, jitter: c.jitter}
	if d, probe := c.settled.firstLook(kind); d > 0 {
		s.expected = d
		s.interval = max(d/10, 20*time.Millisecond)
		if probe {
			s.interval = max(d/20, 20*time.Millisecond)
		}
	}
	return s
}

// first is how long to wait before the first look: the learned time, or nothing.
func (s *pollSchedule) first() time.Duration { return s.expected }

// next is how long to wait after a look at elapsed that did not settle: often up to twice the
// learned time, then doubling; without a learned time, jittered doubling from PollInitial.
func (s *pollSchedule) next(elapsed time.Duration) time.Duration {
	if s.expected > 0 && elapsed < 2*s.expected {
		return s.interval
	}
	d := s.interval
	if s.expected == 0 {
		d = time.Duration(float64(d) * s.jitter())
	}
	s.interval = min(s.interval*2, s.max)
	return min(d, s.max)
}

// randomJitter spreads parallel waits over [0.5, 1.5) of an interval.
func randomJitter() float64 { return 0.5 + rand.Float64() } //nolint:gosec // spreading polls needs no cryptographic randomness
