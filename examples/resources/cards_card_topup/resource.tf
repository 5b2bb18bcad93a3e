resource "cards_card" "travel" {
  program_id = "3f1c2a9e-7b4d-4c61-9a2e-5d8f0b6c1a01"
}

# Loads 250.00 (in the card's currency) onto the card. `terraform plan` shows the estimated
# fee and the amount the card will receive (estimated_fee, estimated_receive_amount); the plan
# fails before any money moves if the fee would be above max_fee.
#
# WARNING: a top-up cannot be undone. Destroying this resource only removes it from the state;
# the money stays on the card. Changing amount or card_id makes a NEW top-up (more money).
resource "cards_card_topup" "travel_budget" {
  card_id = cards_card.travel.id
  amount  = "250.00"
  max_fee = "5.00"
}

output "travel_topup" {
  value = {
    status         = cards_card_topup.travel_budget.status
    estimated_fee  = cards_card_topup.travel_budget.estimated_fee
    fee            = cards_card_topup.travel_budget.fee
    receive_amount = cards_card_topup.travel_budget.receive_amount
    currency       = cards_card_topup.travel_budget.currency
    completed_at   = cards_card_topup.travel_budget.completed_at
  }
}
