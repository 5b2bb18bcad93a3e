package sandbox

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	// Long enough that a status read right after a request still sees the old value even
	// under -race on a loaded machine; short enough to keep the suite quick.
	testDelay  = 150 * time.Millisecond
	testReview = 150 * time.Millisecond
)

func TestVirtualCardLifecycle(t *testing.T) {
	s, c := startSandbox(t, Options{TaskDelay: testDelay, CancelledRetention: 150 * time.Millisecond})
	r := mustSucceed(t, c.post("/applycard", map[string]any{"programId": ProgramVirtual})) // any path case
	id := r.field("cardId")
	if r.field("remarks") != "CardInProgress" || r.field("taskId") != id {
		t.Fatalf("apply answer %s", r)
	}
	// Until the delay has passed the card is Pending and has no number.
	d := c.get("/CardDetails/" + id)
	if d.field("cardStatus") != CardStatusPending || d.field("cardNumber") != "" {
		t.Fatalf("fresh card %s", d)
	}
	mustRefuse(t, c.get("/PinDetails/"+id), "no PIN yet")
	mustRefuse(t, c.post("/CardFreeze", map[string]any{"cardId": id}), "card is Pending (activation in progress)")
	c.waitStatus(id, CardStatusActive)

	d = c.get("/CardDetails/" + id)
	pan := d.field("cardNumber")
	if len(pan) != 16 || !strings.HasPrefix(pan, "428852") || !luhnValid(pan) {
		t.Fatalf("PAN %q: want 16 Luhn-valid digits on BIN 428852", pan)
	}
	if !regexp.MustCompile(`^[0-9]{3}$`).MatchString(d.field("cvv")) {
		t.Fatalf("cvv %q", d.field("cvv"))
	}
	wantExpiry := time.Now().UTC().AddDate(3, 0, 0).Format("01/06")
	if d.field("expirationDate") != wantExpiry {
		t.Fatalf("expiry %q, want %q", d.field("expirationDate"), wantExpiry)
	}
	pin := c.get("/PinDetails/" + id)
	if !regexp.MustCompile(`^[0-9]{4}$`).MatchString(pin.field("pin")) || pin.field("cardNumber") != pan {
		t.Fatalf("pin details %s", pin)
	}
	bal := c.get("/CardBalance/" + id)
	if bal.field("availableBalance") != "0.00" || bal.field("cardCurrency") != "USD" || bal.field("cardNumber") != maskPAN(pan) {
		t.Fatalf("balance %s", bal)
	}
	info, _ := s.Card(id)
	if info.Last4 != pan[12:] || info.Status != CardStatusActive {
		t.Fatalf("control view %+v", info)
	}

	// Freeze, with a duplicate while in progress and a conflicting operation refused.
	f := mustSucceed(t, c.post("/CardFreeze", map[string]any{"cardId": id}))
	if f.field("remarks") != "CardFreezeInProgress" {
		t.Fatalf("freeze %s", f)
	}
	dup := mustSucceed(t, c.post("/CardFreeze", map[string]any{"cardId": id}))
	if dup.field("taskId") != f.field("taskId") {
		t.Fatalf("duplicate freeze got a new task: %s vs %s", dup, f)
	}
	mustRefuse(t, c.post("/CancelCard", map[string]any{"cardId": id}), "CardFreeze in progress")
	if got := c.cardStatus(id); got != CardStatusActive {
		t.Fatalf("status before the freeze completes: %s", got)
	}
	c.waitStatus(id, CardStatusFrozen)
	mustRefuse(t, c.post("/CardFreeze", map[string]any{"cardId": id}), "card is Frozen")

	// Set PIN works on a frozen card, keeps the status and changes the PIN.
	sp := mustSucceed(t, c.post("/CardSetPin", map[string]any{"cardId": id}))
	if sp.field("remarks") != "CardSetPin SuccesFully!" {
		t.Fatalf("set pin %s", sp)
	}
	eventually(t, "PIN change", func() bool { info, _ := s.Card(id); return info.PinChanges == 1 })
	if newPin := c.get("/PinDetails/" + id).field("pin"); newPin == pin.field("pin") {
		t.Fatalf("PIN unchanged: %s", newPin)
	}
	if got := c.cardStatus(id); got != CardStatusFrozen {
		t.Fatalf("set PIN changed the status to %s", got)
	}

	mustSucceed(t, c.post("/CardUnFreeze", map[string]any{"cardId": id}))
	c.waitStatus(id, CardStatusActive)
	mustRefuse(t, c.post("/CardUnFreeze", map[string]any{"cardId": id}), "card is Active", "Frozen")

	mustSucceed(t, c.post("/CancelCard", map[string]any{"cardId": id}))
	c.waitStatus(id, CardStatusCancelled)
	mustRefuse(t, c.post("/CardFreeze", map[string]any{"cardId": id}), "card is Cancelled")
	mustRefuse(t, c.post("/CancelCard", map[string]any{"cardId": id}), "card is Cancelled")
	// After the retention period the card is gone for the API, but the control still lists it.
	eventually(t, "404 after retention", func() bool { return c.get("/CardDetails/"+id).code == http.StatusNotFound })
	mustStatus(t, c.post("/CancelCard", map[string]any{"cardId": id}), http.StatusNotFound)
	if info, ok := s.Card(id); !ok || !info.Purged || info.Status != CardStatusCancelled {
		t.Fatalf("control view after retention %+v", info)
	}
}

