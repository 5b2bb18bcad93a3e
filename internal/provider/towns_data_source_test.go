package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// The seeded towns (sandbox/seed.go: 48 of them), all or by country.
func TestAccTownsDataSource_seed(t *testing.T) {
	sb := startTestSandbox(t)
	sb.requireSandbox(t, "checks the sandbox's seed towns")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders(t),
		Steps: []resource.TestStep{{
			Config: sb.ProviderConfig + `
data "cards_towns" "all" {}
data "cards_towns" "singapore" {
  country_id = "25"
}
data "cards_towns" "us" {
  country_id = "1"
}
data "cards_towns" "none" {
  country_id = "999"
}
`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.cards_towns.all", tfjsonpath.New("towns"), knownvalue.ListSizeExact(48)),
				statecheck.ExpectKnownValue("data.cards_towns.singapore", tfjsonpath.New("towns"), knownvalue.ListExact([]knownvalue.Check{
					knownvalue.ObjectExact(stringChecks(map[string]string{"id": "1029", "name": "Singapore", "code": "SGSIN", "country_id": "25"})),
				})),
				statecheck.ExpectKnownValue("data.cards_towns.us", tfjsonpath.New("towns"), knownvalue.ListExact([]knownvalue.Check{
					knownvalue.ObjectExact(stringChecks(map[string]string{"id": "1001", "name": "New York", "code": "USNYC", "country_id": "1"})),
					knownvalue.ObjectExact(stringChecks(map[string]string{"id": "1002", "name": "Los Angeles", "code": "USLAX", "country_id": "1"})),
					knownvalue.ObjectExact(stringChecks(map[string]string{"id": "1003", "name": "Chicago", "code": "USCHI", "country_id": "1"})),
					knownvalue.ObjectExact(stringChecks(map[string]string{"id": "1004", "name": "San Francisco", "code": "USSFO", "country_id": "1"})),
				})),
				statecheck.ExpectKnownValue("data.cards_towns.none", tfjsonpath.New("towns"), knownvalue.ListExact([]knownvalue.Check{})),
			},
		}},
	})
}
