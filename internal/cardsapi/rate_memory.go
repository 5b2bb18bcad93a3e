package cardsapi

import (
	"math"
	"time"

	"golang.org/x/time/rate"
)

// What a provider process learnt of the platform's rate is kept for the next one
// (Config.PaceMemoryDir). Terraform runs a plan and its apply in separate processes, and the
// apply's first 429s came a fraction of a second after it started, from a bucket its plan
// had just emptied.
//
//   - A new process's guessed cuts go no lower than the last cut made against the same base
//     URL within rateMemoryMaxAge: a cut guessed from a handful of answers (11 answers, 9.9/s
//     against the platform's 50/s in the benchmark's N=100 P=50 R=50 destroy) held its first
//     wave for seconds.
//   - A new process starts paced at the last confirmed rate. A process confirms the rate of
//     its own cut when it paced at it for a second and 50 requests its limiter held back,
//     without a 429 or 503; or, when it started with no limit, at its first 429, if the
//     platform had answered it at least 50 times in the second before. Either way 50
//     requests in a row were answered (against 429s thrown at random at 10% of requests, one
//     time in 200), and then refused: a limit, near what was served (in less than a second,
//     or after a lull, what was served is mostly the platform's bucket, which holds
//     bucketRefill of its rate: firstCutRate, burst_bound.go). The second kind lets a short process
//     confirm what it learnt: a 100-card create, whose waves are too short to pace at the
//     cut for a second, or a plan whose first 50 reads empty the bucket. Each process after
//     them started with no limit, and drew 5–16 429s. Not a process that started paced: its
//     answers were paced, not a full bucket's, and an apply that began 0.2 s after its plan
//     confirmed 26.1/s against 50/s at its first 429, which slowed the next process. Its
//     limiter's bucket starts with what the platform's has regained at that rate since a
//     process pacing at it last sent a request (bucketShare of it, up to bucketRefill's
//     worth). Terraform's apply sends its first wave of -parallelism calls at once: from a
//     bucket its plan had just emptied, the platform refused part of it before any 429
//     could come back (17 of 50 CardFreezes within 6 ms in the benchmark), and each refused
//     card sat out a Retry-After.
//   - A process that starts paced goes by the last limit measured between cuts
//     (adaptive_rate.go) as if it had measured it itself: it starts no higher than
//     limitHoldShare of it, and for limitHold after that start or after a cut the rate grows
//     no higher. Only with a confirmed rate: under 429s thrown at random, a measure carried
//     from process to process held each one at what the first had been let through (make
//     reliability's error-0.3, 4.8/s through five processes).
//   - Otherwise it starts with no limit. A cut alone is not a rate to start at: it may be
//     one of 429s that came whatever the rate (a fault, not a limit), which would start every
//     process where the last one had been pushed down to (make reliability's combined-0.1
//     took 2m6s instead of 1m37s when every process started at the kept cut).

const (
	// rateMemoryMaxAge is how long a kept cut or confirmed rate says more of the platform
	// than a new guess does.
	rateMemoryMaxAge = 10 * time.Minute
	// requestNoteSpacing is how often a pacing process writes down when it last sent a
	// request; the next process counts the bucket's refill from that long after it.
	requestNoteSpacing = 25 * time.Millisecond
	// confirmHeldBack is the least number of requests held back by the limiter, sent after
	// the last 429 or 503, that confirm a rate (confirmIfPaced).
	confirmHeldBack = 50
)

// rateMemory is the file of one base URL's rate; a zero rateMemory keeps nothing.
type rateMemory struct{ memoryFile }

// keptRate is what the file holds: the last cut that measured the platform, and the last
// confirmed rate.
type keptRate struct {
	To      float64   `json:"to_per_second"` // the last cut; 0: none
	Guessed bool      `json:"guessed"`
	At      time.Time `json:"at"` // when the cut was made; not renewed by a process that goes by it
	Paced   paced     `json:"paced,omitzero"`
	// Limit is the platform's limit measured between two cuts (0: none), LimitAt when.
	Limit   float64   `json:"limit_per_second,omitempty"`
	LimitAt time.Time `json:"limit_at,omitzero"`
	// version orders this process's records (not written): each change to write is a new one.
	version uint64
}

// paced is a confirmed rate (zero: none): a process paced at it for a second, its requests
// held back, and none was refused, so it is under the platform's limit and the 429s that led
// to it were not a fault that comes whatever the rate.
type paced struct {
	PerSecond   float64   `json:"per_second"`
	ConfirmedAt time.Time `json:"confirmed_at"`
	// LastRequestAt is when a process pacing since the confirmation last sent a request (to
	// within requestNoteSpacing).
	LastRequestAt time.Time `json:"last_request_at"`
}

// newRateMemory is the memory of the rate of the merchant at baseURL in dir ("" = none).
func newRateMemory(dir, baseURL, merchant string) rateMemory {
	return rateMemory{newMemoryFile(dir, "rate", baseURL, merchant)}
}

// recent says that at, a time read from the file, is within rateMemoryMaxAge before now.
func recent(at, now time.Time) bool {
	return !at.IsZero() && !at.After(now) && now.Sub(at) <= rateMemoryMaxAge
}

// recall is what the file holds, each part only if it is recent.
func (m rateMemory) recall(now time.Time) keptRate {
	var k keptRate
	if !m.read(&k) {
		return keptRate{}
	}
	if k.To <= 0 || !recent(k.At, now) {
		k.To, k.Guessed, k.At = 0, false, time.Time{}
	}
	if k.Paced.PerSecond <= 0 || !recent(k.Paced.ConfirmedAt, now) {
		k.Paced = paced{}
	}
	if k.Limit <= 0 || !recent(k.LimitAt, now) {
		k.Limit, k.LimitAt = 0, time.Time{}
	}
	return k
}

