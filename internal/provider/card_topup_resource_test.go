package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/shopspring/decimal"

	"github.com/arthawork/terraform-provider-cards/internal/cardsapi"
	"github.com/arthawork/terraform-provider-cards/internal/sandbox"
)

const topUpName = "cards_card_topup.test"

var rfc3339Pattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$`)

// errorText matches Terraform's rendering of an error that contains the fragments in order.
// Fragments are regular expressions whose spaces match any whitespace, since Terraform wraps
// long diagnostics.
func errorText(fragments ...string) *regexp.Regexp {
	for i, f := range fragments {
		fragments[i] = strings.ReplaceAll(f, " ", `\s+`)
	}
	return regexp.MustCompile(`(?s)` + strings.Join(fragments, ".*"))
}

// cardBalance is the sandbox's balance of a card (external mode: CardBalance's current balance).
func (sb *testSandbox) cardBalance(t *testing.T, cardID string) decimal.Decimal {
	t.Helper()
	if sb.external {
		b, err := sb.client(t).CardBalance(testContext(t), cardID)
		if err != nil {
			t.Fatalf("CardBalance of %s: %v", cardID, err)
		}
		return b.CurrentBalance
	}
	card, ok := sb.Card(cardID)
	if !ok {
		t.Fatalf("sandbox has no card %s", cardID)
	}
	return card.Balance
}

func topUpConfig(sb *testSandbox, cardID, amount, extra string) string {
	return sb.ProviderConfig + fmt.Sprintf(`
