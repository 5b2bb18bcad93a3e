# The transactions of one card in a time window (RFC 3339), newest first. Every page is read;
# max_items keeps only the newest ones.
data "cards_card_transactions" "last_month" {
  card_id    = var.card_id
  start_time = "2025-10-01T00:00:00Z"
  end_time   = "2025-11-01T00:00:00Z"
  max_items  = 500
}

output "card_spend" {
  value = [
    for t in data.cards_card_transactions.last_month.transactions : "${t.date} ${t.type} ${t.amount} ${t.currency}"
    if t.type == "consume"
  ]
}

variable "card_id" {
  description = "Id of the card."
  type        = string
}
