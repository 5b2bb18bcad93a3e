package cardsapi

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// apply applies for card c1 through c and waits until it is active: how many looks the wait
// took, and how long it waited after ApplyCard's answer.
func (p *taskPlatform) apply(t *testing.T, c *Client) (looks int, waited time.Duration) {
	t.Helper()
	if _, err := c.ApplyCard(context.Background(), ApplyCardRequest{ProgramID: "p"}); err != nil {
		t.Fatal(err)
	}
	before, answered := p.srv.requests(), p.clock.Now()
	if _, err := c.WaitForCardStatus(context.Background(), "c1", []string{CardStatusActive}, nil); err != nil {
		t.Fatal(err)
	}
	return p.srv.requests() - before, p.clock.Now().Sub(answered)
}

// A wait measures from when its task was asked, not from when the answer came: the platform
// started the task when the request arrived. Once the kind has learned 2 s, a wait whose
// answer took 300 ms looks 1.7 s after the answer, at the platform's time; measured from the
// answer, it looked 2 s after it, 0.3 s late.
func TestAWaitMeasuresFromWhenItsTaskWasAsked(t *testing.T) {
	const taskTime = 2 * time.Second
	p := newTaskPlatform(t, taskTime)
	c := p.client(t, "", testToken)
	if looks, waited := p.apply(t, c); looks != 4 || waited != taskTime {
		t.Fatalf("the kind's first wait took %d looks over %s, want 4 over %s (at 0, 0.5, 1 and 2s)", looks, waited, taskTime)
	}
	p.mu.Lock()
	p.answerLatency = 300 * time.Millisecond
	p.mu.Unlock()
	if looks, waited := p.apply(t, c); looks != 1 || waited != 1700*time.Millisecond {
		t.Errorf("answered 300ms after the ask, a wait took %d looks over %s after the answer; want 1 look, at 1.7s", looks, waited)
	}
	if learned, _ := c.settled.estimate(activeKind); learned != taskTime {
		t.Errorf("learned %s, want the platform's %s", learned, taskTime)
	}
}

// A wait for a task this process did not ask (a create resumed after a killed run, a cancel
// that an earlier attempt had already made) looks at once, since the task may have finished
// long ago, then at the learned time; how long it took says nothing of the platform's time,
// so it teaches nothing.
func TestAWaitForATaskNotAskedHereLooksAtOnceAndTeachesNothing(t *testing.T) {
	p := newTaskPlatform(t, 2*time.Second)
	c := p.client(t, "", testToken)
	c.settled.observe(activeKind, 2*time.Second)
	wait := func() (looks int, took time.Duration) {
		t.Helper()
		before, began := p.srv.requests(), p.clock.Now()
		if _, err := c.WaitForCardStatus(context.Background(), "c1", []string{CardStatusActive}, nil); err != nil {
			t.Fatal(err)
		}
		return p.srv.requests() - before, p.clock.Now().Sub(began)
	}

	p.setReadyAt(p.clock.Now().Add(-time.Minute)) // active a minute ago, by an earlier run
	if looks, _ := wait(); looks != 1 || len(p.clock.waits()) != 0 {
		t.Errorf("an object settled long ago: %d looks after sleeping %v; want 1 look at once", looks, p.clock.waits())
	}
	p.setReadyAt(p.clock.Now().Add(1500 * time.Millisecond)) // its task began 0.5s before the wait
	if looks, took := wait(); looks != 2 || took != 2*time.Second {
		t.Errorf("an object not settled yet: %d looks over %s; want 2: at once, and at the learned 2s", looks, took)
	}
	h := c.settled.history(activeKind)
	if len(h.recent) != 1 || h.recent[0] != 2*time.Second || len(h.notYet) != 0 || h.sinceProbe != 0 {
		t.Errorf("after two waits for tasks not asked here the kind has times %v, lower bounds %v, %d waits since a probe; want what it had: [2s], none, 0",
			h.recent, h.notYet, h.sinceProbe)
	}
}

// A task is asked when the first attempt that may have been processed is written: not by an
// attempt refused with 429 or 503. When a retry may have been processed too, the platform may
// have started the task at either, and the ask's time is not known.
func TestATaskIsAskedByTheOnlyAttemptThatMayHaveBeenProcessed(t *testing.T) {
	t0 := time.Unix(1764000000, 0)
	at := func(s int) *time.Time { d := t0.Add(time.Duration(s) * time.Second); return &d }
	var st callState
	st.unprocessed = true // answered 429
	st.noteAsked(sentAt(t0, at(0)))
	if !st.askedAt.IsZero() {
		t.Fatalf("an attempt refused with 429 asked the task at %s", st.askedAt)
	}
	st.unprocessed = false // accepted
	st.noteAsked(sentAt(t0.Add(time.Second), at(2)))
	if !st.askedAt.Equal(*at(2)) || st.askedAgain {
		t.Errorf("asked at %s (again: %v), want when the attempt after the 429 was written, %s", st.askedAt, st.askedAgain, *at(2))
	}
	st.noteAsked(sentAt(t0.Add(3*time.Second), at(4))) // a retry after that attempt timed out
	if !st.askedAgain || !st.askedAt.IsZero() {
		t.Errorf("after a second attempt that may have been processed the ask's time is %s (again: %v), want unknown", st.askedAt, st.askedAgain)
	}
	var unwritten callState
	unwritten.noteAsked(sentAt(t0, nil)) // connected, failed before its request was written
	if !unwritten.askedAt.Equal(t0) {
		t.Errorf("an attempt that failed before it was written asked at %s, want when it began, %s", unwritten.askedAt, t0)
	}
}

// Every operation that starts a task the provider then waits for notes its ask under the id
// that wait uses: the card's, or the top-up's task id.
func TestTaskOperationsNoteTheirAsk(t *testing.T) {
	srv := newScriptServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 200, `{"cardId":"issued","taskId":"task-9","status":"Success","remarks":"CardInProgress"}`)
	})
	c, _ := newTestClient(t, srv.URL)
	ctx := context.Background()
	for _, op := range []struct {
		name string
		ask  func() error
		id   string
	}{
		{"ApplyCard", func() error { _, err := c.ApplyCard(ctx, ApplyCardRequest{ProgramID: "p"}); return err }, "issued"},
		{"Binding", func() error {
			_, err := c.BindCard(ctx, BindCardRequest{CardID: "c1", CardNumber: "4111111111111111"})
			return err
		}, "c1"},
		{"CardFreeze", func() error { _, err := c.FreezeCard(ctx, "c2", ""); return err }, "c2"},
		{"CardUnFreeze", func() error { _, err := c.UnfreezeCard(ctx, "c3", ""); return err }, "c3"},
		{"CancelCard", func() error { _, err := c.CancelCard(ctx, "c4"); return err }, "c4"},
		{"CardSetPin", func() error { _, err := c.SetPin(ctx, "c5", ""); return err }, "c5"},
		{"CardTopUp", func() error { _, err := c.TopUp(ctx, "c6", decimal.NewFromInt(10)); return err }, "task-9"},
	} {
		if err := op.ask(); err != nil {
			t.Fatalf("%s: %v", op.name, err)
		}
		if _, ok := c.asked.take(op.id); !ok {
			t.Errorf("%s noted no ask under %q, the id its wait uses", op.name, op.id)
		}
	}
	if len(c.asked.at) != 0 {
		t.Errorf("asks noted under other ids: %v", c.asked.at)
	}
}
