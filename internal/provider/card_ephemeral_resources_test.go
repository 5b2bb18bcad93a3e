package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/echoprovider"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

// The ephemeral resources return the platform's secrets; the echo provider (a test-only
// provider made for this) is the one place they are copied, to compare them.
func TestAccCardEphemeralResources_returnSecrets(t *testing.T) {
	sb := startTestSandbox(t)
	client := sb.client(t)
	providers := map[string]func() (tfprotov6.ProviderServer, error){
		"cards": testAccProviders(t)["cards"],
		"echo":  echoprovider.NewProviderServer(),
	}
	card := sb.ProviderConfig + fmt.Sprintf(`
resource "cards_card" "test" {
  program_id = %q
}
`, sb.prog(progVirtual))
	var cardID string
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)},
		ProtoV6ProviderFactories: providers,
		Steps: []resource.TestStep{
			{Config: card, Check: captureID("cards_card.test", &cardID)},
			{
				Config: card + `
ephemeral "cards_card_secrets" "test" {
  card_id = cards_card.test.id
}
ephemeral "cards_card_pin" "test" {
  card_id = cards_card.test.id
}
provider "echo" {
  data = {
    number = ephemeral.cards_card_secrets.test.card_number
    cvv    = ephemeral.cards_card_secrets.test.cvv
    expiry = ephemeral.cards_card_secrets.test.expiration_date
    pin    = ephemeral.cards_card_pin.test.pin
  }
}
resource "echo" "test" {}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("echo.test", tfjsonpath.New("data").AtMapKey("number"), knownvalue.StringFunc(func(got string) error {
						details, err := client.CardDetails(testContext(t), cardID)
						if err != nil {
							return err
						}
						if got != string(details.CardNumber) {
							return fmt.Errorf("card_number %q is not the platform's", got)
						}
						return nil
					})),
					statecheck.ExpectKnownValue("echo.test", tfjsonpath.New("data").AtMapKey("cvv"), knownvalue.StringRegexp(cvvPattern)),
					statecheck.ExpectKnownValue("echo.test", tfjsonpath.New("data").AtMapKey("pin"), knownvalue.StringFunc(func(got string) error {
						pin, err := client.PinDetails(testContext(t), cardID)
						if err != nil {
							return err
						}
						if got != string(pin.PIN) {
							return fmt.Errorf("pin is not the platform's")
						}
						return nil
					})),
				},
			},
		},
	})
}
