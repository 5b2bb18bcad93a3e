package cardsapi

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptrace"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// WaitTimeoutError says a wait ended (its context's deadline passed or it was cancelled)
// before the object reached a target status. It unwraps to the context's error.
type WaitTimeoutError struct {
	What       string // "card" or "top-up"
	ID         string
	Target     []string
	LastStatus string // "" when no status was read
	Waited     time.Duration
	Cause      error

	unknownStatus bool // LastStatus is none of the statuses the client knows
}

func (e *WaitTimeoutError) Error() string {
	var b strings.Builder
	waited := e.Waited
	if waited >= time.Second {
		waited = waited.Round(time.Second)
	} else {
		waited = waited.Round(time.Millisecond)
	}
	target := strings.Join(e.Target, " or ")
	if errors.Is(e.Cause, context.Canceled) {
		fmt.Fprintf(&b, "stopped waiting for %s %q to reach %s after %s (cancelled)", e.What, e.ID, target, waited)
	} else {
		fmt.Fprintf(&b, "%s %q did not reach %s within %s", e.What, e.ID, target, waited)
	}
	switch {
	case e.LastStatus == "":
		b.WriteString(": no status was read")
	case e.unknownStatus:
		fmt.Fprintf(&b, ": last status %q (not a known status)", e.LastStatus)
	default:
		fmt.Fprintf(&b, ": last status %q", e.LastStatus)
	}
	return b.String()
}

func (e *WaitTimeoutError) Unwrap() error { return e.Cause }

// UnexpectedStatusError says a card settled in a status the caller named as a failure.
type UnexpectedStatusError struct {
	ID     string
	Status string
	Target []string
}

func (e *UnexpectedStatusError) Error() string {
	return fmt.Sprintf("card %q reached status %q instead of %s", e.ID, e.Status, strings.Join(e.Target, " or "))
}

var knownCardStatuses = CardStatuses

// WaitForCardStatus polls CardDetails until the card's status is one of target (returning
// the details; they are secret) or one of failure (an error naming card and status). Unknown
// statuses mean "not yet settled". Transient errors are logged and polling goes on; a card
// that is not found is an error. ctx bounds the wait: its end gives a *WaitTimeoutError.
func (c *Client) WaitForCardStatus(ctx context.Context, cardID string, target, failure []string) (*CardDetails, error) {
	var details *CardDetails
	err := c.poll(ctx, "card", cardID, target, knownCardStatuses, func(ctx context.Context) (string, bool, error) {
		d, err := c.CardDetails(ctx, cardID)
		if err != nil {
			return "", false, err
		}
		status := strings.TrimSpace(d.CardStatus)
		if containsFold(failure, status) {
			return status, true, &UnexpectedStatusError{ID: cardID, Status: status, Target: target}
		}
		if containsFold(target, status) {
			details = d
			return status, true, nil
		}
		return status, false, nil
	})
	return details, err
}

// WaitForCardCancelled polls until the card is Cancelled or no longer found (both mean done,
// API.md §6).
func (c *Client) WaitForCardCancelled(ctx context.Context, cardID string) error {
	return c.poll(ctx, "card", cardID, []string{CardStatusCancelled}, knownCardStatuses, func(ctx context.Context) (string, bool, error) {
		d, err := c.CardDetails(ctx, cardID)
		if IsNotFound(err) {
			return "not found", true, nil
		}
		if err != nil {
			return "", false, err
		}
		status := strings.TrimSpace(d.CardStatus)
		return status, strings.EqualFold(status, CardStatusCancelled), nil
	})
}

// WaitForTopUp polls TopUpStatus until the top-up succeeded (returning its status) or failed
// (an *Error of kind KindRefused carrying the platform's remarks).
func (c *Client) WaitForTopUp(ctx context.Context, taskID string) (*TopUpStatus, error) {
	var result *TopUpStatus
	err := c.poll(ctx, "top-up", taskID, []string{StatusSuccess}, knownTopUpStatuses, func(ctx context.Context) (string, bool, error) {
		s, err := c.TopUpStatus(ctx, taskID)
		if err != nil {
			return "", false, err
		}
		status := strings.TrimSpace(string(s.Status))
		switch {
		case strings.EqualFold(status, StatusSuccess):
			result = s
			return status, true, nil
		case strings.EqualFold(status, StatusFailed):
			remarks := truncate(redact(strings.TrimSpace(s.Remarks), c.secrets(nil)...), maxExcerpt)
			return status, true, &Error{Kind: KindRefused, Operation: opCardTopUp.Name, Remarks: remarks,
				Excerpt: fmt.Sprintf("top-up %q failed", taskID)}
		}
		return status, false, nil
	})
	return result, err
}