func TestPhysicalCardKYCAtApply(t *testing.T) {
	s, c := startSandbox(t, Options{TaskDelay: testDelay, KYCReviewDelay: testReview})

	// No KYC at all, then KYC with fields missing: every missing field is named.
	mustRefuse(t, c.post("/ApplyCard", map[string]any{"programId": ProgramPhysicalKYC}), "kyc is required")
	partial := fullKYC()
	for _, f := range []string{"dob", "mobile", "zipcode", "docneveexpire"} {
		delete(partial, f)
	}
	partial["town"] = ""
	mustRefuse(t, c.post("/ApplyCard", map[string]any{"programId": ProgramPhysicalKYC, "kyc": partial}),
		"missing dob, mobile, town, zipcode, docneveexpire")
	bad := fullKYC()
	bad["countryisothree"] = "DEU"
	bad["gender"] = 3
	mustRefuse(t, c.post("/ApplyCard", map[string]any{"programId": ProgramPhysicalKYC, "kyc": bad}),
		"gender must be 1", "countryisothree DEU does not match countryid 2")
	if n := s.Counters()["ApplyCard.processed"]; n != 0 {
		t.Fatalf("refused applications processed: %d", n)
	}

	r := mustSucceed(t, c.post("/ApplyCard", map[string]any{"programId": ProgramPhysicalKYC, "kyc": fullKYC()}))
	id := r.field("cardId")
	if got := c.cardStatus(id); got != CardStatusKYCReview {
		t.Fatalf("after apply: %s", got)
	}
	mustRefuse(t, c.post("/Binding", map[string]any{"cardId": id, "cardNumber": NewCardNumber(ProgramPhysicalKYC), "envelopeNo": "ENV1"}),
		"card is KycReview", "AwaitingBinding")
	c.waitStatus(id, CardStatusAwaitingBinding)

	number := NewCardNumber(ProgramPhysicalKYC)
	mustRefuse(t, c.post("/Binding", map[string]any{"cardId": id, "cardNumber": number}), "envelopeNo is required")
	badLuhn := number[:15] + strconv.Itoa((int(number[15]-'0')+1)%10)
	mustRefuse(t, c.post("/Binding", map[string]any{"cardId": id, "cardNumber": badLuhn, "envelopeNo": "ENV1"}), "Luhn")
	mustStatus(t, c.post("/Binding", map[string]any{"cardId": id, "cardNumber": "12ab", "envelopeNo": "ENV1"}), http.StatusBadRequest)
	mustStatus(t, c.post("/Binding", map[string]any{"cardId": id, "cardNumber": number, "envelopeNo": "0123456789ABCDEF"}), http.StatusBadRequest)

	// taskId is accepted as an alias of cardId; KYC is not asked again.
	b := mustSucceed(t, c.post("/Binding", map[string]any{"taskId": id, "cardNumber": number, "envelopeNo": "ENV000123"}))
	if b.field("cardId") != id || b.field("cardno") != maskPAN(number) {
		t.Fatalf("binding answer %s", b)
	}
	if got := c.cardStatus(id); got != CardStatusPending {
		t.Fatalf("after binding: %s", got)
	}
	c.waitStatus(id, CardStatusActive)
	if got := c.get("/CardDetails/" + id).field("cardNumber"); got != number {
		t.Fatalf("bound PAN %q, want %q", got, number)
	}
	if bt := c.get("/CardBalance/" + id).field("cardType"); bt != "Physical" {
		t.Fatalf("cardType %q", bt)
	}

	// The same physical card cannot be bound twice.
	r2 := mustSucceed(t, c.post("/ApplyCard", map[string]any{"programId": ProgramPhysicalKYC, "kyc": fullKYC()}))
	if err := s.ReviewKYC(r2.field("cardId"), true); err != nil {
		t.Fatal(err)
	}
	mustRefuse(t, c.post("/Binding", map[string]any{"cardId": r2.field("cardId"), "cardNumber": number, "envelopeNo": "E2"}), "already bound")
}

