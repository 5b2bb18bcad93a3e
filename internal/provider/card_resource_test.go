package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-version"
	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/arthawork/terraform-provider-cards/internal/cardsapi"
	"github.com/arthawork/terraform-provider-cards/internal/sandbox"
)

func testAccVirtualCardConfig(sb *testSandbox, frozen bool, pinVersion int) string {
	return sb.ProviderConfig + fmt.Sprintf(`
resource "cards_card" "test" {
  program_id  = %q
  frozen      = %t
  pin_version = %d
}
`, sb.prog(progVirtual), frozen, pinVersion)
}

// A virtual card's whole life: issue, import, freeze, unfreeze, rotate the PIN, cancel.
func TestAccCard_virtualLifecycle(t *testing.T) {
	sb := startTestSandbox(t)
	const name = "cards_card.test"
	var cardID string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders(t),
		CheckDestroy:             sb.checkAllCardsCancelled,
		Steps: []resource.TestStep{
			{
				Config: testAccVirtualCardConfig(sb, false, 0),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(name, tfjsonpath.New("status"), knownvalue.StringExact("Active")),
					statecheck.ExpectKnownValue(name, tfjsonpath.New("frozen"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(name, tfjsonpath.New("card_last4"), knownvalue.StringRegexp(regexp.MustCompile(`^[0-9]{4}$`))),
					statecheck.ExpectKnownValue(name, tfjsonpath.New("expiration_date"), knownvalue.StringRegexp(regexp.MustCompile(`.+`))),
				},
				Check: resource.ComposeTestCheckFunc(captureID(name, &cardID), sb.cardStatusIs(name, "Active")),
			},
			{
				ResourceName:            name,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"pin_version", "timeouts"},
			},
			{
				Config: testAccVirtualCardConfig(sb, true, 0),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(name, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(name, tfjsonpath.New("status")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(name, tfjsonpath.New("status"), knownvalue.StringExact("Frozen")),
				},
				Check: sb.cardStatusIs(name, "Frozen"),
			},
			{
				Config: testAccVirtualCardConfig(sb, false, 0),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(name, tfjsonpath.New("status"), knownvalue.StringExact("Active")),
				},
				Check: sb.cardStatusIs(name, "Active"),
			},
			{
				Config: testAccVirtualCardConfig(sb, false, 1),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(name, plancheck.ResourceActionUpdate),
				}},
				Check: func(*terraform.State) error {
					if sb.external {
						return nil // the PIN change count is the sandbox's record
					}
					card, _ := sb.Card(cardID)
					if card.PinChanges != 1 {
						return fmt.Errorf("sandbox counted %d PIN changes, want 1", card.PinChanges)
					}
					return nil
				},
			},
		},
	})
}

// A physical card whose program reviews KYC at apply time, then binds the physical card.
func TestAccCard_physicalWithKYCAndBinding(t *testing.T) {
	sb := startTestSandbox(t)
	const name = "cards_card.physical"
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		ProtoV6ProviderFactories: testAccProviders(t),
		CheckDestroy:             sb.checkAllCardsCancelled,
		Steps: []resource.TestStep{{
			Config: sb.ProviderConfig + sb.physicalCardConfig("Jane"),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(name, tfjsonpath.New("status"), knownvalue.StringExact("Active")),
				statecheck.ExpectKnownValue(name, tfjsonpath.New("kyc"), knownvalue.Null()),
				statecheck.ExpectKnownValue(name, tfjsonpath.New("binding"), knownvalue.Null()),
			},
			Check: sb.cardStatusIs(name, "Active"),
		}},
	})
}

