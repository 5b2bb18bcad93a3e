# Country ids for the kyc attributes nationality_id and country_id of cards_card. Filter by
# iso2, iso3 or name; without a filter every country is listed.
data "cards_countries" "singapore" {
  iso3 = "SGP"
}

output "singapore_country_id" {
  value = one(data.cards_countries.singapore.countries[*].id)
}
