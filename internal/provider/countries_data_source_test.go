package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/arthawork/terraform-provider-cards/internal/cardsapi"
)

// The seeded countries (sandbox/seed.go: 46 of them), filtered case-insensitively.
func TestAccCountriesDataSource_seed(t *testing.T) {
	sb := startTestSandbox(t)
	singapore := knownvalue.ObjectExact(stringChecks(map[string]string{
		"id": "25", "name": "Singapore", "nationality": "Singaporean", "iso2": "SG", "iso3": "SGP", "iso_number": "702",
	}))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: sb.ProviderConfig + `
data "cards_countries" "all" {}
data "cards_countries" "by_iso2" {
  iso2 = "sg"
}
data "cards_countries" "by_iso3" {
  iso3 = "Sgp"
}
data "cards_countries" "by_name" {
  name = "UNITED KINGDOM"
}
data "cards_countries" "none" {
  iso3 = "XXX"
}
data "cards_countries" "contradicting" {
  iso2 = "US"
  name = "Germany"
}
`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.cards_countries.all", tfjsonpath.New("countries"), knownvalue.ListSizeExact(46)),
				statecheck.ExpectKnownValue("data.cards_countries.all", tfjsonpath.New("countries").AtSliceIndex(0),
					knownvalue.ObjectExact(stringChecks(map[string]string{
						"id": "1", "name": "United States", "nationality": "American", "iso2": "US", "iso3": "USA", "iso_number": "840",
					}))),
				statecheck.ExpectKnownValue("data.cards_countries.by_iso2", tfjsonpath.New("countries"), knownvalue.ListExact([]knownvalue.Check{singapore})),
				statecheck.ExpectKnownValue("data.cards_countries.by_iso3", tfjsonpath.New("countries"), knownvalue.ListExact([]knownvalue.Check{singapore})),
				statecheck.ExpectKnownValue("data.cards_countries.by_name", tfjsonpath.New("countries"), knownvalue.ListExact([]knownvalue.Check{
					knownvalue.ObjectExact(stringChecks(map[string]string{
						"id": "2", "name": "United Kingdom", "nationality": "British", "iso2": "GB", "iso3": "GBR", "iso_number": "826",
					})),
				})),
				// A filter that matches nothing is an empty list, not an error or null.
				statecheck.ExpectKnownValue("data.cards_countries.none", tfjsonpath.New("countries"), knownvalue.ListExact([]knownvalue.Check{})),
				statecheck.ExpectKnownValue("data.cards_countries.contradicting", tfjsonpath.New("countries"), knownvalue.ListExact([]knownvalue.Check{})),
			},
		}},
	})
}

func TestFilterCountries(t *testing.T) {
	all := []cardsapi.Country{
		{ID: "1", Name: "United States", ISOTwo: "US", ISOThree: "USA"},
		{ID: "3", Name: "Germany", ISOTwo: "DE", ISOThree: "DEU"},
	}
	if got := filterCountries(all, "", "", ""); len(got) != 2 {
		t.Errorf("no filter kept %d countries, want 2", len(got))
	}
	if got := filterCountries(all, " de ", "deu", "germany"); len(got) != 1 || got[0].ID.ValueString() != "3" {
		t.Errorf("filters for Germany kept %v", got)
	}
	if got := filterCountries(all, "", "", "United"); got == nil || len(got) != 0 {
		t.Errorf("a name filter must match exactly, got %v", got)
	}
}
