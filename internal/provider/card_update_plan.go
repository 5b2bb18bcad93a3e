package provider

import (
	"fmt"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/diag"
)

// What an update of cards_card does is decided here, once: ModifyPlan turns the decision into
// unknown values, warnings and checks; Update runs its steps in order; the program_id plan
// modifier reads its replace. Adding an operation means adding a step here.

// cardStep is one thing an update does on the platform.
type cardStep int

const (
	// stepFinishIssuing waits for a card an interrupted create left being issued (or in a
	// status not understood), and binds a card waiting for its physical card.
	stepFinishIssuing cardStep = iota
	stepUnfreeze
	stepRotatePin
	stepFreeze
)

// failure is the summary of a step that failed.
func (s cardStep) failure() string {
	return [...]string{"The card could not be issued", "The card could not be unfrozen", "The PIN could not be rotated",
		"The card could not be frozen"}[s]
}

// cardUpdate is what applying a plan to an existing card does.
type cardUpdate struct {
	steps   []cardStep // in the order they run
	replace bool       // program_id changed: cancel this card, issue another
	// adoptProgram: state has no program_id (an import no BIN identified): the configured one
	// is recorded as it is.
	adoptProgram bool
}

// planCardUpdate decides an update from the state and the plan. imported says the card was
// imported and not updated since (its first update adopts pin_version without rotating).
func planCardUpdate(state, plan cardResourceModel, imported bool) cardUpdate {
	var u cardUpdate
	u.adoptProgram = state.ProgramID.IsNull() && !plan.ProgramID.IsNull() && !plan.ProgramID.IsUnknown()
	u.replace = !state.ProgramID.IsNull() && !plan.ProgramID.Equal(state.ProgramID)
	if stillSettling(state) || awaitsBinding(state) {
		u.steps = append(u.steps, stepFinishIssuing)
	}
	freezeChange := !plan.Frozen.IsUnknown() && !plan.Frozen.Equal(state.Frozen)
	// A PIN is set on an active card: unfreeze first, freeze last.
	if freezeChange && !plan.Frozen.ValueBool() {
		u.steps = append(u.steps, stepUnfreeze)
	}
	if pinRotationPlanned(state, plan, imported) {
		u.steps = append(u.steps, stepRotatePin)
	}
	if freezeChange && plan.Frozen.ValueBool() {
		u.steps = append(u.steps, stepFreeze)
	}
	return u
}

func (u cardUpdate) has(s cardStep) bool { return slices.Contains(u.steps, s) }

// operates reports whether a step sends an operation that may need sign_image.
func (u cardUpdate) operates() bool {
	return u.has(stepUnfreeze) || u.has(stepRotatePin) || u.has(stepFreeze)
}

// needsProgram reports whether the plan must read the program: to check sign_image for an
// operation, or KYC and binding for finishing the card.
func (u cardUpdate) needsProgram() bool { return len(u.steps) > 0 }

// changesStatus reports whether the card's status is unknown until apply.
func (u cardUpdate) changesStatus() bool {
	return u.has(stepFinishIssuing) || u.has(stepUnfreeze) || u.has(stepFreeze)
}

// warnings says in the plan what the update does that its diff cannot show.
func (u cardUpdate) warnings(state cardResourceModel, diags *diag.Diagnostics) {
	cardID := state.ID.ValueString()
	switch {
	case u.adoptProgram:
		diags.AddWarning("program_id is taken from the configuration",
			fmt.Sprintf("The platform does not say which program card %s belongs to, and no single program matches its BIN: "+
				"the configured program_id is recorded as it is. Make sure it is the card's program; it decides which "+
				"KYC and signature checks apply.", cardID))
	case u.replace:
		diags.AddWarning("Changing program_id replaces the card",
			fmt.Sprintf("Card %s%s will be cancelled for good and a new card issued from the new program.", cardID, endingIn(state)))
	}
	if u.has(stepFinishIssuing) {
		if awaitsBinding(state) {
			diags.AddWarning("This plan binds a physical card",
				fmt.Sprintf("Card %s is waiting for its physical card: apply binds the card in binding and waits until it is active.", cardID))
		} else {
			diags.AddWarning("This plan resumes issuing a card",
				fmt.Sprintf("Card %s was still being issued (status %s) when an earlier run stopped: apply waits for it and "+
					"finishes what create started. No new card is applied for.", cardID, state.Status.ValueString()))
		}
	}
	if u.has(stepRotatePin) {
		diags.AddWarning("This plan sets a new PIN",
			fmt.Sprintf("pin_version changed: the platform will set a new PIN on card %s%s, and the old PIN stops working.", cardID, endingIn(state)))
	}
}
