# Import an existing top-up by its task id (the id CardTopUp returned). Importing moves no
# money; destroying the resource later only forgets it.
terraform import cards_card_topup.travel_budget 7c9e6679-7425-40de-944b-e07fc1f90ae7
