package provider

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/arthawork/terraform-provider-cards/internal/cardsapi"
	"github.com/arthawork/terraform-provider-cards/internal/sandbox"
	"github.com/arthawork/terraform-provider-cards/internal/signing"
)

// testAccPollInitial keeps acceptance tests quick: the sandbox settles in milliseconds.
const testAccPollInitial = 20 * time.Millisecond

// testAccProviders serves the provider in-process to the Terraform CLI under test, with a
// journal of its own for each test (the in-process provider does not run in Terraform's
// working directory, and tests run in parallel).
func testAccProviders(t *testing.T) map[string]func() (tfprotov6.ProviderServer, error) {
	return testAccProvidersWithJournal(t.TempDir())
}

// testAccProvidersWithJournal is testAccProviders with a given journal folder, so a test can
// look into it or share it between runs.
func testAccProvidersWithJournal(dir string) map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"cards": providerserver.NewProtocol6WithError(&CardsProvider{version: "test", pollInitial: testAccPollInitial, journalDir: dir}),
	}
}

// testSandbox is the Cards API a test runs against and the provider block that points at it:
// by default a sandbox running in this test process; with CARDS_ACC_EXTERNAL=1 an external API
// named by the provider's own environment variables (see accExternal). In external mode
// Running is nil: the sandbox's controls are unavailable and tests that need them call
// requireSandbox first.
type testSandbox struct {
	*sandbox.Running
	URL            string // the API base URL the provider block uses
	CustomerToken  string
	ProviderConfig string
	KeyPEM         string

	t        *testing.T
	external bool
	mu       sync.Mutex
	cardIDs  []string // external mode: every card this test's Terraform runs or client created
	proxied  map[string]int
}

// envAccExternal switches the acceptance suite to an external Cards API.
const envAccExternal = "CARDS_ACC_EXTERNAL"

// accExternal reports whether the suite runs against an external API (CARDS_ACC_EXTERNAL=1).
func accExternal() bool { return os.Getenv(envAccExternal) == "1" }

// startTestSandbox starts an in-process sandbox with fast asynchronous completion; opts may
// change its options before it starts. In external mode it points at the external API instead
// (a test that needs sandbox options is skipped) and cancels, at the end of the test, even on
// failure, every card the test created.
func startTestSandbox(t *testing.T, opts ...func(*sandbox.Options)) *testSandbox {
	t.Helper()
	if accExternal() {
		if len(opts) > 0 {
			t.Skip("external API: needs a sandbox started with its own options (delays, status names)")
		}
		return startExternal(t)
	}
	key, keyPEM := testMerchantKey(t)
	o := sandbox.Options{PublicKey: &key.PublicKey, TaskDelay: 50 * time.Millisecond, KYCReviewDelay: 100 * time.Millisecond}
	for _, opt := range opts {
		opt(&o)
	}
	sb, err := sandbox.Start(o)
	if err != nil {
		t.Fatalf("starting sandbox: %v", err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	keyFile := filepath.Join(t.TempDir(), "merchant-key.pem")
	writeFile(t, keyFile, string(keyPEM))
	return &testSandbox{
		t:             t,
		Running:       sb,
		URL:           sb.URL,
		CustomerToken: sb.CustomerToken,
		KeyPEM:        string(keyPEM),
		ProviderConfig: fmt.Sprintf(`
provider "cards" {
  base_url       = %q
  customer_token = %q
  private_key    = file(%q)
}
`, sb.URL, sb.CustomerToken, keyFile),
	}
}

// externalKeyPEM is the merchant key of the external API: CARDS_PRIVATE_KEY_FILE or CARDS_PRIVATE_KEY.
func externalKeyPEM() (string, error) {
	if f := os.Getenv(EnvPrivateKeyFile); f != "" {
		b, err := os.ReadFile(f)
		return string(b), err
	}
	if k := os.Getenv(EnvPrivateKey); k != "" {
		return k, nil
	}
	return "", fmt.Errorf("%s=1 needs %s or %s", envAccExternal, EnvPrivateKeyFile, EnvPrivateKey)
}

// startExternal points the test at the external API through a recording proxy in this process:
// the proxy passes every request on unchanged (signatures do not cover the host) and notes the
// card id of every ApplyCard answer, so that the test's cleanup can cancel what it created.
func startExternal(t *testing.T) *testSandbox {
	t.Helper()
	baseURL, token := os.Getenv(EnvBaseURL), os.Getenv(EnvCustomerToken)
	keyPEM, err := externalKeyPEM()
	if err != nil || baseURL == "" || token == "" {
		t.Fatalf("%s=1 needs %s, %s and a private key: %v", envAccExternal, EnvBaseURL, EnvCustomerToken, err)
	}
	target, err := url.Parse(baseURL)
	if err != nil {
		t.Fatalf("%s: %v", EnvBaseURL, err)
	}
	sb := &testSandbox{t: t, external: true, CustomerToken: token, KeyPEM: keyPEM}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			sb.mu.Lock()
			if sb.proxied == nil {
				sb.proxied = map[string]int{}
			}
			sb.proxied[strings.TrimPrefix(strings.TrimPrefix(r.In.URL.Path, target.Path), "/")]++
			sb.mu.Unlock()
			r.Out.URL.Scheme, r.Out.URL.Host, r.Out.Host = target.Scheme, target.Host, target.Host
		},
		ModifyResponse: func(resp *http.Response) error {
			if !strings.HasSuffix(resp.Request.URL.Path, "/ApplyCard") {
				return nil
			}
			body, err := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			resp.Body = io.NopCloser(bytes.NewReader(body))
			if err != nil {
				return err
			}
			var v any
			if json.Unmarshal(body, &v) == nil {
				for _, id := range findCardIDs(v) {
					sb.track(id)
				}
			}
			return nil
		},
	}
	srv := httptest.NewServer(proxy)
	sb.URL = srv.URL + strings.TrimSuffix(target.Path, "/")
	keyFile := filepath.Join(t.TempDir(), "merchant-key.pem")
	writeFile(t, keyFile, keyPEM)
	sb.ProviderConfig = fmt.Sprintf(`
provider "cards" {
  base_url       = %q
  customer_token = %q
  private_key    = file(%q)
}
`, sb.URL, token, keyFile)
	t.Cleanup(func() { sb.cancelTrackedCards(t); srv.Close() })
	return sb
}