func TestKYCRejection(t *testing.T) {
	_, c := startSandbox(t, Options{TaskDelay: testDelay, KYCReviewDelay: testReview})
	kyc := fullKYC()
	kyc["firstname"] = "reject"
	id := mustSucceed(t, c.post("/ApplyCard", map[string]any{"programId": ProgramPhysicalKYC, "kyc": kyc})).field("cardId")
	c.waitStatus(id, CardStatusKYCRejected)
	mustRefuse(t, c.post("/Binding", map[string]any{"cardId": id, "cardNumber": NewCardNumber(ProgramPhysicalKYC), "envelopeNo": "E"}), "KycRejected")
	mustRefuse(t, c.post("/CancelCard", map[string]any{"cardId": id}), "card is KycRejected")

	// A control can settle a review before its delay, either way.
	long, lc := startSandbox(t, Options{KYCReviewDelay: time.Hour})
	a := mustSucceed(t, lc.post("/ApplyCard", map[string]any{"programId": ProgramPhysicalKYC, "kyc": fullKYC()})).field("cardId")
	b := mustSucceed(t, lc.post("/ApplyCard", map[string]any{"programId": ProgramPhysicalKYC, "kyc": fullKYC()})).field("cardId")
	if err := long.ReviewKYC(a, false); err != nil {
		t.Fatal(err)
	}
	if err := long.ReviewKYC(b, true); err != nil {
		t.Fatal(err)
	}
	if lc.cardStatus(a) != CardStatusKYCRejected || lc.cardStatus(b) != CardStatusAwaitingBinding {
		t.Fatalf("statuses %s %s", lc.cardStatus(a), lc.cardStatus(b))
	}
	if err := long.ReviewKYC(a, true); err == nil {
		t.Fatal("second review of a settled card accepted")
	}
}

