package sandbox

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// Renamed statuses show on the wire only; the controls and the Go methods keep the sandbox's
// own names, and the envelope status of every answer is not a card or top-up status.
func TestStatusNamesOnTheWire(t *testing.T) {
	rc := &receiver{}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	r, c := startSandbox(t, Options{
		TaskDelay: time.Hour, CallbackURL: hook.URL, WebhookRetryDelay: 10 * time.Millisecond,
		StatusNames: map[string]string{"active": "Normal", "FROZEN": "Locked", "Pending": "Processing", "Success": "Done"},
	})

	applied := mustSucceed(t, c.post("/ApplyCard", map[string]any{"programId": ProgramVirtual}))
	id := applied.field("cardId")
	for _, step := range []struct {
		name      string
		act       func()
		wire      string // CardDetails cardStatus
		sandboxes string // Cards()/Card()/control status
	}{
		{"applied", func() {}, "Processing", CardStatusPending},
		{"activated", r.Settle, "Normal", CardStatusActive},
		{"forced frozen by internal name", func() {
			if err := r.ForceCardStatus(id, CardStatusFrozen); err != nil {
				t.Fatal(err)
			}
		}, "Locked", CardStatusFrozen},
	} {
		step.act()
		if got := c.cardStatus(id); got != step.wire {
			t.Fatalf("%s: CardDetails cardStatus %q, want %q", step.name, got, step.wire)
		}
		if info, _ := r.Card(id); info.Status != step.sandboxes || r.Cards()[0].Status != step.sandboxes {
			t.Fatalf("%s: Go twin says %q, want %q", step.name, info.Status, step.sandboxes)
		}
		var info CardInfo
		if code, body := ctl(t, r, http.MethodGet, "/cards/"+id, ""); code != 200 || json.Unmarshal(body, &info) != nil || info.Status != step.sandboxes {
			t.Fatalf("%s: control says %d %s, want %q", step.name, code, body, step.sandboxes)
		}
	}
	mustRefuse(t, c.post("/CardFreeze", map[string]any{"cardId": id}), "card is Locked", "needs a card that is Normal")
	mustRefuse(t, c.post("/CardTopUp", map[string]any{"cardId": id, "amount": "10.00"}), "card is Locked", "needs a card that is Normal")
	if code, _ := ctl(t, r, http.MethodPost, "/cards/"+id+"/status", `{"status":"Active"}`); code != 200 {
		t.Fatalf("control refused the internal name Active: %d", code)
	}
	if err := r.ForceCardStatus(id, "Normal"); err == nil {
		t.Fatal("ForceCardStatus took a wire name")
	}

	// The envelope "Success" of an accepted top-up stays; its own status is renamed.
	task := mustSucceed(t, c.post("/CardTopUp", map[string]any{"cardId": id, "amount": "10.00"})).field("taskId")
	if got := c.get("/TopUpStatus/" + task).field("status"); got != "Processing" {
		t.Fatalf("pending top-up status %q", got)
	}
	if got := r.TopUps()[0].Status; got != StatusPending {
		t.Fatalf("TopUps says %q", got)
	}
	r.Settle()
	if got := c.get("/TopUpStatus/" + task).field("status"); got != "Done" {
		t.Fatalf("settled top-up status %q", got)
	}
	var topUps []TopUpInfo
	if _, body := ctl(t, r, http.MethodGet, "/topups", ""); json.Unmarshal(body, &topUps) != nil || topUps[0].Status != StatusSuccess {
		t.Fatalf("control top-ups %s", body)
	}
	var page transactionPageJSONForTest
	c.post("/Card/Transactions", map[string]any{"cardId": id}).decode(t, &page)
	if len(page.Items) != 2 || page.Items[0].Status != "Done" || page.Items[1].Status != "Done" {
		t.Fatalf("transactions %+v", page.Items)
	}
	eventually(t, "createcard and recharge webhooks", func() bool { return len(rc.events()) == 2 })
	if evs := rc.events(); evs[0].NotifyType != "createcard" || evs[0].Status != StatusSuccess || evs[1].NotifyType != "recharge" || evs[1].Status != "Done" {
		t.Fatalf("webhooks %+v", evs)
	}

	if err := r.SetStatusNames(nil); err != nil {
		t.Fatal(err)
	}
	if got := c.cardStatus(id); got != CardStatusActive {
		t.Fatalf("after clearing the names: %q", got)
	}
}

func TestStatusNamesValidation(t *testing.T) {
	for _, tc := range []struct {
		names map[string]string
		want  string // error fragment; "" when valid
	}{
		{nil, ""},
		{map[string]string{"kycreview": "InReview", "AWAITINGBINDING": "WaitBind", "failed": "Declined", "Cancelled": "Closed"}, ""},
		{map[string]string{"Activ": "Normal"}, `unknown status "Activ"`},
		{map[string]string{"Refunded": "Back"}, "unknown status"},
		{map[string]string{"Active": ""}, "empty name"},
		{map[string]string{"Frozen": "  "}, "empty name"},
		{map[string]string{"active": "Normal", "ACTIVE": "Open"}, "renamed twice"},
	} {
		err := func() error {
			s, err := New(Options{PublicKey: &testKey.PublicKey})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			return s.SetStatusNames(tc.names)
		}()
		s, newErr := New(Options{PublicKey: &testKey.PublicKey, StatusNames: tc.names})
		if s != nil {
			s.Close()
		}
		for _, e := range []error{err, newErr} {
			switch {
			case tc.want == "" && e != nil:
				t.Errorf("%v: %v", tc.names, e)
			case tc.want != "" && (e == nil || !strings.Contains(e.Error(), tc.want)):
				t.Errorf("%v: error %v, want one with %q", tc.names, e, tc.want)
			}
		}
	}
}
