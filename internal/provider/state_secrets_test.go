package provider

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/arthawork/terraform-provider-cards/internal/cardsapi"
)

var (
	cvvPattern     = regexp.MustCompile(`^[0-9]{3,4}$`)
	last4Attribute = regexp.MustCompile(`"card_last4":\s*"[0-9]{4}"`)
)

// client is an API client for the test's own checks against the sandbox.
func (sb *testSandbox) client(t *testing.T) *cardsapi.Client {
	t.Helper()
	c, err := sb.newClient()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Every state file Terraform writes must be free of card numbers, CVVs, PINs, KYC values
// and credentials, while write-only inputs and ephemeral resources are in use.
func TestAccStateHoldsNoSecrets(t *testing.T) {
	sb := startTestSandbox(t)
	client := sb.client(t)
	workDir := t.TempDir()
	kycValues := []string{"Quixotewright", "jane.quixotewright@example.com", "9876501234", "12 Zephyrine Lane",
		"P7788991Z", "RlJPTlRET0NJTUFHRQ==", "QkFDS0RPQ0lNQUdF", "1990-04-12", "4111111111111111", "ENV-0042",
		"U0lHTkFUVVJFSU1BR0U="}
	if accKYCJSON() != "" {
		kycValues = append(accKYCSecrets(t), "U0lHTkFUVVJFSU1BR0U=")
	}
	if n := os.Getenv("CARDS_ACC_CARD_NUMBER"); n != "" {
		kycValues = append(kycValues, n)
	}
	config := func(frozen bool, pinVersion int) string {
		return sb.ProviderConfig + sb.physicalCardConfig("Jane") + fmt.Sprintf(`
resource "cards_card" "signed" {
  program_id  = %q
  frozen      = %t
  pin_version = %d
  sign_image  = "U0lHTkFUVVJFSU1BR0U="
}
ephemeral "cards_card_secrets" "physical" {
  card_id = cards_card.physical.id
}
ephemeral "cards_card_pin" "signed" {
  card_id = cards_card.signed.id
}
`, sb.prog(progSignature), frozen, pinVersion)
	}

	scan := func(s *terraform.State) error {
		secrets := append([]string{sb.CustomerToken}, kycValues...)
		secrets = append(secrets, pemBodyLines(sb.KeyPEM)...)
		for _, rs := range s.RootModule().Resources {
			if rs.Type != "cards_card" {
				continue
			}
			details, err := client.CardDetails(context.Background(), rs.Primary.ID)
			if err != nil {
				return err
			}
			pin, err := client.PinDetails(context.Background(), rs.Primary.ID)
			if err != nil {
				return err
			}
			secrets = append(secrets, string(details.CardNumber), `"`+string(details.CVV)+`"`, `"`+string(pin.PIN)+`"`)
		}
		return scanStateFiles(workDir, secrets)
	}
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		ProtoV6ProviderFactories: testAccProviders(t),
		WorkingDir:               workDir,
		CheckDestroy:             sb.checkAllCardsCancelled,
		Steps: []resource.TestStep{
			{Config: config(false, 1), Check: scan},
			{Config: config(true, 2), Check: scan},
		},
	})
	if !sb.external && (sb.Counters()["PinDetails"] == 0 || sb.Counters()["CardDetails"] == 0) {
		t.Fatalf("the ephemeral resources were never opened: counters %v", sb.Counters())
	}
}

// scanStateFiles fails if any secret appears in a state file below dir.
func scanStateFiles(dir string, secrets []string) error {
	var found []string
	files := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.Contains(d.Name(), ".tfstate") {
			return err
		}
		files++
		data, err := os.ReadFile(p) //nolint:gosec // test reads its own working directory
		if err != nil {
			return err
		}
		// The last four digits may equal a PIN by chance; they are allowed in state.
		text := last4Attribute.ReplaceAllString(string(data), "")
		for _, secret := range secrets {
			if secret != "" && strings.Contains(text, secret) {
				found = append(found, fmt.Sprintf("%s holds a secret (%d characters)", p, len(secret)))
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if files == 0 {
		return fmt.Errorf("no state file found below %s", dir)
	}
	if len(found) > 0 {
		return fmt.Errorf("secrets in state: %s", strings.Join(found, "; "))
	}
	return nil
}

// pemBodyLines are the base64 lines of a PEM key: any of them in a file means the key leaked.
func pemBodyLines(pemText string) []string {
	var lines []string
	for _, line := range strings.Split(pemText, "\n") {
		if len(line) > 40 && !strings.HasPrefix(line, "-----") {
			lines = append(lines, line)
		}
	}
	return lines
}
