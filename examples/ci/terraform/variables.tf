# Ordinary settings live in cards.auto.tfvars and are reviewed in pull requests. A saved plan
# stores their values, which is fine: none of them is secret.

variable "virtual_program_id" {
  description = "Program of the team cards (data.cards_merchant lists the merchant's programs)."
  type        = string
}

variable "physical_program_id" {
  description = "Program of the physical card: KYC (FullName, Comms, FullAddress, Passport) at apply, envelope number at binding."
  type        = string
}

variable "teams" {
  description = "One virtual card per team; frozen cards cannot be used until unfrozen."
  type = map(object({
    frozen = bool
  }))
}

variable "traveller_home" {
  description = "Country (ISO 3166-1 alpha-3) and town of the traveller, looked up in data.cards_countries and data.cards_towns."
  type = object({
    country_iso3 = string
    town         = string
  })
}

variable "requests_per_second" {
  description = "This pipeline's cap on the request rate, its share of the merchant's limit (TF_VAR_requests_per_second); null: no cap, the rate adapts to the platform."
  type        = number
  default     = null
}

# From the pipeline's secrets, as JSON: TF_VAR_traveller and TF_VAR_traveller_card. Ephemeral
# (Terraform 1.10 or later) as well as sensitive: a saved plan stores the values of ordinary
# variables, sensitive or not, while ephemeral values are never written to a plan or state. The
# apply job must set them again: applying a saved plan asks for every ephemeral variable.
variable "traveller" {
  description = "KYC data of the physical card's holder. Write-only and ephemeral: never stored in a plan or state."
  type = object({
    first_name       = string
    last_name        = string
    gender           = string
    date_of_birth    = string
    email            = string
    mobile_code      = string
    mobile           = string
    address          = string
    city             = string
    state            = string
    zip_code         = string
    passport_number  = string
    passport_front   = string # base64 image
    passport_back    = string
    passport_expires = string
  })
  sensitive = true
  ephemeral = true
}

variable "traveller_card" {
  description = "The physical card in the traveller's envelope, for the write-only binding."
  type = object({
    number      = string
    envelope_no = string
  })
  sensitive = true
  ephemeral = true
}
