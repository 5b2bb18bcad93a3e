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
//   - The first cut of a process that started with no limit goes no higher than a burst
//     after a lull proves (burst_bound.go): 90% of a second that held the platform's full
//     bucket was 54/s against 50/s, and every later process began over the limit.
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
//   - Once paced, the limiter is a token bucket like the platform's (whose bucket holds
//     bucketRefill of its rate, API.md §10), holding bucketShare of it: emptied at each cut
//     (a 429 says the platform's is empty), and refilled at the rate. After a lull, such as the task
//     delay between the waves of a parallel apply, the next wave goes out at once as far as
//     the platform's bucket allows; spaced evenly instead, the second wave of 50 CardFreezes
//     at N=100 P=50 R=50 took a second to send where the platform would have taken them at
//     once, and the update 8.0 s against the oracle's 6.7 s (BENCHMARKS.md). A platform may
//     space requests strictly instead (a leaky bucket with no burst, as nginx's limit_req by
//     default): after a 429 to a request sent at once with k others before it, the
//     limiter's bucket holds at most k for the rest of the process. Halved at each such 429
//     instead, it took five waves of a parallel apply to stop sending bursts, each cutting
//     the rate (TestAPlatformThatRefusesBurstsGetsNone).
//   - A cut to under what the platform served is kept for the next provider process
//     (rate_memory.go), whose guessed cuts go no lower; once confirmed (rate_memory.go), the
//     next processes start paced at it.
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
	// bucketRefill is how long the platform's bucket takes to fill up from empty, at its
	// rate: the sandbox's holds one second of its rate (API.md §10). A platform whose bucket
	// holds more only lets fewer requests go at once than it would take.
	bucketRefill = time.Second
	// bucketShare is the share of the platform's bucket that the limiter's holds. A rate can
	// be a little above the platform's: a cut counts what the platform served, which includes
	// what its full bucket let through (a cut to 50.4/s against 50/s in the benchmark). After
	// a first burst of the whole bucket, paced at that rate, a request was refused 0.2 s in:
	// with no token to spare, two requests that arrive closer than the platform's spacing are
	// one too many. A fifth of the bucket is left to spare.
	bucketShare = 0.8
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
	// sends are when the answered requests of the last seconds were sent: the first cut of a
	// process that started with no limit goes no higher than a burst of them proves, and is
	// revised as the answers to that burst come in (burst_bound.go).
	sends    answeredSends
	revision burstRevision
	// recalled is the last cut of an earlier process (rate_memory.go): a guessed cut goes no
	// lower. memory keeps this process's cuts; set before the rate is shared, read without mu.
	recalled rateCut
	memory   rateMemory
	// kept is what this process knows of the memory's file, and writes whole.
	kept                   keptRate
	heldBackSinceThrottled int       // requests the limiter held back that were sent after the last 429 or 503
	pacedStartAt           time.Time // when a paced start began
	lastConfirmed          bool      // this process confirmed the rate of its last cut
	// bucketCap is the most the limiter's bucket holds since a 429 refused a burst (0: no
	// such 429).
	bucketCap  int
	lastSendAt time.Time // when the latest request reserved is sent
	atOnce     int       // how many requests before the latest went at once with it
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
	a.limiter = rate.NewLimiter(rate.Limit(a.current), a.bucket(a.current))
	return a
}

// bucket is how many requests the limiter lets go at once at rate r (its burst): bucketShare
// of the platform's bucket at that rate, and under a cap no more than keeps every second's
// requests within it; at most bucketCap once a burst was refused. At the cap, or with no
// rate yet, 1: requests are spread evenly.
func (a *adaptiveRate) bucket(r float64) int {
	if r >= a.ceiling {
		return 1
	}
	b := max(1, int(math.Floor(math.Min(bucketShare*r*bucketRefill.Seconds(), a.ceiling-r))))
	if a.bucketCap > 0 {
		b = min(b, a.bucketCap)
	}
	return b
}

// emptyBucket empties the limiter's bucket, as a 429 says the platform's is (a burst of 1
// keeps at most one token), and lets it refill from now to what it holds at the current rate.
func (a *adaptiveRate) emptyBucket(now time.Time) int {
	a.limiter.SetBurstAt(now, 1)
	b := a.bucket(a.current)
	a.limiter.SetBurstAt(now, b)
	return b
}