resource "cards_card_topup" "test" {
  card_id = %q
  amount  = %q
%s
}
`, cardID, amount, extra)
}

// estimate is the API's fee estimate and receive amount for topping up cardID by amount.
func (sb *testSandbox) estimate(t *testing.T, cardID, amount string) (fee, receive string) {
	t.Helper()
	est, err := sb.client(t).EstimateTopUpFee(testContext(t), cardID, decimal.RequireFromString(amount))
	if err != nil {
		t.Fatal(err)
	}
	return est.Fee.StringFixed(2), est.ReceiveAmount.StringFixed(2)
}

// expectMoney fails unless got is exactly want (as decimals).
func expectMoney(what string, got decimal.Decimal, want string) error {
	if !got.Equal(decimal.RequireFromString(want)) {
		return fmt.Errorf("%s is %s, want exactly %s", what, got.String(), want)
	}
	return nil
}

// A top-up's plan shows the estimated fee; the apply moves exactly amount off the merchant
// and amount − fee onto the card; the next plan is empty. Rewriting the same amount changes
// nothing, a new amount makes a new top-up, import works, and destroy leaves the money.
func TestAccCardTopUp_lifecycle(t *testing.T) {
	sb := startTestSandbox(t)
	cardID := sb.issueCard(t, sb.prog(progVirtual), sandbox.CardStatusActive)

	// The sandbox's documented formula (seed.go): fee = clamp(round_half_up(amount × 0.015, 2), 1.00, 50.00).
	// 150.50 × 0.015 = 2.2575 → 2.26; the card receives 150.50 − 2.26 = 148.24.
	// 20.00 × 0.015 = 0.30 → below the minimum → 1.00; the card receives 19.00.
	// In external mode the fees are the API's own estimates, and the merchant's balance (shared
	// with whatever else runs) is not checked.
	const amount, amount2 = "150.5", "20"
	wantFee, wantReceive, wantFee2, wantReceive2 := "2.26", "148.24", "1.00", "19.00"
	if sb.external {
		wantFee, wantReceive = sb.estimate(t, cardID, "150.50")
		wantFee2, wantReceive2 = sb.estimate(t, cardID, amount2)
	}
	wantReceiveBoth := decimal.RequireFromString(wantReceive).Add(decimal.RequireFromString(wantReceive2)).StringFixed(2)
	for _, c := range []struct{ amount, fee, receive string }{{"150.50", wantFee, wantReceive}, {amount2, wantFee2, wantReceive2}} {
		if sb.external {
			break
		}
		fee, _ := sandbox.RechargeFee(sandbox.ProgramVirtual, decimal.RequireFromString(c.amount))
		if fee.StringFixed(2) != c.fee {
			t.Fatalf("sandbox formula gives fee %s for %s, the test expects %s", fee.StringFixed(2), c.amount, c.fee)
		}
		est, err := sb.client(t).EstimateTopUpFee(testContext(t), cardID, decimal.RequireFromString(c.amount))
		if err != nil {
			t.Fatal(err)
		}
		if est.Fee.StringFixed(2) != c.fee || est.ReceiveAmount.StringFixed(2) != c.receive {
			t.Fatalf("sandbox estimates %s/%s for %s, the test expects %s/%s", est.Fee, est.ReceiveAmount, c.amount, c.fee, c.receive)
		}
	}

	var merchantBefore, cardBefore, merchantAfter, cardAfter decimal.Decimal
	var taskID string
	snapshot := func(merchant, card *decimal.Decimal) {
		if !sb.external {
			*merchant = sb.MerchantBalance("USD")
		}
		*card = sb.cardBalance(t, cardID)
	}

	tfresource.ParallelTest(t, tfresource.TestCase{
		ProtoV6ProviderFactories: testAccProviders(t),
		Steps: []tfresource.TestStep{
			{
				PreConfig: func() { snapshot(&merchantBefore, &cardBefore) },
				Config:    topUpConfig(sb, cardID, amount, ""),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(topUpName, plancheck.ResourceActionCreate),
					plancheck.ExpectKnownValue(topUpName, tfjsonpath.New("estimated_fee"), knownvalue.StringExact(wantFee)),
					plancheck.ExpectKnownValue(topUpName, tfjsonpath.New("estimated_receive_amount"), knownvalue.StringExact(wantReceive)),
					plancheck.ExpectKnownValue(topUpName, tfjsonpath.New("amount"), knownvalue.StringExact(amount)),
					plancheck.ExpectUnknownValue(topUpName, tfjsonpath.New("fee")),
					plancheck.ExpectUnknownValue(topUpName, tfjsonpath.New("receive_amount")),
					plancheck.ExpectUnknownValue(topUpName, tfjsonpath.New("id")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(topUpName, tfjsonpath.New("status"), knownvalue.StringExact("Success")),
					statecheck.ExpectKnownValue(topUpName, tfjsonpath.New("amount"), knownvalue.StringExact(amount)),
					statecheck.ExpectKnownValue(topUpName, tfjsonpath.New("fee"), knownvalue.StringExact(wantFee)),
					statecheck.ExpectKnownValue(topUpName, tfjsonpath.New("receive_amount"), knownvalue.StringExact(wantReceive)),
					statecheck.ExpectKnownValue(topUpName, tfjsonpath.New("settlement_amount"), knownvalue.StringExact(wantReceive)),
					statecheck.ExpectKnownValue(topUpName, tfjsonpath.New("estimated_fee"), knownvalue.StringExact(wantFee)),
					statecheck.ExpectKnownValue(topUpName, tfjsonpath.New("currency"), knownvalue.StringExact("USD")),
					statecheck.ExpectKnownValue(topUpName, tfjsonpath.New("completed_at"), knownvalue.StringRegexp(rfc3339Pattern)),
				},
				Check: func(s *terraform.State) error {
					if err := captureID(topUpName, &taskID)(s); err != nil {
						return err
					}
					snapshot(&merchantAfter, &cardAfter)
					if err := expectMoney("card balance change", cardAfter.Sub(cardBefore), wantReceive); err != nil {
						return err
					}
					if sb.external {
						return nil
					}
					if err := expectMoney("merchant balance change", merchantBefore.Sub(merchantAfter), "150.50"); err != nil {
						return err
					}
					topUps := sb.TopUps()
					if len(topUps) != 1 || topUps[0].TaskID != taskID || topUps[0].Status != sandbox.StatusSuccess {
						return fmt.Errorf("sandbox top-ups %+v, want exactly one successful top-up %s", topUps, taskID)
					}
					return nil
				},
			},
			{
				// Nothing changes: "150.5" in configuration is not a diff against "150.50" anywhere.
				Config: topUpConfig(sb, cardID, amount, ""),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
			{
				ResourceName:      topUpName,
				ImportState:       true,
				ImportStateVerify: true,
				// The configured text of amount, the plan-time estimate and the guard are not on the platform.
				ImportStateVerifyIgnore: []string{"amount", "estimated_fee", "estimated_receive_amount", "max_fee", "timeouts"},
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					if len(states) != 1 {
						return fmt.Errorf("imported %d resources, want 1", len(states))
					}
					attrs := states[0].Attributes
					if attrs["amount"] != "150.50" || attrs["card_id"] != cardID || attrs["fee"] != wantFee {
						return fmt.Errorf("imported amount %q card_id %q fee %q, want 150.50 %s %s",
							attrs["amount"], attrs["card_id"], attrs["fee"], cardID, wantFee)
					}
					return nil
				},
			},
			{
				// A task id the platform does not know is not imported.
				ResourceName:  topUpName,
				ImportState:   true,
				ImportStateId: "00000000-0000-4000-8000-00000000dead",
				ExpectError:   errorText(`Cannot import non-existent remote object`),
			},
			{
				// The same amount written another way, and a guard added: an in-place update, no money moves.
				Config: topUpConfig(sb, cardID, "150.50", `  max_fee = "5"`),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(topUpName, plancheck.ResourceActionUpdate),
				}},
				Check: func(*terraform.State) error {
					if sb.external {
						return expectMoney("card balance", sb.cardBalance(t, cardID), cardAfter.String())
					}
					if n := sb.Counters()["CardTopUp"]; n != 1 {
						return fmt.Errorf("sandbox received %d CardTopUp requests, want 1", n)
					}
					return nil
				},
			},
			{
				// A different amount is a new top-up; the first one's money stays on the card.
				Config: topUpConfig(sb, cardID, amount2, `  max_fee = "5"`),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(topUpName, plancheck.ResourceActionDestroyBeforeCreate),
					plancheck.ExpectKnownValue(topUpName, tfjsonpath.New("estimated_fee"), knownvalue.StringExact(wantFee2)),
					plancheck.ExpectKnownValue(topUpName, tfjsonpath.New("estimated_receive_amount"), knownvalue.StringExact(wantReceive2)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(topUpName, tfjsonpath.New("fee"), knownvalue.StringExact(wantFee2)),
					statecheck.ExpectKnownValue(topUpName, tfjsonpath.New("receive_amount"), knownvalue.StringExact(wantReceive2)),
				},
				Check: func(s *terraform.State) error {
					if s.RootModule().Resources[topUpName].Primary.ID == taskID {
						return fmt.Errorf("top-up id is still %s, want a new top-up", taskID)
					}
					if err := expectMoney("card balance change", sb.cardBalance(t, cardID).Sub(cardBefore), wantReceiveBoth); err != nil {
						return err
					}
					if sb.external {
						snapshot(&merchantAfter, &cardAfter)
						return nil
					}
					if err := expectMoney("merchant balance change", merchantBefore.Sub(sb.MerchantBalance("USD")), "170.50"); err != nil {
						return err
					}
					if n := len(sb.TopUps()); n != 2 {
						return fmt.Errorf("sandbox has %d top-ups, want 2", n)
					}
					snapshot(&merchantAfter, &cardAfter)
					return nil
				},
			},
			{
				// Destroying the top-up (removing it from the configuration) only forgets it.
				Config: sb.ProviderConfig,
				Check: func(s *terraform.State) error {
					if _, ok := s.RootModule().Resources[topUpName]; ok {
						return fmt.Errorf("%s is still in state", topUpName)
					}
					if err := expectMoney("card balance", sb.cardBalance(t, cardID), cardAfter.String()); err != nil {
						return err
					}
					if sb.external {
						return nil
					}
					if err := expectMoney("merchant balance", sb.MerchantBalance("USD"), merchantAfter.String()); err != nil {
						return err
					}
					for _, tu := range sb.TopUps() {
						if tu.Status != sandbox.StatusSuccess {
							return fmt.Errorf("top-up %s is %s after destroy, want it left Success", tu.TaskID, tu.Status)
						}
					}
					return nil
				},
			},
		},
	})
}

// max_fee below the estimate fails the plan; no money moves.
func TestAccCardTopUp_maxFeeTooLowFailsPlan(t *testing.T) {
	sb := startTestSandbox(t)
	cardID := sb.issueCard(t, sb.prog(progVirtual), sandbox.CardStatusActive)
	merchantBefore := sb.merchantBalance()
	// 100.00 × 0.015 = 1.50 > 1.49 (external mode: the API's estimate, and 0.01 less).
	fee, maxFee := "1.50", "1.49"
	if sb.external {
		fee, _ = sb.estimate(t, cardID, "100")
		maxFee = decimal.RequireFromString(fee).Sub(decimal.RequireFromString("0.01")).StringFixed(2)
	}
	tfresource.ParallelTest(t, tfresource.TestCase{
		ProtoV6ProviderFactories: testAccProviders(t),
		Steps: []tfresource.TestStep{{
			Config:      topUpConfig(sb, cardID, "100", fmt.Sprintf(`  max_fee = %q`, maxFee)),
			ExpectError: errorText(`Estimated fee exceeds max_fee`, `fee of `+regexp.QuoteMeta(fee)+` for topping up card`, `more than max_fee `+regexp.QuoteMeta(maxFee), `No money was moved`),
		}},
	})
	assertNoMoneyMoved(t, sb, cardID, merchantBefore)
}

// When the plan cannot estimate (the card is created in the same apply), max_fee is checked
// at apply time, before CardTopUp.
func TestAccCardTopUp_maxFeeCheckedAtApply(t *testing.T) {
	sb := startTestSandbox(t)
	merchantBefore := sb.merchantBalance()
	program := sb.prog(progVirtual)
	if sb.external {
		// The fee of 100 on the program must be known to pick a max_fee just under it.
		sb.requireSandbox(t, "relies on the seed program's fee formula (a fee of 1.50 for 100)")
	}
	tfresource.ParallelTest(t, tfresource.TestCase{
		ProtoV6ProviderFactories: testAccProviders(t),
		CheckDestroy:             sb.checkAllCardsCancelled,
		Steps: []tfresource.TestStep{{
			Config: sb.ProviderConfig + fmt.Sprintf(`
