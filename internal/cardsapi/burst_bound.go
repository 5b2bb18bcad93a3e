package cardsapi

import (
	"slices"
	"sort"
	"time"
)

// The first 429 of a process that started with no limit sets the rate the next processes
// start at (rate_memory.go). What the platform served in the second before it says little
// when that second began with the platform's bucket full: after the lull of a task delay, a
// 100-card create's next wave went out at once, 60 answers came in the second before the
// first 429, and the cut to 90% of them, 54/s against 50/s, started every later process of
// the run over the limit, each to draw a 429 and sit out a Retry-After.
//
// A token bucket that holds bucketRefill of its rate R lets through at most
// R × (bucketRefill + Δ) requests in any Δ. So n requests sent within Δ before the refused
// one, all let through, prove R ≥ n / (bucketRefill + Δ): a lower bound, whichever way the
// bucket stood (to within the requests' latencies, which are alike). It is close to R when the bucket was full as those requests began and
// empty at the 429: a burst after a lull. The bound counts only such bursts: ones before which
// the platform's bucket, refilled at the bound's rate, would have been full (within a tenth)
// even if it had been empty burstLull earlier, or when the record begins (the process's first
// request, or the latest one dropped from the record), if that is later. Without a lull the
// bound may be far below R, and the cut goes by what was served: a steady 50/s refused after
// 1.2 s proves only 27.5/s, the rate if the bucket was full when the process began; if it was
// nearly empty then, the rate may be close to 50/s.
const (
	burstLull = 2 * bucketRefill
	// burstRecord is how long sends are kept for the bound: a lull and a burst after it.
	burstRecord = burstLull + 2*time.Second
	// burstRecordMax bounds the record at high rates, and the bound's work: at a process's
	// first cut, and at each answer in the second after it to a request sent before the 429,
	// at most a few milliseconds.
	burstRecordMax = 1024
	// burstFull is how full the bucket must have been, as a share, for a burst to count.
	burstFull = 0.9
)

// answeredSends are when the requests answered without a 429 or 503 were sent, in the order
// their answers came: those of about the last burstRecord, at most burstRecordMax.
type answeredSends struct {
	sent []time.Time
	// from is when the record is whole: every request sent since and answered so far is in
	// it. It is the process's first request on record until one is dropped, then the latest
	// dropped.
	from    time.Time
	dropped bool
}

// add notes a request sent at sent and answered at now.
func (a *answeredSends) add(sent, now time.Time) {
	if !a.dropped && (a.from.IsZero() || sent.Before(a.from)) {
		a.from = sent
	}
	a.sent = append(a.sent, sent)
	old := max(0, len(a.sent)-burstRecordMax)
	for old < len(a.sent) && now.Sub(a.sent[old]) > burstRecord {
		old++
	}
	for _, dropped := range a.sent[:old] {
		if !a.dropped || dropped.After(a.from) {
			a.from, a.dropped = dropped, true
		}
	}
	a.sent = a.sent[old:]
}

// burstBound is the highest rate that a burst after a lull, up to a refused request sent at
// refused, proves the platform allows (above); 0 when there was none. It counts the requests
// sent up to refused that have been answered so far: the refused one's 429 comes back before
// the answers to requests let through just before it (2 ms against 25 ms in the sandbox), so
// the bound rises as they come (burstRevision).
func (a *answeredSends) burstBound(refused time.Time) float64 {
	sent := slices.SortedFunc(slices.Values(a.sent), time.Time.Compare)
	sent = sent[:sort.Search(len(sent), func(i int) bool { return sent[i].After(refused) })]
	best := 0.0
	for start, s := range sent {
		bound := float64(len(sent)-start) / (bucketRefill + refused.Sub(s)).Seconds()
		if bound > best && refilledBefore(a.from, sent[:start], s, bound) {
			best = bound
		}
	}
	return best
}

// refilledBefore says that a bucket of bucketRefill at rate r, empty burstLull before at (or
// when the record became whole, recordFrom, if later), was at least burstFull full at at,
// after the sends before it (sorted). Its level is not floored at zero: a send that found it
// below one token was let through anyway, so the bucket held more than assumed, and the level
// stays a lower bound.
func refilledBefore(recordFrom time.Time, before []time.Time, at time.Time, r float64) bool {
	full := r * bucketRefill.Seconds()
	from := at.Add(-burstLull)
	if recordFrom.After(from) {
		from = recordFrom
	}
	level, t := 0.0, from
	first := sort.Search(len(before), func(i int) bool { return !before[i].Before(from) })
	for _, s := range before[first:] {
		level = min(full, level+r*s.Sub(t).Seconds()) - 1
		t = s
	}
	level = min(full, level+r*at.Sub(t).Seconds())
	return level >= burstFull*full
}
