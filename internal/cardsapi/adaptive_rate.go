package cardsapi

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// The client's request rate adapts to the platform, as TCP's congestion control and the
// adaptive retry mode of the AWS SDKs do, so a run is bounded by what the platform allows
// rather than by a fixed number nobody asked for. Every caller of one Client shares it.
// Config.RequestsPerSecond, when set, is a hard cap the rate starts at and never exceeds.
//
//   - Until the platform first throttles there is no limit (as in the AWS SDKs' adaptive
//     mode): a fixed starting rate queued the first wave of a 50-way parallel apply for a
//     second (BENCHMARKS.md).
//   - A 429 or 503 cuts the rate — at most once a second, since a burst of 429s to parallel
//     requests is one event — by a factor and to below what the platform served in the last
//     second (when that is enough to measure: a handful of answers says more about the
//     demand than about the limit): a cut by a fixed factor alone does not get below a limit
//     the rate has overshot several times.
//   - It grows only while it is what holds requests back (an answer to a request the limiter
//     made wait), and after a guessed cut (below) not while 429s still come (for a second
//     after the last: the guess was too high). Growing on every answer, through the 429s and
//     while demand was below it, it went from 45/s to 346/s in two seconds of a 1000-card
//     create, then let a wave of requests through at once: each one over the limit was a
//     429 that sat out a Retry-After. After a measured cut 429s do not hold growth: against
//     429s that come whatever the rate (a fault, or a limit shared with other clients) the
//     rate would only ever fall.
//   - After a cut it grows slowly (about 10% a second) up to twice the rate of the cut, so
//     it stays just under the platform's limit instead of overshooting it every second;
//     beyond that (the limit was raised, or the throttling was a passing event) it grows
//     fast again (2% an answer, and at least 1/s an answer, which doubles a low rate in
//     about a second).
//   - A cut that could only count the answers of less than a second (the first 429 of a
//     provider process, which comes a fraction of a second after it starts) is a guess, often
//     far below the limit (24 answers, a cut to 21.6/s against 50/s): after it the rate grows
//     fast until a 429 is cut by a whole second's count.
//   - Between two cuts the platform's bucket went from empty to empty, so what it served
//     in between, over that time, is its sustained limit. A token bucket hides an overshoot
//     for seconds, so a rate that grows until a 429 overshot the limit by a quarter (a cut
//     at 63/s against 50/s, every 3–4 s, in the benchmark's 1000-card refresh). Once two
//     measures in a row agree, the rate grows no higher than limitHoldShare of the limit for
//     limitHold after each cut; then it grows as before, so a limit the platform raised is
//     found again. The measure is taken only over limitMinSpan or more (429s thrown at random
//     come closer together, and a handful of answers says little) and only when the limiter
//     held back at least half the requests sent: when demand was below the rate, the bucket
//     may have filled and spilled, and the answers say how much was asked, not the limit.
//     A cut while the rate was held under the limit forgets it, and nothing is measured for
//     limitHold: the limit went down, or the 429s come whatever the rate and the measure was
//     only what the rate let through.
//   - A cut to under what the platform served is kept for the next provider process
//     (rate_memory.go), whose guessed cuts go no lower; once pacing at it has been answered
//     for a second without a 429, the next processes start paced at it.
const (
	// adaptiveCeiling is the rate of a client without a cap that has not been throttled (a
	// rate no platform is expected to allow; it keeps the arithmetic finite).
	adaptiveCeiling = 10000.0
	// adaptiveFloor is the least rate a throttled client goes down to.
	adaptiveFloor = 1.0
	// adaptiveFastGrowth is the share by which each answer raises the rate far from the
	// rate of the last cut, and adaptiveMinFastGrowth the least it adds (requests/s).
	adaptiveFastGrowth    = 0.02
	adaptiveMinFastGrowth = 1.0
	// adaptiveAvoidanceGrowth is what each answer adds (requests/s) near the rate of the
	// last cut: at r answers a second that is r × 0.1, 10% a second.
	adaptiveAvoidanceGrowth = 0.1
	// adaptiveCut is the factor applied to the rate when the platform throttles.
	adaptiveCut = 0.7
	// adaptiveServedShare is the share of what the platform served in the last second that a
	// cut goes down to at most.
	adaptiveServedShare = 0.9
	// adaptiveMinServed is the least number of answers in the last second that a cut takes
	// as a measure of the platform's limit.
	adaptiveMinServed = 10
	// adaptiveCutSpacing stops a burst of 429s to parallel requests from cutting the rate
	// more than once for what is one event; after a guessed cut the rate does not grow
	// until that long after the last 429.
	adaptiveCutSpacing = time.Second
	// limitMinSpan is the least time between two cuts over which their answers measure the
	// platform's limit.
	limitMinSpan = 2 * time.Second
	// limitHold is how long after a cut the rate grows no higher than limitHoldShare of the
	// measured limit: at most this long before a raised limit is looked for again.
	limitHold = 20 * time.Second
	// limitAgreement is how close two measures in a row must be for the rate to be held
	// under them: between 429s thrown at random, what the rate let through varies from one
	// span to the next; a limit's measures agree.
	limitAgreement = 0.05
	// limitHoldShare leaves room for the measure's error (a request or two over a few
	// seconds): a rate 1% over the limit empties a bucket of a second's worth in 100 s.
	limitHoldShare = 0.98
)