// Missing KYC fields fail at plan time, naming them, and no card is requested.
func TestAccCard_missingKYCFailsBeforeAnyCard(t *testing.T) {
	sb := startTestSandbox(t)
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		ProtoV6ProviderFactories: testAccProviders(t),
		Steps: []resource.TestStep{{
			Config: sb.ProviderConfig + fmt.Sprintf(`
resource "cards_card" "physical" {
  program_id = %q
  kyc = {
    first_name = "Jane"
  }
  binding = {
    card_number = "4111111111111111"
    envelope_no = "ENV-0042"
  }
}
`, sb.prog(progKYCAtApply)),
			ExpectError: regexp.MustCompile(`(?s)Missing KYC fields.*date_of_birth.*last_name`),
		}},
	})
	if sb.external {
		if ids := sb.trackedCards(); len(ids) != 0 {
			t.Fatalf("cards %v were applied for, want none", ids)
		}
		return
	}
	if n := sb.Counters()["ApplyCard"]; n != 0 {
		t.Fatalf("sandbox received %d ApplyCard requests, want 0", n)
	}
	if cards := sb.Cards(); len(cards) != 0 {
		t.Fatalf("sandbox has %d cards, want none", len(cards))
	}
}

// A card cancelled outside Terraform leaves the state with a warning; the next plan issues a new one.
func TestAccCard_cancelledOutOfBandIsRecreated(t *testing.T) {
	sb := startTestSandbox(t)
	const name = "cards_card.test"
	var firstID string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders(t),
		CheckDestroy:             sb.checkAllCardsCancelled,
		Steps: []resource.TestStep{
			{
				Config: testAccVirtualCardConfig(sb, false, 0),
				Check:  captureID(name, &firstID),
			},
			{
				PreConfig: func() {
					sb.outOfBand(t, firstID, "Cancelled")
				},
				Config: testAccVirtualCardConfig(sb, false, 0),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(name, plancheck.ResourceActionCreate),
				}},
				Check: func(s *terraform.State) error {
					if id := s.RootModule().Resources[name].Primary.ID; id == firstID {
						return fmt.Errorf("card id is still %s, want a new card", id)
					}
					return nil
				},
			},
		},
	})
}

// A card frozen outside Terraform shows as drift of frozen, and apply unfreezes it.
func TestAccCard_frozenOutOfBandShowsDrift(t *testing.T) {
	sb := startTestSandbox(t)
	const name = "cards_card.test"
	var cardID string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders(t),
		CheckDestroy:             sb.checkAllCardsCancelled,
		Steps: []resource.TestStep{
			{
				Config: testAccVirtualCardConfig(sb, false, 0),
				Check:  captureID(name, &cardID),
			},
			{
				PreConfig: func() {
					sb.outOfBand(t, cardID, "Frozen")
				},
				Config: testAccVirtualCardConfig(sb, false, 0),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(name, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(name, tfjsonpath.New("frozen"), knownvalue.Bool(false)),
				}},
				Check: sb.cardStatusIs(name, "Active"),
			},
		},
	})
}

// An activation that outlasts the create timeout keeps the card in state, tainted.
func TestAccCard_activationTimeoutTaintsCard(t *testing.T) {
	sb := startTestSandbox(t, func(o *sandbox.Options) { o.TaskDelay = 4 * time.Second })
	sb.requireSandbox(t, "slows activation down")
	const name = "cards_card.test"
	config := sb.ProviderConfig + fmt.Sprintf(`
resource "cards_card" "test" {
  program_id = %q
  timeouts {
    create = "1s"
  }
}
`, sb.prog(progVirtual))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders(t),
		CheckDestroy:             sb.checkAllCardsCancelled,
		Steps: []resource.TestStep{
			{
				Config:      config,
				ExpectError: regexp.MustCompile(`(?s)did not become ready.*last status "Pending".*tainted`),
			},
			{
				// The card is in state and tainted: the plan replaces it rather than creating a second one blindly.
				Config:             config,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(name, plancheck.ResourceActionDestroyBeforeCreate),
				}},
			},
		},
	})
	if cards := sb.Cards(); len(cards) != 1 {
		t.Fatalf("sandbox has %d cards, want exactly 1", len(cards))
	}
}

