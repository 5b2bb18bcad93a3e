# Reads the current PIN of a card while Terraform runs (Terraform 1.10 or later). The PIN is
# never written to the plan or the state. Rotate it by changing pin_version on the cards_card
# resource; the next read returns the new PIN.
ephemeral "cards_card_pin" "physical" {
  card_id = var.card_id
}

# Pass the PIN on only through ephemeral contexts, for example a write-only argument of a
# secret store:
#
#   resource "aws_secretsmanager_secret_version" "pin" {
#     secret_id                = aws_secretsmanager_secret.pin.id
#     secret_string_wo         = ephemeral.cards_card_pin.physical.pin
#     secret_string_wo_version = 1
#   }
locals {
  pin = ephemeral.cards_card_pin.physical.pin
}

variable "card_id" {
  description = "Id of the card, e.g. cards_card.physical.id."
  type        = string
}
