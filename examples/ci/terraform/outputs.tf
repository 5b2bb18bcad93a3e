output "team_cards" {
  description = "The team cards: id, last four digits and status."
  value = {
    for team, card in cards_card.team : team => {
      id         = card.id
      card_last4 = card.card_last4
      status     = card.status
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