// A KYC review that rejects the applicant is a clear error naming the card.
func TestAccCard_kycRejectionIsAnError(t *testing.T) {
	sb := startTestSandbox(t)
	sb.requireSandbox(t, "rejects a KYC review by the applicant's name")
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		ProtoV6ProviderFactories: testAccProviders(t),
		Steps: []resource.TestStep{{
			Config:      sb.ProviderConfig + sb.physicalCardConfig("REJECT"),
			ExpectError: regexp.MustCompile(`(?s)KYC review rejected.*KycRejected.*Correct\s+the\s+kyc`),
		}},
	})
}

// A refused operation carries the platform's remarks.
func TestAccCard_refusedOperationShowsRemarks(t *testing.T) {
	sb := startTestSandbox(t)
	sb.requireSandbox(t, "forces a card into KycRejected")
	const name = "cards_card.test"
	var cardID string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders(t),
		Steps: []resource.TestStep{
			{
				Config: testAccVirtualCardConfig(sb, false, 0),
				Check:  captureID(name, &cardID),
			},
			{
				// Out of band the card is rejected; freezing it is refused by the platform.
				PreConfig: func() {
					if err := sb.ForceCardStatus(cardID, "KycRejected"); err != nil {
						t.Fatal(err)
					}
				},
				Config:      testAccVirtualCardConfig(sb, true, 0),
				ExpectError: regexp.MustCompile(`(?s)could not be frozen.*CardFreeze: refused`),
			},
			{
				PreConfig: func() {
					if err := sb.ForceCardStatus(cardID, "Active"); err != nil {
						t.Fatal(err)
					}
				},
				Config: testAccVirtualCardConfig(sb, false, 0),
			},
		},
	})
}