resource "cards_card" "test" {
  program_id = %q
}
resource "cards_card_topup" "test" {
  card_id = cards_card.test.id
  amount  = "100"
  max_fee = "1.49"
}
`, program),
			ConfigPlanChecks: tfresource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectUnknownValue(topUpName, tfjsonpath.New("estimated_fee")),
			}},
			ExpectError: errorText(`Estimated fee exceeds max_fee`, `fee of 1\.50 for topping up card`, `more than max_fee 1\.49`, `No money was moved`),
		}},
	})
	cards := sb.Cards()
	if len(cards) != 1 {
		t.Fatalf("sandbox has %d cards, want 1", len(cards))
	}
	assertNoMoneyMoved(t, sb, cards[0].ID, merchantBefore)
}

// merchantBalance is the sandbox merchant's USD balance (external mode: zero, not checked).
func (sb *testSandbox) merchantBalance() decimal.Decimal {
	if sb.external {
		return decimal.Zero
	}
	return sb.MerchantBalance("USD")
}

func assertNoMoneyMoved(t *testing.T, sb *testSandbox, cardID string, merchantBefore decimal.Decimal) {
	t.Helper()
	if sb.external {
		if err := expectMoney("card balance", sb.cardBalance(t, cardID), "0"); err != nil {
			t.Error(err)
		}
		return
	}
	if n := sb.Counters()["CardTopUp"]; n != 0 {
		t.Errorf("sandbox received %d CardTopUp requests, want 0", n)
	}
	if n := len(sb.TopUps()); n != 0 {
		t.Errorf("sandbox has %d top-ups, want 0", n)
	}
	if err := expectMoney("merchant balance", sb.MerchantBalance("USD"), merchantBefore.String()); err != nil {
		t.Error(err)
	}
	if err := expectMoney("card balance", sb.cardBalance(t, cardID), "0"); err != nil {
		t.Error(err)
	}
}

// A top-up over the program's single-recharge limit fails at plan time when the card's program
// is known from its BIN, and at apply right before CardTopUp when the card is new: no money moves.
func TestAccCardTopUp_overSingleRechargeLimitFailsBeforeMoneyMoves(t *testing.T) {
	sb := startTestSandbox(t)
	sb.requireSandbox(t, "relies on the seed program's single-recharge limit")
	cardID := sb.issueCard(t, sandbox.ProgramVirtual, sandbox.CardStatusActive)
	merchantBefore := sb.MerchantBalance("USD")
	// Seed: ProgramVirtual's singleRechargeLimit is 5000.00.
	tfresource.ParallelTest(t, tfresource.TestCase{
		ProtoV6ProviderFactories: testAccProviders(t),
		Steps: []tfresource.TestStep{
			{
				Config:      topUpConfig(sb, cardID, "5000.01", ""),
				PlanOnly:    true,
				ExpectError: errorText(`Amount over the single-recharge limit`, `5000\.01 exceeds the single-recharge limit 5000\.00`, `No money was moved`),
			},
			{
				Config: sb.ProviderConfig + fmt.Sprintf(`