// pollFunc reads the status once. settled ends the wait with err (nil = success); an error
// with settled false is judged by poll: transient ones are retried, others end the wait.
type pollFunc func(ctx context.Context) (status string, settled bool, err error)

// poll calls check on the schedule the settle learner gives (settle_learner.go), on the
// client's Clock, until it settles, fails for good, or ctx ends.
func (c *Client) poll(ctx context.Context, what, id string, target, known []string, check pollFunc) error {
	w := c.newWaiter(what, id, target, known)
	defer w.leaveCold()
	defer w.abandonProbe()
	if first := w.firstSleep(); first > 0 {
		if err := w.sleep(ctx, first); err != nil {
			return err
		}
	}
	for {
		if err := ctx.Err(); err != nil {
			return w.timeout(ctx, err)
		}
		if done, err := w.look(ctx, check); done {
			return err
		}
		if err := w.sleep(ctx, w.nextSleep()); err != nil {
			return err
		}
	}
}

// waiter is one wait in progress.
type waiter struct {
	c              *Client
	what, id, kind string
	target, known  []string
	// start is when the task waited for was asked, when this process asked it; else when the
	// wait began, and unasked is set: the wait then teaches the settle learner nothing.
	start    time.Time
	unasked  bool
	schedule pollSchedule // once the kind has learned a time
	// cold: the kind had learned no time when this wait began or since, and this wait looks
	// on the grid it shares with the kind's other cold waits; notAtOnce: another one looks at
	// once (or found its object not settled), so this one takes a point of the grid first.
	cold, notAtOnce bool
	// probing: this wait is the kind's probe and its early look has not answered yet.
	probing bool
	// learned is the kind's learned time this wait goes by (0: none yet); missedLearned says a
	// look at or after it found the object not settled.
	learned          time.Duration
	missedLearned    bool
	lastStatus       string
	announced        bool      // "waiting for" was logged: the first look did not settle
	slept            bool      // only a wait that slept before its settling look says how long the platform took
	unknownSince     time.Time // when the status became one the client does not know
	learntFromOthers <-chan struct{}
}

func (c *Client) newWaiter(what, id string, target, known []string) *waiter {
	kind := settleKind(what, target)
	now := c.clock.Now()
	w := &waiter{c: c, what: what, id: id, kind: kind, target: target, known: known,
		start: now, schedule: pollSchedule{max: c.pollMax}}
	askedAt, asked := c.asked.take(id)
	if !asked || askedAt.After(now) {
		// The task was not asked in this process (task_asked.go): look at once, then at the
		// learned time (if any) and on as its schedule says, or at twice the time waited.
		w.unasked = true
		if estimate, ok := c.settled.estimate(kind); ok {
			w.schedule.expect(estimate, 0)
		}
		return w
	}
	w.start = askedAt
	estimate, probeAt, notAtOnce := c.settled.firstLook(kind)
	if estimate > 0 {
		w.schedule.expect(estimate, probeAt)
		w.learned = estimate
		// A probe's early look must still be ahead: when its answer came after it, it gives
		// the probe up and looks at the learned time.
		if w.probing = w.schedule.probe && probeAt > now.Sub(askedAt); probeAt > 0 && !w.probing {
			c.settled.probeAbandoned(kind)
			w.schedule.expect(estimate, 0)
		}
	} else {
		w.cold, w.notAtOnce = true, notAtOnce
		w.learntFromOthers = c.settled.learnt(kind)
	}
	return w
}

// firstSleep is how long to wait before the first look: until the learned time (a probe's
// earlier one); without one, nothing for the wait that looks at once, until a point of the
// grid for others. A wait for a task this process did not ask looks at once.
func (w *waiter) firstSleep() time.Duration {
	switch {
	case w.unasked:
		return 0
	case w.cold && w.notAtOnce:
		return w.coldSleep()
	}
	return max(w.schedule.expected-w.elapsed(), 0)
}

// nextSleep is how long to wait after a look that did not settle.
func (w *waiter) nextSleep() time.Duration {
	switch elapsed := w.elapsed(); {
	case w.cold:
		return w.coldSleep()
	case w.unasked && w.schedule.expected == 0: // nothing learned: double the time since it began
		return min(max(elapsed, w.c.pollInitial), w.c.pollMax)
	case w.unasked && elapsed < w.schedule.expected: // it looked at once: next at the learned time
		return w.schedule.expected - elapsed
	default:
		return w.schedule.next(elapsed)
	}
}