// findCardIDs finds every "cardId" value in a decoded JSON answer, whatever its envelope.
func findCardIDs(v any) []string {
	var ids []string
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if s, ok := val.(string); ok && strings.EqualFold(k, "cardId") && s != "" {
				ids = append(ids, s)
			} else {
				ids = append(ids, findCardIDs(val)...)
			}
		}
	case []any:
		for _, val := range x {
			ids = append(ids, findCardIDs(val)...)
		}
	}
	return ids
}

// track notes a card the test created (external mode), for the final cleanup.
func (sb *testSandbox) track(cardID string) {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	for _, id := range sb.cardIDs {
		if id == cardID {
			return
		}
	}
	sb.cardIDs = append(sb.cardIDs, cardID)
}

// requestsSent counts the API requests by operation: the sandbox's counters, or in external
// mode the requests that went through the test's proxy, by path.
func (sb *testSandbox) requestsSent() map[string]int {
	if !sb.external {
		return sb.Counters()
	}
	sb.mu.Lock()
	defer sb.mu.Unlock()
	out := map[string]int{}
	for k, v := range sb.proxied {
		out[k] = v
	}
	return out
}

func (sb *testSandbox) trackedCards() []string {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	return append([]string(nil), sb.cardIDs...)
}

// cancelTrackedCards cancels every card the test created that is not cancelled yet.
func (sb *testSandbox) cancelTrackedCards(t *testing.T) {
	ids := sb.trackedCards()
	if len(ids) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	client := sb.client(t)
	for _, id := range ids {
		if card, err := client.CardDetails(ctx, id); err == nil && strings.EqualFold(card.CardStatus, "Cancelled") {
			continue
		}
		if _, err := client.CancelCard(ctx, id); err != nil {
			t.Logf("cleanup: cancelling card %s: %v", id, err)
			continue
		}
		t.Logf("cleanup: cancelled card %s", id)
	}
}

// requireSandbox skips the test in external mode: it needs the in-process sandbox's controls
// (faults, forced statuses, counters, records) for what reason says.
func (sb *testSandbox) requireSandbox(t *testing.T, reason string) {
	t.Helper()
	if sb.external {
		t.Skipf("external API: %s (needs the in-process sandbox's controls)", reason)
	}
}

// programKind is a kind of card program the suite needs; the value is its description.
type programKind string

