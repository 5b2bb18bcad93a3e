package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/arthawork/terraform-provider-cards/internal/cardsapi"
)

// The seeded countries (sandbox/seed.go: 46 of them), filtered case-insensitively.
func TestAccCountriesDataSource_seed(t *testing.T) {
	sb := startTestSandbox(t)
	sb.requireSandbox(t, "checks the sandbox's seed countries")
	singapore := knownvalue.ObjectExact(stringChecks(map[string]string{
		"id": "25", "name": "Singapore", "nationality": "Singaporean", "iso2": "SG", "iso3": "SGP", "iso_number": "702",
	}))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders(t),
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

// iso2 and iso3 are judged at plan time: a code of the wrong length (iso2 = "SGP") would match
// no country and give a silently empty list.
func TestCountryCodeValidator(t *testing.T) {
	cases := []struct {
		letters int
		value   string
		want    string // "" when valid
	}{
		{2, "SG", ""},
		{2, "sg", ""},
		{2, "SGP", `iso2 must be an ISO 3166-1 alpha-2 code: exactly two letters, such as "SG"; got "SGP". That is an alpha-3 code: filter with iso3 = "SGP" instead.`},
		{2, "S1", `iso2 must be an ISO 3166-1 alpha-2 code: exactly two letters, such as "SG"; got "S1".`},
		{2, " SG", `got " SG"`},
		{2, "", `got ""`},
		{2, "ÉS", `got "ÉS"`},
		{3, "SGP", ""},
		{3, "SG", `iso3 must be an ISO 3166-1 alpha-3 code: exactly three letters, such as "SGP"; got "SG". That is an alpha-2 code: filter with iso2 = "SG" instead.`},
		{3, "702", `got "702"`},
	}
	for _, tc := range cases {
		attr := map[int]string{2: "iso2", 3: "iso3"}[tc.letters]
		resp := &validator.StringResponse{}
		countryCodeValidator{letters: tc.letters}.ValidateString(t.Context(), validator.StringRequest{
			Path: path.Root(attr), ConfigValue: types.StringValue(tc.value),
		}, resp)
		switch {
		case tc.want == "" && resp.Diagnostics.HasError():
			t.Errorf("%s = %q rejected: %v", attr, tc.value, resp.Diagnostics)
		case tc.want != "" && (!resp.Diagnostics.HasError() || !strings.Contains(resp.Diagnostics[0].Detail(), tc.want)):
			t.Errorf("%s = %q: want an error containing %q, got %v", attr, tc.value, tc.want, resp.Diagnostics)
		}
	}
}

func TestAccCountriesDataSource_codeOfWrongLengthFailsAtPlan(t *testing.T) {
	sb := startTestSandbox(t)
	for name, tc := range map[string]struct {
		filter string
		want   *regexp.Regexp
	}{
		"alpha-3 code in iso2": {`iso2 = "SGP"`, loose(`(?s)Invalid country code.*with data\.cards_countries\.test.*iso2 must be an ISO 3166-1 alpha-2 code: exactly two letters.*got "SGP".*filter with iso3 = "SGP" instead`)},
		"alpha-2 code in iso3": {`iso3 = "SG"`, loose(`(?s)Invalid country code.*iso3 must be an ISO 3166-1 alpha-3 code: exactly three letters.*got "SG".*filter with iso2 = "SG" instead`)},
		"digits in iso2":       {`iso2 = "65"`, loose(`(?s)Invalid country code.*iso2 must be an ISO 3166-1 alpha-2 code`)},
	} {
		t.Run(name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders(t),
				Steps: []resource.TestStep{{
					Config: sb.ProviderConfig + fmt.Sprintf(`
data "cards_countries" "test" {
  %s
}
`, tc.filter),
					PlanOnly:    true,
					ExpectError: tc.want,
				}},
			})
		})
	}
	for op, n := range sb.requestsSent() {
		if n != 0 {
			t.Errorf("sandbox received %d %s requests; a filter judged at plan time must send nothing", n, op)
		}
	}
}
