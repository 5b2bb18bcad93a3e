package sandbox

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// receiver is a merchant callback endpoint that refuses the first `refuse` attempts.
type receiver struct {
	mu       sync.Mutex
	refuse   int
	attempts int
	acked    []webhookJSON
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	data, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.attempts++
	switch {
	case rc.attempts == 1 && rc.refuse > 0:
		http.Error(w, "down", http.StatusInternalServerError)
	case rc.attempts <= rc.refuse:
		_, _ = w.Write([]byte(`{"code":1,"message":"try later"}`))
	default:
		var ev webhookJSON
		if err := json.Unmarshal(data, &ev); err != nil {
			http.Error(w, "bad webhook body", http.StatusBadRequest)
			return
		}
		rc.acked = append(rc.acked, ev)
		_, _ = w.Write([]byte(`{"code":0,"message":"success"}`))
	}
}

func (rc *receiver) events() []webhookJSON {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]webhookJSON(nil), rc.acked...)
}

func TestWebhooksDeliveredWithRetry(t *testing.T) {
	rc := &receiver{refuse: 2}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	s, c := startSandbox(t, Options{CallbackURL: hook.URL, WebhookRetryDelay: 10 * time.Millisecond, TaskDelay: 20 * time.Millisecond})

	// No polling: the scheduler completes the card and the webhook goes out by itself.
	id := mustSucceed(t, c.post("/ApplyCard", map[string]any{"programId": ProgramVirtual})).field("cardId")
	eventually(t, "createcard webhook", func() bool { return len(rc.events()) == 1 })
	ev := rc.events()[0]
	if ev.NotifyType != "createcard" || ev.CardID != id || ev.Status != StatusSuccess {
		t.Fatalf("event %+v", ev)
	}
	if n := s.Counters()["webhook.attempts"]; n != 3 {
		t.Fatalf("attempts %d, want 3 (two refused)", n)
	}

	task := mustSucceed(t, c.post("/CardTopUp", map[string]any{"cardId": id, "amount": "50.00"})).field("taskId")
	freeze := mustSucceed(t, c.post("/CardFreeze", map[string]any{"cardId": id})).field("taskId")
	eventually(t, "recharge and operation webhooks", func() bool { return len(rc.events()) == 3 })
	evs := rc.events()
	byType := map[string]webhookJSON{}
	for _, e := range evs[1:] {
		byType[e.NotifyType] = e
	}
	if r := byType["recharge"]; r.TaskID != task || r.Amount != "50.00" || r.Currency != "USD" || r.Status != StatusSuccess {
		t.Fatalf("recharge webhook %+v", r)
	}
	if o := byType["operation"]; o.TaskID != freeze || o.CardID != id {
		t.Fatalf("operation webhook %+v", o)
	}

	kyc := fullKYC()
	kyc["firstname"] = "REJECT"
	rejected := mustSucceed(t, c.post("/ApplyCard", map[string]any{"programId": ProgramPhysicalKYC, "kyc": kyc})).field("cardId")
	eventually(t, "kycstatus webhook", func() bool { return len(rc.events()) == 4 })
	if k := rc.events()[3]; k.NotifyType != "kycstatus" || k.Status != StatusFailed || k.CardID != rejected {
		t.Fatalf("kyc webhook %+v", k)
	}
	// The raw body uses the documented field names.
	raw, _ := json.Marshal(rc.events()[1])
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"CardId", "TaskId", "NotifyType", "Status", "Remarks"} {
		if _, ok := m[f]; !ok {
			t.Fatalf("webhook lacks %s: %s", f, raw)
		}
	}
}

func TestCloseStopsUnacknowledgedWebhooks(t *testing.T) {
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "never", http.StatusBadGateway)
	}))
	defer hook.Close()
	s, c := startSandbox(t, Options{CallbackURL: hook.URL, WebhookRetryDelay: 5 * time.Millisecond})
	mustSucceed(t, c.post("/ApplyCard", map[string]any{"programId": ProgramVirtual}))
	eventually(t, "some retries", func() bool { return s.Counters()["webhook.attempts"] >= 3 })
	done := make(chan struct{})
	go func() { s.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		t.Fatal("Close hangs on an unacknowledged webhook")
	}
	n := s.Counters()["webhook.attempts"]
	time.Sleep(30 * time.Millisecond)
	if s.Counters()["webhook.attempts"] != n {
		t.Fatal("webhooks still sent after Close")
	}
}

func TestCallbackURLMustBeHTTP(t *testing.T) {
	for _, bad := range []string{"ftp://example.com/hook", "localhost:9000", "http://"} {
		if _, err := New(Options{PublicKey: &testKey.PublicKey, CallbackURL: bad}); err == nil {
			t.Errorf("CallbackURL %q accepted", bad)
		}
	}
}
