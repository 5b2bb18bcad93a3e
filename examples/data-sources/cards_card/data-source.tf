# Status and balance of a card, for example one issued outside this configuration. The full
# card number and CVV are never exposed here (use the cards_card_secrets ephemeral resource).
data "cards_card" "team" {
  card_id = var.card_id
}

output "team_card" {
  value = {
    status            = data.cards_card.team.status
    card_last4        = data.cards_card.team.card_last4
    currency          = data.cards_card.team.currency
    available_balance = data.cards_card.team.available_balance
  }
}

variable "card_id" {
  description = "Id of the card to look up."
  type        = string
}
