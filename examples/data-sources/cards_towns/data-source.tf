# Town ids for the kyc attribute town of cards_card, here for one country.
data "cards_countries" "uae" {
  iso2 = "AE"
}

data "cards_towns" "uae" {
  country_id = one(data.cards_countries.uae.countries[*].id)
}

output "uae_towns" {
  value = { for t in data.cards_towns.uae.towns : t.name => t.id }
}
