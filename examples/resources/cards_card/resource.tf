# A virtual card: no KYC, no binding. Terraform waits until the card is Active (seconds in the
# test environment). Destroying it CANCELS the card on the platform.
resource "cards_card" "virtual" {
  program_id = "3f1c2a9e-7b4d-4c61-9a2e-5d8f0b6c1a01"
}

# The same card, frozen: set frozen = true to freeze it, false to unfreeze it. Bump
# pin_version to have the platform set a new PIN (read it with the cards_card_pin ephemeral
# resource).
resource "cards_card" "contractor" {
  program_id  = "3f1c2a9e-7b4d-4c61-9a2e-5d8f0b6c1a01"
  frozen      = true
  pin_version = 2
}

# A physical card whose program reviews KYC when the card is applied for and needs the
# envelope number at binding (data.cards_program tells you which kyc fields a program needs).
#
# kyc and binding are WRITE-ONLY (Terraform 1.11 or later): they are sent to the platform and
# never stored in the plan or the state. Changing them later does nothing to an existing card.
resource "cards_card" "physical" {
  program_id = "8a7e5c3b-2d1f-4e9a-b6c4-0f3e2d1c5b02"

  kyc = {
    first_name    = var.cardholder.first_name
    last_name     = var.cardholder.last_name
    gender        = "female"
    date_of_birth = "1990-04-12"
    email         = var.cardholder.email
    mobile_code   = "+65"
    mobile        = var.cardholder.mobile

    address      = "1 Raffles Place, #20-01"
    town         = "1029" # from data.cards_towns
    city         = "Singapore"
    state        = "Singapore"
    zip_code     = "048616"
    country_id   = "25" # from data.cards_countries
    country_iso3 = "SGP"

    doc_type          = 1
    doc_id            = var.cardholder.passport_number
    front_doc         = filebase64(var.cardholder.passport_front_path)
    back_doc          = filebase64(var.cardholder.passport_back_path)
    doc_expire_date   = "2031-06-30"
    doc_never_expires = false
  }

  # The physical card handed to the cardholder, bound once the KYC review has passed.
  binding = {
    card_number = var.physical_card_number
    envelope_no = "ENV-000123"
  }

  # Apply, KYC review, binding and activation can take a while on the platform.
  timeouts {
    create = "30m"
  }
}

# Variables that feed kyc, binding or sign_image are ephemeral (Terraform 1.10 or later) as well
# as sensitive: a saved plan (terraform plan -out) stores the values of ordinary variables, even
# sensitive ones, while ephemeral values are never written to a plan or state file.
variable "cardholder" {
  description = "Personal data of the cardholder. Sent once, never stored in a plan or state."
  type = object({
    first_name          = string
    last_name           = string
    email               = string
    mobile              = string
    passport_number     = string
    passport_front_path = string
    passport_back_path  = string
  })
  sensitive = true
  ephemeral = true
}

variable "physical_card_number" {
  description = "The number printed on the physical card to bind."
  type        = string
  sensitive   = true
  ephemeral   = true
}

output "virtual_card" {
  value = {
    id              = cards_card.virtual.id
    status          = cards_card.virtual.status
    card_last4      = cards_card.virtual.card_last4
    expiration_date = cards_card.virtual.expiration_date
  }
}
