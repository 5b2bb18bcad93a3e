# Import an existing card by its id. Nothing is changed on the platform; the card is then
# managed by Terraform, and `terraform destroy` will cancel it. program_id is found from the
# card number's BIN when exactly one program matches; otherwise it is adopted from the
# configuration after the import, without replacing the card.
terraform import cards_card.virtual d55709b7-a56f-4bcc-b08a-00131bfc8bf1