func TestPhysicalCardKYCAtBinding(t *testing.T) {
	_, c := startSandbox(t, Options{TaskDelay: testDelay})
	// KYC on apply is not needed (and ignored); the card waits for binding at once.
	id := mustSucceed(t, c.post("/ApplyCard", map[string]any{"programId": ProgramPhysicalKYCAtBinding})).field("cardId")
	if got := c.cardStatus(id); got != CardStatusAwaitingBinding {
		t.Fatalf("after apply: %s", got)
	}
	number := NewCardNumber(ProgramPhysicalKYCAtBinding)
	mustRefuse(t, c.post("/Binding", map[string]any{"cardId": id, "cardNumber": number, "kyc": fullKYC()}), "handholdidphoto is required")
	mustRefuse(t, c.post("/Binding", map[string]any{"cardId": id, "cardNumber": number, "handholdidphoto": testImage}), "kyc is required")
	mustRefuse(t, c.post("/Binding", map[string]any{"cardId": id, "cardNumber": number, "handholdidphoto": testImage,
		"kyc": map[string]any{"firstname": "Jane", "email": "jane@example.com"}}), "missing lastname, gender, dob, mobilecode, mobile")
	mustRefuse(t, c.post("/Binding", map[string]any{"cardId": id, "cardNumber": number, "handholdidphoto": "%%%", "kyc": fullKYC()}), "handholdidphoto must be a base64 image")
	mustStatus(t, c.post("/Binding", map[string]any{"cardId": id, "cardNumber": number, "handholdidphoto": testImage, "kyc": "Jane"}), http.StatusBadRequest)
	mustSucceed(t, c.post("/Binding", map[string]any{"cardId": id, "cardNumber": number, "handholdidphoto": testImage,
		"kyc": map[string]any{"firstname": "Jane", "lastname": "Doe", "gender": "2", "dob": "1990-04-01", "email": "jane@example.com", "mobilecode": "+971", "mobile": "501234567"}}))
	c.waitStatus(id, CardStatusActive)
	mustRefuse(t, c.post("/Binding", map[string]any{"cardId": id, "cardNumber": number, "handholdidphoto": testImage, "kyc": fullKYC()}), "card is Active")
}

func TestSignatureProgramNeedsSignImage(t *testing.T) {
	_, c := startSandbox(t, Options{TaskDelay: testDelay})
	id := c.activeCard(ProgramSignature)
	mustRefuse(t, c.post("/CardFreeze", map[string]any{"cardId": id}), "signimage is required")
	mustRefuse(t, c.post("/CardSetPin", map[string]any{"cardId": id}), "signimage is required")
	mustRefuse(t, c.post("/CardFreeze", map[string]any{"cardId": id, "signimage": "not base64!"}), "signimage must be a base64 image")
	mustSucceed(t, c.post("/CardFreeze", map[string]any{"cardId": id, "signimage": testImage}))
	c.waitStatus(id, CardStatusFrozen)
	mustRefuse(t, c.post("/CardUnFreeze", map[string]any{"cardId": id}), "signimage is required")
	mustSucceed(t, c.post("/CardUnFreeze", map[string]any{"cardId": id, "signimage": "data:image/png;base64," + testImage}))
	c.waitStatus(id, CardStatusActive)
	// Cancel takes no signimage.
	mustSucceed(t, c.post("/CancelCard", map[string]any{"cardId": id}))
	c.waitStatus(id, CardStatusCancelled)
}

func TestWrongStateAndUnknownRefusals(t *testing.T) {
	s, c := startSandbox(t, Options{TaskDelay: time.Hour})
	id := mustSucceed(t, c.post("/ApplyCard", map[string]any{"programId": ProgramVirtual})).field("cardId")
	mustRefuse(t, c.post("/Binding", map[string]any{"cardId": id, "cardNumber": NewCardNumber(ProgramVirtual)}), "Binding is for physical cards")
	mustRefuse(t, c.post("/CardTopUp", map[string]any{"cardId": id, "amount": "10.00"}), "card is Pending")
	mustRefuse(t, c.post("/ApplyCard", map[string]any{"programId": "5b5d0f7e-0000-4000-8000-000000000000"}), "Program not found")

	unknown := "d55709b7-a56f-4bcc-b08a-00131bfc8bf1"
	for _, r := range []response{
		c.get("/CardDetails/" + unknown), c.get("/PinDetails/" + unknown), c.get("/CardBalance/" + unknown),
		c.get("/TopUpStatus/" + unknown), c.get("/MerchantInformation/programdetails/" + unknown),
		c.post("/CardFreeze", map[string]any{"cardId": unknown}),
		c.post("/Card/Transactions", map[string]any{"cardId": unknown}),
	} {
		mustStatus(t, r, http.StatusNotFound)
		if r.field("remarks") != "Record Not Found" || r.field("status") != StatusFailed {
			t.Fatalf("404 body %s", r)
		}
	}
	// Shape errors are 400.
	mustStatus(t, c.post("/ApplyCard", map[string]any{}), http.StatusBadRequest)
	mustStatus(t, c.post("/ApplyCard", map[string]any{"programId": strings.Repeat("x", 37)}), http.StatusBadRequest)
	mustStatus(t, c.post("/ApplyCard", map[string]any{"programId": 42}), http.StatusBadRequest)
	mustStatus(t, c.post("/CardFreeze", map[string]any{}), http.StatusBadRequest)
	mustStatus(t, c.post("/CardFreeze", "[1,2]"), http.StatusBadRequest)
	// Unknown operations and wrong methods.
	mustStatus(t, c.get("/NoSuchThing"), http.StatusNotFound)
	mustStatus(t, c.get("/ApplyCard"), http.StatusMethodNotAllowed)
	mustStatus(t, c.get("/sandbox/cards"), http.StatusNotFound) // controls never under /api/v1

	// ForceCardStatus drifts a card out of band and drops its pending work.
	if err := s.ForceCardStatus(id, "frozen"); err != nil {
		t.Fatal(err)
	}
	if got := c.cardStatus(id); got != CardStatusFrozen {
		t.Fatalf("forced status %s", got)
	}
	if c.get("/CardDetails/"+id).field("cardNumber") == "" {
		t.Fatal("forcing Frozen did not issue a card number")
	}
	if err := s.ForceCardStatus(id, "Melted"); err == nil {
		t.Fatal("unknown status accepted")
	}
}