// adaptiveRate is the shared limiter and its current rate.
type adaptiveRate struct {
	limiter *rate.Limiter

	mu      sync.Mutex
	current float64
	ceiling float64
	lastCut time.Time
	// lastThrottled is when the last 429 or 503 came, whether or not it cut the rate.
	lastThrottled time.Time
	// last is the last cut (zero: never throttled). After a guessed one (less than a second
	// of answers: the client had just started) the rate grows back fast until a cut measured
	// over a whole second.
	last   rateCut
	served secondCounter // answers
	// recalled is the last cut of an earlier process (rate_memory.go): a guessed cut goes no
	// lower. memory keeps this process's cuts; set before the rate is shared, read without mu.
	recalled rateCut
	memory   rateMemory
	// kept is what this process knows of the memory's file, and writes whole.
	kept                   keptRate
	heldBackSinceThrottled int       // requests the limiter held back that were sent after the last 429 or 503
	pacedStartAt           time.Time // when a paced start began; its burst lasts at most bucketRefill
	lastConfirmed          bool      // this process confirmed the rate of its last cut
	// limit is the platform's sustained limit as measured between cuts (0: not measured): the
	// highest on which two measures in a row agreed, as each is a lower bound of it. The rate
	// grows no higher than limitHoldShare of it until holdUntil.
	limit     float64
	holdUntil time.Time
	sinceCut  sinceCut
	// lastMeasure is the last measure taken (0: none since the limit was forgotten).
	lastMeasure float64
	// measureAfter: a limit that was forgotten (forgetLimitIfRefusedUnderIt) is not measured
	// again before.
	measureAfter time.Time
	lastNoted    time.Time // when a request was last written down in kept
	pacedStart   pacedStart
}

// sinceCut counts requests since the last cut: sent, held back by the limiter, answered
// without a 429 or 503.
type sinceCut struct{ sent, heldBack, answered int }

// secondCounter counts events in whole-second windows.
type secondCounter struct {
	first       time.Time // the first event
	windowStart time.Time
	inWindow    int
	lastWindow  int // answers in the window before (0 if that was longer ago)
}

func (s *secondCounter) add(now time.Time) {
	if s.first.IsZero() {
		s.first = now
	}
	s.roll(now)
	s.inWindow++
}

func (s *secondCounter) roll(now time.Time) {
	switch elapsed := now.Sub(s.windowStart); {
	case elapsed < time.Second:
	case elapsed < 2*time.Second:
		s.windowStart, s.lastWindow, s.inWindow = s.windowStart.Add(time.Second), s.inWindow, 0
	default:
		s.windowStart, s.lastWindow, s.inWindow = now, 0, 0
	}
}

// lastSecond is how many events there were in about the last second; whole says that count
// spans a whole second (the first event was at least a second ago).
func (s *secondCounter) lastSecond(now time.Time) (n int, whole bool) {
	s.roll(now)
	return max(s.lastWindow, s.inWindow), !s.first.IsZero() && now.Sub(s.first) >= time.Second
}

