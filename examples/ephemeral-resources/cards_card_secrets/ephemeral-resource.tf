# Reads the full card number, CVV and expiry of a card while Terraform runs (Terraform 1.10 or
# later). The values are never written to the plan or the state.
ephemeral "cards_card_secrets" "virtual" {
  card_id = var.card_id
}

# Ephemeral values can only flow into ephemeral contexts: provider blocks, write-only
# arguments, other ephemeral resources and locals. A typical use hands the card to a secret
# store through a write-only argument, for example with the Vault provider:
#
#   resource "vault_kv_secret_v2" "card" {
#     mount = "kv"
#     name  = "cards/${var.card_id}"
#     data_json_wo = jsonencode({
#       number = ephemeral.cards_card_secrets.virtual.card_number
#       cvv    = ephemeral.cards_card_secrets.virtual.cvv
#       expiry = ephemeral.cards_card_secrets.virtual.expiration_date
#     })
#     data_json_wo_version = 1
#   }
locals {
  card_for_vault = jsonencode({
    number = ephemeral.cards_card_secrets.virtual.card_number
    cvv    = ephemeral.cards_card_secrets.virtual.cvv
    expiry = ephemeral.cards_card_secrets.virtual.expiration_date
  })
}

variable "card_id" {
  description = "Id of the card, e.g. cards_card.virtual.id."
  type        = string
}