resource "cards_card" "test" {
  program_id = %q
}
resource "cards_card_topup" "test" {
  card_id = cards_card.test.id
  amount  = "5000.01"
}
`, sandbox.ProgramVirtual),
				ExpectError: errorText(`Amount over the single-recharge limit`, `No money was moved`),
			},
		},
	})
	if n := sb.Counters()["CardTopUp"]; n != 0 {
		t.Errorf("sandbox received %d CardTopUp requests, want 0", n)
	}
	if err := expectMoney("merchant balance", sb.MerchantBalance("USD"), merchantBefore.String()); err != nil {
		t.Error(err)
	}
}

// A top-up the platform refuses (here: the merchant's balance is too low) fails with the
// platform's remarks, and nothing is written to state.
func TestAccCardTopUp_platformRefusalShowsRemarks(t *testing.T) {
	sb := startTestSandbox(t)
	sb.requireSandbox(t, "sets the merchant's balance")
	cardID := sb.issueCard(t, sandbox.ProgramVirtual, sandbox.CardStatusActive)
	sb.SetMerchantBalance("USD", decimal.RequireFromString("50.00"))
	config := topUpConfig(sb, cardID, "100", "")
	tfresource.ParallelTest(t, tfresource.TestCase{
		ProtoV6ProviderFactories: testAccProviders(t),
		Steps: []tfresource.TestStep{
			{
				Config:      config,
				ExpectError: errorText(`The top-up was not made`, `refused the top-up of 100\.00 onto card `+cardID, `balance`, `No money was moved`),
			},
			{
				// Nothing in state: the next plan still creates the top-up.
				Config:             config,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: tfresource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(topUpName, plancheck.ResourceActionCreate),
				}},
			},
		},
	})
	if n := sb.Counters()["CardTopUp.refused"]; n != 1 {
		t.Errorf("sandbox refused %d CardTopUp requests, want 1", n)
	}
	if n := len(sb.TopUps()); n != 0 {
		t.Errorf("sandbox has %d top-ups, want 0", n)
	}
	if err := expectMoney("merchant balance", sb.MerchantBalance("USD"), "50.00"); err != nil {
		t.Error(err)
	}
}

// A CardTopUp whose answer is lost is not retried: the error says the top-up may have gone
// A top-up that the platform accepts and then fails is an error with the platform's remarks;
// it stays in state, tainted, so the next plan replaces it.
func TestAccCardTopUp_asyncFailureTaints(t *testing.T) {
	sb := startTestSandbox(t)
	sb.requireSandbox(t, "injects a failed top-up")
	cardID := sb.issueCard(t, sandbox.ProgramVirtual, sandbox.CardStatusActive)
	merchantBefore := sb.MerchantBalance("USD")
	config := topUpConfig(sb, cardID, "100", "")
	tfresource.ParallelTest(t, tfresource.TestCase{
		ProtoV6ProviderFactories: testAccProviders(t),
		Steps: []tfresource.TestStep{
			{
				PreConfig: func() {
					sb.SetFaults(sandbox.Faults{Next: []sandbox.NextFault{{Operation: sandbox.OpCardTopUp, Mode: sandbox.ModeTopUpFails}}})
				},
				Config:      config,
				ExpectError: errorText(`The top-up failed`, `100\.00 onto card `+cardID+` failed: TopUp failed: the issuer declined the load`, `tainted`),
			},
			{
				Config:             config,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: tfresource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(topUpName, plancheck.ResourceActionDestroyBeforeCreate),
					plancheck.ExpectKnownValue(topUpName, tfjsonpath.New("estimated_fee"), knownvalue.StringExact("1.50")),
				}},
			},
		},
	})
	topUps := sb.TopUps()
	if len(topUps) != 1 || topUps[0].Status != sandbox.StatusFailed {
		t.Fatalf("sandbox top-ups %+v, want exactly one Failed top-up", topUps)
	}
	// The sandbox refunds the merchant for a failed top-up; the card got nothing.
	if err := expectMoney("merchant balance", sb.MerchantBalance("USD"), merchantBefore.String()); err != nil {
		t.Error(err)
	}
	if err := expectMoney("card balance", sb.cardBalance(t, cardID), "0"); err != nil {
		t.Error(err)
	}
}

// oneTopUpOf100Made checks, from the sandbox's own records, that exactly one top-up exists,
// of 100 (what these tests top up), and that the state follows it.
func (sb *testSandbox) oneTopUpOf100Made() func(*terraform.State) error {
	return func(s *terraform.State) error {
		topUps := sb.TopUps()
		if len(topUps) != 1 {
			return fmt.Errorf("sandbox has %d top-ups, want exactly 1", len(topUps))
		}
		if err := expectMoney("top-up amount", topUps[0].Amount, "100"); err != nil {
			return err
		}
		rs, ok := s.RootModule().Resources[topUpName]
		if !ok {
			return fmt.Errorf("%s not in state", topUpName)
		}
		if rs.Primary.ID != topUps[0].TaskID {
			return fmt.Errorf("state follows top-up %q, the sandbox made %q", rs.Primary.ID, topUps[0].TaskID)
		}
		return nil
	}
}

// A CardTopUp processed by the platform whose answer is lost (the connection drops, or a 500
// after processing) is not sent again: the provider finds it in the card's transactions and
// follows it. One apply, one top-up, nothing left to do.
func TestAccCardTopUp_lostAnswerIsFoundNotRepeated(t *testing.T) {
	for _, mode := range []string{sandbox.ModeLoseResponse, sandbox.Mode500AfterProcessing} {
		t.Run(mode, func(t *testing.T) {
			sb := startTestSandbox(t)
			sb.requireSandbox(t, "injects lost top-up answers")
			cardID := sb.issueCard(t, sandbox.ProgramVirtual, sandbox.CardStatusActive)
			config := topUpConfig(sb, cardID, "100", "")
			tfresource.ParallelTest(t, tfresource.TestCase{
				ProtoV6ProviderFactories: testAccProviders(t),
				Steps: []tfresource.TestStep{
					{
						PreConfig: func() {
							sb.SetFaults(sandbox.Faults{Next: []sandbox.NextFault{{Operation: sandbox.OpCardTopUp, Mode: mode}}})
						},
						Config: config,
						Check: tfresource.ComposeTestCheckFunc(sb.oneTopUpOf100Made(),
							tfresource.TestCheckResourceAttr(topUpName, "status", sandbox.StatusSuccess)),
					},
					{Config: config, PlanOnly: true}, // nothing left: no second top-up planned
				},
			})
			if n := sb.Counters()["CardTopUp"]; n != 1 {
				t.Errorf("sandbox received %d CardTopUp requests, want exactly 1", n)
			}
		})
	}
}

// A CardTopUp that got a 500 before the platform processed it looks the same to the provider
// as one processed and then lost. No recharge appears in the card's transactions within the
// create timeout: the provider says the top-up did not happen, and the next apply makes it.
func TestAccCardTopUp_unprocessedTopUpIsDecidedAndMadeOnce(t *testing.T) {
	sb := startTestSandbox(t)
	sb.requireSandbox(t, "injects an unprocessed top-up")
	cardID := sb.issueCard(t, sandbox.ProgramVirtual, sandbox.CardStatusActive)
	config := topUpConfig(sb, cardID, "100", `
  timeouts {
    create = "2s"
  }`)
	tfresource.ParallelTest(t, tfresource.TestCase{
		ProtoV6ProviderFactories: testAccProviders(t),
		Steps: []tfresource.TestStep{
			{
				PreConfig: func() {
					sb.SetFaults(sandbox.Faults{Next: []sandbox.NextFault{{Operation: sandbox.OpCardTopUp, Mode: sandbox.Mode500}}})
				},
				Config: config,
				ExpectError: errorText(`The top-up did not happen`, `not sent again`, `no recharge of that amount appeared`,
					`No money was moved`, `apply again`),
			},
			{
				Config: config,
				Check:  sb.oneTopUpOf100Made(),
			},
		},
	})
	if n := sb.Counters()["CardTopUp"]; n != 2 {
		t.Errorf("sandbox received %d CardTopUp requests, want 2 (the unprocessed one and the real one)", n)
	}
}

// A top-up that outlasts the create timeout was accepted: it may still complete, so it is
// saved as pending and NOT tainted (a replacement would move money twice). The next refresh
// shows how it ended, and nothing is planned.
func TestAccCardTopUp_timeoutSavesPendingTopUp(t *testing.T) {
	sb := startTestSandbox(t, func(o *sandbox.Options) { o.TaskDelay = 3 * time.Second })
	cardID := sb.issueCard(t, sandbox.ProgramVirtual, sandbox.CardStatusActive)
	config := topUpConfig(sb, cardID, "100", `
  timeouts {
    create = "1s"
  }`)
	tfresource.ParallelTest(t, tfresource.TestCase{
		ProtoV6ProviderFactories: testAccProviders(t),
		Steps: []tfresource.TestStep{
			{
				Config: config,
				Check: tfresource.ComposeTestCheckFunc(sb.oneTopUpOf100Made(),
					tfresource.TestCheckResourceAttr(topUpName, "status", "Pending")),
			},
			{
				PreConfig:    sb.Settle,
				RefreshState: true,
				Check: tfresource.ComposeTestCheckFunc(sb.oneTopUpOf100Made(),
					tfresource.TestCheckResourceAttr(topUpName, "status", sandbox.StatusSuccess),
					tfresource.TestCheckResourceAttr(topUpName, "receive_amount", "98.50")),
			},
			{Config: config, PlanOnly: true},
		},
	})
	if n := sb.Counters()["CardTopUp"]; n != 1 {
		t.Errorf("sandbox received %d CardTopUp requests, want exactly 1", n)
	}
}

// A failed refresh of a top-up keeps its last state with a warning: it must not stop the rest
// of a run, such as the destroy that cancels cards.
func TestAccCardTopUp_failedRefreshDoesNotBlockDestroy(t *testing.T) {
	sb := startTestSandbox(t)
	sb.requireSandbox(t, "injects failed TopUpStatus answers")
	config := sb.ProviderConfig + fmt.Sprintf(`