// newAdaptiveRate starts at the cap when there is one (requestsPerSecond > 0), else with no
// limit but adaptiveCeiling.
func newAdaptiveRate(requestsPerSecond float64) *adaptiveRate {
	a := &adaptiveRate{current: adaptiveCeiling, ceiling: adaptiveCeiling}
	if requestsPerSecond > 0 {
		a.current, a.ceiling = requestsPerSecond, requestsPerSecond
	}
	// Burst 1: requests are spread evenly rather than let through in bursts the server may throttle.
	a.limiter = rate.NewLimiter(rate.Limit(a.current), 1)
	return a
}

// answered counts an answer and raises the rate when the request it answers was held back
// by the rate: the platform keeps up with more.
func (a *adaptiveRate) answered(now time.Time, heldBack bool) {
	if kept := a.grow(now, heldBack); kept != nil {
		a.memory.write(*kept, true)
	}
}

// grow is answered under a.mu; it returns the memory's record when this answer confirmed a
// rate, to write (nil: nothing to write).
func (a *adaptiveRate) grow(now time.Time, heldBack bool) (confirmed *keptRate) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.served.add(now)
	a.sinceCut.answered++
	confirmed = a.confirmIfPaced(now)
	if !heldBack || a.current >= a.ceiling || a.last.Guessed && now.Sub(a.lastThrottled) < adaptiveCutSpacing {
		return confirmed
	}
	growth := math.Max(adaptiveFastGrowth*a.current, adaptiveMinFastGrowth)
	if a.last.To > 0 && a.current < 2*a.last.To && !a.last.Guessed {
		growth = adaptiveAvoidanceGrowth
	}
	next := a.current + growth
	if a.limit > 0 && now.Before(a.holdUntil) {
		next = math.Min(next, math.Max(a.current, limitHoldShare*a.limit))
	}
	a.current = math.Min(a.ceiling, next)
	a.limiter.SetLimitAt(now, rate.Limit(a.current))
	return confirmed
}

// rateCut is what a 429 or 503 did to the rate: logged, and kept as the last cut.
type rateCut struct {
	From, To float64 // requests per second
	Served   int     // answers in about the last second
	Guessed  bool    // Served spans less than a second: the rate grows back fast
	Recalled bool    // a guess that went no lower than an earlier process's cut (To is that cut)
	Limit    float64 // the platform's limit as measured so far (0: not measured)
}

// throttled cuts the rate: the platform asked for less. ok is false when the rate was cut
// less than adaptiveCutSpacing ago (this 429 is part of the same event). A cut to just under
// what the platform served is kept for the next process; a cut by the factor alone, made
// when too few answers came to measure anything, is not: against 429s that come whatever the
// rate (a fault) the factor takes the rate down to the floor, and the next process would
// start there (make reliability's throttle-0.3 took 3m5s instead of 1m50s). Nor is a guess
// that went by an earlier process's cut: that rate is not this process's measure, and keeping
// it again would let it outlive rateMemoryMaxAge.
func (a *adaptiveRate) throttled(now time.Time) (cut rateCut, ok bool) {
	cut, ok, kept := a.cut(now)
	if kept != nil {
		a.memory.write(*kept, true)
	}
	return cut, ok
}

// reserve takes the limiter's next slot at now, and counts it when the limiter holds it
// back (confirmIfPaced). A paced start's burst (rate_memory.go) is for its first wave: once
// spent, a bucketRefill after the start, or at a cut, the burst is 1 again. Called with the
// client's reserveMu held.
func (a *adaptiveRate) reserve(now time.Time) *rate.Reservation {
	r := a.limiter.ReserveN(now, 1)
	if a.limiter.Burst() > 1 && (a.limiter.TokensAt(now) < 1 || now.Sub(a.pacedStartAt) >= bucketRefill) {
		a.limiter.SetBurstAt(now, 1)
	}
	heldBack := r.OK() && r.DelayFrom(now) > 0
	a.mu.Lock()
	a.sinceCut.sent++
	if heldBack {
		a.heldBackSinceThrottled++
		a.sinceCut.heldBack++
	}
	a.mu.Unlock()
	return r
}

