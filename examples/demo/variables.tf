variable "virtual_program_id" {
  description = "Program of the team cards. The default is the sandbox's virtual USD program."
  type        = string
  default     = "3f1c2a9e-7b4d-4c61-9a2e-5d8f0b6c1a01"
}

variable "physical_program_id" {
  description = "Program of the physical card: KYC (FullName, Comms, FullAddress, Passport) at apply, envelope number at binding. The default is the sandbox's."
  type        = string
  default     = "8a7e5c3b-2d1f-4e9a-b6c4-0f3e2d1c5b02"
}

variable "teams" {
  description = "One virtual card per team; frozen cards cannot be used until unfrozen."
  type = map(object({
    frozen = bool
  }))
  default = {
    platform  = { frozen = false }
    data      = { frozen = false }
    marketing = { frozen = true } # on hold until the next quarter's budget is approved
  }
}

variable "platform_budget" {
  description = "Amount loaded onto the platform team's card, a decimal string in the card's currency."
  type        = string
  default     = "250.00"
}

# The variables that feed the write-only kyc and binding are ephemeral as well as sensitive: a
# saved plan (terraform plan -out) stores the values of ordinary variables, sensitive or not,
# while ephemeral values are never written to a plan or state file (Terraform 1.10 or later).
# Pass them with TF_VAR_traveller / TF_VAR_traveller_card or -var, again when applying a saved plan.
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
    passport_front   = string # base64 image, e.g. filebase64("passport-front.jpg")
    passport_back    = string
    passport_expires = string
  })
  sensitive = true
  ephemeral = true
  # Sample data the sandbox accepts. Never put a real person's data in a default.
  default = {
    first_name       = "Mei Ling"
    last_name        = "Tan"
    gender           = "female"
    date_of_birth    = "1990-04-12"
    email            = "mei.ling.tan@example.com"
    mobile_code      = "+65"
    mobile           = "81234567"
    address          = "1 Raffles Place, #20-01"
    city             = "Singapore"
    state            = "Singapore"
    zip_code         = "048616"
    passport_number  = "K1234567Z"
    passport_front   = "c2FuZGJveC1wbGFjZWhvbGRlci1pbWFnZQ=="
    passport_back    = "c2FuZGJveC1wbGFjZWhvbGRlci1pbWFnZQ=="
    passport_expires = "2031-06-30"
  }
}

# Not ephemeral: data sources cannot take ephemeral values. The kyc gets the country's id and
# code and the town's id from the look-ups, not from this variable.
variable "traveller_home" {
  description = "Country (ISO 3166-1 alpha-3) and town of the traveller, looked up in data.cards_countries and data.cards_towns."
  type = object({
    country_iso3 = string
    town         = string
  })
  default = {
    country_iso3 = "SGP"
    town         = "Singapore"
  }
}

variable "traveller_card" {
  description = "The physical card in the traveller's envelope, for the write-only binding. The default is a sandbox card number on the program's BIN."
  type = object({
    number      = string
    envelope_no = string
  })
  sensitive = true
  ephemeral = true
  default = {
    number      = "5355220042187306"
    envelope_no = "ENV-000123"
  }
}
