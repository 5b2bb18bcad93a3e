package cardsapi

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
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

// poll calls check at PollInitial, doubling to PollMax, on the client's Clock until it
// settles, fails for good, or ctx ends.
func (c *Client) poll(ctx context.Context, what, id string, target, known []string, check pollFunc) error {
	start := c.clock.Now()
	kind := settleKind(what, target)
	schedule := c.newSchedule(kind)
	lastStatus := ""
	announced := false
	var unknownSince time.Time // when the status became one the client does not know
	fields := func(extra map[string]any) map[string]any {
		f := map[string]any{"object": what, "id": id, "target": strings.Join(target, ","), "last_status": lastStatus}
		for k, v := range extra {
			f[k] = v
		}
		return f
	}
	timeout := func(cause error) error {
		e := &WaitTimeoutError{What: what, ID: id, Target: target, LastStatus: lastStatus,
			Waited: c.clock.Now().Sub(start), Cause: cause}
		e.unknownStatus = lastStatus != "" && !containsFold(known, lastStatus)
		c.log.Warn(ctx, "gave up waiting for "+what, fields(map[string]any{"elapsed_ms": e.Waited.Milliseconds()}))
		return e
	}

	slept := false // only a wait that slept before the look that saw it settled says how long the platform took
	if first := schedule.first(); first > 0 {
		select {
		case <-ctx.Done():
			return timeout(ctx.Err())
		case <-c.clock.After(first):
		}
		slept = true
	}
	for {
		if err := ctx.Err(); err != nil {
			return timeout(err)
		}
		status, settled, err := check(ctx)
		if status != "" && !strings.EqualFold(status, lastStatus) {
			if !settled && announced {
				c.log.Info(ctx, what+" status now "+status, fields(map[string]any{
					"status": status, "elapsed_ms": c.clock.Now().Sub(start).Milliseconds()}))
			}
			lastStatus = status
		}
		elapsed := c.clock.Now().Sub(start)
		if err := c.unknownTooLong(what, id, status, target, known, settled, &unknownSince); err != nil {
			c.log.Warn(ctx, "unknown status for "+what, fields(map[string]any{"status": status}))
			return err
		}
		switch {
		case settled:
			f := fields(map[string]any{"elapsed_ms": elapsed.Milliseconds()})
			if err != nil {
				f["error"] = err.Error()
				c.log.Info(ctx, what+" settled with a failure", f)
				return err
			}
			c.log.Info(ctx, what+" settled", f)
			if slept { // settled at a look made at once: that is the request's time, not the platform's
				c.settled.observe(kind, elapsed)
			}
			return nil
		case err != nil && ctx.Err() != nil:
			return timeout(ctx.Err())
		case err != nil && isTransient(err):
			c.log.Warn(ctx, "polling "+what+" failed; will retry", fields(map[string]any{"error_kind": string(KindOf(err))}))
		case err != nil:
			return err
		default:
			c.log.Debug(ctx, what+" not settled yet", fields(map[string]any{"elapsed_ms": elapsed.Milliseconds()}))
		}
		if !announced { // only waits that do not settle at the first look are announced
			c.log.Info(ctx, "waiting for "+what, fields(nil))
			announced = true
		}

		select {
		case <-ctx.Done():
			return timeout(ctx.Err())
		case <-c.clock.After(schedule.next(c.clock.Now().Sub(start))):
		}
		slept = true
	}
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
