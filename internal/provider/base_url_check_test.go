package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/arthawork/terraform-provider-cards/internal/cardsapi"
	"github.com/arthawork/terraform-provider-cards/internal/sandbox"
	"github.com/arthawork/terraform-provider-cards/internal/signing"
)

// requestsReceived counts every request the sandbox received (its per-operation counters and
// "unknown", without the per-outcome ones, which carry a dot).
func requestsReceived(sb *testSandbox) int {
	n := 0
	for key, count := range sb.Counters() {
		if !strings.Contains(key, ".") {
			n += count
		}
	}
	return n
}

// providerClient builds a client as Configure does, registered for the base URL check.
func providerClient(t *testing.T, sb *testSandbox, baseURL string) *cardsapi.Client {
	t.Helper()
	key, err := signing.ParsePrivateKey([]byte(sb.KeyPEM))
	if err != nil {
		t.Fatal(err)
	}
	client, err := cardsapi.New(cardsapi.Config{BaseURL: baseURL, CustomerToken: sb.CustomerToken, PrivateKey: key})
	if err != nil {
		t.Fatal(err)
	}
	registerBaseURL(client, baseURL)
	return client
}

// A base URL with a wrong path makes every lookup "not found". The lookup of a program that
// exists is then reported as a wrong base_url, with what was requested and what it should be,
// at the cost of one MerchantInformation request however often it is asked.
func TestWrongBaseURLNamesBaseURLOnce(t *testing.T) {
	sb := startTestSandbox(t)
	sb.requireSandbox(t, "counts requests")
	wrong := sb.URL + "/extra"
	client := providerClient(t, sb, wrong)
	ctx := testContext(t)

	_, err := client.ProgramDetails(ctx, sandbox.ProgramVirtual)
	if !cardsapi.IsNotFound(err) {
		t.Fatalf("ProgramDetails under %s: want not found, got %v", wrong, err)
	}
	before := requestsReceived(sb)
	want := regexp.MustCompile(`^base_url ` + regexp.QuoteMeta(wrong) + ` does not look like the Cards API: GET ` +
		regexp.QuoteMeta(wrong+"/MerchantInformation/Merchant") + ` answered 404 \(not found\).*should end in /api/v1.*` +
		`CARDS_BASE_URL.*ProgramDetails answered "not found" for the same reason`)
	for i := range 3 {
		problem := wrongBaseURL(ctx, client, err)
		if !want.MatchString(problem) {
			t.Fatalf("call %d: got %q, want a match of %s", i+1, problem, want)
		}
	}
	if n := requestsReceived(sb) - before; n != 1 {
		t.Errorf("three checks sent %d requests, want exactly 1 (one MerchantInformation, remembered)", n)
	}

	// A MerchantInformation that is not found is itself the evidence: no extra request.
	other := providerClient(t, sb, wrong)
	_, err = other.MerchantInformation(ctx)
	before = requestsReceived(sb)
	if problem := wrongBaseURL(ctx, other, err); !strings.Contains(problem, "does not look like the Cards API") ||
		strings.Contains(problem, "for the same reason") {
		t.Errorf("MerchantInformation not found: got %q", problem)
	}
	if n := requestsReceived(sb) - before; n != 0 {
		t.Errorf("checking a MerchantInformation that was not found sent %d requests, want 0", n)
	}
}

// On a correct base URL a missing object stays a missing object: the check answers "" after one
// MerchantInformation request, and asks no more.
func TestWrongBaseURLKeepsRealNotFound(t *testing.T) {
	sb := startTestSandbox(t)
	sb.requireSandbox(t, "counts requests")
	client := providerClient(t, sb, sb.URL)
	ctx := testContext(t)

	_, err := client.ProgramDetails(ctx, "00000000-0000-4000-8000-000000000000")
	if !cardsapi.IsNotFound(err) {
		t.Fatalf("ProgramDetails of an unknown program: want not found, got %v", err)
	}
	before := sb.Counters()["MerchantInformation"]
	for range 3 {
		if problem := wrongBaseURL(ctx, client, err); problem != "" {
			t.Fatalf("correct base URL reported as wrong: %s", problem)
		}
	}
	if n := sb.Counters()["MerchantInformation"] - before; n != 1 {
		t.Errorf("three checks sent %d MerchantInformation requests, want 1", n)
	}

	// Anything but "not found" is left alone, without a request.
	before = requestsReceived(sb)
	if problem := wrongBaseURL(ctx, providerClient(t, sb, sb.URL), fmt.Errorf("some other failure")); problem != "" {
		t.Errorf("a failure other than not found was reported as a wrong base_url: %s", problem)
	}
	if n := requestsReceived(sb) - before; n != 0 {
		t.Errorf("checking another failure sent %d requests", n)
	}
}

// A plan that reads cards_countries through a base_url with a wrong path names base_url, not a
// failed list; nothing is issued and no money moves.
func TestAccProvider_wrongBaseURLPathNamedAtPlan(t *testing.T) {
	sb := startTestSandbox(t)
	sb.requireSandbox(t, "counts requests")
	key := t.TempDir() + "/merchant-key.pem"
	writeFile(t, key, sb.KeyPEM)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders(t),
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
provider "cards" {
  base_url       = "%s/extra"
  customer_token = %q
  private_key    = file(%q)
}

data "cards_countries" "all" {}
`, sb.URL, sb.CustomerToken, key),
			PlanOnly: true,
			ExpectError: loose(`(?s)Wrong base_url.*base_url ` + regexp.QuoteMeta(sb.URL+"/extra") +
				` does not look like the Cards API: GET ` + regexp.QuoteMeta(sb.URL+"/extra/MerchantInformation/Merchant") +
				` answered 404 \(not found\).*should end in /api/v1`),
		}},
	})
	counters := sb.Counters()
	for _, op := range []string{"ApplyCard", "Binding", "CardTopUp"} {
		if counters[op] != 0 {
			t.Errorf("sandbox received %d %s requests", counters[op], op)
		}
	}
}

// loose compiles pattern with every space matching a line break as well: Terraform wraps
// diagnostic text at word boundaries and starts each line with a box-drawing bar.
func loose(pattern string) *regexp.Regexp {
	return regexp.MustCompile(strings.ReplaceAll(pattern, " ", `[\s│]+`))
}