// answered counts an answer, at now, to a request sent at sent, and raises the rate when
// that request was held back by the rate: the platform keeps up with more. revised is the
// first cut as this answer revised it (ok false: it did not; burst_bound.go).
func (a *adaptiveRate) answered(sent, now time.Time, heldBack bool) (revised rateCut, ok bool) {
	kept, revised, ok := a.grow(sent, now, heldBack)
	if kept != nil {
		a.memory.write(*kept, true)
	}
	return revised, ok
}

// grow is answered under a.mu; it also returns the memory's record when this answer
// confirmed a rate or revised the first cut, to write (nil: nothing to write). An answer to a
// request of the burst that the first cut's 429 ended does not raise the rate: it was sent
// before the cut, and says nothing of the rate the cut set.
func (a *adaptiveRate) grow(sent, now time.Time, heldBack bool) (kept *keptRate, revised rateCut, ok bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.served.add(now)
	a.sends.add(sent, now)
	a.sinceCut.answered++
	kept = a.confirmIfPaced(now)
	if ofBurst, record := a.reviseFirstCut(sent, now); ofBurst {
		if record != nil {
			kept, revised, ok = record, a.last, true
		}
		return kept, revised, ok
	}
	if !heldBack || a.current >= a.ceiling || a.last.Guessed && now.Sub(a.lastThrottled) < adaptiveCutSpacing {
		return kept, revised, ok
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
	a.paceAtCurrent(now)
	return kept, revised, ok
}

// paceAtCurrent sets the limiter to the current rate, and its bucket to what it holds at that
// rate, keeping the tokens it has. Called with a.mu held.
func (a *adaptiveRate) paceAtCurrent(now time.Time) {
	a.limiter.SetLimitAt(now, rate.Limit(a.current))
	a.limiter.SetBurstAt(now, a.bucket(a.current))
}

// rateCut is what a 429 or 503 did to the rate: logged, and kept as the last cut.
type rateCut struct {
	From, To float64 // requests per second
	Served   int     // answers in about the last second
	Guessed  bool    // Served spans less than a second: the rate grows back fast
	Recalled bool    // a guess that went no lower than an earlier process's cut (To is that cut)
	Limit    float64 // the platform's limit as measured so far (0: not measured)
	Bucket   int     // how many requests the limiter lets go at once after the cut
	Burst    float64 // the rate a burst after a lull proved, at a process's first cut (0: none)
}

// throttled cuts the rate: the platform asked for less, at now, to a request sent at sent;
// atOnce is how many requests the refused one was sent at once with (slot.atOnce). ok is false when the rate was cut
// less than adaptiveCutSpacing ago (this 429 is part of the same event). A cut to just under
// what the platform served is kept for the next process; a cut by the factor alone, made
// when too few answers came to measure anything, is not: against 429s that come whatever the
// rate (a fault) the factor takes the rate down to the floor, and the next process would
// start there (make reliability's throttle-0.3 took 3m5s instead of 1m50s). Nor is a guess
// that went by an earlier process's cut: that rate is not this process's measure, and keeping
// it again would let it outlive rateMemoryMaxAge.
func (a *adaptiveRate) throttled(sent, now time.Time, atOnce int) (cut rateCut, ok bool) {
	cut, ok, kept := a.cut(sent, now, atOnce)
	if kept != nil {
		a.memory.write(*kept, true)
	}
	return cut, ok
}

// slot is a request's place in the limiter's queue. atOnce is how many requests before it
// the limiter's bucket let go at once with it (each closer to the one before than half the
// rate's spacing); 0: it is not part of a burst, or is the first.
type slot struct {
	*rate.Reservation
	atOnce int
}

// reserve takes the limiter's next slot at now, and counts it when the limiter holds it
// back (confirmIfPaced). Called with the client's reserveMu held.
func (a *adaptiveRate) reserve(now time.Time) slot {
	r := a.limiter.ReserveN(now, 1)
	delay := r.DelayFrom(now)
	heldBack := r.OK() && delay > 0
	a.mu.Lock()
	defer a.mu.Unlock()
	a.sinceCut.sent++
	if heldBack {
		a.heldBackSinceThrottled++
		a.sinceCut.heldBack++
	}
	sendAt := now.Add(delay)
	spacing := time.Duration(float64(time.Second) / a.current)
	if a.limiter.Burst() > 1 && sendAt.Sub(a.lastSendAt) < spacing/2 {
		a.atOnce++
	} else {
		a.atOnce = 0
	}
	if sendAt.After(a.lastSendAt) {
		a.lastSendAt = sendAt
	}
	return slot{r, a.atOnce}
}

// cut is throttled under a.mu; kept is the memory's record when the cut is one to keep
// (nil: nothing to write).
func (a *adaptiveRate) cut(sent, now time.Time, atOnce int) (cut rateCut, ok bool, kept *keptRate) {
	a.mu.Lock()
	defer a.mu.Unlock()
	first := a.lastThrottled.IsZero()
	a.lastThrottled = now
	a.heldBackSinceThrottled = 0
	capped := atOnce > 0 && (a.bucketCap == 0 || atOnce < a.bucketCap)
	if capped {
		a.bucketCap = atOnce
	}
	if now.Sub(a.lastCut) < adaptiveCutSpacing {
		if capped { // the cut below empties it otherwise
			a.emptyBucket(now)
		}
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
	firstUnpaced := first && a.pacedStartAt.IsZero() // of a process that started with no limit
	revise := firstUnpaced && cut.Served >= adaptiveMinServed
	byServed := next
	if revise {
		if cut.Burst = a.sends.burstBound(sent); cut.Burst > 0 {
			next = math.Min(next, cut.Burst)
		}
	}
	if recalled := math.Min(a.recalled.To, byFactor); cut.Guessed && recalled > next {
		next, cut.Guessed, cut.Recalled, revise = recalled, a.recalled.Guessed, true, false
	}
	a.revision = burstRevision{}
	if revise {
		a.revision = burstRevision{refused: sent, cutAt: now, upTo: byServed}
	}
	a.current = math.Max(adaptiveFloor, next)
	cut.To = a.current
	a.last = cut
	a.limiter.SetLimitAt(now, rate.Limit(a.current))
	cut.Bucket = a.emptyBucket(now)
	a.lastConfirmed = false
	if a.limit > 0 {
		a.holdUntil = now.Add(limitHold)
	}
	cut.Limit = a.limit
	keep := cut.Served >= adaptiveMinServed && !cut.Recalled
	if keep {
		a.kept.To, a.kept.Guessed, a.kept.At = cut.To, cut.Guessed, now.UTC()
	}
	if keep && firstUnpaced && cut.Served >= confirmHeldBack {
		a.confirm(a.firstCutRate(cut, now), now)
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

// burstRevision is a first cut that answers to requests sent before its 429 may revise
// (zero: none): to what the burst before it proves, no higher than upTo, what the platform
// served allowed.
type burstRevision struct {
	refused, cutAt time.Time
	upTo           float64
}

// reviseFirstCut revises the first cut by the burst before it when an answer to a request
// sent before the refused one (ofBurst) comes within adaptiveCutSpacing of the cut, and no
// cut came since. It returns the memory's record to write when the cut or its confirmation
// changed (nil: nothing to write). Called with a.mu held.
func (a *adaptiveRate) reviseFirstCut(sent, now time.Time) (ofBurst bool, kept *keptRate) {
	r := a.revision
	if r.cutAt.IsZero() || sent.After(r.refused) {
		return false, nil
	}
	if now.Sub(r.cutAt) >= adaptiveCutSpacing { // a later cut has already reset the revision
		a.revision = burstRevision{}
		return false, nil
	}
	bound := a.sends.burstBound(r.refused)
	to := math.Max(adaptiveFloor, math.Min(bound, r.upTo))
	if bound <= 0 || to == a.current {
		return true, nil
	}
	a.current = to
	a.last.To, a.last.Burst = a.current, bound
	a.paceAtCurrent(now)
	if a.kept.At.Equal(r.cutAt) {
		a.kept.To = a.current
	}
	if a.lastConfirmed && a.kept.Paced.ConfirmedAt.Equal(r.cutAt) {
		a.kept.Paced.PerSecond = a.firstCutRate(a.last, r.cutAt)
	}
	record := a.newRecord()
	return true, &record
}

// firstCutRate is the rate the first cut of a process that started with no limit confirms
// (rate_memory.go). A cut that could
// count less than a second of answers counted mostly the platform's bucket, full when the
// process began: 67 answers in the first 0.3 s of a plan, a cut to 60.3/s against 50/s. If
// the bucket holds bucketRefill of the rate, as the sandbox's does (API.md §10), the answers
// over that span were at most the rate times (bucketRefill + span), so the rate is at least
// the answers over that sum. Called with a.mu held.
func (a *adaptiveRate) firstCutRate(cut rateCut, now time.Time) float64 {
	if !cut.Guessed {
		return cut.To
	}
	span := now.Sub(a.served.first)
	return math.Min(cut.To, adaptiveServedShare*float64(cut.Served)*bucketRefill.Seconds()/(bucketRefill+span).Seconds())
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
