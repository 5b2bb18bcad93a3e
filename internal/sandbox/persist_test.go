package sandbox

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestStateFileSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	opts := Options{StateFile: path, TaskDelay: time.Hour, KYCReviewDelay: time.Hour}

	first, c := startSandbox(t, opts)
	active := mustSucceed(t, c.post("/ApplyCard", map[string]any{"programId": ProgramVirtual})).field("cardId")
	first.Settle()
	task := mustSucceed(t, c.post("/CardTopUp", map[string]any{"cardId": active, "amount": "100.00"})).field("taskId")
	first.Settle()
	mustSucceed(t, c.post("/CardFreeze", map[string]any{"cardId": active})) // left pending
	review := mustSucceed(t, c.post("/ApplyCard", map[string]any{"programId": ProgramPhysicalKYC, "kyc": fullKYC()})).field("cardId")
	details := c.get("/CardDetails/" + active)
	pin := c.get("/PinDetails/" + active).field("pin")
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}

	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("state file mode %v", fi.Mode().Perm())
	}
	data, _ := os.ReadFile(path)
	for _, personal := range []string{"Jane", "P1234567", "jane.doe@example.com", "7700900123"} {
		if bytes.Contains(data, []byte(personal)) {
			t.Fatalf("state file keeps KYC value %q", personal)
		}
	}
	if matches, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".state.json.tmp-*")); len(matches) != 0 {
		t.Fatalf("temporary files left: %v", matches)
	}

	second, c2 := startSandbox(t, opts)
	if got := c2.get("/CardDetails/" + active); string(got.body) != string(details.body) {
		t.Fatalf("card details after restart\n got %s\nwant %s", got, details)
	}
	if got := c2.get("/PinDetails/" + active).field("pin"); got != pin {
		t.Fatal("PIN changed across restart")
	}
	if got := c2.get("/CardBalance/" + active).field("availableBalance"); got != "98.50" {
		t.Fatalf("balance after restart %s", got)
	}
	if got := c2.get("/TopUpStatus/" + task).field("status"); got != StatusSuccess {
		t.Fatalf("top-up after restart %s", got)
	}
	if !second.MerchantBalance("USD").Equal(dec("99900.00")) {
		t.Fatalf("merchant after restart %s", second.MerchantBalance("USD"))
	}
	var page transactionPageJSONForTest
	c2.post("/Card/Transactions", map[string]any{"cardId": active}).decode(t, &page)
	if page.Total != 2 {
		t.Fatalf("transactions after restart %d", page.Total)
	}
	// Pending work survived too and completes as before.
	if c2.cardStatus(review) != CardStatusKYCReview || c2.cardStatus(active) != CardStatusActive {
		t.Fatal("pending state lost")
	}
	second.Settle()
	if c2.cardStatus(review) != CardStatusAwaitingBinding || c2.cardStatus(active) != CardStatusFrozen {
		t.Fatalf("after settle: %s %s", c2.cardStatus(review), c2.cardStatus(active))
	}
	mustRefuse(t, c2.post("/CardFreeze", map[string]any{"cardId": active}), "card is Frozen")
}

func TestStateFileKeepsDueTimes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	first, c := startSandbox(t, Options{StateFile: path, TaskDelay: 100 * time.Millisecond})
	id := mustSucceed(t, c.post("/ApplyCard", map[string]any{"programId": ProgramVirtual})).field("cardId")
	first.Close()
	// The restarted sandbox has another delay, but the card keeps the due time it was given.
	_, c2 := startSandbox(t, Options{StateFile: path, TaskDelay: time.Hour})
	c2.waitStatus(id, CardStatusActive)
}

func TestStateFileRejectsGarbage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Options{PublicKey: &testKey.PublicKey, StateFile: path}); err == nil {
		t.Fatal("corrupt state file accepted")
	}
	if err := os.WriteFile(path, []byte(`{"version":99}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Options{PublicKey: &testKey.PublicKey, StateFile: path}); err == nil {
		t.Fatal("state file of another version accepted")
	}
	if _, err := New(Options{PublicKey: &testKey.PublicKey, StateFile: filepath.Join(path, "in", "a", "file")}); err == nil {
		t.Fatal("unwritable state file accepted")
	}
	fresh := filepath.Join(t.TempDir(), "fresh.json")
	s, err := New(Options{PublicKey: &testKey.PublicKey, StateFile: fresh})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := os.Stat(fresh); err != nil {
		t.Fatalf("state file not written at start: %v", err)
	}
}