resource "cards_card" "test" {
  program_id = %q
}
resource "cards_card_topup" "test" {
  card_id = cards_card.test.id
  amount  = "10"
}
`, sandbox.ProgramVirtual)
	tfresource.ParallelTest(t, tfresource.TestCase{
		ProtoV6ProviderFactories: testAccProviders(t),
		CheckDestroy:             sb.checkAllCardsCancelled,
		Steps: []tfresource.TestStep{
			{Config: config},
			{
				PreConfig: func() {
					sb.SetFaults(sandbox.Faults{Next: []sandbox.NextFault{{Operation: sandbox.OpTopUpStatus, Mode: sandbox.Mode500, Count: 50}}})
				},
				Config:  config,
				Destroy: true,
			},
		},
	})
}

// topUpResourceState builds a cards_card_topup state for the unit tests below.
func topUpResourceState(t *testing.T, m cardTopUpResourceModel) tfsdk.State {
	t.Helper()
	ctx := context.Background()
	var sresp resource.SchemaResponse
	(&cardTopUpResource{}).Schema(ctx, resource.SchemaRequest{}, &sresp)
	state := tfsdk.State{Schema: sresp.Schema, Raw: tftypes.NewValue(sresp.Schema.Type().TerraformType(ctx), nil)}
	if m.Timeouts.IsNull() && len(m.Timeouts.AttributeTypes(ctx)) == 0 {
		m.Timeouts = timeouts.Value{Object: types.ObjectNull(map[string]attr.Type{"create": types.StringType})}
	}
	if diags := state.Set(ctx, &m); diags.HasError() {
		t.Fatalf("building state: %v", diags)
	}
	return state
}

func sampleTopUpModel() cardTopUpResourceModel {
	return cardTopUpResourceModel{
		ID: types.StringValue("task-1"), CardID: types.StringValue("card-1"), Amount: types.StringValue("100"),
		MaxFee: types.StringNull(), EstimatedFee: types.StringValue("1.50"), EstimatedReceiveAmount: types.StringValue("98.50"),
		Fee: types.StringValue("1.50"), ReceiveAmount: types.StringValue("98.50"), SettlementAmount: types.StringValue("98.50"),
		Currency: types.StringValue("USD"), Status: types.StringValue("Success"), Remarks: types.StringNull(),
		CompletedAt: types.StringValue("2025-01-01T00:00:00Z"),
	}
}

// Destroy only forgets the top-up, with a warning that the money stays; it calls no API
// (the resource has no client here).
func TestCardTopUpDelete_warnsMoneyStays(t *testing.T) {
	state := topUpResourceState(t, sampleTopUpModel())
	resp := &resource.DeleteResponse{State: state}
	(&cardTopUpResource{}).Delete(context.Background(), resource.DeleteRequest{State: state}, resp)
	if resp.Diagnostics.HasError() {
		t.Fatalf("Delete failed: %v", resp.Diagnostics)
	}
	if len(resp.Diagnostics) != 1 {
		t.Fatalf("got %d diagnostics, want one warning", len(resp.Diagnostics))
	}
	d := resp.Diagnostics[0]
	if !strings.Contains(d.Summary(), "money not taken back") || !strings.Contains(d.Detail(), "Money cannot be taken back") ||
		!strings.Contains(d.Detail(), "task-1") || !strings.Contains(d.Detail(), "card-1") {
		t.Fatalf("warning %q: %q does not say the money stays on the card", d.Summary(), d.Detail())
	}
}

// A destroy plan warns before anything happens.
func TestCardTopUpModifyPlan_destroyWarns(t *testing.T) {
	state := topUpResourceState(t, sampleTopUpModel())
	plan := tfsdk.Plan{Schema: state.Schema, Raw: tftypes.NewValue(state.Schema.Type().TerraformType(context.Background()), nil)}
	resp := &resource.ModifyPlanResponse{Plan: plan}
	(&cardTopUpResource{}).ModifyPlan(context.Background(), resource.ModifyPlanRequest{State: state, Plan: plan}, resp)
	if resp.Diagnostics.HasError() || resp.Diagnostics.WarningsCount() != 1 {
		t.Fatalf("diagnostics %v, want one warning", resp.Diagnostics)
	}
	if !strings.Contains(resp.Diagnostics[0].Detail(), "money stays on the card") {
		t.Fatalf("warning %q does not say the money stays", resp.Diagnostics[0].Detail())
	}
}

func TestCardTopUpSetFromStatus(t *testing.T) {
	status := &cardsapi.TopUpStatus{
		TaskID: "task-1", CardID: "card-1", Currency: "USD", Amount: decimal.RequireFromString("150.5"),
		SettlementAmount: decimal.RequireFromString("148.24"), Fee: decimal.RequireFromString("2.26"),
		Date: 1764000000, Status: "Success", Remarks: "TopUp SuccessFully",
	}
	// Import: only the id is known; card and amount come from the platform, canonically written.
	m := cardTopUpResourceModel{ID: types.StringValue("task-1"), CardID: types.StringNull(), Amount: types.StringNull()}
	m.setFromStatus(status, true)
	for name, got := range map[string]string{
		"card_id": m.CardID.ValueString(), "amount": m.Amount.ValueString(), "fee": m.Fee.ValueString(),
		"receive_amount": m.ReceiveAmount.ValueString(), "settlement_amount": m.SettlementAmount.ValueString(),
		"completed_at": m.CompletedAt.ValueString(), "status": m.Status.ValueString(),
	} {
		want := map[string]string{"card_id": "card-1", "amount": "150.50", "fee": "2.26", "receive_amount": "148.24",
			"settlement_amount": "148.24", "completed_at": "2025-11-24T16:00:00Z", "status": "Success"}[name]
		if got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}

	// The configured text of the same amount is kept; a pending top-up has no completion time.
	m = cardTopUpResourceModel{ID: types.StringValue("task-1"), CardID: types.StringValue("card-1"), Amount: types.StringValue("150.5")}
	pending := *status
	pending.Status = "Pending"
	m.setFromStatus(&pending, true)
	if m.Amount.ValueString() != "150.5" {
		t.Errorf("amount = %q, want the configured 150.5 kept", m.Amount.ValueString())
	}
	if !m.CompletedAt.IsNull() {
		t.Errorf("completed_at = %q for a pending top-up, want null", m.CompletedAt.ValueString())
	}
}

func TestMaxFeeExceeded(t *testing.T) {
	amount := decimal.RequireFromString("100")
	cases := []struct {
		maxFee types.String
		fee    string
		exceed bool
	}{
		{types.StringNull(), "1.50", false},
		{types.StringUnknown(), "1.50", false},
		{types.StringValue("1.50"), "1.50", false},
		{types.StringValue("1.5"), "1.50", false},
		{types.StringValue("1.49"), "1.50", true},
		{types.StringValue("0"), "0.01", true},
	}
	for _, c := range cases {
		msg := maxFeeExceeded(c.maxFee, decimal.RequireFromString(c.fee), "card-1", amount)
		if (msg != "") != c.exceed {
			t.Errorf("max_fee %s, fee %s: message %q, want exceeded=%t", c.maxFee, c.fee, msg, c.exceed)
		}
		if c.exceed && !strings.Contains(msg, formatMoney(decimal.RequireFromString(c.fee))) {
			t.Errorf("message %q does not name the fee %s", msg, c.fee)
		}
	}
}
