package sandbox

import (
	"testing"
	"time"
)

// An expired identity document is refused, naming docexpiredate, unless the document never
// expires; a document valid through today is accepted.
func TestExpiredDocumentIsRefused(t *testing.T) {
	s, c := startSandbox(t, Options{TaskDelay: testDelay, KYCReviewDelay: testReview})
	today := time.Now().UTC()

	expired := fullKYC()
	expired["docexpiredate"] = today.AddDate(0, 0, -2).Format(time.DateOnly)
	mustRefuse(t, c.post("/ApplyCard", map[string]any{"programId": ProgramPhysicalKYC, "kyc": expired}),
		"KYC invalid", "docexpiredate is in the past")
	if n := s.Counters()["ApplyCard.processed"]; n != 0 {
		t.Fatalf("an application with an expired document was processed (%d)", n)
	}

	neverExpires := fullKYC()
	neverExpires["docexpiredate"] = today.AddDate(-1, 0, 0).Format(time.DateOnly)
	neverExpires["docneveexpire"] = 1
	mustSucceed(t, c.post("/ApplyCard", map[string]any{"programId": ProgramPhysicalKYC, "kyc": neverExpires}))

	validToday := fullKYC()
	validToday["docexpiredate"] = today.Format(time.DateOnly)
	mustSucceed(t, c.post("/ApplyCard", map[string]any{"programId": ProgramPhysicalKYC, "kyc": validToday}))
}