// coldSleep is how long to sleep until the wait's next point of the kind's grid, at most the
// longest interval.
func (w *waiter) coldSleep() time.Duration {
	elapsed := w.elapsed()
	return min(w.c.settled.coldLook(w.kind, elapsed, w.c.pollInitial)-elapsed, w.c.pollMax)
}

// abandonProbe lets another wait of the kind probe when this one, a probe, ends before its
// early look answered.
func (w *waiter) abandonProbe() {
	if w.probing {
		w.probing = false
		w.c.settled.probeAbandoned(w.kind)
	}
}

// leaveCold takes the wait off the kind's cold waits, once.
func (w *waiter) leaveCold() {
	if w.cold {
		w.cold = false
		w.c.settled.leftCold(w.kind)
	}
}

func (w *waiter) elapsed() time.Duration { return w.c.clock.Now().Sub(w.start) }

func (w *waiter) fields(extra map[string]any) map[string]any {
	f := map[string]any{"object": w.what, "id": w.id, "target": strings.Join(w.target, ","), "last_status": w.lastStatus}
	for k, v := range extra {
		f[k] = v
	}
	return f
}

func (w *waiter) timeout(ctx context.Context, cause error) error {
	e := &WaitTimeoutError{What: w.what, ID: w.id, Target: w.target, LastStatus: w.lastStatus,
		Waited: w.elapsed(), Cause: cause}
	e.unknownStatus = w.lastStatus != "" && !containsFold(w.known, w.lastStatus)
	w.c.log.Warn(ctx, "gave up waiting for "+w.what, w.fields(map[string]any{"elapsed_ms": e.Waited.Milliseconds()}))
	return e
}

// sleep waits d, or less when another wait of the same kind learns the platform's settle
// time meanwhile: then this one looks at that time after its own start (at once when the
// other found its object settled at once, or the learned time has passed for this one).
func (w *waiter) sleep(ctx context.Context, d time.Duration) error {
	timer := w.c.clock.After(d)
	for {
		select {
		case <-ctx.Done():
			return w.timeout(ctx, ctx.Err())
		case <-timer:
			w.slept = true
			return nil
		case <-w.learntFromOthers:
			learned, ok := w.c.settled.estimate(w.kind)
			if !ok { // another wait found its object settled at once: so may this one
				w.learntFromOthers = w.c.settled.learnt(w.kind)
				return nil
			}
			w.learntFromOthers = nil
			w.leaveCold()
			w.schedule.expect(learned, 0)
			w.learned = learned
			left := learned - w.elapsed()
			if left <= 0 {
				// A look made now, late, says only what the learned time says, and a first
				// wave's 49 woken looks, 30–100 ms after it, made the next wave oversleep.
				w.slept = false
				return nil
			}
			timer = w.c.clock.After(left)
		}
	}
}

// look reads the status once; done says the wait is over, with err (nil = success).
func (w *waiter) look(ctx context.Context, check pollFunc) (done bool, err error) {
	decided := w.elapsed()
	ctx, sentAt := w.traceSent(ctx, decided)
	status, settled, err := check(ctx)
	sent := sentAt()
	if w.learned > 0 && !settled && err == nil && sent >= w.learned {
		w.missedLearned = true
	}
	switch {
	case w.unasked: // its times are not the platform's
	case w.probing && err == nil: // a probe's early look
		w.probing = false
		w.c.settled.probed(w.kind, sent, settled)
	case w.probing: // it says nothing of the platform's time
		w.abandonProbe()
	case w.cold && !settled && err == nil:
		w.c.settled.notSettledCold(w.kind, sent)
	case w.cold && settled && err == nil && !w.slept:
		w.c.settled.settledAtOnce(w.kind)
	}
	if status != "" && !strings.EqualFold(status, w.lastStatus) {
		if !settled && w.announced {
			w.c.log.Info(ctx, w.what+" status now "+status, w.fields(map[string]any{
				"status": status, "elapsed_ms": w.elapsed().Milliseconds()}))
		}
		w.lastStatus = status
	}
	if err := w.c.unknownTooLong(w.what, w.id, status, w.target, w.known, settled, &w.unknownSince); err != nil {
		w.c.log.Warn(ctx, "unknown status for "+w.what, w.fields(map[string]any{"status": status}))
		return true, err
	}
	switch {
	case settled:
		return true, w.settled(ctx, sent, sent-decided, err)
	case err != nil && ctx.Err() != nil:
		return true, w.timeout(ctx, ctx.Err())
	case err != nil && isTransient(err):
		w.c.log.Warn(ctx, "polling "+w.what+" failed; will retry", w.fields(map[string]any{"error_kind": string(KindOf(err))}))
	case err != nil:
		return true, err
	default:
		w.c.log.Debug(ctx, w.what+" not settled yet", w.fields(map[string]any{"elapsed_ms": w.elapsed().Milliseconds()}))
	}
	if !w.announced { // only waits that do not settle at the first look are announced
		w.c.log.Info(ctx, "waiting for "+w.what, w.fields(nil))
		w.announced = true
	}
	return false, nil
}