// A wrong base_url answers 404 for everything; that must not read as "every card is gone".
func TestAccCard_wrongBaseURLNeverDropsCard(t *testing.T) {
	sb := startTestSandbox(t)
	const name = "cards_card.test"
	good := testAccVirtualCardConfig(sb, false, 0)
	wrong := strings.Replace(good, sb.URL, sb.URL+"/not-the-api", 1)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders(t),
		CheckDestroy:             sb.checkAllCardsCancelled,
		Steps: []resource.TestStep{
			{Config: good},
			{
				Config:      wrong,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)does not answer\s+MerchantInformation.*check\s+base_url`),
			},
			{
				Config:            good,
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(name, tfjsonpath.New("status"), knownvalue.StringExact("Active"))},
			},
		},
	})
}

// A freeze or cancel whose answer is lost is retried; a retry refused because the first
// attempt already took effect counts as success, and exactly one freeze and one cancel happen.
func TestAccCard_lostAnswersToConvergingOperations(t *testing.T) {
	sb := startTestSandbox(t)
	sb.requireSandbox(t, "injects lost answers")
	const name = "cards_card.test"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders(t),
		CheckDestroy: func(s *terraform.State) error {
			if n := sb.Counters()["CancelCard.processed"]; n < 1 {
				return fmt.Errorf("CancelCard processed %d times, want at least 1", n)
			}
			return sb.checkAllCardsCancelled(s)
		},
		Steps: []resource.TestStep{
			{Config: testAccVirtualCardConfig(sb, false, 0)},
			{
				PreConfig: func() {
					sb.SetFaults(sandbox.Faults{Next: []sandbox.NextFault{
						{Operation: "CardFreeze", Mode: "lose-response", Count: 1},
						{Operation: "CancelCard", Mode: "lose-response", Count: 1},
					}})
				},
				Config: testAccVirtualCardConfig(sb, true, 0),
				Check: resource.ComposeTestCheckFunc(sb.cardStatusIs(name, "Frozen"), func(*terraform.State) error {
					if n := sb.Counters()["CardFreeze"]; n < 2 {
						return fmt.Errorf("CardFreeze was sent %d times; the lost answer should have been retried", n)
					}
					return nil
				}),
			},
		},
	})
}

// On a CLI without write-only attributes (before Terraform 1.11), setting kyc fails with a
// diagnostic that names the version needed, and nothing is sent.
func TestAccCard_writeOnlyOnOlderTerraformNamesVersion(t *testing.T) {
	sb := startTestSandbox(t)
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks: []tfversion.TerraformVersionCheck{
			tfversion.SkipBetween(tfversion.Version1_11_0, version.Must(version.NewVersion("2.0.0"))),
		},
		ProtoV6ProviderFactories: testAccProviders(t),
		Steps: []resource.TestStep{{
			Config:      sb.ProviderConfig + sb.physicalCardConfig("Jane"),
			ExpectError: regexp.MustCompile(`(?s)Write-only attributes are only supported in Terraform\s+1\.11`),
		}},
	})
	if sb.external {
		if ids := sb.trackedCards(); len(ids) != 0 {
			t.Fatalf("cards %v were applied for, want none", ids)
		}
		return
	}
	if n := sb.Counters()["ApplyCard"]; n != 0 {
		t.Fatalf("sandbox received %d ApplyCard requests, want 0", n)
	}
}

// A card issued outside Terraform is imported by id (terraform import and an import block):
// the import finds its program from the card number's BIN, and the first apply adopts the
// configured pin_version without rotating the PIN.
func TestAccCard_importAdoptsConfiguration(t *testing.T) {
	sb := startTestSandbox(t)
	cardID := sb.issueCard(t, sb.prog(progVirtual), sandbox.CardStatusActive)
	const name = "cards_card.test"
	withPinVersion := testAccVirtualCardConfig(sb, false, 5)
	plain := sb.ProviderConfig + fmt.Sprintf(`
resource "cards_card" "test" {
  program_id = %q
}
`, sb.prog(progVirtual))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders(t),
		CheckDestroy:             sb.checkAllCardsCancelled,
		Steps: []resource.TestStep{
			{
				Config:        plain,
				ResourceName:  name,
				ImportState:   true,
				ImportStateId: cardID,
				// An import block plans a no-op: program_id was found from the card's BIN.
				ImportStateKind:  resource.ImportBlockWithID,
				ImportPlanChecks: resource.ImportPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectKnownValue(name, tfjsonpath.New("program_id"), knownvalue.StringExact(sb.prog(progVirtual)))}},
			},
			{
				Config:             withPinVersion,
				ResourceName:       name,
				ImportState:        true,
				ImportStateId:      cardID,
				ImportStatePersist: true,
			},
			{
				Config: withPinVersion,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(name, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(name, tfjsonpath.New("pin_version"), knownvalue.Int64Exact(5)),
					statecheck.ExpectKnownValue(name, tfjsonpath.New("program_id"), knownvalue.StringExact(sb.prog(progVirtual))),
				},
				Check: func(*terraform.State) error {
					if sb.external {
						return nil // the PIN change count is the sandbox's record
					}
					if card, _ := sb.Card(cardID); card.PinChanges != 0 {
						return fmt.Errorf("the PIN was rotated %d times; adopting pin_version after an import must not rotate it", card.PinChanges)
					}
					return nil
				},
			},
			{
				Config: testAccVirtualCardConfig(sb, false, 6),
				Check: func(*terraform.State) error {
					if sb.external {
						return nil
					}
					if card, _ := sb.Card(cardID); card.PinChanges != 1 {
						return fmt.Errorf("the PIN was rotated %d times after bumping pin_version, want 1", card.PinChanges)
					}
					return nil
				},
			},
		},
	})
}

// A card frozen outside Terraform is imported as frozen: with frozen = true in its
// configuration an import block plans nothing; with frozen left to its default (false) the
// apply after the import unfreezes it, as docs/resources/card.md says.
func TestAccCard_importFrozenCard(t *testing.T) {
	sb := startTestSandbox(t)
	cardID := sb.issueCard(t, sb.prog(progVirtual), sandbox.CardStatusActive)
	ctx := testContext(t)
	if _, err := sb.client(t).FreezeCard(ctx, cardID, ""); err != nil {
		t.Fatalf("freezing the card: %v", err)
	}
	if _, err := sb.client(t).WaitForCardStatus(ctx, cardID, []string{cardsapi.CardStatusFrozen}, nil); err != nil {
		t.Fatalf("card %s is not frozen: %v", cardID, err)
	}
	const name = "cards_card.test"
	config := func(frozen string) string {
		return sb.ProviderConfig + fmt.Sprintf(`
resource "cards_card" "test" {
  program_id = %q
  %s
}
`, sb.prog(progVirtual), frozen)
	}
	keepFrozen := config("frozen = true")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders(t),
		CheckDestroy:             sb.checkAllCardsCancelled,
		Steps: []resource.TestStep{
			{
				// An import block must plan a no-op unless ExpectNonEmptyPlan is set.
				Config:          keepFrozen,
				ResourceName:    name,
				ImportState:     true,
				ImportStateId:   cardID,
				ImportStateKind: resource.ImportBlockWithID,
			},
			{
				Config:             keepFrozen,
				ResourceName:       name,
				ImportState:        true,
				ImportStateId:      cardID,
				ImportStatePersist: true,
			},
			{
				Config: config(""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(name, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(name, tfjsonpath.New("frozen"), knownvalue.Bool(false)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(name, tfjsonpath.New("status"), knownvalue.StringExact(cardsapi.CardStatusActive)),
				},
			},
		},
	})
}

// A card left waiting for its physical card (here issued outside Terraform and imported; the
// same holds for a create whose binding failed, once untainted) is bound by the next apply
// instead of being replaced: the platform cannot cancel a card in that state.
func TestAccCard_bindingIsResumedForACardAwaitingIt(t *testing.T) {
	sb := startTestSandbox(t)
	cardID := sb.issueCard(t, sb.prog(progKYCAtBinding), sandbox.CardStatusAwaitingBinding)
	const name = "cards_card.physical"
	config := sb.ProviderConfig + fmt.Sprintf(`
resource "cards_card" "physical" {
  program_id = %q
  kyc = {
    first_name    = "Jane"
    last_name     = "Quixotewright"
    gender        = "female"
    date_of_birth = "1990-04-12"
    email         = "jane.quixotewright@example.com"
    mobile_code   = "+91"
    mobile        = "9876501234"
  }
  binding = {
    card_number        = %q
    hand_held_id_photo = "SEFORFBIT0xESU5HSUQ="
  }
}
`, sb.prog(progKYCAtBinding), sb.cardNumber(t, sb.prog(progKYCAtBinding)))
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		ProtoV6ProviderFactories: testAccProviders(t),
		CheckDestroy:             sb.checkAllCardsCancelled,
		Steps: []resource.TestStep{
			{
				Config:             config,
				ResourceName:       name,
				ImportState:        true,
				ImportStateId:      cardID,
				ImportStatePersist: true,
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(name, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(name, tfjsonpath.New("status")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(name, tfjsonpath.New("status"), knownvalue.StringExact("Active")),
				},
				Check: sb.cardStatusIs(name, "Active"),
			},
		},
	})
	if n := len(sb.trackedCards()); sb.external && n != 1 {
		t.Fatalf("%d cards were applied for, want only the test's own 1", n)
	}
	if n := sb.requestsSent()["ApplyCard"]; !sb.external && n != 1 {
		t.Fatalf("sandbox received %d ApplyCard requests, want only the test's own 1", n)
	}
}

// A binding that fails leaves the issued card in state, tainted and waiting for its physical
// card, with advice to bind it rather than replace it.
func TestAccCard_bindingFailureKeepsCardInState(t *testing.T) {
	sb := startTestSandbox(t)
	sb.requireSandbox(t, "injects a failed Binding")
	const name = "cards_card.physical"
	var cardID string
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		ProtoV6ProviderFactories: testAccProviders(t),
		CheckDestroy:             sb.checkAllCardsCancelled,
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					sb.SetFaults(sandbox.Faults{Next: []sandbox.NextFault{{Operation: "Binding", Mode: "500", Count: 1}}})
				},
				Config:      sb.ProviderConfig + sb.physicalCardConfig("Jane"),
				ExpectError: regexp.MustCompile(`(?s)could not be bound.*waits\s+for\s+its\s+physical\s+card.*terraform\s+untaint`),
			},
			{
				// The card is in state, tainted, in AwaitingBinding. Bind it out of band (to another
				// physical card: the configured one goes to the replacement) so that the replacement
				// Terraform plans for a tainted card can cancel it.
				PreConfig: func() {
					cards := sb.Cards()
					if len(cards) != 1 || !strings.EqualFold(cards[0].Status, "AwaitingBinding") {
						t.Fatalf("want exactly one card awaiting binding, sandbox has %+v", cards)
					}
					cardID = cards[0].ID
					ctx := testContext(t)
					if _, err := sb.client(t).BindCard(ctx, cardsapi.BindCardRequest{CardID: cardID, CardNumber: sandbox.NewCardNumber(sb.prog(progKYCAtApply)), EnvelopeNo: "ENV-0043"}); err != nil {
						t.Fatal(err)
					}
					if _, err := sb.client(t).WaitForCardStatus(ctx, cardID, []string{"Active"}, nil); err != nil {
						t.Fatal(err)
					}
				},
				Config: sb.ProviderConfig + sb.physicalCardConfig("Jane"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(name, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: func(s *terraform.State) error {
					if card, _ := sb.Card(cardID); !strings.EqualFold(card.Status, "Cancelled") {
						return fmt.Errorf("the tainted card %s is %s, want Cancelled", cardID, card.Status)
					}
					return nil
				},
			},
		},
	})
}

// An unknown program fails at plan time and the diagnostic lists the merchant's programs.
func TestAccCard_unknownProgramListsPrograms(t *testing.T) {
	sb := startTestSandbox(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders(t),
		Steps: []resource.TestStep{{
			Config: sb.ProviderConfig + `
resource "cards_card" "test" {
  program_id = "00000000-0000-4000-8000-000000000000"
}
`,
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`(?s)Program not found.*merchant's\s+programs:.*` + sb.prog(progVirtual)),
		}},
	})
	if sb.external {
		if ids := sb.trackedCards(); len(ids) != 0 {
			t.Fatalf("cards %v were applied for, want none", ids)
		}
		return
	}
	if n := sb.Counters()["ApplyCard"]; n != 0 {
		t.Fatalf("sandbox received %d ApplyCard requests, want 0", n)
	}
}