const (
	progVirtual      programKind = "a program of virtual cards without KYC"
	progKYCAtApply   programKind = "a program of physical cards with KYC at apply and an envelope number at binding"
	progSignature    programKind = "a program of virtual cards whose operations need a signature image"
	progKYCAtBinding programKind = "a program of physical cards with KYC at binding"
)

// seedPrograms are the sandbox's programs of each kind.
var seedPrograms = map[programKind]string{
	progVirtual:      sandbox.ProgramVirtual,
	progKYCAtApply:   sandbox.ProgramPhysicalKYC,
	progSignature:    sandbox.ProgramSignature,
	progKYCAtBinding: sandbox.ProgramPhysicalKYCAtBinding,
}

// programKindOf classifies a program by what it requires; "" for none of the suite's kinds.
func programKindOf(p *cardsapi.Program) programKind {
	virtual := programIssuesVirtualCards(p)
	switch {
	case virtual && !p.NeedsKYC() && !bool(p.NeedPhotoForOperateCard):
		return progVirtual
	case virtual && !p.NeedsKYC() && bool(p.NeedPhotoForOperateCard):
		return progSignature
	case !virtual && p.NeedsKYC() && bool(p.KYCRequiredWhileApplyCard && p.EnvelopeNoRequired && !p.NeedPhotoForOperateCard):
		return progKYCAtApply
	case !virtual && p.NeedsKYC() && bool(!p.KYCRequiredWhileApplyCard && !p.NeedPhotoForOperateCard):
		return progKYCAtBinding
	}
	return ""
}

// externalPrograms finds, once per run, the first program of each kind in the external
// merchant's own program list (MerchantInformation, then ProgramDetails of each).
var externalPrograms = sync.OnceValues(func() (map[programKind]string, error) {
	keyPEM, err := externalKeyPEM()
	if err != nil {
		return nil, err
	}
	key, err := signing.ParsePrivateKey([]byte(keyPEM))
	if err != nil {
		return nil, err
	}
	c, err := cardsapi.New(cardsapi.Config{BaseURL: os.Getenv(EnvBaseURL), CustomerToken: os.Getenv(EnvCustomerToken), PrivateKey: key})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	m, err := c.MerchantInformation(ctx)
	if err != nil {
		return nil, err
	}
	found := map[programKind]string{}
	var errs []error
	for _, listed := range m.Programs {
		p, err := c.ProgramDetails(ctx, string(listed.ProgramID))
		if err != nil {
			errs = append(errs, fmt.Errorf("program %s: %w", listed.ProgramID, err))
			continue
		}
		if kind := programKindOf(p); kind != "" && found[kind] == "" {
			found[kind] = string(p.ProgramID)
		}
	}
	if len(found) == 0 && len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return found, nil
})

// program is the id of a program of the given kind: the sandbox's seed program, or in external
// mode the merchant's first program of that kind; the test is skipped if the merchant has none.
func (sb *testSandbox) program(t *testing.T, kind programKind) string {
	t.Helper()
	if !sb.external {
		return seedPrograms[kind]
	}
	found, err := externalPrograms()
	if err != nil {
		t.Fatalf("finding the merchant's programs: %v", err)
	}
	id, ok := found[kind]
	if !ok {
		t.Skipf("external API: the merchant has no %s", kind)
	}
	return id
}

// prog is program for the test that started sb.
func (sb *testSandbox) prog(kind programKind) string {
	sb.t.Helper()
	return sb.program(sb.t, kind)
}

// outOfBand puts a card into status outside Terraform: the sandbox forces it; in external
// mode the API does it (Cancelled: CancelCard, Frozen: CardFreeze) and the test waits for it.
func (sb *testSandbox) outOfBand(t *testing.T, cardID, status string) {
	t.Helper()
	if !sb.external {
		if err := sb.ForceCardStatus(cardID, status); err != nil {
			t.Fatal(err)
		}
		return
	}
	c, ctx := sb.client(t), testContext(t)
	var err error
	switch status {
	case "Cancelled":
		_, err = c.CancelCard(ctx, cardID)
	case "Frozen":
		_, err = c.FreezeCard(ctx, cardID, "")
	default:
		t.Fatalf("outOfBand: the API cannot put a card into %s", status)
	}
	if err == nil {
		_, err = c.WaitForCardStatus(ctx, cardID, []string{status}, nil)
	}
	if err != nil {
		t.Fatalf("putting card %s into %s through the API: %v", cardID, status, err)
	}
}

