package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

func stringList(values ...string) knownvalue.Check {
	checks := make([]knownvalue.Check, 0, len(values))
	for _, v := range values {
		checks = append(checks, knownvalue.StringExact(v))
	}
	return knownvalue.ListExact(checks)
}

// Every field of the seeded programs (sandbox/seed.go), and the KYC attributes they need.
func TestAccProgramDataSource_seed(t *testing.T) {
	sb := startTestSandbox(t)
	const kyc, binding, virtual = "data.cards_program.kyc", "data.cards_program.binding", "data.cards_program.virtual"
	config := sb.ProviderConfig + fmt.Sprintf(`
data "cards_program" "kyc" {
  program_id = %q
}
data "cards_program" "binding" {
  program_id = %q
}
data "cards_program" "virtual" {
  program_id = %q
}
`, sb.prog(progKYCAtApply), sb.prog(progKYCAtBinding), sb.prog(progVirtual))
	if sb.external {
		// What the API's ProgramDetails says of each program, not the sandbox's seed values.
		var checks []statecheck.StateCheck
		for name, id := range map[string]string{kyc: sb.prog(progKYCAtApply), binding: sb.prog(progKYCAtBinding), virtual: sb.prog(progVirtual)} {
			p, err := sb.client(t).ProgramDetails(testContext(t), id)
			if err != nil {
				t.Fatal(err)
			}
			checks = append(checks,
				statecheck.ExpectKnownValue(name, tfjsonpath.New("program_id"), knownvalue.StringExact(string(p.ProgramID))),
				statecheck.ExpectKnownValue(name, tfjsonpath.New("name"), knownvalue.StringExact(p.Name)),
				statecheck.ExpectKnownValue(name, tfjsonpath.New("currency"), knownvalue.StringExact(p.Currency)),
				statecheck.ExpectKnownValue(name, tfjsonpath.New("bin"), knownvalue.Int64Exact(int64(p.BIN))),
				statecheck.ExpectKnownValue(name, tfjsonpath.New("single_recharge_limit"), knownvalue.StringExact(p.SingleRechargeLimit.StringFixed(2))),
			)
		}
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProviders(t),
			Steps:                    []resource.TestStep{{Config: config, ConfigStateChecks: checks}},
		})
		return
	}

	// ProgramPhysicalKYC, field by field.
	strs := map[string]string{
		"program_id": sb.prog(progKYCAtApply), "name": "Sandbox Physical USD (KYC at apply)", "currency": "USD",
		"type": "Debit", "consumption_method": "Online,POS,ATM", "iso_country_name": "Singapore",
		"card_fee": "10.00", "card_opening_fee": "5.00", "first_recharge_amount": "50.00",
		"cancellation_fee_min": "0.00", "cancellation_fee_max": "5.00", "freight_fee": "15.00",
		"recharge_fee_min": "2.00", "recharge_fee_max": "100.00", "transaction_fee": "0.30",
		"atm_withdrawal_fee": "2.50", "maintenance_fee": "1.00", "atm_balance_inquiry_fee": "0.50",
		"monthly_recharge_limit": "100000.00", "daily_recharge_limit": "20000.00", "single_recharge_limit": "10000.00",
		"per_payment_limit": "10000.00", "atm_daily_withdrawal_limit": "1000.00", "spending_limit": "50000.00",
		"review_time": "2025-02-01T00:00:00Z", "card_state": "Active",
		"note":                      "Recharge fee 2% of the amount, min 2.00, max 100.00 USD. Delivered in a numbered envelope.",
		"remarks":                   "Physical card; KYC reviewed before shipping.",
		"supported_operation_types": "TopUp,Freeze,UnFreeze,Cancel,SetPin",
		"supported_platforms":       "Mastercard,POS,ATM,ApplePay",
		"card_image":                "https://cdn.sandbox.artha.example/cards/physical-usd.png",
		"kyc_requirements":          "FullName,Comms,FullAddress,Passport", "kyc_type": "Standard",
	}
	var checks []statecheck.StateCheck
	for attr, want := range strs {
		checks = append(checks, statecheck.ExpectKnownValue(kyc, tfjsonpath.New(attr), knownvalue.StringExact(want)))
	}
	for attr, want := range map[string]bool{
		"kyc_required_while_apply_card": true, "need_photo_for_active_card": false,
		"need_photo_for_operate_card": false, "envelope_no_required": true,
	} {
		checks = append(checks, statecheck.ExpectKnownValue(kyc, tfjsonpath.New(attr), knownvalue.Bool(want)))
	}
	checks = append(checks,
		statecheck.ExpectKnownValue(kyc, tfjsonpath.New("bin"), knownvalue.Int64Exact(535522)),
		statecheck.ExpectKnownValue(kyc, tfjsonpath.New("top_up_tokens"), knownvalue.ListExact([]knownvalue.Check{
			knownvalue.ObjectExact(stringChecks(map[string]string{"token": "USDT", "network": "TRC-20", "address": "TVjsyZ7fYF3qLF6BQgPmTEZy1xrNNyVAAA"})),
			knownvalue.ObjectExact(stringChecks(map[string]string{"token": "USDT", "network": "ERC-20", "address": "0x5a1dbe4e6c0b8d2f9a7c3e1b4d6f8a0c2e4b6d8f"})),
		})),
		// FullName, Comms, FullAddress and Passport (internal/cardsapi/API.md §5.3) as cards_card.kyc attributes, sorted.
		statecheck.ExpectKnownValue(kyc, tfjsonpath.New("kyc_required_fields_at_apply"), stringList(
			"address", "back_doc", "city", "country_id", "country_iso3", "date_of_birth", "doc_expire_date", "doc_id",
			"doc_never_expires", "doc_type", "email", "first_name", "front_doc", "gender", "last_name", "mobile",
			"mobile_code", "state", "town", "zip_code")),
		statecheck.ExpectKnownValue(kyc, tfjsonpath.New("kyc_required_fields_at_binding"), stringList()),

		// ProgramPhysicalKYCAtBinding: FullName and Comms at binding.
		statecheck.ExpectKnownValue(binding, tfjsonpath.New("kyc_required_fields_at_apply"), stringList()),
		statecheck.ExpectKnownValue(binding, tfjsonpath.New("kyc_required_fields_at_binding"), stringList(
			"date_of_birth", "email", "first_name", "gender", "last_name", "mobile", "mobile_code")),
		statecheck.ExpectKnownValue(binding, tfjsonpath.New("need_photo_for_active_card"), knownvalue.Bool(true)),
		statecheck.ExpectKnownValue(binding, tfjsonpath.New("recharge_fee_min"), knownvalue.StringExact("2.50")),

		// ProgramVirtual: no KYC at all.
		statecheck.ExpectKnownValue(virtual, tfjsonpath.New("kyc_requirements"), knownvalue.Null()),
		statecheck.ExpectKnownValue(virtual, tfjsonpath.New("kyc_required_fields_at_apply"), stringList()),
		statecheck.ExpectKnownValue(virtual, tfjsonpath.New("kyc_required_fields_at_binding"), stringList()),
		statecheck.ExpectKnownValue(virtual, tfjsonpath.New("single_recharge_limit"), knownvalue.StringExact("5000.00")),
		statecheck.ExpectKnownValue(virtual, tfjsonpath.New("transaction_fee"), knownvalue.StringExact("0.20")),
		statecheck.ExpectKnownValue(virtual, tfjsonpath.New("bin"), knownvalue.Int64Exact(428852)),
	)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders(t),
		Steps:                    []resource.TestStep{{Config: config, ConfigStateChecks: checks}},
	})
}

// An unknown program is an error that names it, not an empty result.
func TestAccProgramDataSource_unknownProgram(t *testing.T) {
	sb := startTestSandbox(t)
	const missing = "00000000-0000-4000-8000-000000000000"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders(t),
		Steps: []resource.TestStep{{
			Config: sb.ProviderConfig + fmt.Sprintf(`
data "cards_program" "missing" {
  program_id = %q
}
`, missing),
			ExpectError: errorText(`Program not found`, `No program "`+missing+`" exists`),
		}},
	})
}