// BenchmarkCardStateRead and BenchmarkCardStateWrite measure what reading and writing the whole
// cards_card model costs the framework's reflection, per card: why Read writes the state only
// when the card changed, and ModifyPlan reads a plan that changes nothing only once.
func BenchmarkCardStateRead(b *testing.B) {
	ctx, state := context.Background(), activeCardState()
	for b.Loop() {
		var m cardResourceModel
		if diags := state.Get(ctx, &m); diags.HasError() {
			b.Fatal(diags)
		}
	}
}

func BenchmarkCardStateWrite(b *testing.B) {
	ctx, state := context.Background(), activeCardState()
	var m cardResourceModel
	if diags := state.Get(ctx, &m); diags.HasError() {
		b.Fatal(diags)
	}
	for b.Loop() {
		if diags := state.Set(ctx, &m); diags.HasError() {
			b.Fatal(diags)
		}
	}
}

// activeCardState is the state of an active virtual card as Terraform holds it.
func activeCardState() tfsdk.State {
	ctx := context.Background()
	var schema fwresource.SchemaResponse
	(&cardResource{}).Schema(ctx, fwresource.SchemaRequest{}, &schema)
	objectType := schema.Schema.Type().TerraformType(ctx).(tftypes.Object) //nolint:forcetypeassert // a schema is an object
	raw := objectWith(objectType, cardStateAttributes("c-1", "p-1", cardsapi.CardStatusActive, "1234", "2030-12"))
	return tfsdk.State{Schema: schema.Schema, Raw: raw}
}

