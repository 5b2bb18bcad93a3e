package provider

import (
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"
)

func TestPlanCardUpdate(t *testing.T) {
	card := func(program, status string, frozen bool, pin int64) cardResourceModel {
		m := cardResourceModel{ID: types.StringValue("c1"), ProgramID: types.StringValue(program), Status: types.StringValue(status),
			Frozen: types.BoolValue(frozen), PinVersion: types.Int64Value(pin)}
		if program == "" {
			m.ProgramID = types.StringNull()
		}
		if pin < 0 {
			m.PinVersion = types.Int64Null()
		}
		return m
	}
	for _, tc := range []struct {
		name                    string
		state, plan             cardResourceModel
		imported                bool
		steps                   []cardStep
		replace, adopt          bool
		operates, changesStatus bool
	}{
		{name: "nothing to do", state: card("p", "Active", false, 1), plan: card("p", "Active", false, 1)},
		{name: "freeze", state: card("p", "Active", false, 1), plan: card("p", "", true, 1),
			steps: []cardStep{stepFreeze}, operates: true, changesStatus: true},
		{name: "unfreeze", state: card("p", "Frozen", true, 1), plan: card("p", "", false, 1),
			steps: []cardStep{stepUnfreeze}, operates: true, changesStatus: true},
		{name: "rotate the PIN", state: card("p", "Active", false, 1), plan: card("p", "", false, 2),
			steps: []cardStep{stepRotatePin}, operates: true},
		{name: "unfreeze before rotating", state: card("p", "Frozen", true, 1), plan: card("p", "", false, 2),
			steps: []cardStep{stepUnfreeze, stepRotatePin}, operates: true, changesStatus: true},
		{name: "rotate before freezing", state: card("p", "Active", false, 1), plan: card("p", "", true, 2),
			steps: []cardStep{stepRotatePin, stepFreeze}, operates: true, changesStatus: true},
		{name: "an interrupted create is finished first", state: card("p", "Pending", false, 1), plan: card("p", "", true, 1),
			steps: []cardStep{stepFinishIssuing, stepFreeze}, operates: true, changesStatus: true},
		{name: "a status not understood is waited for again", state: card("p", "Normal", false, 1), plan: card("p", "", false, 1),
			steps: []cardStep{stepFinishIssuing}, changesStatus: true},
		{name: "a card awaiting its physical card is bound", state: card("p", "AwaitingBinding", false, 1), plan: card("p", "", false, 1),
			steps: []cardStep{stepFinishIssuing}, changesStatus: true},
		{name: "another program replaces the card", state: card("p", "Active", false, 1), plan: card("q", "", false, 1), replace: true},
		{name: "an import without program adopts the configured one", state: card("", "Active", false, -1), plan: card("q", "", false, -1),
			adopt: true},
		{name: "the first update after an import adopts pin_version", state: card("p", "Active", false, -1), plan: card("p", "", false, 3),
			imported: true},
		{name: "pin_version set for the first time otherwise rotates", state: card("p", "Active", false, -1), plan: card("p", "", false, 3),
			steps: []cardStep{stepRotatePin}, operates: true},
		{name: "removing pin_version does not rotate", state: card("p", "Active", false, 2), plan: card("p", "", false, -1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := planCardUpdate(tc.state, tc.plan, tc.imported)
			if !slices.Equal(u.steps, tc.steps) {
				t.Errorf("steps %v, want %v", u.steps, tc.steps)
			}
			if u.replace != tc.replace || u.adoptProgram != tc.adopt {
				t.Errorf("replace %t adopt %t, want %t %t", u.replace, u.adoptProgram, tc.replace, tc.adopt)
			}
			if u.operates() != tc.operates || u.changesStatus() != tc.changesStatus || u.needsProgram() != (len(tc.steps) > 0) {
				t.Errorf("operates %t changesStatus %t needsProgram %t", u.operates(), u.changesStatus(), u.needsProgram())
			}
		})
	}
}