// cut is throttled under a.mu; kept is the memory's record when the cut is one to keep
// (nil: nothing to write).
func (a *adaptiveRate) cut(now time.Time) (cut rateCut, ok bool, kept *keptRate) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.lastThrottled = now
	a.heldBackSinceThrottled = 0
	if now.Sub(a.lastCut) < adaptiveCutSpacing {
		return rateCut{}, false, nil
	}
	forgot := a.forgetLimitIfRefusedUnderIt(now)
	measured := !forgot && a.measureLimit(now)
	a.lastCut, a.sinceCut = now, sinceCut{}
	served, whole := a.served.lastSecond(now)
	cut.From, cut.Served, cut.Guessed = a.current, served, !whole
	byFactor := math.Min(a.current, a.ceiling) * adaptiveCut
	next := byFactor
	if cut.Served >= adaptiveMinServed {
		next = math.Min(next, adaptiveServedShare*float64(cut.Served))
	}
	if recalled := math.Min(a.recalled.To, byFactor); cut.Guessed && recalled > next {
		next, cut.Guessed, cut.Recalled = recalled, a.recalled.Guessed, true
	}
	a.current = math.Max(adaptiveFloor, next)
	cut.To = a.current
	a.last = cut
	a.limiter.SetLimitAt(now, rate.Limit(a.current))
	a.limiter.SetBurstAt(now, 1) // a paced start's burst is not for after a 429
	a.lastConfirmed = false
	if a.limit > 0 {
		a.holdUntil = now.Add(limitHold)
	}
	cut.Limit = a.limit
	keep := cut.Served >= adaptiveMinServed && !cut.Recalled
	if keep {
		a.kept.To, a.kept.Guessed, a.kept.At = cut.To, cut.Guessed, now.UTC()
	}
	if measured {
		a.kept.Limit, a.kept.LimitAt = a.limit, now.UTC()
	} else if forgot {
		a.kept.Limit, a.kept.LimitAt = 0, time.Time{}
	}
	if !keep && !measured && !forgot {
		return cut, true, nil
	}
	record := a.newRecord()
	return cut, true, &record
}

// forgetLimitIfRefusedUnderIt forgets the measured limit when the platform throttled the rate
// while it was held under it: the limit went down (another client shares it), or 429s or
// 503s come whatever the rate and the measure was only what the rate had been let through
// (make reliability's error-0.3 measured 5.9/s, and held the rate there). Not within
// limitMinSpan of the last cut or of a paced start: the requests the limiter had queued at
// the rate before the cut, which Terraform's parallel calls make up to a second's worth, or
// a paced start's first burst, were not let through by the hold. forgot says it did.
// Called with a.mu held, at a cut, before measuring anew.
func (a *adaptiveRate) forgetLimitIfRefusedUnderIt(now time.Time) (forgot bool) {
	heldSince := a.lastCut
	if a.pacedStartAt.After(heldSince) {
		heldSince = a.pacedStartAt
	}
	if a.limit == 0 || a.current > limitHoldShare*a.limit || now.Sub(heldSince) < limitMinSpan {
		return false
	}
	a.limit, a.lastMeasure, a.holdUntil, a.measureAfter = 0, 0, time.Time{}, now.Add(limitHold)
	return true
}

// measureLimit measures the platform's limit at a cut now, from the answers since the last
// cut (see the top of this file), and raises a.limit to the lower of this measure and the
// one before when they agree to within limitAgreement. measured says a.limit was set or
// confirmed anew (to within limitHoldShare), for the memory to keep. Called with a.mu held,
// before the cut.
func (a *adaptiveRate) measureLimit(now time.Time) (measured bool) {
	span := now.Sub(a.lastCut)
	s := a.sinceCut
	if a.lastCut.IsZero() || span < limitMinSpan || now.Before(a.measureAfter) || 2*s.heldBack < s.sent || s.answered < adaptiveMinServed {
		return false
	}
	measure, previous := float64(s.answered)/span.Seconds(), a.lastMeasure
	a.lastMeasure = measure
	if math.Abs(measure-previous) > limitAgreement*previous {
		return false
	}
	agreed := math.Min(measure, previous)
	a.limit = math.Max(a.limit, agreed)
	return agreed >= limitHoldShare*a.limit
}

// rate is the current rate, for tests.
func (a *adaptiveRate) rate() float64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.current
}
