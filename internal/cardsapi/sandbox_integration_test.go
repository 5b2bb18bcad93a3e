package cardsapi_test

// These tests drive the client over real HTTP against the in-process sandbox
// (internal/sandbox), which verifies every signature and shares no code with the client
// besides internal/signing. They prove the retry policy with the sandbox's own counters and
// card/top-up lists: a request whose answer was lost is never sent again when it creates a
// card, binds one or moves money.

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/arthawork/terraform-provider-cards/internal/cardsapi"
	"github.com/arthawork/terraform-provider-cards/internal/sandbox"
)

var (
	merchantKeyOnce sync.Once
	merchantKey     *rsa.PrivateKey
)

// key is the merchant key of every sandbox here: 1024 bits, the platform's size, and fast.
func key(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	merchantKeyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 1024) //nolint:gosec // the platform issues 1024-bit keys; fast to make
		if err != nil {
			panic(err)
		}
		merchantKey = k
	})
	return merchantKey
}

const taskDelay = 50 * time.Millisecond

// startSandbox runs a sandbox with the test key and returns it with a client for it. The
// client polls fast and backs off for milliseconds, so the suite stays quick.
func startSandbox(t *testing.T, opts sandbox.Options, mutate ...func(*cardsapi.Config)) (*sandbox.Running, *cardsapi.Client) {
	t.Helper()
	opts.PublicKey = &key(t).PublicKey
	sb, err := sandbox.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	return sb, newClient(t, sb, mutate...)
}

func newClient(t *testing.T, sb *sandbox.Running, mutate ...func(*cardsapi.Config)) *cardsapi.Client {
	t.Helper()
	cfg := cardsapi.Config{
		BaseURL:           sb.URL,
		CustomerToken:     sb.CustomerToken,
		PrivateKey:        key(t),
		RequestsPerSecond: 1000,
		RequestTimeout:    10 * time.Second,
		PollInitial:       5 * time.Millisecond,
		PollMax:           50 * time.Millisecond,
		UserAgent:         "cardsapi-integration-test",
	}
	for _, m := range mutate {
		m(&cfg)
	}
	c, err := cardsapi.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cardsapi.SetRetryWaits(c, time.Millisecond, 10*time.Millisecond, 50*time.Millisecond)
	return c
}

// waitCtx bounds one wait; a lifecycle step in the sandbox takes taskDelay.
func waitCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// activeVirtualCard applies for a card of program and waits until it is Active.
func activeVirtualCard(t *testing.T, c *cardsapi.Client, program string) string {
	t.Helper()
	ctx := waitCtx(t)
	applied, err := c.ApplyCard(ctx, cardsapi.ApplyCardRequest{ProgramID: program})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.WaitForCardStatus(ctx, string(applied.CardID), []string{cardsapi.CardStatusActive}, []string{cardsapi.CardStatusKYCRejected}); err != nil {
		t.Fatal(err)
	}
	return string(applied.CardID)
}

const testImage = "aGVsbG8gc2FuZGJveA==" // base64 of "hello sandbox"

func fullKYC() *cardsapi.KYC {
	zero := 0
	return &cardsapi.KYC{
		FirstName: "Jane", LastName: "Doe", Gender: 2, DOB: "1990-04-01", NationalityID: "2",
		Email: "jane.doe@example.com", MobileCode: "+44", Mobile: "7700900123", Address: "1 Test Street",
		Town: "1005", City: "London", State: "Greater London", ZipCode: "SW1A 1AA", CountryID: "2",
		CountryISOThree: "GBR", EmergencyContact: "John Doe +447700900124", DocType: 1, DocID: "P1234567",
		FrontDoc: testImage, BackDoc: testImage, DocExpireDate: "2031-01-31", DocNeverExpire: &zero,
		HandHoldIDPhoto: testImage, Biometric: testImage, Photo: testImage, SignImage: testImage,
	}
}

