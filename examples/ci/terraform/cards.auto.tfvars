# What the team's pull requests change. The program ids are the local sandbox's seed programs
# (make ci-demo); use your merchant's.
virtual_program_id  = "3f1c2a9e-7b4d-4c61-9a2e-5d8f0b6c1a01"
physical_program_id = "8a7e5c3b-2d1f-4e9a-b6c4-0f3e2d1c5b02"

teams = {
  platform  = { frozen = false }
  data      = { frozen = false }
  marketing = { frozen = true }
}

traveller_home = {
  country_iso3 = "SGP"
  town         = "Singapore"
}
