package cardsapi_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/arthawork/terraform-provider-cards/internal/cardsapi"
	"github.com/arthawork/terraform-provider-cards/internal/sandbox"
)

// Programs are read once per client, however many callers ask at once, and a failed read is
// not kept.
func TestProgramDetailsReadOncePerClient(t *testing.T) {
	sb, c := startSandbox(t, sandbox.Options{TaskDelay: taskDelay})
	sb.SetFaults(sandbox.Faults{Next: []sandbox.NextFault{{Operation: sandbox.OpProgramDetails, Mode: sandbox.Mode500, Count: 100}}})
	cardsapi.SetRetryWaits(c, time.Millisecond, time.Millisecond, time.Millisecond)
	if _, err := c.ProgramDetails(waitCtx(t), sandbox.ProgramVirtual); err == nil {
		t.Fatal("want the injected 500s to fail the first read")
	}
	failing := sb.Counters()["ProgramDetails"]
	if _, err := c.ProgramDetails(waitCtx(t), sandbox.ProgramVirtual); err == nil {
		t.Fatal("a failure just seen should be answered again")
	}
	if n := sb.Counters()["ProgramDetails"]; n != failing {
		t.Errorf("a failed read was repeated at once: %d requests, then %d", failing, n)
	}
	sb.SetFaults(sandbox.Faults{})
	sb.ResetCounters()
	cardsapi.ForgetFailedReads(c)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			p, err := c.ProgramDetails(waitCtx(t), sandbox.ProgramVirtual)
			if err != nil || !strings.EqualFold(string(p.ProgramID), sandbox.ProgramVirtual) {
				t.Errorf("ProgramDetails = %+v, %v", p, err)
			}
		})
	}
	wg.Wait()
	if n := sb.Counters()["ProgramDetails"]; n != 1 {
		t.Errorf("20 callers made %d ProgramDetails requests, want 1", n)
	}
}

// A top-up whose answer was lost is found in the card's transactions once it settles; one
// that never happened is reported as nil once the window has passed; two candidates are
// ambiguous; a top-up another resource owns is not taken.
func TestAwaitTopUpRecord(t *testing.T) {
	sb, c := startSandbox(t, sandbox.Options{TaskDelay: taskDelay})
	applied, err := c.ApplyCard(waitCtx(t), cardsapi.ApplyCardRequest{ProgramID: sandbox.ProgramVirtual})
	if err != nil {
		t.Fatal(err)
	}
	sb.Settle()
	cardID := string(applied.CardID)
	none := func(string) bool { return false }
	sentAt := time.Now()

	sb.SetFaults(sandbox.Faults{Next: []sandbox.NextFault{{Operation: sandbox.OpCardTopUp, Mode: sandbox.ModeLoseResponse}}})
	if _, err := c.TopUp(waitCtx(t), cardID, dec("25")); !cardsapi.IsOutcomeUnknown(err) {
		t.Fatalf("want an unknown outcome, got %v", err)
	}
	found, err := c.AwaitTopUpRecord(waitCtx(t), cardID, dec("25"), sentAt, time.Now().Add(10*time.Second), none)
	if err != nil || found == nil {
		t.Fatalf("AwaitTopUpRecord = %+v, %v; want the lost top-up", found, err)
	}
	if topUps := sb.TopUps(); len(topUps) != 1 || topUps[0].TaskID != string(found.TaskID) {
		t.Fatalf("found task %s, sandbox has %+v", found.TaskID, topUps)
	}

	if got, err := c.AwaitTopUpRecord(waitCtx(t), cardID, dec("30"), sentAt, time.Now().Add(100*time.Millisecond), none); got != nil || err != nil {
		t.Fatalf("a top-up that never happened: got %+v, %v; want nil, nil", got, err)
	}

	if _, err := c.TopUp(waitCtx(t), cardID, dec("25")); err != nil {
		t.Fatal(err)
	}
	sb.Settle()
	if _, err := c.AwaitTopUpRecord(waitCtx(t), cardID, dec("25"), sentAt, time.Now(), none); !errors.Is(err, cardsapi.ErrAmbiguousTopUp) {
		t.Fatalf("two candidates: got %v, want ErrAmbiguousTopUp", err)
	}
	owned := func(id string) bool { return id == string(found.TaskID) }
	other, err := c.AwaitTopUpRecord(waitCtx(t), cardID, dec("25"), sentAt, time.Now(), owned)
	if err != nil || other == nil || other.TaskID == found.TaskID {
		t.Fatalf("with the first one owned: got %+v, %v; want the other top-up", other, err)
	}
}

// Requests that issue cards or move money are not cut short by a short request_timeout, and a
// timed-out read names the setting.
func TestIssuingRequestsOutlastShortRequestTimeout(t *testing.T) {
	sb, c := startSandbox(t, sandbox.Options{TaskDelay: taskDelay}, func(cfg *cardsapi.Config) {
		cfg.RequestTimeout = 300 * time.Millisecond
		cfg.MaxRetries = cardsapi.Retries(0)
	})
	sb.SetFaults(sandbox.Faults{Latency: 600 * time.Millisecond})
	applied, err := c.ApplyCard(waitCtx(t), cardsapi.ApplyCardRequest{ProgramID: sandbox.ProgramVirtual})
	if err != nil || applied.CardID == "" {
		t.Fatalf("ApplyCard with latency beyond request_timeout: %+v, %v", applied, err)
	}
	_, err = c.CardDetails(context.Background(), string(applied.CardID))
	if err == nil || !strings.Contains(err.Error(), "request_timeout") {
		t.Fatalf("a timed-out read should name request_timeout, got %v", err)
	}
}
