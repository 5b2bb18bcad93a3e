# The transactions of every card of the merchant since a date, newest first, e.g. for a
# reconciliation report. max_items keeps only the newest ones.
data "cards_transactions" "recent" {
  start_time = "2025-11-01T00:00:00Z"
  max_items  = 100
}

output "recent_top_ups" {
  value = [
    for t in data.cards_transactions.recent.transactions : {
      card_id = t.card_id
      amount  = t.amount
      fee     = t.fee
    }
    if t.type == "recharge"
  ]
}