// physicalCardConfig is a complete physical-card configuration for the program of physical
// cards with KYC at apply: the KYC comes from CARDS_ACC_KYC_JSON when set (firstName is then
// ignored), the card from CARDS_ACC_CARD_NUMBER and CARDS_ACC_ENVELOPE_NO.
func (sb *testSandbox) physicalCardConfig(firstName string) string {
	sb.t.Helper()
	programID := sb.prog(progKYCAtApply)
	kyc := fmt.Sprintf(`{
    first_name        = %q
    last_name         = "Quixotewright"
    gender            = "female"
    date_of_birth     = "1990-04-12"
    email             = "jane.quixotewright@example.com"
    mobile_code       = "+91"
    mobile            = "9876501234"
    address           = "12 Zephyrine Lane"
    town              = "1025"
    city              = "Mumbai"
    state             = "Maharashtra"
    zip_code          = "400001"
    country_id        = "23"
    country_iso3      = "IND"
    doc_type          = 1
    doc_id            = "P7788991Z"
    front_doc         = "RlJPTlRET0NJTUFHRQ=="
    back_doc          = "QkFDS0RPQ0lNQUdF"
    doc_expire_date   = "2031-01-01"
    doc_never_expires = false
  }`, firstName)
	if j := accKYCJSON(); j != "" {
		kyc = fmt.Sprintf("jsondecode(%q)", j)
	}
	cardNumber := sb.cardNumber(sb.t, programID)
	return fmt.Sprintf(`
resource "cards_card" "physical" {
  program_id = %q
  kyc = %s
  binding = {
    card_number = %q
    envelope_no = %q
  }
}
`, programID, kyc, cardNumber, accEnvelopeNo())
}

// envOr is the environment variable's value, or def when it is unset or empty.
func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// cardNumber is the number of a physical card to bind on programID: CARDS_ACC_CARD_NUMBER when
// set; in sandbox mode 4111111111111111 (a fresh sandbox per test); in external mode a fresh
// Luhn-valid number on the program's BIN, since the API refuses a number already bound.
func (sb *testSandbox) cardNumber(t *testing.T, programID string) string {
	t.Helper()
	if v := os.Getenv("CARDS_ACC_CARD_NUMBER"); v != "" {
		return v
	}
	if !sb.external {
		return "4111111111111111"
	}
	p, err := sb.client(t).ProgramDetails(testContext(t), programID)
	if err != nil {
		t.Fatalf("ProgramDetails of %s: %v", programID, err)
	}
	body := fmt.Sprintf("%d", p.BIN)
	for len(body) < 15 {
		d, err := rand.Int(rand.Reader, big.NewInt(10))
		if err != nil {
			t.Fatal(err)
		}
		body += d.String()
	}
	sum := 0
	for i := len(body) - 1; i >= 0; i-- { // the check digit goes right of body: double from the right
		d := int(body[i] - '0')
		if (len(body)-1-i)%2 == 0 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return body + fmt.Sprintf("%d", (10-sum%10)%10)
}

// accEnvelopeNo is the envelope number of a physical card to bind: CARDS_ACC_ENVELOPE_NO or ENV-0042.
func accEnvelopeNo() string { return envOr("CARDS_ACC_ENVELOPE_NO", "ENV-0042") }

// accKYCJSON is the kyc object (JSON, HCL attribute names) from CARDS_ACC_KYC_JSON, "" if unset.
func accKYCJSON() string { return os.Getenv("CARDS_ACC_KYC_JSON") }

// accKYCSecrets are the KYC values of CARDS_ACC_KYC_JSON that must never reach the state.
func accKYCSecrets(t *testing.T) []string {
	t.Helper()
	var kyc map[string]any
	if err := json.Unmarshal([]byte(accKYCJSON()), &kyc); err != nil {
		t.Fatalf("CARDS_ACC_KYC_JSON: %v", err)
	}
	var out []string
	for k, v := range kyc {
		if s, ok := v.(string); ok && len(s) >= 6 && k != "gender" && k != "town" && k != "country_id" && k != "country_iso3" {
			out = append(out, s)
		}
	}
	return out
}

// cardStatusIs checks the sandbox's view of the card in state (external mode: the API's).
func (sb *testSandbox) cardStatusIs(resourceName, want string) func(*terraform.State) error {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[resourceName]
		if !ok {
			return fmt.Errorf("%s not in state", resourceName)
		}
		if sb.external {
			sb.track(rs.Primary.ID)
			return sb.apiCardStatusIs(rs.Primary.ID, want)
		}
		card, ok := sb.Card(rs.Primary.ID)
		if !ok {
			return fmt.Errorf("sandbox has no card %s", rs.Primary.ID)
		}
		if !strings.EqualFold(card.Status, want) {
			return fmt.Errorf("sandbox says card %s is %s, want %s", rs.Primary.ID, card.Status, want)
		}
		return nil
	}
}

