terraform {
  required_providers {
    cards = {
      source  = "arthawork/cards"
      version = "~> 0.1"
    }
  }
}

# Credentials come from the merchant platform: the customer token, and the RSA private key
# whose public half you uploaded there. Prefer the environment variables over literals:
#
#   export CARDS_CUSTOMER_TOKEN="..."
#   export CARDS_PRIVATE_KEY_FILE="$HOME/.config/cards/merchant-key.pem"
#
# and leave the provider block empty. Without base_url the provider talks to the test
# environment, https://tstapi.artha.work/api/v1.
provider "cards" {}

# The same settings in configuration, e.g. for a production base URL handed out by the platform
# and a key kept in a file next to the configuration (never commit the key itself).
provider "cards" {
  alias = "production"

  base_url       = var.cards_base_url
  customer_token = var.cards_customer_token
  private_key    = file(var.cards_private_key_path)

  # Transport knobs: max_retries and request_timeout are shown with their defaults;
  # requests_per_second has none (the rate adapts) unless you set a cap.
  max_retries         = 4     # only for requests that are safe to repeat
  requests_per_second = 20    # optional hard cap; unset, the rate adapts to the platform
  request_timeout     = "30s" # one HTTP request; waits for cards have their own timeouts
}

variable "cards_base_url" {
  description = "Base URL of the Cards API for this merchant."
  type        = string
}

# A saved plan (terraform plan -out) stores the values of ordinary variables, sensitive or not.
# On Terraform 1.10 or later also set ephemeral = true here: ephemeral values are never written
# to a plan or state file. (The environment variables above avoid the question.)
variable "cards_customer_token" {
  description = "The merchant's customer token from the merchant platform."
  type        = string
  sensitive   = true
}

variable "cards_private_key_path" {
  description = "Path of the PEM file holding the merchant's RSA private key."
  type        = string
}
