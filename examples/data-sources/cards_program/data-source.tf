# Everything about one card program: fees, limits, and which kyc attributes of cards_card it
# requires when applying for a card and when binding a physical card.
data "cards_program" "physical" {
  program_id = "8a7e5c3b-2d1f-4e9a-b6c4-0f3e2d1c5b02"
}

output "physical_program" {
  value = {
    name                           = data.cards_program.physical.name
    currency                       = data.cards_program.physical.currency
    single_recharge_limit          = data.cards_program.physical.single_recharge_limit
    kyc_required_fields_at_apply   = data.cards_program.physical.kyc_required_fields_at_apply
    kyc_required_fields_at_binding = data.cards_program.physical.kyc_required_fields_at_binding
  }
}
