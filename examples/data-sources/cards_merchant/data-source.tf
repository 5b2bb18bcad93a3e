# The merchant behind the configured customer token: its balances and the card programs it can
# issue from.
data "cards_merchant" "this" {}

output "merchant" {
  value = {
    name     = data.cards_merchant.this.name
    balances = data.cards_merchant.this.balances
  }
}

# Program ids by name, to pick one for cards_card.program_id.
output "program_ids" {
  value = { for p in data.cards_merchant.this.programs : p.name => p.program_id }
}