func TestSandboxReferenceData(t *testing.T) {
	_, c := startSandbox(t, sandbox.Options{})
	ctx := context.Background()

	m, err := c.MerchantInformation(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if m.Name == "" || len(m.Balances) == 0 || len(m.Programs) != 4 {
		t.Fatalf("merchant %+v", m)
	}
	for _, b := range m.Balances {
		if b.Currency == "USD" && !b.Amount.Equal(dec("100000")) {
			t.Errorf("USD balance %s", b.Amount)
		}
	}
	for _, id := range []string{sandbox.ProgramVirtual, sandbox.ProgramPhysicalKYC, sandbox.ProgramSignature, sandbox.ProgramPhysicalKYCAtBinding} {
		p, err := c.ProgramDetails(ctx, id)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		if string(p.ProgramID) != id || p.BIN == 0 || p.Currency == "" || p.RechargeFeeMax.IsZero() {
			t.Errorf("program %+v", p)
		}
	}
	phys, _ := c.ProgramDetails(ctx, sandbox.ProgramPhysicalKYC)
	if !phys.KYCRequiredWhileApplyCard || phys.KYCRequirements == nil || !phys.EnvelopeNoRequired {
		t.Errorf("physical program %+v", phys)
	}
	if _, err := c.ProgramDetails(ctx, "00000000-0000-0000-0000-000000000000"); !cardsapi.IsNotFound(err) {
		t.Errorf("unknown program: %v", err)
	}

	countries, err := c.Countries(ctx)
	if err != nil || len(countries) == 0 || countries[0].ID == "" || countries[0].ISOThree == "" {
		t.Fatalf("countries %+v %v", countries, err)
	}
	all, err := c.Towns(ctx, "")
	if err != nil || len(all) == 0 {
		t.Fatalf("towns %v %v", all, err)
	}
	some, err := c.Towns(ctx, "2")
	if err != nil || len(some) == 0 || len(some) >= len(all) {
		t.Fatalf("towns of country 2: %d of %d, %v", len(some), len(all), err)
	}
	for _, town := range some {
		if town.CountryOrRegion != "2" {
			t.Errorf("town %+v is not in country 2", town)
		}
	}
}

func TestSandboxVirtualCardLifecycle(t *testing.T) {
	sb, c := startSandbox(t, sandbox.Options{TaskDelay: taskDelay, CancelledRetention: 300 * time.Millisecond})
	ctx := waitCtx(t)

	applied, err := c.ApplyCard(ctx, cardsapi.ApplyCardRequest{ProgramID: sandbox.ProgramVirtual})
	if err != nil {
		t.Fatal(err)
	}
	id := string(applied.CardID)
	if id == "" || applied.Status != cardsapi.StatusSuccess {
		t.Fatalf("apply %+v", applied)
	}
	details, err := c.WaitForCardStatus(ctx, id, []string{cardsapi.CardStatusActive}, []string{cardsapi.CardStatusKYCRejected})
	if err != nil {
		t.Fatal(err)
	}
	if len(details.CardNumber) != 16 || len(details.CVV) != 3 || details.ExpirationDate == "" {
		t.Fatalf("details %+v", details)
	}
	pin, err := c.PinDetails(ctx, id)
	if err != nil || len(pin.PIN) != 4 || pin.CardNumber != details.CardNumber {
		t.Fatalf("pin %+v %v", pin, err)
	}
	bal, err := c.CardBalance(ctx, id)
	if err != nil || !bal.AvailableBalance.IsZero() || bal.CardCurrency != "USD" || bal.CardType != "Virtual" {
		t.Fatalf("balance %+v %v", bal, err)
	}

	// Top-up: estimate and top-up agree, and money stays exact.
	est, err := c.EstimateTopUpFee(ctx, id, dec("100"))
	if err != nil || !est.Fee.Equal(dec("1.50")) || !est.ReceiveAmount.Equal(dec("98.50")) || string(est.CardID) != id {
		t.Fatalf("estimate %+v %v", est, err)
	}
	task, err := c.TopUp(ctx, id, dec("100"))
	if err != nil || task.TaskID == "" {
		t.Fatalf("top-up %+v %v", task, err)
	}
	status, err := c.WaitForTopUp(ctx, string(task.TaskID))
	if err != nil {
		t.Fatal(err)
	}
	if !status.Amount.Equal(dec("100")) || !status.Fee.Equal(dec("1.5")) || !status.SettlementAmount.Equal(dec("98.5")) || string(status.CardID) != id || status.Date == 0 {
		t.Errorf("top-up status %+v", status)
	}
	if bal, _ := c.CardBalance(ctx, id); !bal.AvailableBalance.Equal(dec("98.50")) || !bal.CurrentBalance.Equal(dec("98.50")) {
		t.Errorf("balance after top-up %+v", bal)
	}
	if got := sb.MerchantBalance("USD"); !got.Equal(dec("99900")) {
		t.Errorf("merchant balance %s", got)
	}
	page, err := c.CardTransactions(ctx, cardsapi.TransactionsRequest{CardID: id, Page: 1, Size: 50})
	if err != nil || page.Total != 2 || len(page.Items) != 2 {
		t.Fatalf("transactions %+v %v", page, err)
	}
	types := map[string]decimal.Decimal{}
	for _, tx := range page.Items {
		types[string(tx.Type)] = tx.Amount
	}
	if !types["recharge"].Equal(dec("100")) || !types["fee"].Equal(dec("1.5")) {
		t.Errorf("transactions %+v", page.Items)
	}
	if all, err := c.Transactions(ctx, cardsapi.TransactionsRequest{Page: 1, Size: 10, EndTime: time.Now().Add(time.Hour).Unix()}); err != nil || all.Total < 2 {
		t.Errorf("all transactions %+v %v", all, err)
	}

	// Freeze, set PIN while frozen, unfreeze.
	if _, err := c.FreezeCard(ctx, id, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := c.WaitForCardStatus(ctx, id, []string{cardsapi.CardStatusFrozen}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SetPin(ctx, id, ""); err != nil {
		t.Fatal(err)
	}
	sb.Settle() // set-PIN keeps the status, so there is nothing to wait for by status
	if pin2, err := c.PinDetails(ctx, id); err != nil || pin2.PIN == pin.PIN {
		t.Errorf("PIN after set-PIN %+v %v (was %s)", pin2, err, pin.PIN)
	}
	if _, err := c.UnfreezeCard(ctx, id, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := c.WaitForCardStatus(ctx, id, []string{cardsapi.CardStatusActive}, nil); err != nil {
		t.Fatal(err)
	}
	before, _ := c.PinDetails(ctx, id)
	if err := c.RotatePin(ctx, id, ""); err != nil {
		t.Fatal(err)
	}
	if after, err := c.PinDetails(ctx, id); err != nil || after.PIN == before.PIN {
		t.Errorf("PIN after RotatePin %+v %v", after, err)
	}

	// Cancel: Cancelled for the retention period, then not found; both mean done.
	if _, err := c.CancelCard(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := c.WaitForCardCancelled(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := c.FreezeCard(ctx, id, ""); !cardsapi.IsRefused(err) || !strings.Contains(cardsapi.RemarksOf(err), "Cancelled") {
		t.Errorf("freezing a cancelled card: %v", err)
	}
	time.Sleep(400 * time.Millisecond) // past CancelledRetention
	if _, err := c.CardDetails(ctx, id); !cardsapi.IsNotFound(err) {
		t.Errorf("card past retention: %v", err)
	}
	if err := c.WaitForCardCancelled(ctx, id); err != nil {
		t.Errorf("waiting for a purged card: %v", err)
	}
}

func TestSandboxSignatureProgramNeedsSignImage(t *testing.T) {
	_, c := startSandbox(t, sandbox.Options{TaskDelay: taskDelay})
	id := activeVirtualCard(t, c, sandbox.ProgramSignature)
	ctx := waitCtx(t)
	if _, err := c.FreezeCard(ctx, id, ""); !cardsapi.IsRefused(err) || !strings.Contains(cardsapi.RemarksOf(err), "signimage") {
		t.Fatalf("freeze without signimage: %v", err)
	}
	if _, err := c.FreezeCard(ctx, id, testImage); err != nil {
		t.Fatal(err)
	}
	if _, err := c.WaitForCardStatus(ctx, id, []string{cardsapi.CardStatusFrozen}, nil); err != nil {
		t.Fatal(err)
	}
}

func TestSandboxPhysicalCardKYCAtApply(t *testing.T) {
	sb, c := startSandbox(t, sandbox.Options{TaskDelay: taskDelay, KYCReviewDelay: taskDelay})
	ctx := waitCtx(t)

	if _, err := c.ApplyCard(ctx, cardsapi.ApplyCardRequest{ProgramID: sandbox.ProgramPhysicalKYC}); !cardsapi.IsRefused(err) || !strings.Contains(cardsapi.RemarksOf(err), "kyc is required") {
		t.Fatalf("apply without KYC: %v", err)
	}
	applied, err := c.ApplyCard(ctx, cardsapi.ApplyCardRequest{ProgramID: sandbox.ProgramPhysicalKYC, KYC: fullKYC()})
	if err != nil {
		t.Fatal(err)
	}
	id := string(applied.CardID)
	if _, err := c.WaitForCardStatus(ctx, id, []string{cardsapi.CardStatusAwaitingBinding}, []string{cardsapi.CardStatusKYCRejected}); err != nil {
		t.Fatal(err)
	}
	number := sandbox.NewCardNumber(sandbox.ProgramPhysicalKYC)
	bound, err := c.BindCard(ctx, cardsapi.BindCardRequest{CardID: id, CardNumber: number, EnvelopeNo: "ENV000123"})
	if err != nil {
		t.Fatal(err)
	}
	if string(bound.CardID) != id || bound.CardNo == "" || string(bound.CardNo) == number {
		t.Errorf("binding answer %+v (card number must come back masked)", bound)
	}
	details, err := c.WaitForCardStatus(ctx, id, []string{cardsapi.CardStatusActive}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(details.CardNumber) != number {
		t.Errorf("bound card shows a different number")
	}
	if bal, err := c.CardBalance(ctx, id); err != nil || bal.CardType != "Physical" {
		t.Errorf("balance %+v %v", bal, err)
	}

	// A rejected KYC review is a failure status: the wait ends at once, naming it.
	kyc := fullKYC()
	kyc.FirstName = sandbox.RejectFirstName
	rejected, err := c.ApplyCard(ctx, cardsapi.ApplyCardRequest{ProgramID: sandbox.ProgramPhysicalKYC, KYC: kyc})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.WaitForCardStatus(ctx, string(rejected.CardID), []string{cardsapi.CardStatusAwaitingBinding}, []string{cardsapi.CardStatusKYCRejected})
	if err == nil || !strings.Contains(err.Error(), "KycRejected") || !strings.Contains(err.Error(), string(rejected.CardID)) {
		t.Errorf("rejected review: %v", err)
	}
	if n := len(sb.Cards()); n != 2 {
		t.Errorf("%d cards, want 2", n)
	}
}

func TestSandboxPhysicalCardKYCAtBinding(t *testing.T) {
	_, c := startSandbox(t, sandbox.Options{TaskDelay: taskDelay})
	ctx := waitCtx(t)
	applied, err := c.ApplyCard(ctx, cardsapi.ApplyCardRequest{ProgramID: sandbox.ProgramPhysicalKYCAtBinding})
	if err != nil {
		t.Fatal(err)
	}
	id := string(applied.CardID)
	if _, err := c.WaitForCardStatus(ctx, id, []string{cardsapi.CardStatusAwaitingBinding}, nil); err != nil {
		t.Fatal(err)
	}
	number := sandbox.NewCardNumber(sandbox.ProgramPhysicalKYCAtBinding)
	if _, err := c.BindCard(ctx, cardsapi.BindCardRequest{CardID: id, CardNumber: number}); !cardsapi.IsRefused(err) {
		t.Fatalf("binding without photo and KYC: %v", err)
	}
	if _, err := c.BindCard(ctx, cardsapi.BindCardRequest{CardID: id, CardNumber: number, HandHoldIDPhoto: testImage, KYC: fullKYC()}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.WaitForCardStatus(ctx, id, []string{cardsapi.CardStatusActive}, nil); err != nil {
		t.Fatal(err)
	}
}

func TestSandboxRefusalsAndErrors(t *testing.T) {
	sb, c := startSandbox(t, sandbox.Options{TaskDelay: taskDelay})
	ctx := waitCtx(t)

	if _, err := c.ApplyCard(ctx, cardsapi.ApplyCardRequest{ProgramID: "nope"}); !cardsapi.IsRefused(err) || cardsapi.RemarksOf(err) == "" {
		t.Errorf("unknown program: %v", err)
	}
	if _, err := c.CardDetails(ctx, "00000000-0000-0000-0000-000000000000"); !cardsapi.IsNotFound(err) {
		t.Errorf("unknown card: %v", err)
	}
	if _, err := c.TopUpStatus(ctx, "00000000-0000-0000-0000-000000000000"); !cardsapi.IsNotFound(err) {
		t.Errorf("unknown top-up: %v", err)
	}
	if _, err := c.CancelCard(ctx, ""); cardsapi.KindOf(err) != cardsapi.KindRefused || !strings.Contains(err.Error(), "HTTP 400") {
		t.Errorf("malformed request: %v", err)
	}

	id := activeVirtualCard(t, c, sandbox.ProgramVirtual)
	if _, err := c.TopUp(ctx, id, dec("0.5")); !cardsapi.IsRefused(err) {
		t.Errorf("top-up below its fee: %v", err)
	}
	sb.SetMerchantBalance("USD", dec("10.00"))
	if _, err := c.TopUp(ctx, id, dec("50")); !cardsapi.IsRefused(err) || !strings.Contains(strings.ToLower(cardsapi.RemarksOf(err)), "balance") {
		t.Errorf("top-up over the merchant balance: %v", err)
	}

	// Authentication: wrong token, wrong key.
	wrongToken := newClient(t, sb, func(cfg *cardsapi.Config) { cfg.CustomerToken = "not-the-token" })
	_, err := wrongToken.MerchantInformation(ctx)
	if cardsapi.KindOf(err) != cardsapi.KindUnauthorized || strings.Contains(err.Error(), "not-the-token") {
		t.Errorf("wrong token: %v", err)
	}
	otherKey, err := rsa.GenerateKey(rand.Reader, 1024) //nolint:gosec // a stranger's key, as small as the platform's
	if err != nil {
		t.Fatal(err)
	}
	wrongKey := newClient(t, sb, func(cfg *cardsapi.Config) { cfg.PrivateKey = otherKey; cfg.BearerToken = "some-bearer-token" })
	if _, err := wrongKey.MerchantInformation(ctx); cardsapi.KindOf(err) != cardsapi.KindUnauthorized || cardsapi.RemarksOf(err) == "" {
		t.Errorf("wrong key: %v", err)
	}
	// A bearer token is optional and accepted.
	withBearer := newClient(t, sb, func(cfg *cardsapi.Config) { cfg.BearerToken = "some-bearer-token" })
	if _, err := withBearer.MerchantInformation(ctx); err != nil {
		t.Errorf("with bearer: %v", err)
	}
}

func TestSandboxLostAnswersAreNeverResent(t *testing.T) {
	sb, c := startSandbox(t, sandbox.Options{TaskDelay: taskDelay})
	ctx := waitCtx(t)
	card := activeVirtualCard(t, c, sandbox.ProgramVirtual)

	t.Run("ApplyCard", func(t *testing.T) {
		before := len(sb.Cards())
		sb.ResetCounters()
		sb.SetFaults(sandbox.Faults{Next: []sandbox.NextFault{{Operation: sandbox.OpApplyCard, Mode: sandbox.ModeLoseResponse}}})
		_, err := c.ApplyCard(ctx, cardsapi.ApplyCardRequest{ProgramID: sandbox.ProgramVirtual})
		if !cardsapi.IsOutcomeUnknown(err) || !strings.Contains(err.Error(), "card may have been created") {
			t.Fatalf("got %v", err)
		}
		n := sb.Counters()
		if n[sandbox.OpApplyCard] != 1 || n["ApplyCard.processed"] != 1 {
			t.Errorf("counters %v: want exactly one ApplyCard request", n)
		}
		if after := len(sb.Cards()); after != before+1 {
			t.Errorf("%d cards created, want exactly 1", after-before)
		}
	})

	t.Run("CardTopUp", func(t *testing.T) {
		before := len(sb.TopUps())
		balance := sb.MerchantBalance("USD")
		sb.ResetCounters()
		sb.SetFaults(sandbox.Faults{Next: []sandbox.NextFault{{Operation: sandbox.OpCardTopUp, Mode: sandbox.ModeLoseResponse}}})
		_, err := c.TopUp(ctx, card, dec("20"))
		if !cardsapi.IsOutcomeUnknown(err) || !strings.Contains(err.Error(), "top-up may have been processed") {
			t.Fatalf("got %v", err)
		}
		n := sb.Counters()
		if n[sandbox.OpCardTopUp] != 1 || n["CardTopUp.processed"] != 1 {
			t.Errorf("counters %v: want exactly one CardTopUp request", n)
		}
		if after := len(sb.TopUps()); after != before+1 {
			t.Errorf("%d top-ups made, want exactly 1", after-before)
		}
		if got := sb.MerchantBalance("USD"); !got.Equal(balance.Sub(dec("20"))) {
			t.Errorf("merchant balance %s, want %s: debited other than once", got, balance.Sub(dec("20")))
		}
	})

	t.Run("Binding", func(t *testing.T) {
		applied, err := c.ApplyCard(ctx, cardsapi.ApplyCardRequest{ProgramID: sandbox.ProgramPhysicalKYCAtBinding})
		if err != nil {
			t.Fatal(err)
		}
		sb.ResetCounters()
		sb.SetFaults(sandbox.Faults{Next: []sandbox.NextFault{{Operation: sandbox.OpBinding, Mode: sandbox.ModeLoseResponse}}})
		_, err = c.BindCard(ctx, cardsapi.BindCardRequest{CardID: string(applied.CardID), CardNumber: sandbox.NewCardNumber(sandbox.ProgramPhysicalKYCAtBinding),
			HandHoldIDPhoto: testImage, KYC: fullKYC()})
		if !cardsapi.IsOutcomeUnknown(err) {
			t.Fatalf("got %v", err)
		}
		if n := sb.Counters(); n[sandbox.OpBinding] != 1 {
			t.Errorf("counters %v", n)
		}
		// The binding did happen: the card goes on to Active.
		if _, err := c.WaitForCardStatus(ctx, string(applied.CardID), []string{cardsapi.CardStatusActive}, nil); err != nil {
			t.Error(err)
		}
	})

	for _, mode := range []string{sandbox.Mode500} {
		t.Run("ApplyCard answered "+mode, func(t *testing.T) {
			before := len(sb.Cards())
			sb.ResetCounters()
			sb.SetFaults(sandbox.Faults{Next: []sandbox.NextFault{{Operation: sandbox.OpApplyCard, Mode: mode}}})
			_, err := c.ApplyCard(ctx, cardsapi.ApplyCardRequest{ProgramID: sandbox.ProgramVirtual})
			// A 500 may come after the work was done: the client must not guess.
			if !cardsapi.IsOutcomeUnknown(err) {
				t.Fatalf("got %v", err)
			}
			if n := sb.Counters(); n[sandbox.OpApplyCard] != 1 {
				t.Errorf("counters %v", n)
			}
			if after := len(sb.Cards()); after != before {
				t.Errorf("sandbox made %d cards", after-before)
			}
		})
		t.Run("CardTopUp answered "+mode, func(t *testing.T) {
			before := len(sb.TopUps())
			sb.ResetCounters()
			sb.SetFaults(sandbox.Faults{Next: []sandbox.NextFault{{Operation: sandbox.OpCardTopUp, Mode: mode}}})
			if _, err := c.TopUp(ctx, card, dec("20")); !cardsapi.IsOutcomeUnknown(err) {
				t.Fatalf("got %v", err)
			}
			if n := sb.Counters(); n[sandbox.OpCardTopUp] != 1 {
				t.Errorf("counters %v", n)
			}
			if after := len(sb.TopUps()); after != before {
				t.Errorf("sandbox made %d top-ups", after-before)
			}
		})
	}
}

func TestSandboxRetriesWhereSafe(t *testing.T) {
	sb, c := startSandbox(t, sandbox.Options{TaskDelay: taskDelay})
	ctx := waitCtx(t)
	card := activeVirtualCard(t, c, sandbox.ProgramVirtual)

	// Provably unprocessed answers (429, 503) are retried even for card-creating and
	// money-moving calls; exactly one card / top-up results.
	for _, mode := range []string{sandbox.ModeThrottle, sandbox.Mode503} {
		t.Run("ApplyCard "+mode, func(t *testing.T) {
			before := len(sb.Cards())
			sb.ResetCounters()
			sb.SetFaults(sandbox.Faults{Next: []sandbox.NextFault{{Operation: sandbox.OpApplyCard, Mode: mode, Count: 2}}})
			applied, err := c.ApplyCard(ctx, cardsapi.ApplyCardRequest{ProgramID: sandbox.ProgramVirtual})
			if err != nil {
				t.Fatal(err)
			}
			n := sb.Counters()
			if n[sandbox.OpApplyCard] != 3 || n["ApplyCard.processed"] != 1 || n["ApplyCard.faulted"] != 2 {
				t.Errorf("counters %v", n)
			}
			if after := len(sb.Cards()); after != before+1 {
				t.Errorf("%d cards created, want 1", after-before)
			}
			if _, ok := sb.Card(string(applied.CardID)); !ok {
				t.Errorf("returned card %s does not exist", applied.CardID)
			}
		})
		t.Run("CardTopUp "+mode, func(t *testing.T) {
			before := len(sb.TopUps())
			sb.ResetCounters()
			sb.SetFaults(sandbox.Faults{Next: []sandbox.NextFault{{Operation: sandbox.OpCardTopUp, Mode: mode}}})
			task, err := c.TopUp(ctx, card, dec("10"))
			if err != nil {
				t.Fatal(err)
			}
			if n := sb.Counters(); n[sandbox.OpCardTopUp] != 2 || n["CardTopUp.processed"] != 1 {
				t.Errorf("counters %v", n)
			}
			if after := len(sb.TopUps()); after != before+1 {
				t.Errorf("%d top-ups made, want 1", after-before)
			}
			if _, err := c.WaitForTopUp(ctx, string(task.TaskID)); err != nil {
				t.Error(err)
			}
		})
	}

	// Reads and converging operations are retried on every transient failure.
	for _, mode := range []string{sandbox.ModeLoseResponse, sandbox.Mode500, sandbox.Mode503, sandbox.ModeThrottle} {
		t.Run("CardDetails "+mode, func(t *testing.T) {
			sb.ResetCounters()
			sb.SetFaults(sandbox.Faults{Next: []sandbox.NextFault{{Operation: sandbox.OpCardDetails, Mode: mode}}})
			if _, err := c.CardDetails(ctx, card); err != nil {
				t.Fatal(err)
			}
			if n := sb.Counters(); n[sandbox.OpCardDetails] != 2 {
				t.Errorf("counters %v", n)
			}
		})
		t.Run("EstimateCardTopUpFee "+mode, func(t *testing.T) {
			sb.ResetCounters()
			sb.SetFaults(sandbox.Faults{Next: []sandbox.NextFault{{Operation: sandbox.OpEstimateCardTopUpFee, Mode: mode}}})
			if _, err := c.EstimateTopUpFee(ctx, card, dec("10")); err != nil {
				t.Fatal(err)
			}
			if n := sb.Counters(); n[sandbox.OpEstimateCardTopUpFee] != 2 {
				t.Errorf("counters %v", n)
			}
		})
	}

	t.Run("retries exhausted", func(t *testing.T) {
		sb.ResetCounters()
		sb.SetFaults(sandbox.Faults{Next: []sandbox.NextFault{{Operation: sandbox.OpCardBalance, Mode: sandbox.Mode503, Count: 10}}})
		defer sb.SetFaults(sandbox.Faults{})
		if _, err := c.CardBalance(ctx, card); cardsapi.KindOf(err) != cardsapi.KindServer {
			t.Errorf("got %v", err)
		}
		if n := sb.Counters(); n[sandbox.OpCardBalance] != 1+cardsapi.DefaultMaxRetries {
			t.Errorf("counters %v", n)
		}
	})
}

// A freeze whose answer was lost is sent again (it converges): the sandbox recognises the
// repeat of an operation in progress and returns the same task, so one freeze happens.
func TestSandboxLostFreezeIsRetriedAndDeduplicated(t *testing.T) {
	// The retry must arrive while the freeze is still pending: the task takes an hour, and
	// Settle completes it on demand.
	sb, c := startSandbox(t, sandbox.Options{TaskDelay: time.Hour})
	ctx := waitCtx(t)
	applied, err := c.ApplyCard(ctx, cardsapi.ApplyCardRequest{ProgramID: sandbox.ProgramVirtual})
	if err != nil {
		t.Fatal(err)
	}
	card := string(applied.CardID)
	sb.Settle()

	sb.ResetCounters()
	sb.SetFaults(sandbox.Faults{Next: []sandbox.NextFault{{Operation: sandbox.OpCardFreeze, Mode: sandbox.ModeLoseResponse}}})
	task, err := c.FreezeCard(ctx, card, "")
	if err != nil {
		t.Fatal(err)
	}
	n := sb.Counters()
	if n[sandbox.OpCardFreeze] != 2 || n["CardFreeze.processed"] != 1 || n["CardFreeze.deduplicated"] != 1 {
		t.Errorf("counters %v", n)
	}
	info, _ := sb.Card(card)
	if info.PendingOperation != sandbox.OpCardFreeze || info.PendingTaskID != string(task.TaskID) {
		t.Errorf("card %+v, task %s", info, task.TaskID)
	}
	sb.Settle()
	if _, err := c.WaitForCardStatus(ctx, card, []string{cardsapi.CardStatusFrozen}, nil); err != nil {
		t.Error(err)
	}
}

func TestSandboxTopUpFailsWhenSettling(t *testing.T) {
	sb, c := startSandbox(t, sandbox.Options{TaskDelay: taskDelay})
	ctx := waitCtx(t)
	card := activeVirtualCard(t, c, sandbox.ProgramVirtual)
	balance := sb.MerchantBalance("USD")
	sb.SetFaults(sandbox.Faults{Next: []sandbox.NextFault{{Mode: sandbox.ModeTopUpFails}}})
	task, err := c.TopUp(ctx, card, dec("30"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.WaitForTopUp(ctx, string(task.TaskID))
	if !cardsapi.IsRefused(err) || cardsapi.RemarksOf(err) == "" {
		t.Fatalf("got %v", err)
	}
	if got := sb.MerchantBalance("USD"); !got.Equal(balance) {
		t.Errorf("merchant not refunded: %s, want %s", got, balance)
	}
	if bal, _ := c.CardBalance(ctx, card); !bal.AvailableBalance.IsZero() {
		t.Errorf("card credited by a failed top-up: %s", bal.AvailableBalance)
	}
}

// Random faults on reads: with enough retries every call succeeds.
func TestSandboxRandomFaultsOnReads(t *testing.T) {
	sb, c := startSandbox(t, sandbox.Options{TaskDelay: taskDelay}, func(cfg *cardsapi.Config) { cfg.MaxRetries = cardsapi.Retries(10) })
	ctx := waitCtx(t)
	card := activeVirtualCard(t, c, sandbox.ProgramVirtual)
	sb.SetFaults(sandbox.Faults{ErrorRate: 0.2, ThrottleRate: 0.1, LoseResponseRate: 0.1})
	defer sb.SetFaults(sandbox.Faults{})
	for i := range 20 {
		if _, err := c.CardDetails(ctx, card); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		if _, err := c.CardBalance(ctx, card); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
}

// Many goroutines share one client and its rate limit; every card is made exactly once.
func TestSandboxConcurrentApplications(t *testing.T) {
	sb, c := startSandbox(t, sandbox.Options{TaskDelay: taskDelay}, func(cfg *cardsapi.Config) { cfg.RequestsPerSecond = 50 })
	ctx := waitCtx(t)
	const n = 10
	ids := make(chan string, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			applied, err := c.ApplyCard(ctx, cardsapi.ApplyCardRequest{ProgramID: sandbox.ProgramVirtual})
			if err != nil {
				t.Error(err)
				return
			}
			if _, err := c.WaitForCardStatus(ctx, string(applied.CardID), []string{cardsapi.CardStatusActive}, nil); err != nil {
				t.Error(err)
			}
			ids <- string(applied.CardID)
		})
	}
	wg.Wait()
	close(ids)
	seen := map[string]bool{}
	for id := range ids {
		seen[id] = true
	}
	if len(seen) != n || len(sb.Cards()) != n || sb.Counters()["ApplyCard.processed"] != n {
		t.Errorf("%d distinct cards, %d in the sandbox, counters %v", len(seen), len(sb.Cards()), sb.Counters())
	}
}

func TestSandboxWaitTimesOut(t *testing.T) {
	_, c := startSandbox(t, sandbox.Options{TaskDelay: time.Hour})
	applied, err := c.ApplyCard(context.Background(), cardsapi.ApplyCardRequest{ProgramID: sandbox.ProgramVirtual})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err = c.WaitForCardStatus(ctx, string(applied.CardID), []string{cardsapi.CardStatusActive}, nil)
	var timeout *cardsapi.WaitTimeoutError
	if !errors.As(err, &timeout) || timeout.LastStatus != cardsapi.CardStatusPending || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v", err)
	}
	if !strings.Contains(err.Error(), `did not reach Active`) || !strings.Contains(err.Error(), `last status "Pending"`) {
		t.Errorf("message %q", err)
	}
}