// cardStateAttributes are the attributes a virtual card's state sets (the rest are null).
func cardStateAttributes(id, programID, status, last4, expirationDate string) map[string]tftypes.Value {
	return map[string]tftypes.Value{
		"id":              tftypes.NewValue(tftypes.String, id),
		"program_id":      tftypes.NewValue(tftypes.String, programID),
		"frozen":          tftypes.NewValue(tftypes.Bool, false),
		"status":          tftypes.NewValue(tftypes.String, status),
		"card_last4":      tftypes.NewValue(tftypes.String, last4),
		"expiration_date": tftypes.NewValue(tftypes.String, expirationDate),
	}
}

// BenchmarkCardRefresh is the provider's CPU and allocations for one card in a plan that
// refreshes it and changes nothing, Terraform left out: ReadResource and then
// PlanResourceChange through the framework's server, as Terraform calls them, against the
// sandbox over HTTP. make bench measures the same with Terraform; this isolates our share.
func BenchmarkCardRefresh(b *testing.B) {
	ctx := context.Background()
	key, keyPEM := testMerchantKey(b)
	sb, err := sandbox.Start(sandbox.Options{PublicKey: &key.PublicKey})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = sb.Close() })
	client, err := cardsapi.New(cardsapi.Config{BaseURL: sb.URL, CustomerToken: sb.CustomerToken, PrivateKey: key})
	if err != nil {
		b.Fatal(err)
	}
	applied, err := client.ApplyCard(ctx, cardsapi.ApplyCardRequest{ProgramID: seedPrograms[progVirtual]})
	if err != nil {
		b.Fatal(err)
	}
	sb.Settle()

	server, providerConfig := providerServerAndConfig(b, map[string]tftypes.Value{
		"base_url":       tftypes.NewValue(tftypes.String, sb.URL),
		"customer_token": tftypes.NewValue(tftypes.String, sb.CustomerToken),
		"private_key":    tftypes.NewValue(tftypes.String, string(keyPEM)),
	})
	configured, err := server.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{Config: providerConfig})
	if err != nil || hasErrors(configured.Diagnostics) {
		b.Fatal(err, configured.Diagnostics)
	}
	schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		b.Fatal(err)
	}
	cardType := schemas.ResourceSchemas["cards_card"].ValueType().(tftypes.Object) //nolint:forcetypeassert // a schema is an object
	config := dynamicValue(b, objectWith(cardType, map[string]tftypes.Value{
		"program_id": tftypes.NewValue(tftypes.String, seedPrograms[progVirtual]),
		"frozen":     tftypes.NewValue(tftypes.Bool, false),
	}))
	// "stale": the first Read writes the card's details, the ones after it write nothing.
	state := dynamicValue(b, objectWith(cardType, cardStateAttributes(string(applied.CardID), seedPrograms[progVirtual], "stale", "", "")))

	for b.Loop() {
		read, err := server.ReadResource(ctx, &tfprotov6.ReadResourceRequest{TypeName: "cards_card", CurrentState: state})
		if err != nil || hasErrors(read.Diagnostics) {
			b.Fatal(err, read.Diagnostics)
		}
		state = read.NewState
		planned, err := server.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{TypeName: "cards_card",
			PriorState: state, ProposedNewState: state, Config: config, PriorPrivate: read.Private})
		if err != nil || hasErrors(planned.Diagnostics) {
			b.Fatal(err, planned.Diagnostics)
		}
	}
}
