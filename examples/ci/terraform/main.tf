# The card estate a team manages from its pipeline (examples/ci/github-actions.yml,
# examples/ci/gitlab-ci.yml): a virtual card per team and a physical card with KYC and binding.
# `make ci-demo` runs the same pipeline locally against the sandbox and a real PostgreSQL.
#
# Nothing secret is in these files. The pipeline passes, from its secret store:
#   PG_CONN_STR                      the state database (the pg backend reads it)
#   CARDS_CUSTOMER_TOKEN             the merchant's customer token (the provider reads it)
#   CARDS_PRIVATE_KEY                the merchant's RSA private key, PEM text (the provider reads it)
#   TF_VAR_traveller                 KYC data, into the ephemeral variable below
#   TF_VAR_traveller_card            the physical card's number and envelope, likewise

terraform {
  # Write-only kyc and binding, fed by ephemeral variables.
  required_version = ">= 1.11"

  # State in PostgreSQL, one row per workspace, locked with an advisory lock for every plan and
  # apply. The connection comes from PG_CONN_STR and the schema (one per state) from
  # PG_SCHEMA_NAME, both environment variables: values given with -backend-config would be
  # written into .terraform/ and into every saved plan.
  backend "pg" {}

  required_providers {
    cards = {
      source = "arthawork/cards"
    }
  }
}

# Credentials from the environment: CARDS_CUSTOMER_TOKEN and CARDS_PRIVATE_KEY (PEM text, so the
# key never has to be written to a file). CARDS_BASE_URL, when set, picks the platform.
provider "cards" {
  # Each pipeline job runs its own provider process with its own request rate. When several
  # pipelines work for one merchant at once, cap each at a share of the merchant's limit
  # (TF_VAR_requests_per_second from a CI variable). Unset (null), the rate adapts to the
  # platform without a cap.
  requests_per_second = var.requests_per_second
}

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

# One virtual card per team; frozen = true freezes a card, false unfreezes it. A pull request
# that changes cards.auto.tfvars is planned, reviewed and then applied as planned.
resource "cards_card" "team" {
  for_each = var.teams

  program_id = data.cards_program.virtual.program_id
  frozen     = each.value.frozen
}

# A physical card: KYC reviewed when applying, then the printed card is bound to it. kyc and
# binding are write-only, and their values come from ephemeral variables: neither the saved plan
# (the pipeline's artifact) nor the state holds them.
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
