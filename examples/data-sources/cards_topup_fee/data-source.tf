# What a top-up would cost before making it: the fee and the amount the card would receive.
data "cards_topup_fee" "quote" {
  card_id = var.card_id
  amount  = "1000.00"
}

output "topup_quote" {
  value = {
    fee            = data.cards_topup_fee.quote.fee
    receive_amount = data.cards_topup_fee.quote.receive_amount
  }
}

variable "card_id" {
  description = "Id of the card to top up."
  type        = string
}
