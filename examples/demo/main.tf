# A small but realistic card estate: a virtual card per team, a physical card for a
# travelling employee (KYC + binding), one frozen card, a top-up with a fee guard, and the
# merchant and program data a person wants to see.
#
# `make demo` runs this against the local sandbox (see the README); the defaults of the
# program variables are the sandbox's seed programs. Against the test environment, export the
# credentials (CARDS_CUSTOMER_TOKEN, CARDS_PRIVATE_KEY_FILE) and pass your program ids.

terraform {
  # kyc and binding are write-only arguments.
  required_version = ">= 1.11"

  required_providers {
    cards = {
      source = "arthawork/cards"
    }
  }
}

# Configured from the environment: CARDS_BASE_URL, CARDS_CUSTOMER_TOKEN, CARDS_PRIVATE_KEY_FILE.
provider "cards" {}

# ---------------------------------------------------------------------------------------------
# Look-ups
# ---------------------------------------------------------------------------------------------

data "cards_program" "virtual" {
  program_id = var.virtual_program_id
}

data "cards_program" "physical" {
  program_id = var.physical_program_id
}

data "cards_countries" "home" {
  iso3 = var.traveller_home.country_iso3
}

data "cards_towns" "home" {
  country_id = local.home_country_id
}

locals {
  home_country_id = one(data.cards_countries.home.countries[*].id)
  home_town_id    = one([for t in data.cards_towns.home.towns : t.id if t.name == var.traveller_home.town])
}

# ---------------------------------------------------------------------------------------------
# Virtual cards: one per team. Setting frozen = true freezes a card, false unfreezes it.
# ---------------------------------------------------------------------------------------------

resource "cards_card" "team" {
  for_each = var.teams

  program_id = data.cards_program.virtual.program_id
  frozen     = each.value.frozen
}

# The platform team's monthly budget. The plan shows the estimated fee; max_fee stops the
# apply before any money moves if the fee would be higher. A top-up cannot be undone:
# destroying it only forgets it, and changing the amount makes a NEW top-up.
resource "cards_card_topup" "platform_budget" {
  card_id = cards_card.team["platform"].id
  amount  = var.platform_budget
  max_fee = "10.00"
}

# ---------------------------------------------------------------------------------------------
# A physical card: KYC reviewed when applying, then the printed card is bound to it.
# kyc and binding are write-only: sent to the platform, never stored in plan or state. Their
# values come from ephemeral variables (variables.tf), because a saved plan would store the
# values of ordinary variables.
# ---------------------------------------------------------------------------------------------

resource "cards_card" "traveller" {
  program_id = data.cards_program.physical.program_id

  kyc = {
    first_name    = var.traveller.first_name
    last_name     = var.traveller.last_name
    gender        = var.traveller.gender
    date_of_birth = var.traveller.date_of_birth
    email         = var.traveller.email
    mobile_code   = var.traveller.mobile_code
    mobile        = var.traveller.mobile

    address      = var.traveller.address
    town         = local.home_town_id
    city         = var.traveller.city
    state        = var.traveller.state
    zip_code     = var.traveller.zip_code
    country_id   = local.home_country_id
    country_iso3 = one(data.cards_countries.home.countries[*].iso3)

    doc_type          = 1 # passport
    doc_id            = var.traveller.passport_number
    front_doc         = var.traveller.passport_front
    back_doc          = var.traveller.passport_back
    doc_expire_date   = var.traveller.passport_expires
    doc_never_expires = false
  }

  binding = {
    card_number = var.traveller_card.number
    envelope_no = var.traveller_card.envelope_no
  }

  timeouts {
    create = "30m"
  }
}

# ---------------------------------------------------------------------------------------------
# After the run: the merchant's balances and the platform card's balance. depends_on makes
# Terraform read them after the cards and the top-up are done, so they show the result.
# ---------------------------------------------------------------------------------------------

data "cards_merchant" "this" {
  depends_on = [cards_card.team, cards_card.traveller, cards_card_topup.platform_budget]
}

data "cards_card" "platform" {
  card_id    = cards_card.team["platform"].id
  depends_on = [cards_card_topup.platform_budget]
}
