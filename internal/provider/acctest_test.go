package provider

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
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

// testSandbox is a sandbox running in this test process and the provider block that points at it.
type testSandbox struct {
	*sandbox.Running
	ProviderConfig string
	KeyPEM         string
}

// startTestSandbox starts an in-process sandbox with fast asynchronous completion; opts may
// change its options before it starts.
func startTestSandbox(t *testing.T, opts ...func(*sandbox.Options)) *testSandbox {
	t.Helper()
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
		Running: sb,
		KeyPEM:  string(keyPEM),
		ProviderConfig: fmt.Sprintf(`
provider "cards" {
  base_url       = %q
  customer_token = %q
  private_key    = file(%q)
}
`, sb.URL, sb.CustomerToken, keyFile),
	}
}

// cardStatusIs checks the sandbox's view of the card in state.
func (sb *testSandbox) cardStatusIs(resourceName, want string) func(*terraform.State) error {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[resourceName]
		if !ok {
			return fmt.Errorf("%s not in state", resourceName)
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

// checkAllCardsCancelled is a CheckDestroy: every card the sandbox issued must be cancelled.
func (sb *testSandbox) checkAllCardsCancelled(*terraform.State) error {
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
func testMerchantKey(t *testing.T) (*rsa.PrivateKey, []byte) {
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
// the sandbox, so that a test's configuration knows its id at plan time; the card must then
// be in wantStatus.
func (sb *testSandbox) issueCard(t *testing.T, programID, wantStatus string) string {
	t.Helper()
	applied, err := sb.client(t).ApplyCard(testContext(t), cardsapi.ApplyCardRequest{ProgramID: programID})
	if err != nil {
		t.Fatalf("applying for a card: %v", err)
	}
	sb.Settle()
	card, ok := sb.Card(applied.CardID)
	if !ok || card.Status != wantStatus {
		t.Fatalf("card %s is not %s after Settle: %+v", applied.CardID, wantStatus, card)
	}
	return applied.CardID
}

// testContext bounds a test's own API calls (outside Terraform) to a minute.
func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}
