package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/shopspring/decimal"

	"github.com/arthawork/terraform-provider-cards/internal/sandbox"
)

// topUpDirect loads amount onto a card through the API (not Terraform) and settles it.
func (sb *testSandbox) topUpDirect(t *testing.T, cardID, amount string) {
	t.Helper()
	task, err := sb.client(t).TopUp(testContext(t), cardID, decimal.RequireFromString(amount))
	if err != nil {
		t.Fatalf("topping up card %s: %v", cardID, err)
	}
	if sb.external {
		if _, err := sb.client(t).WaitForTopUp(testContext(t), string(task.TaskID)); err != nil {
			t.Fatalf("top-up %s of card %s: %v", task.TaskID, cardID, err)
		}
		return
	}
	sb.Settle()
}

// A card's status, last four digits, expiry, currency, type and balances; never its number or CVV.
func TestAccCardDataSource_activeCard(t *testing.T) {
	sb := startTestSandbox(t)
	cardID := sb.issueCard(t, sb.prog(progVirtual), sandbox.CardStatusActive)
	before := sb.cardBalance(t, cardID)
	// 40.00 × 0.015 = 0.60, below the program's minimum fee 1.00: the card receives 39.00
	// (external mode: what the API estimated).
	receive := "39.00"
	if sb.external {
		_, receive = sb.estimate(t, cardID, "40")
	}
	sb.topUpDirect(t, cardID, "40")
	if err := expectMoney("card balance change", sb.cardBalance(t, cardID).Sub(before), receive); err != nil {
		t.Fatal(err)
	}
	details, err := sb.client(t).CardDetails(testContext(t), cardID)
	if err != nil {
		t.Fatal(err)
	}
	last4 := string(details.CardNumber[len(details.CardNumber)-4:])
	if !sb.external {
		info, _ := sb.Card(cardID)
		last4 = info.Last4
	}
	const name = "data.cards_card.this"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders(t),
		Steps: []resource.TestStep{{
			Config: sb.ProviderConfig + fmt.Sprintf(`
data "cards_card" "this" {
  card_id = %q
}
`, cardID),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(name, tfjsonpath.New("status"), knownvalue.StringExact("Active")),
				statecheck.ExpectKnownValue(name, tfjsonpath.New("card_last4"), knownvalue.StringExact(last4)),
				statecheck.ExpectKnownValue(name, tfjsonpath.New("expiration_date"), knownvalue.StringExact(string(details.ExpirationDate))),
				statecheck.ExpectKnownValue(name, tfjsonpath.New("currency"), knownvalue.StringExact("USD")),
				statecheck.ExpectKnownValue(name, tfjsonpath.New("card_type"), knownvalue.StringExact("Virtual")),
				statecheck.ExpectKnownValue(name, tfjsonpath.New("available_balance"), knownvalue.StringExact(before.Add(decimal.RequireFromString(receive)).StringFixed(2))),
				statecheck.ExpectKnownValue(name, tfjsonpath.New("current_balance"), knownvalue.StringExact(before.Add(decimal.RequireFromString(receive)).StringFixed(2))),
			},
			Check: func(s *terraform.State) error {
				for k, v := range s.RootModule().Resources[name].Primary.Attributes {
					if strings.Contains(v, string(details.CardNumber)) || (k != "card_last4" && v == string(details.CVV)) {
						return fmt.Errorf("attribute %s holds the card number or CVV", k)
					}
				}
				return nil
			},
		}},
	})
}

// An unknown card is an error naming it.
func TestAccCardDataSource_unknownCard(t *testing.T) {
	sb := startTestSandbox(t)
	const missing = "0b4d1a52-1111-4222-8333-944455556666"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders(t),
		Steps: []resource.TestStep{{
			Config: sb.ProviderConfig + fmt.Sprintf(`
data "cards_card" "this" {
  card_id = %q
}
`, missing),
			ExpectError: errorText(`Cannot read the card`, `No card "`+missing+`" exists for this merchant`),
		}},
	})
}