func TestReferenceData(t *testing.T) {
	_, c := startSandbox(t, Options{})
	var m struct {
		Balances []map[string]any `json:"balances"`
		Programs []map[string]any `json:"programs"`
	}
	r := c.get("/MerchantInformation/Merchant")
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Programs) != 4 || len(m.Balances) != 2 || m.Balances[0]["amount"] != "100000.00" {
		t.Fatalf("merchant %s", r)
	}
	p := c.get("/MerchantInformation/programdetails/" + strings.ToUpper(ProgramPhysicalKYC))
	mustStatus(t, p, http.StatusOK)
	var raw map[string]json.RawMessage
	p.decode(t, &raw)
	for _, f := range []string{"programId", "bin", "name", "currency", "type", "consumptionMethod", "isoCountryName",
		"cardFee", "cardOpeningFee", "firstRechargeAmount", "cancellationFeeMin", "cancellationFeeMax", "freightFee",
		"rechargeFeeMin", "rechargeFeeMax", "transactionFee", "atmWithdrawalFee", "maintenanceFee", "atmBalanceInquiryFee",
		"monthlyRechargeLimit", "dailyRechargeLimit", "singleRechargeLimit", "perPaymentLimit", "atmDailyWithdrawalLimit",
		"spendingLimit", "reviewTime", "cardState", "note", "remarks", "supportedOperationTypes", "supportedPlatforms",
		"cardImage", "topUpTokens", "kycRequiredWhileApplyCard", "kycRequirements", "kycType", "needPhotoForActiveCard",
		"needPhotoForOperateCard", "envelopeNoRequired"} {
		if _, ok := raw[f]; !ok {
			t.Errorf("program lacks %s", f)
		}
	}
	if string(raw["singleRechargeLimit"]) != "10000.00" || string(raw["kycRequirements"]) != `"FullName,Comms,FullAddress,Passport"` {
		t.Fatalf("program %s", p)
	}
	var virtual map[string]json.RawMessage
	c.get("/MerchantInformation/programdetails/"+ProgramVirtual).decode(t, &virtual)
	if string(virtual["kycRequirements"]) != "null" {
		t.Fatalf("virtual kycRequirements %s", virtual["kycRequirements"])
	}

	var list []country
	c.get("/Countries").decode(t, &list)
	if len(list) < 30 {
		t.Fatalf("%d countries", len(list))
	}
	ids := map[string]bool{}
	for _, ct := range list {
		if len(ct.ISOTwo) != 2 || len(ct.ISOThree) != 3 || len(ct.ISONumber) != 3 || ids[ct.ID] {
			t.Fatalf("country %+v", ct)
		}
		ids[ct.ID] = true
	}
	var all []town
	c.get("/Towns").decode(t, &all)
	for _, tw := range all {
		if !ids[tw.CountryOrRegion] {
			t.Fatalf("town %+v names an unknown country", tw)
		}
	}
}
