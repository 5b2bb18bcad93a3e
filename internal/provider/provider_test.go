package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// Bad credentials and settings fail at plan time with a diagnostic naming the attribute and
// its environment variable, and nothing reaches the platform.
func TestAccProvider_badConfigurationFailsAtPlan(t *testing.T) {
	sb := startTestSandbox(t)
	t.Setenv(EnvCustomerToken, "")
	t.Setenv(EnvPrivateKey, "")
	t.Setenv(EnvPrivateKeyFile, "")
	t.Setenv(EnvBaseURL, "")
	card := fmt.Sprintf(`
resource "cards_card" "test" {
  program_id = %q
}
`, sb.prog(progVirtual))
	cases := map[string]struct {
		provider string
		want     *regexp.Regexp
	}{
		"missing token": {
			provider: fmt.Sprintf(`provider "cards" {
  base_url    = %q
  private_key = %q
}`, sb.URL, sb.KeyPEM),
			want: regexp.MustCompile(`(?s)Missing customer token.*CARDS_CUSTOMER_TOKEN`),
		},
		"malformed key": {
			provider: fmt.Sprintf(`provider "cards" {
  base_url       = %q
  customer_token = %q
  private_key    = "-----BEGIN RSA PRIVATE KEY-----\nbm90IGEga2V5\n-----END RSA PRIVATE KEY-----\n"
}`, sb.URL, sb.CustomerToken),
			want: regexp.MustCompile(`(?s)Invalid private key.*private_key.*PKCS#1`),
		},
		"missing key": {
			provider: fmt.Sprintf(`provider "cards" {
  base_url       = %q
  customer_token = %q
}`, sb.URL, sb.CustomerToken),
			want: regexp.MustCompile(`(?s)Missing private key.*CARDS_PRIVATE_KEY_FILE`),
		},
		"a file name as the key": {
			provider: fmt.Sprintf(`provider "cards" {
  base_url       = %q
  customer_token = %q
  private_key    = "keys/merchant.pem"
}`, sb.URL, sb.CustomerToken),
			want: regexp.MustCompile(`(?s)Invalid private key.*looks like a file name.*CARDS_PRIVATE_KEY_FILE.*file\(`),
		},
		"nothing listens at base_url": {
			provider: fmt.Sprintf(`provider "cards" {
  base_url       = "http://127.0.0.1:1/api/v1"
  customer_token = %q
  private_key    = %q
  max_retries    = 0
}`, sb.CustomerToken, sb.KeyPEM),
			want: regexp.MustCompile(`(?s)no\s+connection\s+to\s+the\s+Cards\s+API\s+at\s+http://127.0.0.1:1/api/v1,\s+the\s+base\s+URL\s+from\s+the\s+base_url\s+attribute`),
		},
		"plain http to a remote host": {
			provider: fmt.Sprintf(`provider "cards" {
  base_url       = "http://cards.example.com/api/v1"
  customer_token = %q
  private_key    = %q
}`, sb.CustomerToken, sb.KeyPEM),
			want: regexp.MustCompile(`(?s)Invalid base_url.*must use https`),
		},
		"bad request_timeout": {
			provider: fmt.Sprintf(`provider "cards" {
  base_url        = %q
  customer_token  = %q
  private_key     = %q
  request_timeout = "soon"
}`, sb.URL, sb.CustomerToken, sb.KeyPEM),
			want: regexp.MustCompile(`(?s)Invalid duration.*request_timeout`),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders(t),
				Steps: []resource.TestStep{{
					Config:      tc.provider + card,
					PlanOnly:    true,
					ExpectError: tc.want,
				}},
			})
		})
	}
	for op, n := range sb.requestsSent() {
		if n != 0 {
			t.Errorf("sandbox received %d %s requests; bad configuration must send nothing", n, op)
		}
	}
}

// The same credentials work from the environment, the key from a file.
func TestAccProvider_credentialsFromEnvironment(t *testing.T) {
	sb := startTestSandbox(t)
	keyFile := t.TempDir() + "/key.pem"
	writeFile(t, keyFile, sb.KeyPEM)
	t.Setenv(EnvBaseURL, sb.URL)
	t.Setenv(EnvCustomerToken, sb.CustomerToken)
	t.Setenv(EnvPrivateKeyFile, keyFile)
	t.Setenv(EnvPrivateKey, "")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders(t),
		CheckDestroy:             sb.checkAllCardsCancelled,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
resource "cards_card" "test" {
  program_id = %q
}
`, sb.prog(progVirtual)),
			Check: resource.TestCheckResourceAttr("cards_card.test", "status", "Active"),
		}},
	})
}
