package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/arthawork/terraform-provider-cards/internal/sandbox"
)

// stringChecks turns attribute → value into exact string checks of one object.
func stringChecks(values map[string]string) map[string]knownvalue.Check {
	out := make(map[string]knownvalue.Check, len(values))
	for k, v := range values {
		out[k] = knownvalue.StringExact(v)
	}
	return out
}

// The seeded merchant (sandbox/seed.go), with its opening balances.
func TestAccMerchantDataSource_seed(t *testing.T) {
	sb := startTestSandbox(t)
	const name = "data.cards_merchant.this"
	if sb.external {
		// What the API's MerchantInformation says (balances move with other tests: not compared).
		m, err := sb.client(t).MerchantInformation(testContext(t))
		if err != nil {
			t.Fatal(err)
		}
		checks := []statecheck.StateCheck{
			statecheck.ExpectKnownValue(name, tfjsonpath.New("name"), knownvalue.StringExact(m.Name)),
			statecheck.ExpectKnownValue(name, tfjsonpath.New("email"), knownvalue.StringExact(m.Email)),
			statecheck.ExpectKnownValue(name, tfjsonpath.New("balances"), knownvalue.ListSizeExact(len(m.Balances))),
			statecheck.ExpectKnownValue(name, tfjsonpath.New("programs"), knownvalue.ListSizeExact(len(m.Programs))),
		}
		for i, p := range m.Programs {
			checks = append(checks, statecheck.ExpectKnownValue(name, tfjsonpath.New("programs").AtSliceIndex(i).AtMapKey("program_id"), knownvalue.StringExact(string(p.ProgramID))))
		}
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProviders(t),
			Steps:                    []resource.TestStep{{Config: sb.ProviderConfig + `data "cards_merchant" "this" {}`, ConfigStateChecks: checks}},
		})
		return
	}
	virtual := stringChecks(map[string]string{
		"program_id": sandbox.ProgramVirtual, "name": "Sandbox Virtual USD", "currency": "USD", "type": "Debit",
		"consumption_method": "Online", "iso_country_name": "United States", "card_state": "Active",
	})
	virtual["bin"] = knownvalue.Int64Exact(428852)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders(t),
		Steps: []resource.TestStep{{
			Config: sb.ProviderConfig + `data "cards_merchant" "this" {}`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(name, tfjsonpath.New("name"), knownvalue.StringExact("Artha Sandbox Merchant Ltd")),
				statecheck.ExpectKnownValue(name, tfjsonpath.New("email"), knownvalue.StringExact("merchant@sandbox.artha.example")),
				statecheck.ExpectKnownValue(name, tfjsonpath.New("mobile"), knownvalue.StringExact("+6590001234")),
				statecheck.ExpectKnownValue(name, tfjsonpath.New("balances"), knownvalue.ListExact([]knownvalue.Check{
					knownvalue.ObjectExact(stringChecks(map[string]string{"currency": "USD", "currency_code": "USD", "network": "TRC-20", "amount": "100000.00"})),
					knownvalue.ObjectExact(stringChecks(map[string]string{"currency": "USDT", "currency_code": "USDT", "network": "TRC-20", "amount": "50000.00"})),
				})),
				statecheck.ExpectKnownValue(name, tfjsonpath.New("programs"), knownvalue.ListSizeExact(4)),
				statecheck.ExpectKnownValue(name, tfjsonpath.New("programs").AtSliceIndex(0), knownvalue.ObjectExact(virtual)),
				statecheck.ExpectKnownValue(name, tfjsonpath.New("programs").AtSliceIndex(1).AtMapKey("program_id"), knownvalue.StringExact(sandbox.ProgramPhysicalKYC)),
				statecheck.ExpectKnownValue(name, tfjsonpath.New("programs").AtSliceIndex(2).AtMapKey("program_id"), knownvalue.StringExact(sandbox.ProgramSignature)),
				statecheck.ExpectKnownValue(name, tfjsonpath.New("programs").AtSliceIndex(3).AtMapKey("program_id"), knownvalue.StringExact(sandbox.ProgramPhysicalKYCAtBinding)),
			},
		}},
	})
}
