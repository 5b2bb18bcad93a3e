# Import an existing top-up by its task id with an import block (Terraform 1.5 or later).
# The configuration's card_id and amount must match the imported top-up, or Terraform plans
# to replace it, which would load the money a second time.
import {
  to = cards_card_topup.travel_budget
  id = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
}
