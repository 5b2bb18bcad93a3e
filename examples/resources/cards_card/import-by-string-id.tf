# Import an existing card by its id with an import block (Terraform 1.5 or later), then run
# `terraform plan` to review and `terraform apply` to bring it under management.
import {
  to = cards_card.virtual
  id = "d55709b7-a56f-4bcc-b08a-00131bfc8bf1"
}