// write stores k for the next process (memoryFile.write). A note of the last request sent
// (wait false) is skipped when another write is under way, as the next note writes the whole
// record again; a cut, a confirmation or a forgotten limit (wait true) waits for it.
func (m rateMemory) write(k keptRate, wait bool) { m.memoryFile.write(k, k.version, wait) }

// useMemory makes the cut memory recalls the least a guessed cut of this process goes down
// to, and memory where this process keeps what it learns. When memory holds a confirmed
// rate, this process starts paced at it, with a first burst of what the platform's bucket
// has regained since the last request noted. Called once, before the rate is shared.
func (a *adaptiveRate) useMemory(memory rateMemory, now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.memory = memory
	a.kept = memory.recall(now)
	a.recalled = rateCut{To: a.kept.To, Guessed: a.kept.Guessed}
	recalledLimit, recalledLimitAt := a.kept.Limit, a.kept.LimitAt
	// A limit this process does not go by is not its to pass on either: it could not
	// forget it.
	a.kept.Limit, a.kept.LimitAt = 0, time.Time{}
	p := a.kept.Paced
	if p.PerSecond <= 0 || p.PerSecond >= a.ceiling {
		return
	}
	sinceLast := now.Sub(p.LastRequestAt)
	if sinceLast < 0 { // a clock that went back: the last request was noted in the future
		return
	}
	a.current = p.PerSecond
	// A limit is recalled with a confirmed rate only: a platform that let a process pace
	// under its limit without a 429 throttles by rate, not at random.
	if recalledLimit > 0 { // it says more than a cut, which may be a little over it
		a.limit, a.kept.Limit, a.kept.LimitAt = recalledLimit, recalledLimit, recalledLimitAt
		a.current = math.Min(a.current, limitHoldShare*a.limit)
		a.holdUntil = now.Add(limitHold)
	}
	// The limiter's bucket starts with what the platform's regained since that request.
	bucket := a.bucket(a.current)
	regained := min(bucket, max(1, int(math.Floor(bucketShare*a.current*min(max(0, sinceLast-requestNoteSpacing), bucketRefill).Seconds()))))
	a.limiter = rate.NewLimiter(rate.Limit(a.current), bucket)
	a.limiter.AllowN(now, bucket-regained)
	a.last = rateCut{To: a.current, Recalled: true}
	a.pacedStartAt = now
	a.pacedStart = pacedStart{Rate: a.current, Burst: regained, SinceLastRequest: sinceLast, Limit: a.limit}
}

// pacedStart is how a process started paced (zero: it did not), for the log.
type pacedStart struct {
	Rate             float64
	Burst            int
	SinceLastRequest time.Duration
	Limit            float64 // the platform's limit an earlier process measured (0: none)
}

// confirmIfPaced confirms the rate of this process's last cut once, since that cut, at least
// adaptiveCutSpacing has passed without a 429 or 503 and the limiter has held back at least
// a second's worth of requests at that rate, and confirmHeldBack, all sent after the last 429
// or 503 (requests sent before it, answered after it, say nothing of the rate it set). Any
// 429 or 503 starts the count again: against 429s that come whatever the rate, 10% of
// requests, 50 in a row go through one time in 200, 30% (make reliability's throttle-0.3)
// one in 50 million; and there the rate falls to where a cut no longer measures anything
// (under adaptiveMinServed answers a second), which is not confirmed. Only a cut that
// measured the platform is confirmed, and only by the process that made it: a process that
// goes by an earlier one's rate does not renew it, so a confirmed rate is at most
// rateMemoryMaxAge old and a limit the platform raised is found again. It returns the
// record to write (nil: nothing to write). Called with a.mu held.
func (a *adaptiveRate) confirmIfPaced(now time.Time) *keptRate {
	ownMeasure := a.last.Served >= adaptiveMinServed && !a.last.Recalled && !a.last.Guessed
	if a.lastConfirmed || !ownMeasure ||
		float64(a.heldBackSinceThrottled) < max(confirmHeldBack, a.last.To) ||
		now.Sub(a.lastThrottled) < adaptiveCutSpacing {
		return nil
	}
	a.confirm(a.last.To, now)
	kept := a.newRecord()
	return &kept
}

// confirm makes perSecond, the rate of this process's last cut or one below it
// (firstCutRate), the one the next processes start at. Called with a.mu held; the caller writes the record.
func (a *adaptiveRate) confirm(perSecond float64, now time.Time) {
	a.lastConfirmed = true
	a.kept.Paced = paced{PerSecond: perSecond, ConfirmedAt: now, LastRequestAt: now}
	a.lastNoted = now
}

// newRecord is a.kept as changed, to write: a new version, so that rateMemory.write never
// writes it back over a later one. Called with a.mu held.
func (a *adaptiveRate) newRecord() keptRate {
	a.kept.version++
	return a.kept
}

// sending notes that a request goes to the platform now. A process that paces (its rate was
// cut, or it started paced) and knows a confirmed rate writes the time down, at most every
// requestNoteSpacing, for the next process.
func (a *adaptiveRate) sending(now time.Time) {
	a.mu.Lock()
	p := &a.kept.Paced
	if p.PerSecond <= 0 || a.last.To <= 0 || now.Sub(a.lastNoted) < requestNoteSpacing || !recent(p.ConfirmedAt, now) {
		a.mu.Unlock()
		return
	}
	a.lastNoted = now
	p.LastRequestAt = now
	kept := a.newRecord()
	a.mu.Unlock()
	a.memory.write(kept, false)
}