// apiCardStatusIs checks the card's status as CardDetails shows it.
func (sb *testSandbox) apiCardStatusIs(cardID, want string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := sb.newClient()
	if err != nil {
		return err
	}
	card, err := c.CardDetails(ctx, cardID)
	if err != nil {
		return fmt.Errorf("CardDetails of %s: %w", cardID, err)
	}
	if !strings.EqualFold(card.CardStatus, want) {
		return fmt.Errorf("the API says card %s is %s, want %s", cardID, card.CardStatus, want)
	}
	return nil
}

// checkAllCardsCancelled is a CheckDestroy: every card the sandbox issued must be cancelled
// (external mode: every card this test created, as CardDetails shows it, or gone).
func (sb *testSandbox) checkAllCardsCancelled(*terraform.State) error {
	if sb.external {
		c, err := sb.newClient()
		if err != nil {
			return err
		}
		for _, id := range sb.trackedCards() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			card, err := c.CardDetails(ctx, id)
			cancel()
			switch {
			case cardsapi.IsNotFound(err):
			case err != nil:
				return fmt.Errorf("CardDetails of %s after destroy: %w", id, err)
			case !strings.EqualFold(card.CardStatus, "Cancelled"):
				return fmt.Errorf("card %s is %s after destroy, want Cancelled", id, card.CardStatus)
			}
		}
		return nil
	}
	for _, card := range sb.Cards() {
		if !strings.EqualFold(card.Status, "Cancelled") {
			return fmt.Errorf("card %s is %s after destroy, want Cancelled", card.ID, card.Status)
		}
	}
	return nil
}

// captureID stores the id of a resource in state for later steps.
func captureID(resourceName string, into *string) func(*terraform.State) error {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[resourceName]
		if !ok {
			return fmt.Errorf("%s not in state", resourceName)
		}
		*into = rs.Primary.ID
		return nil
	}
}

var merchantKey = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })

// testMerchantKey is one merchant key for every test sandbox: generating one per test is slow.
func testMerchantKey(t testing.TB) (*rsa.PrivateKey, []byte) {
	t.Helper()
	key, err := merchantKey()
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, err := signing.EncodePrivateKeyPKCS8(key)
	if err != nil {
		t.Fatal(err)
	}
	return key, keyPEM
}

func writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// issueCard issues a card of program straight through the API (outside Terraform) and settles
// the sandbox (external mode: waits for the status), so that a test's configuration knows its
// id at plan time; the card must then be in wantStatus.
func (sb *testSandbox) issueCard(t *testing.T, programID, wantStatus string) string {
	t.Helper()
	applied, err := sb.client(t).ApplyCard(testContext(t), cardsapi.ApplyCardRequest{ProgramID: programID})
	if err != nil {
		t.Fatalf("applying for a card: %v", err)
	}
	if sb.external {
		sb.track(string(applied.CardID))
		if _, err := sb.client(t).WaitForCardStatus(testContext(t), string(applied.CardID), []string{wantStatus}, nil); err != nil {
			t.Fatalf("card %s is not %s: %v", applied.CardID, wantStatus, err)
		}
		return string(applied.CardID)
	}
	sb.Settle()
	card, ok := sb.Card(string(applied.CardID))
	if !ok || card.Status != wantStatus {
		t.Fatalf("card %s is not %s after Settle: %+v", applied.CardID, wantStatus, card)
	}
	return string(applied.CardID)
}

// newClient is an API client for the test's own checks against the API under test.
func (sb *testSandbox) newClient() (*cardsapi.Client, error) {
	key, err := signing.ParsePrivateKey([]byte(sb.KeyPEM))
	if err != nil {
		return nil, err
	}
	return cardsapi.New(cardsapi.Config{BaseURL: sb.URL, CustomerToken: sb.CustomerToken, PrivateKey: key})
}

// testContext bounds a test's own API calls (outside Terraform) to a minute.
func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}
