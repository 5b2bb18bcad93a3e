package provider

import (
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/arthawork/terraform-provider-cards/internal/sandbox"
)

// renamedStatuses is how the sandbox names statuses in these tests: every status the provider
// reads under another name.
var renamedStatuses = map[string]string{
	"Pending": "Processing", "Active": "Normal", "Frozen": "Locked", "Cancelled": "Closed", "Success": "Done",
}

// statusMapsHCL is the provider setting that maps renamedStatuses back.
const statusMapsHCL = `
  card_status_map  = { Processing = "Pending", normal = "Active", Locked = "Frozen", Closed = "Cancelled" }
  topup_status_map = { Done = "Success", Processing = "Pending" }
`

// providerWithMaps is the sandbox's provider block with statusMapsHCL added.
func providerWithMaps(sb *testSandbox) string {
	return regexp.MustCompile(`(?s)(provider "cards" \{)`).ReplaceAllString(sb.ProviderConfig, "${1}"+statusMapsHCL)
}

// testAccProvidersQuickUnknown is testAccProviders with a short grace for unknown statuses.
func testAccProvidersQuickUnknown(t *testing.T) map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"cards": providerserver.NewProtocol6WithError(&CardsProvider{version: "test", pollInitial: testAccPollInitial,
			journalDir: t.TempDir(), unknownStatusGrace: 2 * time.Second}),
	}
}

// Against a platform that names its statuses differently, a card's whole life works once the
// names are mapped: create, freeze, unfreeze, a freeze out of band, import, a top-up, destroy.
func TestAccStatusMaps_lifecycleWithRenamedStatuses(t *testing.T) {
	sb := startTestSandbox(t, func(o *sandbox.Options) { o.StatusNames = renamedStatuses })
	const name = "cards_card.test"
	card := func(frozen bool) string {
		return providerWithMaps(sb) + fmt.Sprintf(`
resource "cards_card" "test" {
  program_id = %q
  frozen     = %t
}
resource "cards_card_topup" "test" {
  card_id = cards_card.test.id
  amount  = "20"
}
`, sandbox.ProgramVirtual, frozen)
	}
	var cardID string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProvidersQuickUnknown(t),
		CheckDestroy:             sb.checkAllCardsCancelled,
		Steps: []resource.TestStep{
			{
				Config: card(false),
				Check: resource.ComposeTestCheckFunc(captureID(name, &cardID),
					resource.TestCheckResourceAttr(name, "status", "Active"),
					resource.TestCheckResourceAttr(topUpName, "status", "Success"),
					sb.cardStatusIs(name, "Active")),
			},
			{
				Config: card(true),
				Check:  resource.ComposeTestCheckFunc(resource.TestCheckResourceAttr(name, "status", "Frozen"), sb.cardStatusIs(name, "Frozen")),
			},
			{
				Config: card(false),
				Check:  resource.ComposeTestCheckFunc(resource.TestCheckResourceAttr(name, "status", "Active"), sb.cardStatusIs(name, "Active")),
			},
			{
				// Frozen out of band: the platform says "Locked", which maps to Frozen: drift of frozen.
				PreConfig: func() {
					if err := sb.ForceCardStatus(cardID, "Frozen"); err != nil {
						t.Fatal(err)
					}
				},
				Config:             card(false),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(name, plancheck.ResourceActionUpdate),
				}},
			},
			{Config: card(false), Check: sb.cardStatusIs(name, "Active")},
			{
				ResourceName:            name,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"pin_version", "timeouts", "program_id"},
			},
		},
	})
	if n := len(sb.Cards()); n != 1 {
		t.Errorf("sandbox issued %d cards, want 1", n)
	}
}

// Without the map, a create that keeps seeing an unknown status stops after the grace, not the
// create timeout, naming the status, what was expected and card_status_map. The card stays in
// state; while its status is not understood it is not cancelled (destroy stops the same way).
func TestAccStatusMaps_unknownStatusFailsFast(t *testing.T) {
	sb := startTestSandbox(t, func(o *sandbox.Options) { o.StatusNames = renamedStatuses })
	withoutMap := testAccVirtualCardConfig(sb, false, 0)
	withMap := providerWithMaps(sb) + fmt.Sprintf(`
resource "cards_card" "test" {
  program_id = %q
}
`, sandbox.ProgramVirtual)
	// The error expected is the unknown-status one, not the create timeout's ("did not become
	// ready" after 20 minutes): the wait stopped on the status, after the 2 s grace of
	// testAccProvidersQuickUnknown.
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProvidersQuickUnknown(t),
		CheckDestroy:             sb.checkAllCardsCancelled,
		Steps: []resource.TestStep{
			{
				Config: withoutMap,
				ExpectError: errorText(`The card's status is not understood`, `reports status "Processing"|reports status "Normal"`,
					`was waiting for`, `card_status_map = \{`, `terraform untaint`),
			},
			{
				// Destroying it is refused while its status is not understood: nothing is cancelled blindly.
				Config:      withoutMap,
				Destroy:     true,
				ExpectError: regexp.MustCompile(`(?s)Cannot cancel the card.*card_status_map`),
			},
			{
				// With the map, the tainted card is understood again (and destroyed at the end).
				Config:             withMap,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
		},
	})
	if n := len(sb.Cards()); n != 1 {
		t.Errorf("sandbox issued %d cards, want 1", n)
	}
}