// traceSent returns ctx traced so that sent() says when, after the wait's start, the look's
// request was last written to the connection. That is when the platform was asked: a look
// held back by the rate limiter or a Retry-After goes out later than it was decided, and
// measuring from the decision would teach waits a settle time shorter than the platform's,
// so that they look too early (measured so, 46% of a 1000-card update's first looks missed
// under a 50/s rate limit; 16% since). When nothing was written (a check without HTTP, in
// tests) it is when look began.
func (w *waiter) traceSent(ctx context.Context, decided time.Duration) (context.Context, func() time.Duration) {
	var written atomic.Int64 // a time.Duration; 0 = not written
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil {
				written.Store(int64(max(w.elapsed(), 1)))
			}
		},
	})
	return ctx, func() time.Duration {
		if d := time.Duration(written.Load()); d > 0 {
			return d
		}
		return decided
	}
}

// settled ends the wait; sent is when the settling look was sent, heldBack how long after it
// was decided (the rate limiter or a Retry-After held it).
//
// Only a look the wait chose the time of teaches the platform's time: not one made at once
// (that is the request's own time). Once the kind has learned a time, a look raises it only
// when the wait had found its object not settled at that time (the platform got slower) and
// the look was held back by no more than the schedule's interval. A look at the learned time
// that finds the object settled confirms that time: it records the time itself, not its own,
// which adds the timer's lateness and, recorded, ratcheted the estimate up; and no more than
// the kind's estimate, which a probe may have lowered meanwhile (recording their own times,
// the rest of a wave undid the probe: a 1000-card create's first looks stayed at 2.1 s for
// 400 cards after probes had seen objects settled at 2.0 s). Any other look only lowers the
// time. Under a rate limit a wave's most held-back looks are the last to settle, so they
// filled the memory of recent times, and the next wave overslept by 0.7 s (N=100 P=50 R=50
// destroy).
func (w *waiter) settled(ctx context.Context, sent, heldBack time.Duration, err error) error {
	f := w.fields(map[string]any{"elapsed_ms": w.elapsed().Milliseconds()})
	if err != nil {
		f["error"] = err.Error()
		w.c.log.Info(ctx, w.what+" settled with a failure", f)
		return err
	}
	w.c.log.Info(ctx, w.what+" settled", f)
	switch {
	case w.unasked || !w.slept || sent <= 0:
	case w.cold || w.missedLearned && heldBack <= w.schedule.interval:
		w.c.settled.observe(w.kind, sent)
	case !w.missedLearned && sent >= w.learned:
		w.c.settled.confirmed(w.kind, w.learned)
	default:
		w.c.settled.observeIfSooner(w.kind, sent)
	}
	return nil
}

func isTransient(err error) bool {
	switch KindOf(err) {
	case KindServer, KindTransport, KindThrottled:
		return true
	}
	return false
}

func containsFold(list []string, s string) bool {
	return slices.ContainsFunc(list, func(v string) bool { return strings.EqualFold(v, s) })
}

// unknownTooLong returns an *UnknownStatusError once the status has been one the client does
// not know for longer than the grace; since tracks when that began.
func (c *Client) unknownTooLong(what, id, status string, target, known []string, settled bool, since *time.Time) error {
	if settled || status == "" || containsFold(known, status) {
		*since = time.Time{}
		return nil
	}
	now := c.clock.Now()
	if since.IsZero() {
		*since = now
	}
	if now.Sub(*since) < c.unknownStatusGrace {
		return nil
	}
	setting := "card_status_map"
	if what == "top-up" {
		setting = "topup_status_map"
	}
	return &UnknownStatusError{What: what, ID: id, Status: status, Target: target, Known: known, Setting: setting}
}
