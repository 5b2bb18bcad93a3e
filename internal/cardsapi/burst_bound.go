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
// even if it had been empty burstLull earlier, or when the first request on record was sent.
// Without a lull the bound may be far below R (a steady 50/s that met its first 429 after
// 1.2 s proves only 27.5/s: the bucket may have been half empty when the process began), and
// the cut goes by what was served.
const (
	burstLull = 2 * bucketRefill
	// burstRecord is how long sends are kept for the bound: a lull and a burst after it.
	burstRecord = burstLull + 2*time.Second
	// burstRecordMax bounds the record (and the bound's work, once a process) at high rates.
	burstRecordMax = 1024
	// burstFull is how full the bucket must have been, as a share, for a burst to count.
	burstFull = 0.9
)

// answeredSends are when the requests answered without a 429 or 503 in the last
// burstRecord were sent, in the order their answers came.
type answeredSends struct {
	sent []time.Time
}

// add notes a request sent at sent and answered at now.
func (a *answeredSends) add(sent, now time.Time) {
	a.sent = append(a.sent, sent)
	old := max(0, len(a.sent)-burstRecordMax)
	for old < len(a.sent) && now.Sub(a.sent[old]) > burstRecord {
		old++
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
		if bound > best && refilledBefore(sent[0], sent[:start], s, bound) {
			best = bound
		}
	}
	return best
}

// refilledBefore says that a bucket of bucketRefill at rate r, empty burstLull before at (or
// at the first send on record, if later), was at least burstFull full at at, after the
// sends before it. Its level is not floored at zero: a send that found it below one token was
// let through anyway, so the bucket held more than assumed, and the level stays a lower bound.
func refilledBefore(firstOnRecord time.Time, before []time.Time, at time.Time, r float64) bool {
	full := r * bucketRefill.Seconds()
	from := at.Add(-burstLull)
	if firstOnRecord.After(from) {
		from = firstOnRecord
	}
	level, t := 0.0, from
	for _, s := range before {
		if s.Before(from) {
			continue
		}
		level = min(full, level+r*s.Sub(t).Seconds()) - 1
		t = s
	}
	level = min(full, level+r*at.Sub(t).Seconds())
	return level >= burstFull*full
}
