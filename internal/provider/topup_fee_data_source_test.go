package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/shopspring/decimal"

	"github.com/arthawork/terraform-provider-cards/internal/sandbox"
)

// Fee estimates follow the seeded formula of ProgramVirtual: clamp(round_half_up(amount ×
// 0.015, 2), 1.00, 50.00). No money moves.
func TestAccTopUpFeeDataSource_estimates(t *testing.T) {
	sb := startTestSandbox(t)
	cardID := sb.issueCard(t, sb.prog(progVirtual), sandbox.CardStatusActive)
	cases := []struct{ label, amount, fee, receive string }{
		{"rounded", "123.45", "1.85", "121.60"}, // 1.85175 → 1.85
		{"half_up", "150.5", "2.26", "148.24"},  // 2.2575 → 2.26
		{"minimum", "20", "1.00", "19.00"},      // 0.30 → min 1.00
		{"maximum", "4000", "50.00", "3950.00"}, // 60.00 → max 50.00
	}
	config := sb.ProviderConfig
	var checks []statecheck.StateCheck
	for i, c := range cases {
		if sb.external {
			// The API's own estimates; the cases' values are the sandbox's formula.
			c.fee, c.receive = sb.estimate(t, cardID, c.amount)
			cases[i] = c
		} else if fee, _ := sandbox.RechargeFee(sb.prog(progVirtual), decimal.RequireFromString(c.amount)); fee.StringFixed(2) != c.fee {
			t.Fatalf("sandbox formula gives %s for %s, the test expects %s", fee.StringFixed(2), c.amount, c.fee)
		}
		config += fmt.Sprintf(`
data "cards_topup_fee" %q {
  card_id = %q
  amount  = %q
}
`, c.label, cardID, c.amount)
		name := "data.cards_topup_fee." + c.label
		checks = append(checks,
			statecheck.ExpectKnownValue(name, tfjsonpath.New("fee"), knownvalue.StringExact(c.fee)),
			statecheck.ExpectKnownValue(name, tfjsonpath.New("receive_amount"), knownvalue.StringExact(c.receive)),
			statecheck.ExpectKnownValue(name, tfjsonpath.New("amount"), knownvalue.StringExact(c.amount)),
		)
	}
	merchantBefore := sb.merchantBalance()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders(t),
		Steps:                    []resource.TestStep{{Config: config, ConfigStateChecks: checks}},
	})
	if sb.external {
		return
	}
	if n := sb.Counters()["CardTopUp"]; n != 0 {
		t.Errorf("sandbox received %d CardTopUp requests, want 0", n)
	}
	if err := expectMoney("merchant balance", sb.MerchantBalance("USD"), merchantBefore.String()); err != nil {
		t.Error(err)
	}
}

// An unknown card is an error naming it; an invalid amount fails at plan time.
func TestAccTopUpFeeDataSource_errors(t *testing.T) {
	sb := startTestSandbox(t)
	cardID := sb.issueCard(t, sb.prog(progVirtual), sandbox.CardStatusActive)
	const missing = "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders(t),
		Steps: []resource.TestStep{
			{
				Config: sb.ProviderConfig + fmt.Sprintf(`
data "cards_topup_fee" "missing" {
  card_id = %q
  amount  = "10"
}
`, missing),
				ExpectError: errorText(`Card not found`, `No card "`+missing+`" exists for this merchant`),
			},
			{
				Config: sb.ProviderConfig + fmt.Sprintf(`
data "cards_topup_fee" "bad" {
  card_id = %q
  amount  = "1.234"
}
`, cardID),
				PlanOnly:    true,
				ExpectError: errorText(`Invalid amount`, `"1\.234"`),
			},
		},
	})
}
