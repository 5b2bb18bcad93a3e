output "team_cards" {
  description = "The team cards: id, last four digits and status."
  value = {
    for team, card in cards_card.team : team => {
      id         = card.id
      card_last4 = card.card_last4
      status     = card.status
      expires    = card.expiration_date
    }
  }
}

output "traveller_card" {
  description = "The physical card once bound and active."
  value = {
    id         = cards_card.traveller.id
    card_last4 = cards_card.traveller.card_last4
    status     = cards_card.traveller.status
  }
}

output "platform_topup" {
  description = "What the platform team's top-up cost and what the card received."
  value = {
    amount         = cards_card_topup.platform_budget.amount
    estimated_fee  = cards_card_topup.platform_budget.estimated_fee
    fee            = cards_card_topup.platform_budget.fee
    receive_amount = cards_card_topup.platform_budget.receive_amount
    status         = cards_card_topup.platform_budget.status
  }
}

output "platform_card_balance" {
  description = "The platform team's card after the top-up."
  value       = "${data.cards_card.platform.available_balance} ${data.cards_card.platform.currency}"
}

output "merchant" {
  description = "The merchant and its balances after the run."
  value = {
    name     = data.cards_merchant.this.name
    balances = { for b in data.cards_merchant.this.balances : "${b.currency} (${b.network})" => b.amount }
  }
}

output "programs" {
  description = "The programs used, with the fees that matter."
  value = {
    for p in [data.cards_program.virtual, data.cards_program.physical] : p.name => {
      card_opening_fee = p.card_opening_fee
      recharge_fee     = "${p.recharge_fee_min} to ${p.recharge_fee_max} ${p.currency}"
      kyc_at_apply     = join(", ", p.kyc_required_fields_at_apply)
    }
  }
}
