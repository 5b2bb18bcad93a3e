package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/arthawork/terraform-provider-cards/internal/sandbox"
)

// All cards' transactions over more than one page, newest first, including a top-up's
// recharge and fee items.
func TestAccTransactionsDataSource_allCards(t *testing.T) {
	sb := startTestSandbox(t)
	sb.requireSandbox(t, "adds transactions")
	first := sb.issueCard(t, sb.prog(progVirtual), sandbox.CardStatusActive)
	second := sb.issueCard(t, sb.prog(progSignature), sandbox.CardStatusActive)
	if err := sb.AddTransactions(first, 120); err != nil {
		t.Fatal(err)
	}
	if err := sb.AddTransactions(second, 30); err != nil {
		t.Fatal(err)
	}
	// A settled top-up adds a recharge and a fee item, dated now: the two newest. ProgramSignature
	// charges clamp(round_half_up(amount × 0.01, 2), 0.50, 25.00): 1.00 for 100.
	sb.topUpDirect(t, second, "100")
	const name = "data.cards_transactions.all"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders(t),
		Steps: []resource.TestStep{{
			Config: sb.ProviderConfig + `
data "cards_transactions" "all" {}
data "cards_transactions" "newest" {
  max_items = 2
}
`,
			ConfigStateChecks: []statecheck.StateCheck{
				// Recorded in the same second, the fee item was recorded last and comes first.
				statecheck.ExpectKnownValue("data.cards_transactions.newest", tfjsonpath.New("transactions"), knownvalue.ListExact([]knownvalue.Check{
					knownvalue.ObjectPartial(map[string]knownvalue.Check{
						"card_id": knownvalue.StringExact(second), "type": knownvalue.StringExact("fee"),
						"amount": knownvalue.StringExact("1.00"), "status": knownvalue.StringExact("Success"),
					}),
					knownvalue.ObjectPartial(map[string]knownvalue.Check{
						"card_id": knownvalue.StringExact(second), "type": knownvalue.StringExact("recharge"),
						"amount": knownvalue.StringExact("100.00"), "fee": knownvalue.StringExact("1.00"),
					}),
				})),
			},
			Check: resource.ComposeTestCheckFunc(
				checkNewestFirst(name, 152, -1),
				func(s *terraform.State) error {
					attrs := s.RootModule().Resources[name].Primary.Attributes
					perCard := map[string]int{}
					for i := range 152 {
						perCard[attrs[fmt.Sprintf("transactions.%d.card_id", i)]]++
					}
					if perCard[first] != 120 || perCard[second] != 32 {
						return fmt.Errorf("transactions per card %v, want 120 of %s and 32 of %s", perCard, first, second)
					}
					return nil
				},
			),
		}},
	})
}
